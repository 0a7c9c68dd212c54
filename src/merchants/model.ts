import type { Generated, Selectable } from 'kysely';
import type { CurrencyCode, MinorUnits } from '../core/money.js';

export type MerchantStatus = 'pending' | 'active' | 'suspended' | 'rejected';

/** Statuses of merchants that took live payments, or may have: never an applicant or a rejected one. */
export const HOLDING_DATA: readonly MerchantStatus[] = ['active', 'suspended'];

/** A suspended or rejected merchant's console is closed: its people see none of its data. */
export const consoleClosed = (status: MerchantStatus | undefined): status is 'suspended' | 'rejected' =>
  status === 'suspended' || status === 'rejected';

/** Whether a merchant of this status may hold people's data (and a person may ask it about theirs). */
export const holdsPeoplesData = (status: MerchantStatus | undefined) =>
  status !== undefined && HOLDING_DATA.includes(status);

export interface MerchantTables {
  merchants: {
    id: string;
    name: string;
    country: string;
    currency: string;
    sector: Generated<string>;
    website: string | null;
    fee_bps: Generated<number>;
    fee_fixed: Generated<bigint>;
    status: Generated<MerchantStatus>;
    created_at: Generated<Date>;
  };
  merchant_api_keys: {
    id: string;
    merchant_id: string;
    livemode: boolean;
    secret_hash: string;
    hint: string;
    label: string | null;
    created_at: Generated<Date>;
    revoked_at: Date | null;
    last_used_at: Date | null;
  };
}

export interface Merchant {
  id: string;
  name: string;
  country: string;
  currency: CurrencyCode;
  sector: string;
  website: string | null;
  feeBps: number;
  feeFixed: MinorUnits;
  status: MerchantStatus;
  createdAt: Date;
}

export interface ApiKey {
  id: string;
  merchantId: string;
  livemode: boolean;
  hint: string;
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

export function toMerchant(row: Selectable<MerchantTables['merchants']>): Merchant {
  return {
    id: row.id,
    name: row.name,
    country: row.country,
    currency: row.currency as CurrencyCode,
    sector: row.sector,
    website: row.website,
    feeBps: row.fee_bps,
    feeFixed: row.fee_fixed,
    status: row.status,
    createdAt: row.created_at,
  };
}

/** The merchant's fee on an amount: basis points rounded half up, plus the fixed part, never more than the amount. */
export function merchantFee(merchant: Pick<Merchant, 'feeBps' | 'feeFixed'>, amount: MinorUnits): MinorUnits {
  const proportional = (amount * BigInt(merchant.feeBps) + 5_000n) / 10_000n;
  const fee = proportional + merchant.feeFixed;
  return fee > amount ? amount : fee;
}
