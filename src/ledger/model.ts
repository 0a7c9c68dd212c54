import type { ColumnType, Generated, Selectable } from 'kysely';
import type { CurrencyCode, MinorUnits } from '../core/money.js';

export type AccountType = 'asset' | 'liability' | 'equity' | 'revenue' | 'expense';

export interface LedgerTables {
  ledger_accounts: {
    id: string;
    code: string;
    name: string;
    type: AccountType;
    currency: string;
    may_go_negative: Generated<boolean>;
    debits_posted: Generated<bigint>;
    credits_posted: Generated<bigint>;
    created_at: Generated<Date>;
  };
  ledger_entries: {
    id: string;
    external_ref: string | null;
    description: string;
    currency: string;
    posted_at: Generated<Date>;
    metadata: ColumnType<Record<string, unknown>, string | undefined, never>;
  };
  ledger_postings: {
    id: Generated<bigint>;
    entry_id: string;
    account_id: string;
    amount: bigint;
    posted_at: Date;
  };
}

export type AccountRow = Selectable<LedgerTables['ledger_accounts']>;

export interface Account {
  id: string;
  code: string;
  name: string;
  type: AccountType;
  currency: CurrencyCode;
  mayGoNegative: boolean;
  debitsPosted: MinorUnits;
  creditsPosted: MinorUnits;
  /** On the account's normal side: debits − credits for assets and expenses, credits − debits otherwise. */
  balance: MinorUnits;
}

export interface NewAccount {
  code: string;
  name: string;
  type: AccountType;
  currency: CurrencyCode;
  mayGoNegative?: boolean;
}

/** One line of an entry: positive amounts debit the account, negative amounts credit it. */
export interface Posting {
  accountId: string;
  amount: MinorUnits;
}

export interface NewEntry {
  /** Makes posting idempotent: a second post with this reference returns the first entry. */
  externalRef?: string;
  description: string;
  currency: CurrencyCode;
  postings: Posting[];
  metadata?: Record<string, unknown>;
}

export interface Entry {
  id: string;
  externalRef: string | null;
  description: string;
  currency: CurrencyCode;
  postedAt: Date;
  postings: Posting[];
}

export interface Transfer {
  externalRef?: string;
  description: string;
  currency: CurrencyCode;
  debitAccountId: string;
  creditAccountId: string;
  amount: MinorUnits;
}

const DEBIT_NORMAL: ReadonlySet<AccountType> = new Set(['asset', 'expense']);

export function normalBalance(type: AccountType, debits: MinorUnits, credits: MinorUnits): MinorUnits {
  return DEBIT_NORMAL.has(type) ? debits - credits : credits - debits;
}

export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    type: row.type,
    currency: row.currency as CurrencyCode,
    mayGoNegative: row.may_go_negative,
    debitsPosted: row.debits_posted,
    creditsPosted: row.credits_posted,
    balance: normalBalance(row.type, row.debits_posted, row.credits_posted),
  };
}
