import { FormError } from '../web/fields.js';
import { fill, formatMoroccanTime, type Locale } from '../web/i18n.js';
import { Page } from '../web/render.js';
import { CONFIRM_HOURS } from './confirmation.js';
import type { RequestKind } from './model.js';
import { described, type FormRefusal, KindChoice, SubjectFields } from './pages.js';
import { type RegisterText, registerMessages } from './register-messages.js';

/** What the person typed, kept to show the form again after a refusal. */
export type PublicRequestValues = Partial<
  Record<'shop' | 'kind' | 'email' | 'corrected_email' | 'note', string>
>;

/** /privacy/request: a person sends a shop a request about their data, without an account. */
export function PublicRequestPage(props: {
  locale: Locale;
  path: string;
  csrf: string;
  shops: readonly { id: string; name: string }[];
  answerDays: number;
  values: PublicRequestValues;
  refused?: FormRefusal | undefined;
}) {
  const { locale, values, refused } = props;
  const t = registerMessages(locale);
  const chosenKind = values.kind ?? 'access';
  return (
    <Page locale={locale} title={t.requestTitle} path={props.path}>
      <h1>{t.requestTitle}</h1>
      <p>{fill(t.requestIntro, { days: props.answerDays })}</p>
      <form method="post" action={`/privacy/request?lang=${locale}`} id="request-form">
        <FormError id="request-error" message={refused?.message} />
        <input type="hidden" name="csrf" value={props.csrf} />
        <div class="field">
          <label for="shop">{t.shop}</label>
          <select id="shop" name="shop" required {...described(refused?.field === 'shop')}>
            <option value="">{t.chooseShop}</option>
            {props.shops.map((shop) => (
              <option key={shop.id} value={shop.id} selected={shop.id === values.shop}>
                {shop.name}
              </option>
            ))}
          </select>
        </div>
        <KindChoice
          legend={t.askWhat}
          chosen={chosenKind}
          labelOf={(kind) => t[`ask_${kind}`]}
          invalid={refused?.field === 'kind'}
        />
        <SubjectFields
          labels={{ email: t.yourEmail, corrected: t.correctedEmail, note: t.note }}
          values={values}
          refused={refused}
        />
        <button type="submit">{t.send}</button>
      </form>
    </Page>
  );
}

/** After sending: the reference, the shop and the date by which it must answer. */
export function RequestSentPage(props: {
  locale: Locale;
  path: string;
  request: { id: string; shop: string; dueAt: Date; shopSuspended: boolean };
}) {
  const { locale, request } = props;
  const t: RegisterText = registerMessages(locale);
  return (
    <Page locale={locale} title={t.sentTitle} path={props.path}>
      <h1 class="ok">{t.sentTitle}</h1>
      <p id="request-sent">
        {fill(t.sent, {
          id: request.id,
          shop: request.shop,
          date: formatMoroccanTime(request.dueAt, locale, { dateStyle: 'long' }),
        })}
      </p>
      <p id="request-next">
        {request.shopSuspended ? fill(t.sentNextSuspended, { shop: request.shop }) : t.sentNext}
      </p>
      <p>
        <a href={`/privacy?lang=${locale}`}>{t.title}</a>
      </p>
    </Page>
  );
}

/** After sending the form: the link is in the person's mailbox; nothing reached the shop yet. */
export function RequestMailedPage(props: { locale: Locale; path: string; shop: string }) {
  const t = registerMessages(props.locale);
  return (
    <Page locale={props.locale} title={t.mailedTitle} path={props.path}>
      <h1>{t.mailedTitle}</h1>
      <p id="request-mailed">{fill(t.mailed, { hours: CONFIRM_HOURS, shop: props.shop })}</p>
    </Page>
  );
}

/**
 * The mailed link's page: a button sends the request. Opening the link changes nothing, since mail
 * programs open links themselves to look for danger.
 */
export function ConfirmRequestPage(props: {
  locale: Locale;
  path: string;
  csrf: string;
  link: { id: string; token: string };
  shop: string;
  kind: RequestKind;
}) {
  const { locale } = props;
  const t = registerMessages(locale);
  return (
    <Page locale={locale} title={t.confirmTitle} path={props.path}>
      <h1>{t.confirmTitle}</h1>
      <p id="request-confirm">{fill(t.confirmIntro, { shop: props.shop, what: t[`ask_${props.kind}`] })}</p>
      <form method="post" action={`/privacy/request/confirm?lang=${locale}`} id="confirm-form">
        <input type="hidden" name="csrf" value={props.csrf} />
        <input type="hidden" name="id" value={props.link.id} />
        <input type="hidden" name="token" value={props.link.token} />
        <button type="submit">{t.confirmSend}</button>
      </form>
    </Page>
  );
}

/** A link used already, expired, or made up. */
export function LinkGonePage(props: { locale: Locale; path: string }) {
  const { locale } = props;
  const t = registerMessages(locale);
  return (
    <Page locale={locale} title={t.linkGoneTitle} path={props.path}>
      <h1>{t.linkGoneTitle}</h1>
      <p id="link-gone">{fill(t.linkGone, { hours: CONFIRM_HOURS })}</p>
      <p>
        <a href={`/privacy/request?lang=${locale}`}>{t.requestTitle}</a>
      </p>
    </Page>
  );
}
