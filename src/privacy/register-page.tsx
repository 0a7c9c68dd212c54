import { fill, type Locale } from '../web/i18n.js';
import { Page } from '../web/render.js';
import { CONFIRM_HOURS } from './confirmation.js';
import { type Protection, REGISTER, type Retention } from './register.js';
import { type RegisterText, registerMessages } from './register-messages.js';

/** The settings that change what the register says. */
export interface RegisterSettings {
  /** Days a shop has to answer a person's request. */
  answerDays: number;
  /** TIJARA_PERSONAL_DATA_RETENTION_DAYS, when set. */
  retentionDays?: number | undefined;
}

/** One processing as people read it, in one language: what the page shows and the API returns. */
export interface DescribedProcessing {
  id: string;
  people: string;
  data: string;
  purpose: string;
  basis: string;
  basis_text: string;
  recipients: string;
  retention: string;
  reads_logged: boolean;
  stored_in: { table: string; column: string; protection: Protection; protection_text: string }[];
}

function retentionText(t: RegisterText, retention: Retention, settings: RegisterSettings): string {
  if (retention === 'request') return fill(t.retention_request, { hours: CONFIRM_HOURS });
  if (retention !== 'customer_data') return t[`retention_${retention}`];
  return settings.retentionDays === undefined
    ? t.retention_customer_data_unset
    : fill(t.retention_customer_data_set, { days: settings.retentionDays });
}

/** The register in `locale`, with this platform's settings. */
export function describeRegister(locale: Locale, settings: RegisterSettings): DescribedProcessing[] {
  const t = registerMessages(locale);
  return REGISTER.map((processing) => {
    const text = (part: 'people' | 'data' | 'purpose' | 'recipients') =>
      t[`${processing.id}_${part}` as keyof RegisterText];
    return {
      id: processing.id,
      people: text('people'),
      data: text('data'),
      purpose: text('purpose'),
      basis: processing.basis,
      basis_text: t[`basis_${processing.basis}`],
      recipients: text('recipients'),
      retention: retentionText(t, processing.retention, settings),
      reads_logged: processing.readsLogged.length > 0,
      stored_in: processing.storedIn.map((place) => ({
        ...place,
        protection_text: t[`protection_${place.protection}`],
      })),
    };
  });
}

function ProcessingSection({ t, processing }: { t: RegisterText; processing: DescribedProcessing }) {
  const facts: [string, string][] = [
    [t.data, processing.data],
    [t.purpose, processing.purpose],
    [t.basis, processing.basis_text],
    [t.recipients, processing.recipients],
    [t.retention, processing.retention],
  ];
  return (
    <section id={`processing-${processing.id}`} aria-labelledby={`heading-${processing.id}`}>
      <h2 id={`heading-${processing.id}`}>{processing.people}</h2>
      <dl class="facts">
        {facts.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {processing.reads_logged ? <p class="reads-logged">{t.readsLogged}</p> : null}
      <details>
        <summary>{t.storage}</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{t.column}</th>
              <th scope="col">{t.protection}</th>
            </tr>
          </thead>
          <tbody>
            {processing.stored_in.map((place) => (
              <tr key={`${place.table}.${place.column}`} data-protection={place.protection}>
                <td>
                  <code dir="ltr">{`${place.table}.${place.column}`}</code>
                </td>
                <td>{place.protection_text}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}

/** /privacy: what Tijara keeps on people, for anyone, without signing in. */
export function RegisterPage(props: { locale: Locale; path: string; settings: RegisterSettings }) {
  const t = registerMessages(props.locale);
  return (
    <Page locale={props.locale} title={t.title} path={props.path}>
      <h1>{t.title}</h1>
      <p>{t.intro}</p>
      <section id="rights" aria-labelledby="rights-heading">
        <h2 id="rights-heading">{t.rightsTitle}</h2>
        <p>{fill(t.rights, { days: props.settings.answerDays })}</p>
        <p>
          <a href={`/privacy/request?lang=${props.locale}`} id="request-link">
            {t.requestLink}
          </a>
        </p>
      </section>
      {describeRegister(props.locale, props.settings).map((processing) => (
        <ProcessingSection key={processing.id} t={t} processing={processing} />
      ))}
    </Page>
  );
}
