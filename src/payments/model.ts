import type { ColumnType, Generated, Selectable } from 'kysely';
import { type CurrencyCode, type MinorUnits, toJsonAmount } from '../core/money.js';

export const PAYMENT_STATUSES = [
  'requires_payment_method',
  'requires_action',
  'requires_capture',
  'succeeded',
  'failed',
  'canceled',
] as const;

export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export function isPaymentStatus(value: string): value is PaymentStatus {
  return (PAYMENT_STATUSES as readonly string[]).includes(value);
}

export type CaptureMethod = 'automatic' | 'manual';

/** The most metadata keys a payment holds, however they were given (at creation, then merged). */
export const MAX_METADATA_KEYS = 50;

/** Why a merchant cancels a payment (Stripe's reasons), as the cancel call may say. */
export const REQUESTED_CANCELLATION_REASONS = [
  'duplicate',
  'fraudulent',
  'requested_by_customer',
  'abandoned',
] as const;

/** The merchant's reasons, and 'automatic': the hold lapsed uncaptured and Tijara canceled it. */
export type CancellationReason = (typeof REQUESTED_CANCELLATION_REASONS)[number] | 'automatic';

export interface ThreeDSecure {
  status: 'authenticated' | 'attempted' | 'failed';
  eci: string;
}

type Json<T> = ColumnType<T, string, string>;

export interface PaymentTables {
  payments: {
    id: string;
    merchant_id: string;
    livemode: boolean;
    status: PaymentStatus;
    amount: bigint;
    currency: string;
    amount_capturable: Generated<bigint>;
    amount_captured: Generated<bigint>;
    amount_refunded: Generated<bigint>;
    fee: Generated<bigint>;
    capture_method: CaptureMethod;
    description: string | null;
    order_reference: string | null;
    customer_email: string | null;
    metadata: Json<Record<string, string>>;
    return_url: string | null;
    card_token: string | null;
    card_bin: string | null;
    card_last4: string | null;
    card_brand: string | null;
    card_country: string | null;
    card_exp_month: number | null;
    card_exp_year: number | null;
    issuer_id: string | null;
    switch_authorization_id: string | null;
    auth_code: string | null;
    decline_code: string | null;
    decline_message: string | null;
    three_d_secure: ColumnType<ThreeDSecure | null, string | null, string | null>;
    attempts: Generated<number>;
    /** While the payment is in requires_capture: when its hold lapses and the workers cancel it. */
    capture_before: Date | null;
    cancellation_reason: CancellationReason | null;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  refunds: {
    id: string;
    payment_id: string;
    merchant_id: string;
    livemode: boolean;
    amount: bigint;
    currency: string;
    status: 'succeeded' | 'failed';
    reason: string | null;
    created_at: Generated<Date>;
  };
  payment_movements: {
    id: Generated<bigint>;
    merchant_id: string;
    livemode: boolean;
    payment_id: string;
    refund_id: string | null;
    kind: 'capture' | 'refund';
    amount: bigint;
    fee: bigint;
    currency: string;
    ledger_entry_id: string;
    created_at: Generated<Date>;
  };
  events: {
    id: string;
    merchant_id: string;
    livemode: boolean;
    type: string;
    object_id: string;
    data: Json<Record<string, unknown>>;
    created_at: Generated<Date>;
  };
  webhook_endpoints: {
    id: string;
    merchant_id: string;
    livemode: boolean;
    url: string;
    secret_sealed: string;
    /** The secret before the last roll, still signing deliveries until it expires. */
    previous_secret_sealed: string | null;
    previous_secret_expires_at: Date | null;
    enabled_events: string[];
    disabled_at: Date | null;
    created_at: Generated<Date>;
  };
  webhook_deliveries: {
    id: string;
    event_id: string;
    endpoint_id: string;
    attempt: number;
    status_code: number | null;
    error: string | null;
    duration_ms: number;
    succeeded: boolean;
    created_at: Generated<Date>;
  };
  idempotency_keys: {
    merchant_id: string;
    livemode: boolean;
    key: string;
    request_hash: string;
    response_status: number;
    response_body: Json<unknown>;
    created_at: Generated<Date>;
  };
}

export type PaymentRow = Selectable<PaymentTables['payments']>;

/**
 * The personal data in a payment's JSON (`paymentJson`), as events and stored answers keep it: sealed
 * at rest (vault/personal-data.ts).
 */
export const isPaymentPersonalField = (key: string) => key === 'customer_email';
export type RefundRow = Selectable<PaymentTables['refunds']>;

/** The payment as the API shows it. */
export function paymentJson(row: PaymentRow, options: { payPageUrl?: (id: string) => string } = {}) {
  return {
    id: row.id,
    object: 'payment' as const,
    livemode: row.livemode,
    status: row.status,
    amount: toJsonAmount(row.amount),
    currency: row.currency as CurrencyCode,
    amount_capturable: toJsonAmount(row.amount_capturable),
    amount_captured: toJsonAmount(row.amount_captured),
    amount_refunded: toJsonAmount(row.amount_refunded),
    fee: toJsonAmount(row.fee),
    capture_method: row.capture_method,
    description: row.description,
    order_reference: row.order_reference,
    customer_email: row.customer_email,
    metadata: row.metadata,
    card: row.card_last4
      ? {
          brand: row.card_brand,
          bin: row.card_bin,
          last4: row.card_last4,
          exp_month: row.card_exp_month,
          exp_year: row.card_exp_year,
          country: row.card_country,
        }
      : null,
    capture_before: row.capture_before?.toISOString() ?? null,
    cancellation_reason: row.cancellation_reason,
    authorization_code: row.auth_code,
    decline: row.decline_code ? { code: row.decline_code, message: row.decline_message } : null,
    three_d_secure: row.three_d_secure,
    next_action:
      row.status === 'requires_action' && options.payPageUrl
        ? { type: 'redirect_to_url' as const, url: options.payPageUrl(row.id) }
        : null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export type PaymentJson = ReturnType<typeof paymentJson>;

export function refundJson(row: RefundRow) {
  return {
    id: row.id,
    object: 'refund' as const,
    livemode: row.livemode,
    payment: row.payment_id,
    amount: toJsonAmount(row.amount),
    currency: row.currency,
    status: row.status,
    reason: row.reason,
    created_at: row.created_at.toISOString(),
  };
}

export type MoneyMovement = { amount: MinorUnits; fee: MinorUnits };
