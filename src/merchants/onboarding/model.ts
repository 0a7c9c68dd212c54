import type { ColumnType, Generated, Selectable } from 'kysely';

export type ApplicationStatus = 'submitted' | 'information_requested' | 'approved' | 'rejected';
export type CheckKind = 'identifiers' | 'domain_control' | 'tls' | 'duplicates' | 'screening';
export type CheckResult = 'pass' | 'fail' | 'warn' | 'pending';
export type CaseKind = 'application' | 'screening_hit' | 'reinstatement';
export type CaseState =
  | 'open'
  | 'information_requested'
  | 'escalated'
  | 'awaiting_second_review'
  | 'approved'
  | 'rejected';
export type RiskLevel = 'low' | 'medium' | 'high';
export type HitVerdict = 'false_positive' | 'true_match';
export type DocumentKind = 'id' | 'rc_extract' | 'statutes';

export const documentKinds: readonly DocumentKind[] = ['id', 'rc_extract', 'statutes'];
export const closedStates: readonly CaseState[] = ['approved', 'rejected'];

type Timestamp = ColumnType<Date, Date | undefined, Date>;

export interface OnboardingTables {
  onboarding_applications: {
    id: string;
    merchant_id: string;
    status: Generated<ApplicationStatus>;
    company_name: string;
    legal_form: string;
    ice: string;
    rc_number: string;
    rc_court: string;
    tax_id: string;
    address: string;
    sector: string;
    domains: ColumnType<string[], string, string>;
    expected_monthly_volume: bigint;
    rib: string;
    verification_token: string;
    submitted_at: Generated<Date>;
    updated_at: Timestamp;
  };
  onboarding_owners: {
    id: string;
    application_id: string;
    latin_name: string;
    arabic_name: string | null;
    id_kind: 'cin' | 'passport';
    /** Sealed by the vault (owner-identity.ts); in clear only in rows written before migration 0020. */
    id_number: string;
    /** YYYY-MM-DD, sealed like id_number. */
    birth_date: string;
    /** Keyed fingerprint of the kind and number: how the same document is found elsewhere. */
    id_fingerprint: string | null;
    nationality: string;
    share_bps: number;
    beneficial: boolean;
    position: number;
  };
  onboarding_checks: {
    id: string;
    application_id: string;
    kind: CheckKind;
    subject: string;
    result: Generated<CheckResult>;
    explanation: Generated<string>;
    checked_at: Date | null;
  };
  onboarding_cases: {
    id: string;
    merchant_id: string;
    application_id: string | null;
    kind: CaseKind;
    state: Generated<CaseState>;
    risk_level: Generated<RiskLevel>;
    escalated: Generated<boolean>;
    information_request: string | null;
    merchant_response: string | null;
    first_approval_by: string | null;
    first_approval_at: Date | null;
    decided_by: string | null;
    decided_at: Date | null;
    opened_at: Timestamp;
    state_since: Timestamp;
  };
  onboarding_case_transitions: {
    id: Generated<bigint>;
    case_id: string;
    from_state: CaseState | null;
    to_state: CaseState;
    actor_id: string;
    note: string | null;
    at: Timestamp;
  };
  onboarding_screening_hits: {
    id: string;
    case_id: string;
    subject_reference: string;
    subject_name: string;
    entry_id: string;
    entry_version: string;
    list_name: string;
    entry_name: string;
    matched_name: string;
    score: number;
    explanation: ColumnType<string[], string, string>;
    verdict: HitVerdict | null;
    verdict_by: string | null;
    verdict_at: Date | null;
  };
  onboarding_documents: {
    id: string;
    application_id: string;
    kind: DocumentKind;
    content_type: string;
    size_bytes: number;
    sha256: string;
    content_sealed: string;
    uploaded_at: Timestamp;
  };
}

export type ApplicationRow = Selectable<OnboardingTables['onboarding_applications']>;
export type OwnerRow = Selectable<OnboardingTables['onboarding_owners']>;
export type CheckRow = Selectable<OnboardingTables['onboarding_checks']>;
export type CaseRow = Selectable<OnboardingTables['onboarding_cases']>;
export type TransitionRow = Selectable<OnboardingTables['onboarding_case_transitions']>;
export type HitRow = Selectable<OnboardingTables['onboarding_screening_hits']>;
export type DocumentRow = Selectable<OnboardingTables['onboarding_documents']>;

/** An application as the merchant filed it, once every field was verified. */
export interface ApplicationInput {
  company: {
    name: string;
    legalForm: string;
    ice: string;
    rcNumber: string;
    rcCourt: string;
    taxId: string;
    address: string;
    sector: string;
  };
  owners: OwnerInput[];
  domains: string[];
  expectedMonthlyVolume: bigint;
  rib: string;
}

export interface OwnerInput {
  latinName: string;
  arabicName: string | null;
  idKind: 'cin' | 'passport';
  idNumber: string;
  birthDate: string;
  nationality: string;
  shareBps: number;
  beneficial: boolean;
}

/** Everything a case shows: the application behind it, its checks, hits, documents and history. */
export interface CaseFile {
  case: CaseRow;
  application: ApplicationRow | undefined;
  owners: OwnerRow[];
  checks: CheckRow[];
  hits: HitRow[];
  documents: Omit<DocumentRow, 'content_sealed'>[];
  transitions: TransitionRow[];
}

/** How long a case spent in each state, the current one counted until `now`. */
export function timeInStates(
  transitions: Pick<TransitionRow, 'to_state' | 'at'>[],
  now: Date,
): { state: CaseState; since: Date; milliseconds: number }[] {
  return transitions.map((t, i) => {
    const until = transitions[i + 1]?.at ?? now;
    return { state: t.to_state, since: t.at, milliseconds: Math.max(0, until.getTime() - t.at.getTime()) };
  });
}

/** Total milliseconds per state (a case may come back to a state). */
export function totalTimeByState(
  transitions: Pick<TransitionRow, 'to_state' | 'at'>[],
  now: Date,
): Partial<Record<CaseState, number>> {
  const totals: Partial<Record<CaseState, number>> = {};
  for (const spell of timeInStates(transitions, now))
    totals[spell.state] = (totals[spell.state] ?? 0) + spell.milliseconds;
  return totals;
}
