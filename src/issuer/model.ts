import type { Generated, Selectable } from 'kysely';
import type { MinorUnits } from '../core/money.js';

export type CardStatus = 'active' | 'blocked' | 'lost' | 'expired';
export type IssuerAuthorizationStatus = 'held' | 'captured' | 'released' | 'reversed';

export interface IssuerTables {
  issuer_accounts: {
    id: string;
    bank_id: string;
    holder_name: string;
    ledger_account_id: string;
    created_at: Generated<Date>;
  };
  issuer_cards: {
    id: string;
    bank_id: string;
    account_id: string;
    pan_fingerprint: string;
    bin: string;
    last4: string;
    exp_month: number;
    exp_year: number;
    holder_name: string;
    status: Generated<CardStatus>;
    daily_limit: bigint;
    international_enabled: Generated<boolean>;
    international_approved_at: Date | null;
    international_allowance: bigint;
    requires_3ds: Generated<boolean>;
    created_at: Generated<Date>;
  };
  issuer_daily_usage: { card_id: string; day: string; used: bigint };
  issuer_allowance_usage: { card_id: string; year: number; used: bigint };
  issuer_authorizations: {
    id: string;
    reference: string;
    card_id: string;
    amount: bigint;
    captured: Generated<bigint>;
    refunded: Generated<bigint>;
    status: IssuerAuthorizationStatus;
    international: boolean;
    day: string;
    year: number;
    auth_code: string;
    created_at: Generated<Date>;
  };
}

export type CardRow = Selectable<IssuerTables['issuer_cards']>;

export interface IssuerCard {
  id: string;
  bankId: string;
  accountId: string;
  bin: string;
  last4: string;
  expMonth: number;
  expYear: number;
  holderName: string;
  status: CardStatus;
  dailyLimit: MinorUnits;
  internationalEnabled: boolean;
  internationalApprovedAt: Date | null;
  internationalAllowance: MinorUnits;
  requires3ds: boolean;
}

export function toCard(row: CardRow): IssuerCard {
  return {
    id: row.id,
    bankId: row.bank_id,
    accountId: row.account_id,
    bin: row.bin,
    last4: row.last4,
    expMonth: row.exp_month,
    expYear: row.exp_year,
    holderName: row.holder_name,
    status: row.status,
    dailyLimit: row.daily_limit,
    internationalEnabled: row.international_enabled,
    internationalApprovedAt: row.international_approved_at,
    internationalAllowance: row.international_allowance,
    requires3ds: row.requires_3ds,
  };
}
