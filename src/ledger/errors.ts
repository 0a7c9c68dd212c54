/** Expected ledger failures, returned as values; HTTP maps each one in `ledgerErrorStatus`. */
export const LedgerError = {
  UnbalancedEntry: 'unbalanced_entry',
  UnknownAccount: 'unknown_account',
  CurrencyMismatch: 'currency_mismatch',
  InsufficientFunds: 'insufficient_funds',
  ReferenceConflict: 'reference_conflict',
  InvalidAmount: 'invalid_amount',
} as const;
export type LedgerError = (typeof LedgerError)[keyof typeof LedgerError];

export function isLedgerError(value: unknown): value is LedgerError {
  return typeof value === 'string' && (Object.values(LedgerError) as string[]).includes(value);
}

export const ledgerErrorStatus: Record<LedgerError, number> = {
  unbalanced_entry: 422,
  unknown_account: 404,
  currency_mismatch: 422,
  insufficient_funds: 422,
  reference_conflict: 409,
  invalid_amount: 422,
};

export const ledgerErrorMessage: Record<LedgerError, string> = {
  unbalanced_entry: 'a journal entry needs two or more postings that sum to zero',
  unknown_account: 'a posting names an account that does not exist',
  currency_mismatch: 'every account of an entry must hold the entry currency',
  insufficient_funds: 'the entry would take an account that may not go negative below zero',
  reference_conflict: 'an entry with this external reference exists with other postings',
  invalid_amount: 'amounts must be non-zero whole numbers of minor units',
};
