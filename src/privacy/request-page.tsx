import { FormError } from '../web/fields.js';
import { fill, formatMoroccanTime, type Locale } from '../web/i18n.js';
import { Page } from '../web/render.js';
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
