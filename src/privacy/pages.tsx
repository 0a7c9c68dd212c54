import { isReadPurpose } from '../audit/sensitive.js';
import type { BuyerRecord } from '../cmi/buyer-data.js';
import {
  Entry,
  FormTokens,
  ModeSelect,
  Moment,
  PostButton,
  StatusFilter,
  statusAsked,
  Table,
} from '../console/components.js';
import { merchantMessages } from '../console/merchant-messages.js';
import { consoleMessages } from '../console/messages.js';
import { FormError } from '../web/fields.js';
import { fill, formatMoney, type Locale, numberFormat } from '../web/i18n.js';
import type { PrivacyText } from './messages.js';
import {
  type Answer,
  type DataReading,
  type NamedFigures,
  type PrivacyRequest,
  REQUEST_KINDS,
  type RequestKind,
  type RequestStatus,
} from './model.js';

/** What the list shows: the requests of one status, or all of them. */
export type RequestFilter = RequestStatus | 'all';
const REQUEST_FILTERS: readonly RequestFilter[] = ['all', 'open', 'answered'];

/** The filter a query asks for; every request unless it names a status. */
export const requestFilterOf = (query: unknown): RequestFilter => statusAsked(query, REQUEST_FILTERS, 'all');

export const requestPath = (id: string, locale: Locale) => `/console/privacy/${id}?lang=${locale}`;
export const listPath = (locale: Locale, livemode: boolean) =>
  `/console/privacy?lang=${locale}&mode=${livemode ? 'live' : 'test'}`;

/**
 * Where the request pages link: the merchant's own pages, or the data protection officer's when the
 * merchant's console is closed and the officer answers in its place.
 */
export interface RequestPaths {
  list(locale: Locale, livemode: boolean): string;
  request(id: string, locale: Locale): string;
  answer(id: string, locale: Locale): string;
  download(id: string): string;
  /** A payment's page, where the reader may open it (the officer may not: a merchant's page). */
  payment?(id: string, locale: Locale): string;
}

export const merchantPaths: RequestPaths = {
  list: listPath,
  request: requestPath,
  answer: (id, locale) => `/console/privacy/${id}/answer?lang=${locale}`,
  download: (id) => `/console/privacy/${id}/answer.json`,
  payment: (id, locale) => `/console/payments/${id}?lang=${locale}`,
};

/** The officer's pages for one merchant whose console is closed. */
export function officerPaths(merchantId: string): RequestPaths {
  const base = `/console/data-protection/merchants/${merchantId}`;
  return {
    list: (locale) => `${base}?lang=${locale}`,
    request: (id, locale) => `${base}/requests/${id}?lang=${locale}`,
    answer: (id, locale) => `${base}/requests/${id}/answer?lang=${locale}`,
    download: (id) => `${base}/requests/${id}/answer.json`,
  };
}

/** Where a request stands: open or answered, and whether in time. */
type Standing = 'open' | 'overdue' | 'answered' | 'answered_late';
function standingOf(request: PrivacyRequest, now: Date): Standing {
  if (request.answeredAt) return request.answeredAt > request.dueAt ? 'answered_late' : 'answered';
  return now > request.dueAt ? 'overdue' : 'open';
}

/** The standing in words; the colour only repeats it. */
function StandingBadge(props: { t: PrivacyText; request: PrivacyRequest; now: Date }) {
  const standing = standingOf(props.request, props.now);
  return (
    <span class="badge" data-status={standing}>
      {props.t[`status_${standing}`]}
    </span>
  );
}

/** An e-mail address or an id, read left to right in every language. */
const Ltr = (props: { text: string }) => <bdi dir="ltr">{props.text}</bdi>;

/** The status and test / live choice of the list. */
export function RequestFilterForm(props: {
  t: PrivacyText;
  locale: Locale;
  filter: RequestFilter;
  livemode: boolean;
}) {
  return (
    <StatusFilter
      action="/console/privacy"
      locale={props.locale}
      t={props.t}
      statuses={REQUEST_FILTERS}
      chosen={props.filter}
    >
      <ModeSelect locale={props.locale} livemode={props.livemode} />
    </StatusFilter>
  );
}

/** The merchant's requests, newest first: what each asks, when it came, when it is due, where it stands. */
export function RequestList(props: {
  t: PrivacyText;
  locale: Locale;
  requests: readonly PrivacyRequest[];
  now: Date;
  paths?: RequestPaths;
}) {
  const { t, locale, now, paths = merchantPaths } = props;
  return (
    <Table
      id="requests"
      rows={props.requests}
      empty={t.noRequests}
      headings={[t.kind, t.received, t.due, t.status]}
      row={(request) => (
        <tr
          key={request.id}
          data-request={request.id}
          data-kind={request.kind}
          data-status={standingOf(request, now)}
        >
          <td>
            <a href={paths.request(request.id, locale)}>{t[`kind_${request.kind}`]}</a>
          </td>
          <td>
            <Moment at={request.receivedAt} locale={locale} />
          </td>
          <td>
            <Moment at={request.dueAt} locale={locale} />
          </td>
          <td>
            <StandingBadge t={t} request={request} now={now} />
          </td>
        </tr>
      )}
    />
  );
}

/** The fields of the form as the browser sent them, kept to show the form again after a refusal. */
export type RequestFormValues = Partial<
  Record<'kind' | 'email' | 'corrected_email' | 'note' | 'received_at', string>
>;

/** Why the last attempt was refused, and the field it was about (marked invalid). */
export interface FormRefusal {
  message: string;
  field?: string | undefined;
}

/** A field's help and, when the refusal is about it, the refusal, for screen readers. */
export function described(invalid: boolean, help?: string) {
  const by = [help, invalid ? 'request-error' : undefined].filter(Boolean).join(' ');
  return {
    ...(invalid ? { 'aria-invalid': 'true' as const } : {}),
    ...(by ? { 'aria-describedby': by } : {}),
  };
}

/** An e-mail address, typed left to right in every language. */
function EmailField(props: {
  name: string;
  label: string;
  value: string | undefined;
  help?: string;
  required?: boolean;
  invalid: boolean;
}) {
  const helpId = props.help ? `${props.name}-help` : undefined;
  return (
    <div class="field">
      <label for={props.name}>{props.label}</label>
      <input
        id={props.name}
        name={props.name}
        type="email"
        dir="ltr"
        autocomplete="off"
        required={props.required}
        maxlength={254}
        value={props.value ?? ''}
        {...described(props.invalid, helpId)}
      />
      {props.help ? <small id={helpId}>{props.help}</small> : null}
    </div>
  );
}

/** What the person asks, one radio button a kind, each with its help when there is one. */
export function KindChoice(props: {
  legend: string;
  chosen: string;
  labelOf: (kind: RequestKind) => string;
  helpOf?: (kind: RequestKind) => string;
  invalid?: boolean;
}) {
  return (
    <fieldset {...described(props.invalid === true)}>
      <legend>{props.legend}</legend>
      {REQUEST_KINDS.map((kind) => (
        <div class="choice" key={kind}>
          <input
            type="radio"
            id={`kind-${kind}`}
            name="kind"
            value={kind}
            checked={kind === props.chosen}
            {...(props.helpOf ? { 'aria-describedby': `kind-${kind}-help` } : {})}
          />
          <label for={`kind-${kind}`}>{props.labelOf(kind)}</label>
          {props.helpOf ? (
            <p class="note" id={`kind-${kind}-help`}>
              {props.helpOf(kind)}
            </p>
          ) : null}
        </div>
      ))}
    </fieldset>
  );
}

/** The person's address, the corrected one, and the note: the fields every request form asks for. */
export function SubjectFields(props: {
  labels: { email: string; emailHelp?: string; corrected: string; note: string };
  values: Partial<Record<'email' | 'corrected_email' | 'note', string>>;
  refused?: FormRefusal | undefined;
}) {
  const { labels, values, refused } = props;
  return (
    <>
      <EmailField
        name="email"
        label={labels.email}
        value={values.email}
        {...(labels.emailHelp ? { help: labels.emailHelp } : {})}
        required
        invalid={refused?.field === 'email'}
      />
      <EmailField
        name="corrected_email"
        label={labels.corrected}
        value={values.corrected_email}
        invalid={refused?.field === 'corrected_email'}
      />
      <div class="field">
        <label for="note">{labels.note}</label>
        <textarea id="note" name="note" rows={3} maxlength={2000} {...described(refused?.field === 'note')}>
          {values.note ?? ''}
        </textarea>
      </div>
    </>
  );
}

/**
 * A request a person sent, recorded in the list's mode; each kind says what answering it does. The
 * one-time token makes a second click record nothing twice.
 */
export function RequestForm(props: {
  t: PrivacyText;
  locale: Locale;
  csrf: string;
  livemode: boolean;
  /** The Moroccan date today (YYYY-MM-DD): the default, and the latest day a request can have come. */
  today: string;
  values: RequestFormValues;
  refused?: FormRefusal | undefined;
}) {
  const { t, values, refused } = props;
  const chosenKind = values.kind ?? 'access';
  return (
    <section>
      <h2>{t.recordRequest}</h2>
      <form method="post" action={listPath(props.locale, props.livemode)} id="request-form">
        <FormError id="request-error" message={refused?.message} />
        <FormTokens csrf={props.csrf} once />
        <KindChoice
          legend={t.kindLegend}
          chosen={chosenKind}
          labelOf={(kind) => t[`kind_${kind}`]}
          helpOf={(kind) => t[`explain_${kind}`]}
        />
        <SubjectFields
          labels={{
            email: t.email,
            emailHelp: t.emailHelp,
            corrected: t.correctedEmailField,
            note: t.noteField,
          }}
          values={values}
          refused={refused}
        />
        <div class="field">
          <label for="received_at">{t.receivedOn}</label>
          <input
            id="received_at"
            name="received_at"
            type="date"
            required
            max={props.today}
            value={values.received_at ?? props.today}
            {...described(refused?.field === 'received_at')}
          />
        </div>
        <button type="submit">{t.record}</button>
      </form>
    </section>
  );
}

/** What the request is and where it stands. */
function RequestFacts(props: { t: PrivacyText; locale: Locale; request: PrivacyRequest; now: Date }) {
  const { t, locale, request } = props;
  const c = consoleMessages(locale);
  return (
    <dl class="summary">
      <Entry term={t.kind} id="request-kind" data-kind={request.kind}>
        {t[`kind_${request.kind}`]}
      </Entry>
      <Entry term={t.status} id="request-status" data-status={standingOf(request, props.now)}>
        <StandingBadge t={t} request={request} now={props.now} />
      </Entry>
      <Entry term={c.mode} id="request-mode" data-livemode={String(request.livemode)}>
        {request.livemode ? c.live : c.test}
      </Entry>
      <Entry term={t.channel} id="request-channel" data-channel={request.channel}>
        {t[`channel_${request.channel}`]}
      </Entry>
      <Entry term={t.email} id="request-email">
        <Ltr text={request.email} />
      </Entry>
      {request.correctedEmail ? (
        <Entry term={t.correctedEmail} id="corrected-email">
          <Ltr text={request.correctedEmail} />
        </Entry>
      ) : null}
      {request.note ? (
        <Entry term={t.note} id="request-note">
          {request.note}
        </Entry>
      ) : null}
      <Entry term={t.received}>
        <Moment at={request.receivedAt} locale={locale} />
      </Entry>
      <Entry term={t.due} id="request-due">
        <Moment at={request.dueAt} locale={locale} />
      </Entry>
      <Entry term={t.answeredAt} id="answered-at">
        {request.answeredAt ? <Moment at={request.answeredAt} locale={locale} /> : t.notYet}
      </Entry>
      <Entry term={t.records} id="request-records">
        {request.records === null ? t.notYet : numberFormat(locale).format(request.records)}
      </Entry>
    </dl>
  );
}

/** The person's payments as their copy shows them: amounts from centimes, in their currency. */
function PaymentsTable(props: {
  t: PrivacyText;
  locale: Locale;
  answer: Extract<Answer, { kind: 'access' }>;
}) {
  const { t, locale } = props;
  return (
    <Table
      id="answer-payments"
      rows={props.answer.payments}
      empty={t.noPayments}
      headings={[t.payment, t.date, t.amount, t.paymentStatus, t.description, t.orderReference, t.card]}
      row={(payment) => (
        <tr key={payment.id} data-payment={payment.id}>
          <td>
            <Ltr text={payment.id} />
          </td>
          <td>
            <Moment at={new Date(payment.created_at)} locale={locale} />
          </td>
          <td>{formatMoney(BigInt(payment.amount), payment.currency, locale)}</td>
          <td>
            <Ltr text={payment.status} />
          </td>
          <td>{payment.description ?? '—'}</td>
          <td>{payment.order_reference ? <Ltr text={payment.order_reference} /> : '—'}</td>
          <td>{payment.card ? <Ltr text={payment.card} /> : '—'}</td>
        </tr>
      )}
    />
  );
}

/** What was read, in words when the console knows it (the customer's e-mail, a stated purpose). */
function readingText(locale: Locale, reading: DataReading) {
  const m = merchantMessages(locale);
  return {
    what: reading.data === 'payment.customer_email' ? m.customerEmail : reading.data,
    purpose: isReadPurpose(reading.purpose) ? m[reading.purpose] : reading.purpose,
  };
}

function ReadingsTable(props: { t: PrivacyText; locale: Locale; readings: readonly DataReading[] }) {
  const { t, locale } = props;
  return (
    <Table
      id="answer-readings"
      rows={props.readings}
      empty={t.noReadings}
      headings={[t.when, t.payment, t.what, t.purpose]}
      row={(reading) => {
        const { what, purpose } = readingText(locale, reading);
        return (
          <tr key={`${reading.at}-${reading.payment}`} data-payment={reading.payment}>
            <td>
              <Moment at={new Date(reading.at)} locale={locale} />
            </td>
            <td>
              <Ltr text={reading.payment} />
            </td>
            <td>{what}</td>
            <td data-purpose={reading.purpose}>{purpose}</td>
          </tr>
        );
      }}
    />
  );
}

/** What the person's CMI orders keep on them: the shop's order id, its payment, and the fields. */
function CmiOrdersTable(props: { t: PrivacyText; locale: Locale; orders: readonly BuyerRecord[] }) {
  const { t, locale } = props;
  return (
    <Table
      id="answer-cmi-orders"
      rows={props.orders}
      empty=""
      headings={[t.cmiOrder, t.payment, t.date, t.buyerFields]}
      row={(order) => (
        <tr key={order.payment} data-payment={order.payment}>
          <td>
            <Ltr text={order.oid} />
          </td>
          <td>
            <Ltr text={order.payment} />
          </td>
          <td>
            <Moment at={new Date(order.created_at)} locale={locale} />
          </td>
          <td>
            <dl>
              {Object.entries(order.fields).map(([name, value]) => (
                <Entry key={name} term={name}>
                  {value}
                </Entry>
              ))}
            </dl>
          </td>
        </tr>
      )}
    />
  );
}

/** The CMI orders (by the shop's order id) a rectification or an objection changed too, when any. */
function ChangedCmiOrders(props: { lead: string; oids: readonly string[] | undefined }) {
  if (!props.oids?.length) return null;
  return (
    <>
      <p>{props.lead}</p>
      <ul id="changed-cmi-orders">
        {props.oids.map((oid) => (
          <li key={oid}>
            <Ltr text={oid} />
          </li>
        ))}
      </ul>
    </>
  );
}

/** The payments a rectification corrected or an objection erased the address from. */
function ChangedPayments(props: {
  t: PrivacyText;
  locale: Locale;
  lead: string;
  ids: readonly string[];
  paths: RequestPaths;
}) {
  const { t, locale, paths } = props;
  if (props.ids.length === 0) return <p id="changed-payments">{t.noneChanged}</p>;
  return (
    <>
      <p>{props.lead}</p>
      <ul id="changed-payments">
        {props.ids.map((id) => (
          <li key={id} data-payment={id}>
            {paths.payment ? (
              <a href={paths.payment(id, locale)}>
                <Ltr text={id} />
              </a>
            ) : (
              <Ltr text={id} />
            )}
          </li>
        ))}
      </ul>
    </>
  );
}

/** The answer given, and the file to send to the person. */
function AnswerSection(props: {
  t: PrivacyText;
  locale: Locale;
  request: PrivacyRequest;
  answer: Answer;
  paths: RequestPaths;
}) {
  const { t, locale, answer, paths } = props;
  return (
    <section id="answer" data-kind={answer.kind}>
      <h2>{t.answer}</h2>
      {answer.kind === 'access' ? (
        <>
          <p>
            {fill(t.accessSummary, {
              payments: numberFormat(locale).format(answer.payments.length),
              readings: numberFormat(locale).format(answer.readings.length),
            })}
          </p>
          <h3>{t.theirPayments}</h3>
          <PaymentsTable t={t} locale={locale} answer={answer} />
          {answer.cmi_orders?.length ? (
            <>
              <h3>{t.cmiOrders}</h3>
              <CmiOrdersTable t={t} locale={locale} orders={answer.cmi_orders} />
            </>
          ) : null}
          <h3>{t.readings}</h3>
          <ReadingsTable t={t} locale={locale} readings={answer.readings} />
        </>
      ) : answer.kind === 'rectification' ? (
        <>
          <ChangedPayments
            t={t}
            locale={locale}
            lead={t.corrected}
            ids={answer.corrected_payments}
            paths={paths}
          />
          <ChangedCmiOrders lead={t.cmiCorrected} oids={answer.corrected_cmi_orders} />
        </>
      ) : (
        <>
          <ChangedPayments t={t} locale={locale} lead={t.erased} ids={answer.erased_from} paths={paths} />
          <ChangedCmiOrders lead={t.cmiErased} oids={answer.erased_cmi_orders} />
        </>
      )}
      <p>
        <a href={paths.download(props.request.id)} id="download-answer">
          {t.download}
        </a>
      </p>
    </section>
  );
}

/** One request: its facts, then the button that answers it while open, or the answer given. */
export function RequestDetail(props: {
  t: PrivacyText;
  locale: Locale;
  csrf: string;
  request: PrivacyRequest;
  now: Date;
  paths?: RequestPaths;
}) {
  const { t, locale, request, paths = merchantPaths } = props;
  return (
    <>
      <p>
        <a href={paths.list(locale, request.livemode)}>{t.backToList}</a>
      </p>
      <RequestFacts t={t} locale={locale} request={request} now={props.now} />
      {request.answer ? (
        <AnswerSection t={t} locale={locale} request={request} answer={request.answer} paths={paths} />
      ) : (
        <section id="answer-now">
          <p class="note">
            {t[`explain_${request.kind}`]} {t.answerHelp}
          </p>
          <PostButton action={paths.answer(request.id, locale)} csrf={props.csrf} label={t.answerNow} once />
        </section>
      )}
    </>
  );
}

/** A count that is a fault when above zero, said in words then ("2 overdue"). */
function Fault(props: { locale: Locale; n: number; words: string; status: Standing }) {
  if (props.n === 0) return <>{numberFormat(props.locale).format(0)}</>;
  return (
    <span class="badge" data-status={props.status}>
      {fill(props.words, { n: numberFormat(props.locale).format(props.n) })}
    </span>
  );
}

/** The authority's table: each merchant's live requests by counts and dates, no person named. */
export function FiguresTable(props: { t: PrivacyText; locale: Locale; rows: readonly NamedFigures[] }) {
  const { t, locale } = props;
  const n = (value: number) => numberFormat(locale).format(value);
  return (
    <Table
      id="figures"
      rows={props.rows}
      empty={t.noFigures}
      headings={[t.merchant, t.open, t.overdue, t.answered, t.answeredLate, t.nextDue]}
      row={(row) => (
        <tr key={row.merchantId} data-merchant={row.merchantId}>
          <td>
            {row.name ? <bdi>{row.name}</bdi> : <Ltr text={row.merchantId} />}
            {row.closed ? (
              <>
                {' · '}
                <a href={officerPaths(row.merchantId).list(locale, true)} data-closed>
                  {t.closedConsole}
                </a>
              </>
            ) : null}
          </td>
          <td data-count="open">{n(row.open)}</td>
          <td data-count="overdue">
            <Fault locale={locale} n={row.overdue} words={t.nOverdue} status="overdue" />
          </td>
          <td data-count="answered">{n(row.answered)}</td>
          <td data-count="answered_late">
            <Fault locale={locale} n={row.answeredLate} words={t.nLate} status="answered_late" />
          </td>
          <td>{row.nextDueAt ? <Moment at={row.nextDueAt} locale={locale} /> : '—'}</td>
        </tr>
      )}
    />
  );
}
