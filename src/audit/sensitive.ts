import type { AuditEntry } from './model.js';

/**
 * Data the supervising authority marks sensitive: showing it to a person appends a 'data.read' record
 * naming what was read and why. Add a kind here, and the page that shows it asks for a purpose.
 */
export const SENSITIVE_DATA = [
  'payment.customer_email',
  'card.details',
  'onboarding.owner_identity',
  'privacy_request.subject',
] as const;
export type SensitiveData = (typeof SENSITIVE_DATA)[number];

/** Why a person may read sensitive data (law 09-08: every access has a stated purpose), as they state it. */
export const READ_PURPOSES = ['customer_service', 'dispute', 'fraud_check', 'cardholder_request'] as const;
export type ReadPurpose = (typeof READ_PURPOSES)[number];
/**
 * A purpose the page itself states: a reviewer opens a case file to vet the merchant, an owner opens a
 * person's request about their data to answer it; nothing else.
 */
export type ImpliedReadPurpose = 'merchant_vetting' | 'data_subject_request';

export function isReadPurpose(value: unknown): value is ReadPurpose {
  return typeof value === 'string' && (READ_PURPOSES as readonly string[]).includes(value);
}

/** The audit entry (less who and where) of reading sensitive data for a purpose. */
export function sensitiveRead(
  data: SensitiveData,
  purpose: ReadPurpose | ImpliedReadPurpose,
  target: { type: string; id: string },
  details: Record<string, unknown> = {},
): Pick<AuditEntry, 'action' | 'target' | 'details'> {
  return { action: 'data.read', target, details: { data, purpose, ...details } };
}
