// Pages as functions of their data (no state, no hooks), so the routes call them without JSX.
import type { Locale } from '../web/i18n.js';
import { Page } from '../web/render.js';
import type { GateProblem } from './gate.js';
import { gateProblemText, pageText } from './messages.js';
import type { CmiFields } from './model.js';

export function gatewayInfoPage({ locale }: { locale: Locale }) {
  const t = pageText(locale);
  return (
    <Page locale={locale} title={t.gatewayTitle} path="/fim/est3Dgate">
      <h1>{t.gatewayTitle}</h1>
      <p>{t.gatewayBody}</p>
    </Page>
  );
}

/** The form was refused: what is wrong, field by field, for the cardholder to pass on to the shop. */
export function gateRefusedPage(props: { locale: Locale; problems: GateProblem[]; shopUrl: string | null }) {
  const { locale, problems, shopUrl } = props;
  const t = pageText(locale);
  const explain = gateProblemText(locale);
  return (
    <Page locale={locale} title={t.refusedTitle} path="/fim/est3Dgate">
      <h1>{t.refusedTitle}</h1>
      <p>{t.refusedIntro}</p>
      <ul class="decline">
        {problems.map((p) => (
          <li key={`${p.field}:${p.code}`}>
            <code dir="ltr">{p.field}</code>: {explain[p.code]}
          </li>
        ))}
      </ul>
      {shopUrl && (
        <p>
          <a href={shopUrl}>{t.backToShop}</a>
        </p>
      )}
    </Page>
  );
}

/**
 * Carries the signed answer to the shop's okUrl or failUrl: the browser posts it (at once with
 * JavaScript, with the button without).
 */
export function returnPage(props: {
  locale: Locale;
  path: string;
  approved: boolean;
  target: string;
  fields: CmiFields;
}) {
  const { locale, path, approved, target, fields } = props;
  const t = pageText(locale);
  return (
    <Page locale={locale} title={t.returnTitle} path={path} scripts={['/assets/autosubmit.js']}>
      <h1 class={approved ? 'ok' : undefined}>{t.returnTitle}</h1>
      <p>{approved ? t.returnApproved : t.returnDeclined}</p>
      <form method="post" action={target} data-autosubmit="">
        {Object.entries(fields).map(([name, value]) => (
          <input type="hidden" name={name} value={value} key={name} />
        ))}
        <button type="submit">{t.continue}</button>
      </form>
    </Page>
  );
}

export function notFinishedPage({
  locale,
  path,
  paymentId,
}: {
  locale: Locale;
  path: string;
  paymentId: string;
}) {
  const t = pageText(locale);
  return (
    <Page locale={locale} title={t.notFinishedTitle} path={path}>
      <h1>{t.notFinishedTitle}</h1>
      <p>{t.notFinishedBody}</p>
      <p>
        <a class="button" href={`/pay/${encodeURIComponent(paymentId)}?lang=${locale}`}>
          {t.resumePayment}
        </a>
      </p>
    </Page>
  );
}

export function orderNotFoundPage({ locale, path }: { locale: Locale; path: string }) {
  const t = pageText(locale);
  return (
    <Page locale={locale} title={t.notFoundTitle} path={path}>
      <h1>{t.notFoundTitle}</h1>
      <p>{t.notFoundBody}</p>
    </Page>
  );
}
