import type { ComponentChildren } from 'preact';
import type { Challenge, SentCode } from '../../issuer/acs.js';
import { FormError, OneTimeCodeField } from '../../web/fields.js';
import { fill, formatMoney, type Locale } from '../../web/i18n.js';
import { Page } from '../../web/render.js';
import { checkoutMessages } from './messages.js';

export interface PaymentSummary {
  id: string;
  merchantName: string;
  amount: bigint;
  currency: string;
  orderReference: string | null;
}

function Summary({ payment, locale }: { payment: PaymentSummary; locale: Locale }) {
  const t = checkoutMessages(locale);
  return (
    <dl class="summary">
      <div>
        <dt>{t.merchant}</dt>
        <dd>{payment.merchantName}</dd>
      </div>
      <div>
        <dt>{t.amount}</dt>
        <dd class="amount">{formatMoney(payment.amount, payment.currency, locale)}</dd>
      </div>
      {payment.orderReference ? (
        <div>
          <dt>{t.order}</dt>
          <dd>{payment.orderReference}</dd>
        </div>
      ) : null}
    </dl>
  );
}

export interface CardFormProps {
  locale: Locale;
  path: string;
  payment: PaymentSummary;
  /** A field problem (by field name) or a decline, in the page language. */
  fieldError?: { field: 'number' | 'expiry' | 'cvc'; message: string };
  decline?: string;
  /** After a decline: back to the merchant, who learns the payment failed. */
  leaveUrl?: string;
  holderName?: string;
}

type CardField = 'number' | 'expiry' | 'cvc';

/** One labelled card input; its error, when the server found one, is announced and linked to it. */
function CardInput(props: {
  id: CardField | 'holder_name';
  label: string;
  autocomplete: string;
  maxlength: number;
  error?: string | undefined;
  hint?: string;
  placeholder?: string;
  value?: string;
  numeric?: boolean;
  children?: ComponentChildren;
}) {
  const describedBy = [props.hint ? `${props.id}-hint` : '', props.error ? `${props.id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.id}
        autocomplete={props.autocomplete}
        maxlength={props.maxlength}
        {...(props.numeric ? { inputmode: 'numeric', dir: 'ltr', required: true } : {})}
        {...(props.placeholder ? { placeholder: props.placeholder } : {})}
        {...(props.value !== undefined ? { value: props.value } : {})}
        {...(describedBy ? { 'aria-describedby': describedBy } : {})}
        {...(props.error ? { 'aria-invalid': true as const } : {})}
      />
      {props.children}
      {props.hint ? <small id={`${props.id}-hint`}>{props.hint}</small> : null}
      {props.error ? (
        <p class="field-error" id={`${props.id}-error`} role="alert">
          {props.error}
        </p>
      ) : null}
    </div>
  );
}

export interface CardFormProps {
  locale: Locale;
  path: string;
  payment: PaymentSummary;
  /** A field problem (by field name) or a decline, in the page language. */
  fieldError?: { field: CardField; message: string };
  decline?: string;
  /** After a decline: back to the merchant, who learns the payment failed. */
  leaveUrl?: string;
  holderName?: string;
}

export function CardFormPage({
  locale,
  path,
  payment,
  fieldError,
  decline,
  leaveUrl,
  holderName,
}: CardFormProps) {
  const t = checkoutMessages(locale);
  const errorOf = (field: CardField) => (fieldError?.field === field ? fieldError.message : undefined);
  return (
    <Page
      locale={locale}
      title={`${t.title} · ${payment.merchantName}`}
      path={path}
      scripts={['/assets/pay.js']}
    >
      <h1>{t.title}</h1>
      <Summary payment={payment} locale={locale} />
      {decline ? (
        <div class="decline" role="alert">
          <p>
            <strong>{t.failed}.</strong> {decline}
          </p>
          <p>{t.tryAgain}</p>
          {leaveUrl ? (
            <p>
              <a href={leaveUrl}>{fill(t.giveUp, { merchant: payment.merchantName })}</a>
            </p>
          ) : null}
        </div>
      ) : null}
      <form
        method="post"
        action={`/pay/${payment.id}?lang=${locale}`}
        class="card-form"
        novalidate
        data-messages={JSON.stringify({
          number: t.invalid_card_number,
          expiry: t.invalid_expiry,
          cvc: t.invalid_cvc,
        })}
      >
        <CardInput
          id="number"
          label={t.cardNumber}
          autocomplete="cc-number"
          maxlength={23}
          numeric
          error={errorOf('number')}
        >
          <span class="brand-hint" id="brand" aria-live="polite" />
        </CardInput>
        <div class="row">
          <CardInput
            id="expiry"
            label={t.expiry}
            autocomplete="cc-exp"
            maxlength={7}
            numeric
            placeholder="MM/YY"
            error={errorOf('expiry')}
          />
          <CardInput
            id="cvc"
            label={t.cvc}
            autocomplete="cc-csc"
            maxlength={4}
            numeric
            hint={t.cvcHint}
            error={errorOf('cvc')}
          />
        </div>
        <CardInput
          id="holder_name"
          label={t.holder}
          autocomplete="cc-name"
          maxlength={100}
          value={holderName ?? ''}
        />
        <button type="submit">
          {fill(t.pay, { amount: formatMoney(payment.amount, payment.currency, locale) })}
        </button>
        <p class="note">{t.secureNote}</p>
      </form>
    </Page>
  );
}

export function ResultPage(props: {
  locale: Locale;
  path: string;
  payment: PaymentSummary;
  status: 'succeeded' | 'requires_capture' | 'canceled';
  returnUrl: string | null;
}) {
  const { locale, payment } = props;
  const t = checkoutMessages(locale);
  const heading =
    props.status === 'canceled' ? t.canceled : props.status === 'succeeded' ? t.succeeded : t.authorized;
  return (
    <Page locale={locale} title={`${heading} · ${payment.merchantName}`} path={props.path}>
      <h1 class={props.status === 'canceled' ? '' : 'ok'}>{heading}</h1>
      {props.status !== 'canceled' ? (
        <p>
          {fill(t.paidNote, {
            amount: formatMoney(payment.amount, payment.currency, locale),
            merchant: payment.merchantName,
            id: payment.id,
          })}
        </p>
      ) : null}
      {props.returnUrl ? (
        <p>
          <a class="button" href={props.returnUrl}>
            {fill(t.returnToMerchant, { merchant: payment.merchantName })}
          </a>
        </p>
      ) : null}
    </Page>
  );
}

export function ChallengePage(props: {
  locale: Locale;
  path: string;
  challenge: Challenge;
  bankName: string;
  payment: PaymentSummary;
  error?: string;
}) {
  const { locale, challenge } = props;
  const t = checkoutMessages(locale);
  return (
    <Page locale={locale} title={`${t.challengeTitle} · ${props.bankName}`} path={props.path}>
      <h1>{t.challengeTitle}</h1>
      <p class="bank">{props.bankName}</p>
      <Summary payment={props.payment} locale={locale} />
      <p>{fill(t.challengeIntro, { bank: props.bankName, last4: challenge.cardLast4 })}</p>
      <FormError id="code-error" message={props.error} />
      <form method="post" action={`/acs/${challenge.id}?lang=${locale}`}>
        <OneTimeCodeField label={t.code} required {...(props.error ? { errorId: 'code-error' } : {})} />
        <button type="submit">{t.confirm}</button>
      </form>
      <p class="note">
        <a href={`/demo/inbox?lang=${locale}`} target="_blank" rel="noopener">
          {t.demoInbox}
        </a>
      </p>
    </Page>
  );
}

export function InboxPage({ locale, path, codes }: { locale: Locale; path: string; codes: SentCode[] }) {
  const t = checkoutMessages(locale);
  return (
    <Page locale={locale} title={t.inboxTitle} path={path}>
      <h1>{t.inboxTitle}</h1>
      {codes.length === 0 ? (
        <p>{t.inboxEmpty}</p>
      ) : (
        <ul class="inbox">
          {codes.map((c) => (
            <li key={c.challengeId} data-challenge={c.challengeId}>
              <span dir="ltr">•••• {c.cardLast4}</span>{' '}
              <strong class="code" dir="ltr">
                {c.code}
              </strong>{' '}
              <time dateTime={c.sentAt.toISOString()}>{c.sentAt.toISOString().slice(11, 19)}</time>
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}

export function NotFoundPage({ locale, path }: { locale: Locale; path: string }) {
  const t = checkoutMessages(locale);
  return (
    <Page locale={locale} title={t.notFound} path={path}>
      <h1>{t.notFound}</h1>
    </Page>
  );
}
