import type { ScreeningHit } from '../../../screening/port.js';
import type { ApplicationRow, CheckKind, CheckResult, OwnerRow } from '../model.js';

/** What a check looks at: the application as stored, with its owners. */
export interface CheckedApplication {
  application: ApplicationRow;
  owners: OwnerRow[];
}

/** One stored result; `subject` names what was checked (a domain, a person, '' for the whole file). */
export interface CheckOutcome {
  kind: CheckKind;
  subject: string;
  result: Exclude<CheckResult, 'pending'>;
  explanation: string;
  /** Screening only: the hits to put on the case, with whom they concern. */
  hits?: { subjectReference: string; subjectName: string; hit: ScreeningHit }[];
}

export type Check = (subject: CheckedApplication) => Promise<CheckOutcome[]>;

/** The subjects a check will report on, known before it runs, so the case can show them pending. */
export function expectedSubjects(kind: CheckKind, subject: CheckedApplication): string[] {
  if (kind === 'domain_control' || kind === 'tls') return subject.application.domains;
  if (kind === 'screening') return [companySubject(subject), ...subject.owners.map((o) => o.latin_name)];
  return [''];
}

export function companySubject(subject: CheckedApplication): string {
  return subject.application.company_name;
}
