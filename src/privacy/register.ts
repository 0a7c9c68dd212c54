import type { SensitiveData } from '../audit/sensitive.js';

/**
 * Law 09-08's register of processing: each purpose Tijara processes personal data for, whose data it
 * is, on what basis, and where every piece of it is stored and how. It is published as it stands here
 * (GET /v1/privacy/register, the public page /privacy), and test/privacy-register.db.test.ts holds it
 * to the schema: every column it names exists and keeps its data as it says, and every column that
 * looks personal is either here or explained there. A new column of personal data is declared here.
 */

/** How a column keeps what it holds. */
export const PROTECTIONS = [
  /** AES-256-GCM under the vault's data key; opened in memory only, where a page or an answer needs it. */
  'sealed',
  /** A JSON document whose personal values are sealed one by one (or whole). */
  'sealed_fields',
  /** The card number: AES-256-GCM under envelope keys, bound to its token, rotated by `tijara keys rotate`. */
  'encrypted',
  /** A keyed HMAC-SHA256: finds the same value again, and cannot give it back. */
  'fingerprint',
  /** One-way (argon2id): a password is checked, never read. */
  'hashed',
  /** A part only: the first six or the last four digits of a card. */
  'truncated',
  /** In clear: the processing itself needs it so (the entry's texts say why). */
  'clear',
] as const;
export type Protection = (typeof PROTECTIONS)[number];

export const LEGAL_BASES = ['contract', 'legal_obligation', 'legitimate_interest'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

/** Which retention a processing follows; the texts say it, with the platform's settings. */
export type Retention =
  | 'customer_data' // TIJARA_PERSONAL_DATA_RETENTION_DAYS, or until erased on request
  | 'accounting' // with the payment's accounting records
  | 'vetting_file' // as long as the merchant's file, then as the law on money laundering asks
  | 'list_version' // as long as the list publishes the entry
  | 'account' // as long as the account, sessions a day after they end
  | 'request' // as long as the request's record
  | 'bank'; // as the bank keeps its cardholders' accounts

export interface StoredIn {
  table: string;
  column: string;
  protection: Protection;
}

export interface Processing {
  id: string;
  basis: LegalBasis;
  retention: Retention;
  storedIn: readonly StoredIn[];
  /** The kinds of it whose every reading in the console goes on the audit trail with its purpose. */
  readsLogged: readonly SensitiveData[];
}

const at = (table: string, protection: Protection, ...columns: string[]): StoredIn[] =>
  columns.map((column) => ({ table, column, protection }));

export const REGISTER: readonly Processing[] = [
  {
    id: 'card_payments',
    basis: 'contract',
    retention: 'accounting',
    storedIn: [
      ...at('vault_cards', 'encrypted', 'ciphertext'),
      ...at('vault_cards', 'fingerprint', 'fingerprint'),
      ...at('vault_cards', 'truncated', 'bin', 'last4'),
      ...at('vault_cards', 'sealed', 'holder_name'),
      ...at('payments', 'truncated', 'card_bin', 'card_last4'),
      ...at('switch_authorizations', 'truncated', 'bin', 'last4'),
      ...at('bill_payments', 'truncated', 'card_last4'),
      ...at('issuer_challenges', 'truncated', 'card_last4'),
    ],
    readsLogged: ['card.details'],
  },
  {
    id: 'customer_contact',
    basis: 'contract',
    retention: 'customer_data',
    storedIn: [
      ...at('payments', 'sealed', 'customer_email'),
      ...at('events', 'sealed_fields', 'data'),
      ...at('idempotency_keys', 'sealed_fields', 'response_body'),
    ],
    readsLogged: ['payment.customer_email'],
  },
  {
    id: 'cmi_buyers',
    basis: 'contract',
    retention: 'customer_data',
    storedIn: at('cmi_orders', 'sealed_fields', 'fields', 'response'),
    readsLogged: [],
  },
  {
    id: 'bill_payers',
    basis: 'contract',
    retention: 'accounting',
    storedIn: [
      ...at('bills', 'fingerprint', 'reference'),
      ...at('bills', 'sealed_fields', 'reference_values'),
      ...at('bill_payments', 'sealed', 'reference'),
    ],
    readsLogged: [],
  },
  {
    id: 'merchant_owners',
    basis: 'legal_obligation',
    retention: 'vetting_file',
    storedIn: [
      ...at('onboarding_owners', 'clear', 'latin_name', 'arabic_name', 'nationality'),
      ...at('onboarding_owners', 'sealed', 'birth_date', 'id_number'),
      ...at('onboarding_owners', 'fingerprint', 'id_fingerprint'),
      ...at('onboarding_documents', 'sealed', 'content_sealed'),
      ...at('screening_subjects', 'clear', 'name', 'alternate_name', 'nationality'),
      ...at('screening_subjects', 'sealed', 'birth_date'),
      ...at('onboarding_screening_hits', 'clear', 'subject_name'),
      ...at('onboarding_case_transitions', 'clear', 'note'),
      ...at('onboarding_cases', 'clear', 'merchant_response'),
      ...at('screening_hits', 'clear', 'review_note'),
    ],
    readsLogged: ['onboarding.owner_identity'],
  },
  {
    id: 'watchlists',
    basis: 'legal_obligation',
    retention: 'list_version',
    storedIn: [
      ...at('screening_entries', 'clear', 'primary_name', 'names', 'birth_dates', 'nationalities'),
      ...at('screening_hits', 'clear', 'matched_name'),
      ...at('onboarding_screening_hits', 'clear', 'matched_name', 'entry_name'),
    ],
    readsLogged: [],
  },
  {
    id: 'console_people',
    basis: 'legitimate_interest',
    retention: 'account',
    storedIn: [
      ...at('users', 'clear', 'name', 'email'),
      ...at('users', 'hashed', 'password_hash'),
      ...at('users', 'sealed', 'totp_secret_sealed', 'totp_pending_sealed'),
      ...at('sessions', 'clear', 'ip', 'user_agent'),
      ...at('audit_log', 'clear', 'ip', 'details'),
      ...at('audit_pending', 'clear', 'ip', 'details'),
    ],
    readsLogged: [],
  },
  {
    id: 'privacy_requests',
    basis: 'legal_obligation',
    retention: 'request',
    storedIn: [
      ...at('privacy_requests', 'sealed', 'subject_email', 'corrected_email', 'note', 'answer'),
      // Sent online, until the person confirms from the mailed link (or CONFIRM_HOURS pass).
      ...at('privacy_pending_requests', 'sealed', 'subject_email', 'corrected_email', 'note'),
    ],
    readsLogged: ['privacy_request.subject'],
  },
  {
    id: 'issuer_cardholders',
    basis: 'contract',
    retention: 'bank',
    storedIn: [
      ...at('issuer_accounts', 'sealed', 'holder_name'),
      ...at('issuer_cards', 'sealed', 'holder_name'),
      ...at('issuer_cards', 'truncated', 'bin', 'last4'),
      ...at('issuer_cards', 'fingerprint', 'pan_fingerprint'),
    ],
    readsLogged: [],
  },
];

export type ProcessingId = (typeof REGISTER)[number]['id'];
