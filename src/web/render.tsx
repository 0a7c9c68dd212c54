import type { FastifyReply } from 'fastify';
import type { ComponentChildren, VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { direction, LOCALES, type Locale } from './i18n.js';

const languageNames: Record<Locale, string> = { ar: 'العربية', fr: 'Français', en: 'English' };
/** Every page links to what Tijara keeps on people (law 09-08), as a shop's pages link to their notice. */
const privacyLink: Record<Locale, string> = {
  ar: 'معطياتكم الشخصية',
  fr: 'Vos données personnelles',
  en: 'Your personal data',
};

export interface PageProps {
  locale: Locale;
  title: string;
  /** The current path and query, for the language switcher links. */
  path: string;
  children: ComponentChildren;
  /** Scripts of our own (under /assets) that improve the page; it works without them. */
  scripts?: string[];
  /** Console pages hold tables: give them the width. */
  wide?: boolean;
}

function withLang(path: string, locale: Locale): string {
  const url = new URL(path, 'http://x');
  url.searchParams.set('lang', locale);
  return `${url.pathname}${url.search}`;
}

/** The shell every page shares: language, direction, the switcher, our stylesheet, nothing third-party. */
export function Page({ locale, title, path, children, scripts = [], wide = false }: PageProps) {
  return (
    <html lang={locale} dir={direction(locale)}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        <link rel="stylesheet" href="/assets/tijara.css" />
      </head>
      <body>
        <header class="site">
          <span class="brand">Tijara</span>
          <nav aria-label="Language / Langue / اللغة" class="languages">
            {LOCALES.map((l) =>
              l === locale ? (
                <span aria-current="true" lang={l} key={l}>
                  {languageNames[l]}
                </span>
              ) : (
                <a href={withLang(path, l)} lang={l} hreflang={l} key={l}>
                  {languageNames[l]}
                </a>
              ),
            )}
          </nav>
        </header>
        <main id="main" class={wide ? 'wide' : undefined}>
          {children}
        </main>
        <footer class="site">
          <a href={`/privacy?lang=${locale}`}>{privacyLink[locale]}</a>
        </footer>
        {scripts.map((src) => (
          <script src={src} defer key={src} />
        ))}
      </body>
    </html>
  );
}

/** Strict by default: our own styles and scripts only, no framing, forms post only where allowed. */
export function contentSecurityPolicy(formAction: string[] = []): string {
  return [
    "default-src 'none'",
    "style-src 'self'",
    "script-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    `form-action 'self'${formAction.map((origin) => ` ${origin}`).join('')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function sendPage(
  reply: FastifyReply,
  page: VNode,
  options: { status?: number; formAction?: string[] } = {},
) {
  return reply
    .code(options.status ?? 200)
    .type('text/html; charset=utf-8')
    .header('content-security-policy', contentSecurityPolicy(options.formAction))
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .send(`<!doctype html>${renderToString(page)}`);
}
