import type { Generated } from 'kysely';

export interface SwitchTables {
  switch_issuers: {
    id: string;
    name: string;
    country: string;
    link: Generated<'builtin'>;
    available: Generated<boolean>;
    timeout_ms: Generated<number>;
    simulated_latency_ms: Generated<number>;
    created_at: Generated<Date>;
  };
  switch_bin_ranges: { prefix: string; issuer_id: string; brand: string; country: string };
  switch_fx_rates: { currency: string; rate_date: string; mad_per_unit_micro: bigint };
  switch_authorizations: {
    id: string;
    reference: string;
    issuer_id: string | null;
    bin: string;
    last4: string;
    merchant_id: string;
    merchant_country: string;
    amount: bigint;
    currency: string;
    amount_mad: bigint | null;
    fx_rate_micro: bigint | null;
    international: boolean;
    response_code: string;
    auth_code: string | null;
    status: SwitchAuthorizationStatus;
    captured: Generated<bigint>;
    refunded: Generated<bigint>;
    three_d_secure: 'authenticated' | 'attempted' | 'failed' | null;
    eci: string | null;
    created_at: Generated<Date>;
  };
}

export type SwitchAuthorizationStatus = 'declined' | 'approved' | 'captured' | 'released' | 'reversed';

export interface Issuer {
  id: string;
  name: string;
  country: string;
  available: boolean;
  timeoutMs: number;
  simulatedLatencyMs: number;
}

export interface BinRoute {
  prefix: string;
  issuerId: string;
  brand: string;
  /** Where the card was issued: MA for a Moroccan card. */
  country: string;
}
