import {
  Entry,
  FormTokens,
  Moment,
  PostButton,
  StatusFilter,
  statusAsked,
  Table,
} from '../console/components.js';
import { FormError } from '../web/fields.js';
import { fill, type Locale, numberFormat } from '../web/i18n.js';
import type { WatchText } from './messages.js';
import {
  FINDING_KINDS,
  type Finding,
  type Incident,
  SITE_OWNER_KINDS,
  SITE_STATUSES,
  type SiteCheck,
  type SiteStatus,
  type TlsReport,
  type WatchedSite,
} from './model.js';
import { DEFAULT_EVERY_MINUTES } from './service.js';

/** What the list shows: the sites of one status, or every site. */
export type SiteFilter = SiteStatus | 'all';
const SITE_FILTERS: readonly SiteFilter[] = ['all', ...SITE_STATUSES];

/** The filter a query asks for; every site unless it names a status. */
export const siteFilterOf = (query: unknown): SiteFilter => statusAsked(query, SITE_FILTERS, 'all');

export const sitePath = (id: string, locale: Locale) => `/console/sites/${id}?lang=${locale}`;

const DAY_MS = 86_400_000;

/** The status in words; the colour only repeats it. */
function StatusBadge(props: { t: WatchText; status: SiteStatus }) {
  return (
    <span class="badge" data-status={props.status}>
      {props.t[`status_${props.status}`]}
    </span>
  );
}

/** The kinds of findings in words, each once with how many there were ("Missing security header ×3"). */
function FindingSummary(props: { t: WatchText; findings: readonly Finding[] }) {
  const { t } = props;
  if (props.findings.length === 0) return <>{t.none}</>;
  const counted = FINDING_KINDS.map((kind) => ({
    kind,
    n: props.findings.filter((f) => f.kind === kind).length,
  })).filter(({ n }) => n > 0);
  return (
    <ul class="findings">
      {counted.map(({ kind, n }) => (
        <li key={kind} data-finding={kind}>
          {t[`finding_${kind}`]}
          {n > 1 ? ` ×${n}` : ''}
        </li>
      ))}
    </ul>
  );
}

/** An address, read left to right in every language. */
const Address = (props: { url: string }) => <bdi dir="ltr">{props.url}</bdi>;

/** The status choice of the list. */
export function SiteFilterForm(props: { t: WatchText; locale: Locale; filter: SiteFilter }) {
  return (
    <StatusFilter
      action="/console/sites"
      locale={props.locale}
      t={props.t}
      statuses={SITE_FILTERS}
      chosen={props.filter}
    />
  );
}

/** The watched sites, each with its status, when it was checked, what was found and when it is checked next. */
export function SiteList(props: { t: WatchText; locale: Locale; sites: readonly WatchedSite[] }) {
  const { t, locale } = props;
  return (
    <Table
      id="sites"
      rows={props.sites}
      empty={t.noSites}
      headings={[t.label, t.url, t.ownerKind, t.status, t.lastChecked, t.findings, t.nextCheck]}
      row={(site) => (
        <tr key={site.id} data-site={site.id} data-status={site.status} data-enabled={String(site.enabled)}>
          <td>
            <a href={sitePath(site.id, locale)}>{site.label}</a>
          </td>
          <td>
            <Address url={site.url} />
          </td>
          <td>{t[`owner_${site.ownerKind}`]}</td>
          <td>
            <StatusBadge t={t} status={site.status} />
          </td>
          <td>{site.lastCheckedAt ? <Moment at={site.lastCheckedAt} locale={locale} /> : t.never}</td>
          <td>
            <FindingSummary t={t} findings={site.findings} />
          </td>
          <td>
            {site.enabled ? (
              <Moment at={site.nextCheckAt} locale={locale} />
            ) : (
              <span class="badge" data-paused="true">
                {t.paused}
              </span>
            )}
          </td>
        </tr>
      )}
    />
  );
}

/** The add form's fields as the browser sent them, kept to show the form again after a refusal. */
export type SiteFormValues = Partial<Record<'url' | 'label' | 'owner_kind' | 'every_minutes', string>>;

/** A new site to watch; the one-time token makes a second click add nothing twice. */
export function AddSiteForm(props: {
  t: WatchText;
  locale: Locale;
  csrf: string;
  values: SiteFormValues;
  /** Why the last attempt was refused. */
  error?: string;
}) {
  const { t, values } = props;
  const invalid = props.error ? { 'aria-invalid': 'true' as const, 'aria-describedby': 'add-error' } : {};
  return (
    <section>
      <h2>{t.addSite}</h2>
      <form method="post" action={`/console/sites?lang=${props.locale}`} id="add-site-form">
        <FormError id="add-error" message={props.error} />
        <FormTokens csrf={props.csrf} once />
        <div class="field">
          <label for="url">{t.addUrl}</label>
          <input
            id="url"
            name="url"
            type="url"
            dir="ltr"
            required
            maxlength={2000}
            value={values.url ?? ''}
            {...invalid}
          />
        </div>
        <div class="field">
          <label for="label">{t.addLabel}</label>
          <input id="label" name="label" required maxlength={200} value={values.label ?? ''} />
        </div>
        <div class="row">
          <div class="field">
            <label for="owner_kind">{t.ownerKind}</label>
            <select id="owner_kind" name="owner_kind">
              {SITE_OWNER_KINDS.map((kind) => (
                <option value={kind} selected={kind === values.owner_kind} key={kind}>
                  {t[`owner_${kind}`]}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="every_minutes">{t.addEveryMinutes}</label>
            <input
              id="every_minutes"
              name="every_minutes"
              type="number"
              inputmode="numeric"
              dir="ltr"
              min={1}
              max={1440}
              value={values.every_minutes ?? String(DEFAULT_EVERY_MINUTES)}
            />
          </div>
        </div>
        <button type="submit">{t.add}</button>
      </form>
    </section>
  );
}

/** What the site is, how often it is checked, and the content it is compared with. */
function SiteFacts(props: { t: WatchText; locale: Locale; site: WatchedSite }) {
  const { t, locale, site } = props;
  return (
    <dl class="summary">
      <Entry term={t.url} id="site-url">
        <a href={site.url} rel="noreferrer nofollow">
          <Address url={site.url} />
        </a>
      </Entry>
      <Entry term={t.ownerKind} data-owner-kind={site.ownerKind}>
        {t[`owner_${site.ownerKind}`]}
        {site.ownerId ? (
          <>
            {' '}
            <bdi dir="ltr">({site.ownerId})</bdi>
          </>
        ) : null}
      </Entry>
      <Entry term={t.status} id="site-status" data-status={site.status}>
        <StatusBadge t={t} status={site.status} />
      </Entry>
      <Entry term={t.everyMinutes}>
        {fill(t.minutes, { n: numberFormat(locale).format(site.everyMinutes) })}
      </Entry>
      <Entry term={t.lastChecked}>
        {site.lastCheckedAt ? <Moment at={site.lastCheckedAt} locale={locale} /> : t.never}
      </Entry>
      <Entry term={t.nextCheck} id="next-check" data-enabled={String(site.enabled)}>
        {site.enabled ? <Moment at={site.nextCheckAt} locale={locale} /> : t.paused}
      </Entry>
      <Entry term={t.baselineAt} id="baseline-at">
        {site.baselineAt ? <Moment at={site.baselineAt} locale={locale} /> : t.noBaseline}
      </Entry>
      <Entry term={t.watchedSince}>
        <Moment at={site.createdAt} locale={locale} />
      </Entry>
    </dl>
  );
}

/** Check now, pause or resume, and accept the current content (said what it means before the button). */
function SiteActions(props: { t: WatchText; locale: Locale; csrf: string; site: WatchedSite }) {
  const { t, site, csrf } = props;
  const action = (name: string) => `/console/sites/${site.id}/${name}?lang=${props.locale}`;
  return (
    <section id="site-actions">
      <h2>{t.actions}</h2>
      {site.enabled ? null : (
        <p class="note" id="paused-note">
          {t.pausedNote}
        </p>
      )}
      <div class="row">
        <PostButton action={action('check')} csrf={csrf} label={t.checkNow} once />
        {site.enabled ? (
          <PostButton action={action('pause')} csrf={csrf} label={t.pause} once />
        ) : (
          <PostButton action={action('resume')} csrf={csrf} label={t.resume} once />
        )}
      </div>
      {site.lastCheckedAt ? (
        <>
          <p class="note" id="accept-help">
            {t.acceptHelp}
          </p>
          <div class="row">
            <PostButton action={action('accept')} csrf={csrf} label={t.acceptContent} once />
          </div>
        </>
      ) : null}
    </section>
  );
}

/** The certificate the site showed: trusted or why not, until when (days left then), by whom, over what. */
function TlsFacts(props: { t: WatchText; locale: Locale; tls: TlsReport; checkedAt: Date }) {
  const { t, locale, tls } = props;
  return (
    <dl class="summary compact" id="tls">
      <Entry term={t.tlsAuthorized} data-authorized={String(tls.authorized)}>
        {tls.authorized ? t.yes : t.no}
      </Entry>
      {tls.error ? (
        <Entry term={t.tlsError}>
          <bdi dir="ltr">{tls.error}</bdi>
        </Entry>
      ) : null}
      {tls.validTo ? (
        <>
          <Entry term={t.tlsValidTo}>
            <Moment at={tls.validTo} locale={locale} />
          </Entry>
          <Entry term={t.tlsDaysLeft} id="tls-days-left">
            {numberFormat(locale).format(
              Math.floor((tls.validTo.getTime() - props.checkedAt.getTime()) / DAY_MS),
            )}
          </Entry>
        </>
      ) : null}
      <Entry term={t.tlsIssuer}>{tls.issuer ? <bdi>{tls.issuer}</bdi> : '—'}</Entry>
      <Entry term={t.tlsProtocol}>{tls.protocol ? <bdi dir="ltr">{tls.protocol}</bdi> : '—'}</Entry>
    </dl>
  );
}

/** How much of the accepted content's wording the page still has, as a percentage. */
const percent = (locale: Locale, share: number) =>
  numberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(share);

const milliseconds = (t: WatchText, locale: Locale, ms: number | null) =>
  ms === null ? '—' : fill(t.milliseconds, { n: numberFormat(locale).format(ms) });

/** Whether the check got a page to read (an error status's page is not compared with anything). */
const answeredPage = (check: SiteCheck) => check.httpStatus !== null && check.httpStatus < 400;

/** What the latest check saw, and each finding with what was seen (in English, as the service says it). */
function LatestCheck(props: { t: WatchText; locale: Locale; check: SiteCheck | undefined }) {
  const { t, locale, check } = props;
  return (
    <section id="latest-check">
      <h2>{t.latestCheck}</h2>
      {check ? (
        <>
          <dl class="summary">
            <Entry term={t.checkedAt}>
              <Moment at={check.checkedAt} locale={locale} />
            </Entry>
            <Entry term={t.httpStatus} id="http-status">
              {check.httpStatus === null ? '—' : String(check.httpStatus)}
            </Entry>
            <Entry term={t.responseTime} id="response-time">
              {milliseconds(t, locale, check.responseMs)}
            </Entry>
            <Entry term={t.finalUrl}>{check.finalUrl ? <Address url={check.finalUrl} /> : '—'}</Entry>
            <Entry term={t.tls}>
              {check.tls ? (
                <TlsFacts t={t} locale={locale} tls={check.tls} checkedAt={check.checkedAt} />
              ) : (
                t.noTls
              )}
            </Entry>
            <Entry term={t.missingHeaders} id="missing-headers">
              {check.missingHeaders.length === 0 ? (
                t.none
              ) : (
                <bdi dir="ltr">{check.missingHeaders.join(', ')}</bdi>
              )}
            </Entry>
            <Entry term={t.similarity} id="similarity">
              {check.similarity !== null
                ? percent(locale, check.similarity)
                : answeredPage(check)
                  ? t.noSimilarity
                  : '—'}
            </Entry>
          </dl>
          <h3>{t.findings}</h3>
          {check.findings.length === 0 ? (
            <p id="findings">{t.none}</p>
          ) : (
            <ul id="findings">
              {check.findings.map((finding, i) => (
                // A check may find the same kind twice (two missing headers): the position tells them apart.
                <li key={`${finding.kind}-${i}`} data-finding={finding.kind}>
                  <strong>{t[`finding_${finding.kind}`]}</strong>:{' '}
                  <bdi dir="ltr" lang="en">
                    {finding.detail}
                  </bdi>
                </li>
              ))}
            </ul>
          )}
        </>
      ) : (
        <p>{t.notCheckedYet}</p>
      )}
    </section>
  );
}

/** The latest checks, newest first. */
function CheckHistory(props: { t: WatchText; locale: Locale; checks: readonly SiteCheck[] }) {
  const { t, locale } = props;
  return (
    <section>
      <h2>{t.history}</h2>
      <Table
        id="checks"
        rows={props.checks}
        empty={t.noChecks}
        headings={[t.checkedAt, t.status, t.httpStatus, t.responseTime, t.similarity, t.findings]}
        row={(check) => (
          <tr key={check.id} data-check={check.id} data-status={check.status}>
            <td>
              <Moment at={check.checkedAt} locale={locale} />
            </td>
            <td>
              <StatusBadge t={t} status={check.status} />
            </td>
            <td>{check.httpStatus ?? '—'}</td>
            <td>{milliseconds(t, locale, check.responseMs)}</td>
            <td>{check.similarity === null ? '—' : percent(locale, check.similarity)}</td>
            <td>
              <FindingSummary t={t} findings={check.findings} />
            </td>
          </tr>
        )}
      />
    </section>
  );
}

/** The site's incidents, newest first: what it was, when it opened and closed, what opened it. */
function Incidents(props: { t: WatchText; locale: Locale; incidents: readonly Incident[] }) {
  const { t, locale } = props;
  return (
    <section>
      <h2>{t.incidents}</h2>
      <Table
        id="incidents"
        rows={props.incidents}
        empty={t.noIncidents}
        headings={[t.incidentKind, t.openedAt, t.closedAt, t.findings]}
        row={(incident) => (
          <tr
            key={incident.id}
            data-incident={incident.id}
            data-kind={incident.kind}
            data-open={String(incident.closedAt === null)}
          >
            <td>
              <StatusBadge t={t} status={incident.kind} />
            </td>
            <td>
              <Moment at={incident.openedAt} locale={locale} />
            </td>
            <td>{incident.closedAt ? <Moment at={incident.closedAt} locale={locale} /> : t.stillOpen}</td>
            <td>
              <FindingSummary t={t} findings={incident.findings} />
            </td>
          </tr>
        )}
      />
    </section>
  );
}

/** One site: its facts, the actions on it, its latest check in full, its recent checks and its incidents. */
export function SiteDetail(props: {
  t: WatchText;
  locale: Locale;
  csrf: string;
  site: WatchedSite;
  checks: readonly SiteCheck[];
  incidents: readonly Incident[];
}) {
  const { t, locale } = props;
  return (
    <>
      <p>
        <a href={`/console/sites?lang=${locale}`}>{t.backToList}</a>
      </p>
      <SiteFacts t={t} locale={locale} site={props.site} />
      <SiteActions t={t} locale={locale} csrf={props.csrf} site={props.site} />
      <LatestCheck t={t} locale={locale} check={props.checks[0]} />
      <CheckHistory t={t} locale={locale} checks={props.checks} />
      <Incidents t={t} locale={locale} incidents={props.incidents} />
    </>
  );
}
