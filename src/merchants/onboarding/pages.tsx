import { FormTokens } from '../../console/components.js';
import { fill, formatMoney, type Locale } from '../../web/i18n.js';
import { verificationValue } from './checks/domain-control.js';
import type { OnboardingText } from './messages.js';
import { type CaseFile, type CheckRow, documentKinds, timeInStates } from './model.js';
import type { CaseSummary } from './service.js';
import type { FieldError } from './validation.js';

/** "3 min", "5 h", "2 d": how long, in the page's language. */
export function duration(t: OnboardingText, ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 120) return fill(t.minutes, { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return fill(t.hours, { n: hours });
  return fill(t.days, { n: Math.floor(hours / 24) });
}

const when = (at: Date) => at.toISOString().slice(0, 16).replace('T', ' ');

/** The form's fields as the browser sent them (urlencoded), kept to show the form again after an error. */
export type ApplicationFormValues = Record<string, string>;

export const OWNER_SLOTS = 2;

function Field(props: {
  name: string;
  label: string;
  values: ApplicationFormValues;
  errors: FieldError[];
  errorField?: string;
  type?: string;
  dir?: 'ltr' | 'rtl';
  required?: boolean;
  inputmode?: string;
}) {
  const error = props.errors.find((e) => e.field === (props.errorField ?? props.name));
  return (
    <div class="field">
      <label for={props.name}>{props.label}</label>
      <input
        id={props.name}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.values[props.name] ?? ''}
        required={props.required ?? true}
        dir={props.dir}
        inputmode={props.inputmode}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${props.name}-error` : undefined}
      />
      {error ? (
        <p class="field-error" id={`${props.name}-error`}>
          {error.detail}
        </p>
      ) : null}
    </div>
  );
}

/** The merchant's application form: the same fields as the API, owners in fixed slots (works without JavaScript). */
export function ApplicationForm(props: {
  t: OnboardingText;
  locale: Locale;
  csrf: string;
  values: ApplicationFormValues;
  errors: FieldError[];
}) {
  const { t, values, errors } = props;
  const common = { values, errors };
  // Errors come in API paths (company.ice, owners.0.id_number): map them to this form's field names.
  const owner = (i: number, name: string) => `owners.${i}.${name}`;
  return (
    <form method="post" action={`/console/application?lang=${props.locale}`} id="application-form">
      <p>{t.intro}</p>
      {errors.length > 0 ? (
        <div role="alert" class="field-error" id="application-errors">
          <p>{t.fixErrors}</p>
          <ul>
            {errors.map((e) => (
              <li key={e.field} dir="ltr">
                {e.field}: {e.detail}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <input type="hidden" name="csrf" value={props.csrf} />
      <fieldset>
        <legend>{t.company}</legend>
        <Field name="company_name" errorField="company.name" label={t.companyName} {...common} />
        <Field name="legal_form" errorField="company.legal_form" label={t.legalForm} {...common} />
        <Field name="ice" errorField="company.ice" label={t.ice} dir="ltr" inputmode="numeric" {...common} />
        <Field name="rc_number" errorField="company.rc_number" label={t.rcNumber} dir="ltr" {...common} />
        <Field name="rc_court" errorField="company.rc_court" label={t.rcCourt} {...common} />
        <Field
          name="tax_id"
          errorField="company.if"
          label={t.taxId}
          dir="ltr"
          inputmode="numeric"
          {...common}
        />
        <Field name="address" errorField="company.address" label={t.address} {...common} />
        <Field name="sector" errorField="company.sector" label={t.sector} {...common} />
      </fieldset>
      {Array.from({ length: OWNER_SLOTS }, (_, i) => (
        <fieldset key={i}>
          <legend>
            {fill(t.owner, { n: i + 1 })} {i > 0 ? t.ownerOptional : ''}
          </legend>
          <Field
            name={`owner${i}_latin_name`}
            errorField={owner(i, 'latin_name')}
            label={t.latinName}
            required={i === 0}
            {...common}
          />
          <Field
            name={`owner${i}_arabic_name`}
            errorField={owner(i, 'arabic_name')}
            label={t.arabicName}
            dir="rtl"
            required={false}
            {...common}
          />
          <div class="field">
            <label for={`owner${i}_id_kind`}>{t.idKind}</label>
            <select id={`owner${i}_id_kind`} name={`owner${i}_id_kind`}>
              <option value="cin" selected={values[`owner${i}_id_kind`] !== 'passport'}>
                {t.cin}
              </option>
              <option value="passport" selected={values[`owner${i}_id_kind`] === 'passport'}>
                {t.passport}
              </option>
            </select>
          </div>
          <Field
            name={`owner${i}_id_number`}
            errorField={owner(i, 'id_number')}
            label={t.idNumber}
            dir="ltr"
            required={i === 0}
            {...common}
          />
          <Field
            name={`owner${i}_birth_date`}
            errorField={owner(i, 'birth_date')}
            label={t.birthDate}
            type="date"
            required={i === 0}
            {...common}
          />
          <Field
            name={`owner${i}_nationality`}
            errorField={owner(i, 'nationality')}
            label={t.nationality}
            dir="ltr"
            required={i === 0}
            {...common}
          />
          <Field
            name={`owner${i}_share`}
            errorField={owner(i, 'share')}
            label={t.share}
            dir="ltr"
            inputmode="decimal"
            required={i === 0}
            {...common}
          />
        </fieldset>
      ))}
      <fieldset>
        <legend>{t.sites}</legend>
        <div class="field">
          <label for="domains">{t.domains}</label>
          <textarea id="domains" name="domains" dir="ltr" rows={3} required>
            {values.domains ?? ''}
          </textarea>
          {errors
            .filter((e) => e.field.startsWith('domains'))
            .map((e) => (
              <p class="field-error" key={e.field}>
                {e.detail}
              </p>
            ))}
        </div>
        <Field
          name="volume_mad"
          errorField="expected_monthly_volume"
          label={t.volume}
          dir="ltr"
          inputmode="decimal"
          {...common}
        />
        <Field name="rib" label={t.rib} dir="ltr" inputmode="numeric" {...common} />
      </fieldset>
      <button type="submit">{t.submit}</button>
    </form>
  );
}

/** What a merchant may see of checks: not screening nor duplicates (a reviewer's matter, never a tip-off). */
export function merchantVisibleChecks(checks: CheckRow[]): CheckRow[] {
  return checks.filter((c) => c.kind === 'identifiers' || c.kind === 'domain_control' || c.kind === 'tls');
}

function ChecksTable(props: { t: OnboardingText; checks: CheckRow[] }) {
  const { t } = props;
  return (
    <table id="checks">
      <thead>
        <tr>
          <th scope="col">{t.check}</th>
          <th scope="col">{t.subject}</th>
          <th scope="col">{t.result}</th>
          <th scope="col">{t.explanation}</th>
        </tr>
      </thead>
      <tbody>
        {props.checks.map((c) => (
          <tr key={c.id} data-check={c.kind} data-result={c.result}>
            <td>{t[`check_${c.kind}`]}</td>
            <td dir="auto">{c.subject}</td>
            <td class={`result-${c.result}`}>{t[`result_${c.result}`]}</td>
            <td dir="ltr">{c.explanation}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function History(props: { t: OnboardingText; file: CaseFile; now: Date }) {
  const { t } = props;
  return (
    <section>
      <h2>{t.history}</h2>
      <table id="history">
        <thead>
          <tr>
            <th scope="col">{t.state}</th>
            <th scope="col">{t.opened}</th>
            <th scope="col">{t.inStateFor}</th>
          </tr>
        </thead>
        <tbody>
          {timeInStates(props.file.transitions, props.now).map((spell, i) => (
            <tr key={i} data-state={spell.state}>
              <td>{t[`state_${spell.state}`]}</td>
              <td>
                <time dateTime={spell.since.toISOString()}>{when(spell.since)}</time>
              </td>
              <td>{duration(t, spell.milliseconds)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The merchant's view once the application is filed: status, what is asked, documents, domain proof, live key. */
export function ApplicationStatusView(props: {
  t: OnboardingText;
  locale: Locale;
  csrf: string;
  file: CaseFile;
  now: Date;
  isOwner: boolean;
  liveKey?: string | undefined;
}) {
  const { t, file, locale } = props;
  const application = file.application!;
  const open = application.status === 'submitted' || application.status === 'information_requested';
  return (
    <>
      <dl class="summary">
        <div>
          <dt>{t.status}</dt>
          <dd id="application-status" data-status={application.status}>
            {t[`status_${application.status}`]}
          </dd>
        </div>
        <div>
          <dt>{t.companyName}</dt>
          <dd>{application.company_name}</dd>
        </div>
        <div>
          <dt>{t.volume}</dt>
          <dd>{formatMoney(application.expected_monthly_volume, 'MAD', locale)}</dd>
        </div>
      </dl>
      {application.status === 'information_requested' ? (
        <section id="asked">
          <h2>{t.asked}</h2>
          <p>{file.case.information_request}</p>
          {props.isOwner ? (
            <form method="post" action={`/console/application/response?lang=${locale}`}>
              <input type="hidden" name="csrf" value={props.csrf} />
              <div class="field">
                <label for="message">{t.respond}</label>
                <textarea id="message" name="message" rows={3} required />
              </div>
              <button type="submit">{t.send}</button>
            </form>
          ) : null}
        </section>
      ) : null}
      {application.status === 'approved' ? (
        <section id="live-key">
          <h2>{t.liveKey}</h2>
          {props.liveKey ? (
            <>
              <p>{t.liveKeyOnce}</p>
              <p>
                <code id="live-secret" dir="ltr">
                  {props.liveKey}
                </code>
              </p>
            </>
          ) : props.isOwner ? (
            <form method="post" action={`/console/application/live-key?lang=${locale}`}>
              <FormTokens csrf={props.csrf} once />
              <button type="submit">{t.createLiveKey}</button>
            </form>
          ) : null}
        </section>
      ) : (
        <p class="note">{t.liveKeyLocked}</p>
      )}
      {open ? (
        <section>
          <h2>{t.verification}</h2>
          <p>{t.verificationHow}</p>
          <p>
            <code dir="ltr" id="verification-value">
              {verificationValue(application.verification_token)}
            </code>
          </p>
        </section>
      ) : null}
      <section>
        <h2>{t.checks}</h2>
        <ChecksTable t={t} checks={merchantVisibleChecks(file.checks)} />
      </section>
      <section>
        <h2>{t.documents}</h2>
        <ul id="documents">
          {file.documents.map((d) => (
            <li key={d.id}>
              {t[`kind_${d.kind}`]} · {d.content_type} · {Math.ceil(d.size_bytes / 1024)} KiB ·{' '}
              {when(d.uploaded_at)}
            </li>
          ))}
        </ul>
        {open && props.isOwner ? (
          <form
            method="post"
            action={`/console/application/documents?lang=${locale}`}
            enctype="multipart/form-data"
          >
            <input type="hidden" name="csrf" value={props.csrf} />
            <p class="note">{t.documentsHint}</p>
            <div class="field">
              <label for="kind">{t.documentKind}</label>
              <select id="kind" name="kind">
                {documentKinds.map((k) => (
                  <option value={k} key={k}>
                    {t[`kind_${k}`]}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="file">{t.file}</label>
              <input
                id="file"
                name="file"
                type="file"
                accept="application/pdf,image/png,image/jpeg"
                required
              />
            </div>
            <button type="submit">{t.upload}</button>
          </form>
        ) : null}
      </section>
      <History t={t} file={file} now={props.now} />
    </>
  );
}

export function CaseList(props: { t: OnboardingText; locale: Locale; cases: CaseSummary[]; now: Date }) {
  const { t, locale } = props;
  if (props.cases.length === 0) return <p>{t.noCases}</p>;
  return (
    <table id="cases">
      <thead>
        <tr>
          <th scope="col">{t.case}</th>
          <th scope="col">{t.merchant}</th>
          <th scope="col">{t.kind}</th>
          <th scope="col">{t.state}</th>
          <th scope="col">{t.risk}</th>
          <th scope="col">{t.pendingChecks}</th>
          <th scope="col">{t.inStateFor}</th>
        </tr>
      </thead>
      <tbody>
        {props.cases.map(({ case: c, merchantName, companyName, pendingChecks }) => (
          <tr key={c.id} data-case={c.id} data-state={c.state}>
            <td>
              <a href={`/console/cases/${c.id}?lang=${locale}`}>{companyName ?? merchantName}</a>
            </td>
            <td>{merchantName}</td>
            <td>{t[`kind_${c.kind}`]}</td>
            <td>{t[`state_${c.state}`]}</td>
            <td class={`risk-${c.risk_level}`}>{t[`risk_${c.risk_level}`]}</td>
            <td>{pendingChecks}</td>
            <td>{duration(t, props.now.getTime() - c.state_since.getTime())}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A reviewer's view of one case: the file, the checks, the hits, the history and the decisions. */
export function CaseDetail(props: {
  t: OnboardingText;
  locale: Locale;
  csrf: string;
  file: CaseFile;
  merchantStatus: string;
  fourEyes: boolean;
  now: Date;
}) {
  const { t, locale, file } = props;
  const c = file.case;
  const application = file.application;
  const closed = c.state === 'approved' || c.state === 'rejected';
  const base = `/console/cases/${c.id}`;
  return (
    <>
      <dl class="summary">
        <div>
          <dt>{t.kind}</dt>
          <dd>{t[`kind_${c.kind}`]}</dd>
        </div>
        <div>
          <dt>{t.state}</dt>
          <dd id="case-state" data-state={c.state}>
            {t[`state_${c.state}`]}
          </dd>
        </div>
        <div>
          <dt>{t.risk}</dt>
          <dd id="case-risk" data-risk={c.risk_level}>
            {t[`risk_${c.risk_level}`]}
          </dd>
        </div>
        <div>
          <dt>{t.merchantStatus}</dt>
          <dd id="merchant-status">{props.merchantStatus}</dd>
        </div>
      </dl>
      {application ? (
        <section>
          <h2>{t.company}</h2>
          <dl class="summary">
            <div>
              <dt>{t.companyName}</dt>
              <dd>
                {application.company_name} ({application.legal_form})
              </dd>
            </div>
            <div>
              <dt>ICE / RC / IF</dt>
              <dd dir="ltr">
                {application.ice} / {application.rc_number} {application.rc_court} / {application.tax_id}
              </dd>
            </div>
            <div>
              <dt>{t.rib}</dt>
              <dd dir="ltr">{application.rib}</dd>
            </div>
            <div>
              <dt>{t.volume}</dt>
              <dd>{formatMoney(application.expected_monthly_volume, 'MAD', locale)}</dd>
            </div>
            <div>
              <dt>{t.sites}</dt>
              <dd dir="ltr">{application.domains.join(', ')}</dd>
            </div>
          </dl>
          <h3>{t.owners}</h3>
          <ul>
            {file.owners.map((o) => (
              <li key={o.id}>
                {o.latin_name} {o.arabic_name ? <span lang="ar">({o.arabic_name})</span> : null} ·{' '}
                <span dir="ltr">
                  {o.id_kind.toUpperCase()} {o.id_number} · {o.birth_date} · {o.nationality} ·{' '}
                  {o.share_bps / 100} %
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {file.checks.length > 0 ? (
        <section>
          <h2>{t.checks}</h2>
          <ChecksTable t={t} checks={file.checks} />
          {!closed ? (
            <form method="post" action={`${base}/recheck?lang=${locale}`}>
              <input type="hidden" name="csrf" value={props.csrf} />
              <button type="submit">{t.recheck}</button>
            </form>
          ) : null}
        </section>
      ) : null}
      {file.hits.length > 0 ? (
        <section>
          <h2>{t.hits}</h2>
          <table id="hits">
            <thead>
              <tr>
                <th scope="col">{t.subject}</th>
                <th scope="col">{t.entry}</th>
                <th scope="col">{t.score}</th>
                <th scope="col">{t.explanation}</th>
                <th scope="col">{t.verdict}</th>
              </tr>
            </thead>
            <tbody>
              {file.hits.map((h) => (
                <tr key={h.id} data-hit={h.id} data-verdict={h.verdict ?? 'unresolved'}>
                  <td dir="auto">{h.subject_name}</td>
                  <td dir="auto">
                    {h.entry_name} ({h.list_name})
                  </td>
                  <td dir="ltr">{h.score.toFixed(2)}</td>
                  <td dir="ltr">{h.explanation.join('; ')}</td>
                  <td>
                    {h.verdict ? t[h.verdict] : t.unresolved}
                    {!closed ? (
                      <div class="row">
                        {(['false_positive', 'true_match'] as const).map((verdict) => (
                          <form
                            method="post"
                            action={`${base}/hits/${h.id}?lang=${locale}`}
                            key={verdict}
                            class="inline"
                          >
                            <input type="hidden" name="csrf" value={props.csrf} />
                            <input type="hidden" name="verdict" value={verdict} />
                            <button type="submit">
                              {verdict === 'true_match' ? t.markTrue : t.markFalse}
                            </button>
                          </form>
                        ))}
                      </div>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {file.documents.length > 0 ? (
        <section>
          <h2>{t.documents}</h2>
          <ul>
            {file.documents.map((d) => (
              <li key={d.id}>
                <a href={`${base}/documents/${d.id}`}>
                  {t[`kind_${d.kind}`]} ({d.content_type}, {Math.ceil(d.size_bytes / 1024)} KiB)
                </a>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {c.merchant_response ? (
        <section>
          <h2>{t.merchantResponse}</h2>
          <p id="merchant-response">{c.merchant_response}</p>
        </section>
      ) : null}
      <History t={t} file={file} now={props.now} />
      {!closed ? (
        <section>
          <h2>{t.decision}</h2>
          {props.fourEyes ? (
            <p class="note" id="four-eyes">
              {t.fourEyes}
            </p>
          ) : null}
          {c.state === 'awaiting_second_review' ? (
            <p class="note" id="first-approval">
              {fill(t.firstApproval, { who: c.first_approval_by ?? '' })}
            </p>
          ) : null}
          <form method="post" action={`${base}/decision?lang=${locale}`} id="decision-form">
            <input type="hidden" name="csrf" value={props.csrf} />
            <div class="field">
              <label for="note">{t.note}</label>
              <textarea id="note" name="note" rows={2} />
            </div>
            <div class="row">
              {(['approve', 'request_information', 'escalate', 'reject'] as const).map((decision) => (
                <button type="submit" name="decision" value={decision} key={decision}>
                  {t[decision]}
                </button>
              ))}
            </div>
          </form>
        </section>
      ) : null}
      {props.merchantStatus === 'active' ? (
        <section>
          <h2>{t.suspend}</h2>
          <form method="post" action={`/console/merchants/${c.merchant_id}/suspend?lang=${locale}`}>
            <input type="hidden" name="csrf" value={props.csrf} />
            <div class="field">
              <label for="reason">{t.suspendReason}</label>
              <input id="reason" name="reason" required />
            </div>
            <button type="submit">{t.suspend}</button>
          </form>
        </section>
      ) : null}
    </>
  );
}
