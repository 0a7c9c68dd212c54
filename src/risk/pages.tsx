import { Entry, FormTokens, Moment, StatusFilter, statusAsked, Table } from '../console/components.js';
import { fill, type Locale, numberFormat } from '../web/i18n.js';
import type { RiskText } from './messages.js';
import type { AlertReview, AlertStatus, RiskAlert } from './service.js';

/** What the list shows: one status, or every alert. */
export const ALERT_FILTERS = ['open', 'acknowledged', 'resolved', 'all'] as const;
export type AlertFilter = (typeof ALERT_FILTERS)[number];

/** The filter a query asks for; open alerts (the ones waiting for someone) unless it names another. */
export const alertFilterOf = (query: unknown): AlertFilter => statusAsked(query, ALERT_FILTERS, 'open');

export const REVIEW_DECISIONS: readonly AlertReview['decision'][] = ['acknowledged', 'resolved'];

/** The decisions a reviewer may still take: a resolved alert is final, a new firing raises a new one. */
export function decisionsFor(status: AlertStatus): readonly AlertReview['decision'][] {
  if (status === 'open') return REVIEW_DECISIONS;
  return status === 'acknowledged' ? ['resolved'] : [];
}

/** Merchants' names by id, for the alerts whose subject is a merchant. */
export type MerchantNames = ReadonlyMap<string, string>;

export const alertPath = (id: string, locale: Locale) => `/console/risk/${id}?lang=${locale}`;

/** The rule in words, with the window its figures cover. */
const explanation = (t: RiskText, alert: RiskAlert) =>
  fill(t[`explain_${alert.rule}`], { minutes: alert.evidence.window_minutes ?? '' });

/** A merchant by its name and id (the id alone when it is unknown), a card as `BIN…last4`. */
function Subject(props: { t: RiskText; alert: RiskAlert; merchantNames: MerchantNames }) {
  const { alert } = props;
  const name = alert.subjectKind === 'merchant' ? props.merchantNames.get(alert.subject) : undefined;
  return (
    <>
      {props.t[`subject_${alert.subjectKind}`]} ·{' '}
      {name ? (
        <>
          <bdi>{name}</bdi>{' '}
        </>
      ) : null}
      <bdi dir="ltr">{name ? `(${alert.subject})` : alert.subject}</bdi>
    </>
  );
}

// The rules' figures in reading order (the database keeps JSON keys in an order of its own).
const EVIDENCE_ORDER = [
  'attempts',
  'declined',
  'cards',
  'declined_cards',
  'invalid_numbers',
  'merchants',
  'window_minutes',
] as const;
type EvidenceKey = (typeof EVIDENCE_ORDER)[number];
const isKnownFigure = (key: string): key is EvidenceKey =>
  (EVIDENCE_ORDER as readonly string[]).includes(key);
const rank = (key: string) => (isKnownFigure(key) ? EVIDENCE_ORDER.indexOf(key) : EVIDENCE_ORDER.length);

/** The figures that made the rule fire, each under a readable label; a figure new to this page keeps its key. */
function Evidence(props: { t: RiskText; locale: Locale; alert: RiskAlert; compact?: boolean }) {
  const { t, locale } = props;
  const figures = Object.entries(props.alert.evidence).sort(([a], [b]) => rank(a) - rank(b));
  return (
    <dl class={props.compact ? 'summary compact' : 'summary'}>
      {figures.map(([key, value]) => (
        <Entry term={isKnownFigure(key) ? t[`evidence_${key}`] : key} data-figure={key} key={key}>
          {typeof value === 'number' ? numberFormat(locale).format(value) : value}
        </Entry>
      ))}
    </dl>
  );
}

/** The status choice of the list. */
export function AlertFilterForm(props: { t: RiskText; locale: Locale; filter: AlertFilter }) {
  return (
    <StatusFilter
      action="/console/risk"
      locale={props.locale}
      t={props.t}
      statuses={ALERT_FILTERS}
      chosen={props.filter}
    />
  );
}

/** The alerts, latest first, each with its rule explained, its subject, its figures and its times. */
export function AlertList(props: {
  t: RiskText;
  locale: Locale;
  alerts: readonly RiskAlert[];
  merchantNames: MerchantNames;
}) {
  const { t, locale } = props;
  return (
    <Table
      id="alerts"
      rows={props.alerts}
      empty={t.noAlerts}
      headings={[t.rule, t.subject, t.severity, t.status, t.firstSeen, t.lastSeen, t.evidence]}
      row={(alert) => (
        <tr key={alert.id} data-alert={alert.id} data-rule={alert.rule} data-status={alert.status}>
          <td>
            <a href={alertPath(alert.id, locale)}>{t[`rule_${alert.rule}`]}</a>
            <p class="note">{explanation(t, alert)}</p>
          </td>
          <td>
            <Subject t={t} alert={alert} merchantNames={props.merchantNames} />
          </td>
          <td data-severity={alert.severity}>{t[`severity_${alert.severity}`]}</td>
          <td>{t[`status_${alert.status}`]}</td>
          <td>
            <Moment at={alert.firstSeenAt} locale={locale} />
          </td>
          <td>
            <Moment at={alert.lastSeenAt} locale={locale} />
          </td>
          <td>
            <Evidence t={t} locale={locale} alert={alert} compact />
          </td>
        </tr>
      )}
    />
  );
}

/** Who reviewed the alert, when, and what they wrote; or that nobody has yet. */
function ReviewView(props: { t: RiskText; locale: Locale; alert: RiskAlert; reviewerName?: string }) {
  const { t, alert } = props;
  if (!alert.review) return <p id="review">{t.notReviewed}</p>;
  return (
    <dl class="summary" id="review">
      <Entry term={t.reviewedAt}>
        <Moment at={alert.review.at} locale={props.locale} />
      </Entry>
      <Entry term={t.reviewedBy} id="reviewed-by">
        {props.reviewerName ?? <bdi dir="ltr">{alert.review.by ?? '—'}</bdi>}
      </Entry>
      <Entry term={t.note} id="review-note">
        {alert.review.note ?? '—'}
      </Entry>
    </dl>
  );
}

/** Acknowledge or resolve, with a note; the one-time token makes a second click review nothing twice. */
function ReviewForm(props: { t: RiskText; locale: Locale; csrf: string; alert: RiskAlert }) {
  const { t, alert } = props;
  const decisions = decisionsFor(alert.status);
  if (decisions.length === 0)
    return (
      <p class="note" id="resolved-final">
        {t.resolvedFinal}
      </p>
    );
  return (
    <section>
      <h2>{t.decide}</h2>
      <form method="post" action={`/console/risk/${alert.id}/review?lang=${props.locale}`} id="review-form">
        <FormTokens csrf={props.csrf} once />
        <div class="field">
          <label for="note">{t.reviewNote}</label>
          <textarea id="note" name="note" rows={3} maxlength={2000} aria-describedby="decision-help" />
        </div>
        <p class="note" id="decision-help">
          {t.decisionHelp}
        </p>
        <div class="row">
          {decisions.map((decision) => (
            <button type="submit" name="decision" value={decision} key={decision}>
              {t[`decide_${decision}`]}
            </button>
          ))}
        </div>
      </form>
    </section>
  );
}

/** One alert: the rule and what it means, the subject, the figures, the review so far and the review form. */
export function AlertDetail(props: {
  t: RiskText;
  locale: Locale;
  csrf: string;
  alert: RiskAlert;
  merchantNames: MerchantNames;
  reviewerName?: string;
}) {
  const { t, locale, alert } = props;
  return (
    <>
      <p>
        <a href={`/console/risk?lang=${locale}`}>{t.backToList}</a>
      </p>
      <dl class="summary">
        <Entry term={t.rule} id="alert-rule" data-rule={alert.rule}>
          {t[`rule_${alert.rule}`]}
        </Entry>
        <Entry term={t.meaning}>{explanation(t, alert)}</Entry>
        <Entry term={t.subject} id="alert-subject">
          <Subject t={t} alert={alert} merchantNames={props.merchantNames} />
        </Entry>
        <Entry term={t.severity} data-severity={alert.severity}>
          {t[`severity_${alert.severity}`]}
        </Entry>
        <Entry term={t.status} id="alert-status" data-status={alert.status}>
          {t[`status_${alert.status}`]}
        </Entry>
        <Entry term={t.firstSeen}>
          <Moment at={alert.firstSeenAt} locale={locale} />
        </Entry>
        <Entry term={t.lastSeen}>
          <Moment at={alert.lastSeenAt} locale={locale} />
        </Entry>
      </dl>
      <section>
        <h2>{t.evidence}</h2>
        <Evidence t={t} locale={locale} alert={alert} />
      </section>
      <section>
        <h2>{t.review}</h2>
        <ReviewView t={t} locale={locale} alert={alert} reviewerName={props.reviewerName} />
      </section>
      <ReviewForm t={t} locale={locale} csrf={props.csrf} alert={alert} />
    </>
  );
}
