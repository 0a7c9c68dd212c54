import type { Locale } from '../core/response-codes.js';

export type { Locale };
export const LOCALES: readonly Locale[] = ['ar', 'fr', 'en'];

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export function direction(locale: Locale): 'rtl' | 'ltr' {
  return locale === 'ar' ? 'rtl' : 'ltr';
}

/**
 * The page language: an explicit choice (the switcher, or the merchant's request) first, then the
 * browser's Accept-Language, then French, the language of Moroccan commerce online.
 */
export function pickLocale(explicit: unknown, acceptLanguage: string | undefined): Locale {
  if (isLocale(explicit)) return explicit;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = Number(params.find((p) => p.trim().startsWith('q='))?.split('=')[1] ?? 1);
      return { language: tag.toLowerCase().split('-')[0], q: Number.isFinite(q) ? q : 0 };
    })
    .sort((a, b) => b.q - a.q);
  return (ranked.find((r) => isLocale(r.language))?.language as Locale | undefined) ?? 'fr';
}

/** A page's language: `?lang=` when it names one, else the browser's Accept-Language. */
export function localeOf(request: { query: unknown; headers: { 'accept-language'?: string } }): Locale {
  return pickLocale(
    (request.query as { lang?: string } | undefined)?.lang,
    request.headers['accept-language'],
  );
}

/** A catalogue with the same keys in every language, checked by the compiler. */
export function defineMessages<K extends string>(catalogue: Record<Locale, Record<K, string>>) {
  return (locale: Locale) => catalogue[locale];
}

/** A message with its `{name}` placeholders filled in; an unknown name is left as it is. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? `{${name}}`));
}

/** The BCP 47 tag each page language formats numbers and dates with: Moroccan Arabic and French. */
const LANGUAGE_TAGS: Record<Locale, string> = { ar: 'ar-MA', fr: 'fr-MA', en: 'en-GB' };

const numberFormats = new Map<string, Intl.NumberFormat>();

/** A cached Intl number format in the page language. */
export function numberFormat(locale: Locale, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  const key = `${locale}:${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(LANGUAGE_TAGS[locale], options);
    numberFormats.set(key, format);
  }
  return format;
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** A moment as the clocks in Morocco show it, in the page language (Latin digits, as on Moroccan receipts). */
export function formatMoroccanTime(
  at: Date,
  locale: Locale,
  style: Pick<Intl.DateTimeFormatOptions, 'dateStyle' | 'timeStyle'> = {
    dateStyle: 'long',
    timeStyle: 'short',
  },
): string {
  const key = `${locale}:${style.dateStyle}:${style.timeStyle}`;
  let format = timeFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(LANGUAGE_TAGS[locale], {
      timeZone: 'Africa/Casablanca',
      ...style,
      numberingSystem: 'latn',
    });
    timeFormats.set(key, format);
  }
  return format.format(at);
}

/** An amount in minor units shown the way each language writes money (MAD as "درهم", "MAD" or "DH"). */
export function formatMoney(minorUnits: bigint, currency: string, locale: Locale): string {
  const format = numberFormat(locale, { style: 'currency', currency, minimumFractionDigits: 2 });
  // Exact for any amount a payment can hold (< 2^53 centimes).
  return format.format(Number(minorUnits) / 100);
}
