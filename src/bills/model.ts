import type { ColumnType, Generated, Selectable } from 'kysely';
import type { MinorUnits } from '../core/money.js';
import type { Locale } from '../web/i18n.js';

type Json<T> = ColumnType<T, string, string>;

export const BILLER_CATEGORIES = ['water_electricity', 'telecom', 'treasury', 'public_service'] as const;
export type BillerCategory = (typeof BILLER_CATEGORIES)[number];
export type FeePayer = 'consumer' | 'biller';
export type BillStatus = 'open' | 'paid' | 'canceled';

/** One field a consumer types to find their bills (contract number, tax notice number, year…). */
export interface ReferenceField {
  name: string;
  /** A regular expression the whole value must match. */
  pattern: string;
  label: Record<Locale, string>;
}

export interface BillTables {
  billers: {
    id: string;
    merchant_id: string;
    livemode: boolean;
    category: BillerCategory;
    name_ar: string;
    name_fr: string;
    name_en: string;
    reference_fields: Json<ReferenceField[]>;
    fee_fixed: bigint;
    fee_bps: number;
    fee_payer: FeePayer;
    partial_payment: boolean;
    max_bills_per_payment: number;
    webhook_url: string | null;
    webhook_secret_sealed: string | null;
    created_at: Generated<Date>;
  };
  bills: {
    id: string;
    biller_id: string;
    external_id: string;
    reference: string;
    reference_values: Json<Record<string, string>>;
    description: string | null;
    period: string | null;
    due_date: string | null;
    amount: bigint;
    late_fee: bigint;
    amount_paid: Generated<bigint>;
    status: BillStatus;
    created_at: Generated<Date>;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
  bill_payments: {
    payment_id: string;
    biller_id: string;
    livemode: boolean;
    reference: string;
    bills_amount: bigint;
    fee: bigint;
    fee_payer: FeePayer;
    status: Generated<'pending' | 'paid' | 'refunded'>;
    receipt_number: string | null;
    card_brand: string | null;
    card_last4: string | null;
    paid_at: Date | null;
    refunded_at: Date | null;
    created_at: Generated<Date>;
  };
  bill_payment_lines: {
    payment_id: string;
    bill_id: string;
    amount: bigint;
    fee: bigint;
  };
  bill_adjustments: {
    refund_id: string;
    payment_id: string;
    biller_id: string;
    amount: bigint;
    fee_returned: bigint;
    created_at: Generated<Date>;
  };
}

export type BillerRow = Selectable<BillTables['billers']>;
export type BillRow = Selectable<BillTables['bills']>;
export type BillPaymentRow = Selectable<BillTables['bill_payments']>;

export interface FeeSchedule {
  fixed: MinorUnits;
  bps: number;
  payer: FeePayer;
}

export interface Biller {
  id: string;
  merchantId: string;
  livemode: boolean;
  category: BillerCategory;
  name: Record<Locale, string>;
  referenceFields: ReferenceField[];
  fee: FeeSchedule;
  partialPayment: boolean;
  maxBillsPerPayment: number;
  webhookUrl: string | null;
}

export function toBiller(row: BillerRow): Biller {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    livemode: row.livemode,
    category: row.category,
    name: { ar: row.name_ar, fr: row.name_fr, en: row.name_en },
    referenceFields: row.reference_fields,
    fee: { fixed: row.fee_fixed, bps: row.fee_bps, payer: row.fee_payer },
    partialPayment: row.partial_payment,
    maxBillsPerPayment: row.max_bills_per_payment,
    webhookUrl: row.webhook_url,
  };
}

/** What is still owed on a bill: its amount and late fee, less what was paid. */
export function outstanding(bill: Pick<BillRow, 'amount' | 'late_fee' | 'amount_paid'>): MinorUnits {
  return bill.amount + bill.late_fee - bill.amount_paid;
}

/** The reference as stored and looked up: the fields' values in the biller's order, joined by '/'. */
export function referenceKey(fields: ReferenceField[], values: Record<string, string>): string {
  return fields.map((f) => (values[f.name] ?? '').trim()).join('/');
}

const ORDER_REFERENCE_MAX = 100;

/**
 * A bill payment's order reference: the biller's ids of the bills it pays (never the consumer's
 * reference, which is personal data), all of them when they fit, else the first and how many more.
 */
export function billsOrderReference(externalIds: string[]): string {
  const all = externalIds.join(',');
  if (all.length <= ORDER_REFERENCE_MAX) return all;
  const more = ` +${externalIds.length - 1}`;
  return `${externalIds[0]!.slice(0, ORDER_REFERENCE_MAX - more.length)}${more}`;
}

/** Problems with typed reference values, by field name; an empty list when every field matches. */
export function checkReference(
  fields: ReferenceField[],
  values: Record<string, string | undefined>,
): { field: string; message: string }[] {
  return fields.flatMap((f) => {
    const value = values[f.name]?.trim() ?? '';
    if (value === '') return [{ field: f.name, message: 'is required' }];
    return new RegExp(f.pattern).test(value) ? [] : [{ field: f.name, message: `must match ${f.pattern}` }];
  });
}

/** What a bill is for and what it amounts to: the part its payer and its biller both see. */
function billTermsJson(bill: BillRow) {
  return {
    description: bill.description,
    period: bill.period,
    due_date: bill.due_date,
    amount: Number(bill.amount),
    late_fee: Number(bill.late_fee),
    amount_paid: Number(bill.amount_paid),
  };
}

/** A bill as the consumer lookup shows it: nothing about the person, only what is owed. */
export function publicBillJson(bill: BillRow, fee: MinorUnits) {
  return {
    id: bill.id,
    object: 'bill' as const,
    ...billTermsJson(bill),
    amount_due: Number(outstanding(bill)),
    fee: Number(fee),
  };
}

/** A bill as its biller sees it through the API. */
export function billJson(bill: BillRow) {
  return {
    id: bill.id,
    object: 'bill' as const,
    external_id: bill.external_id,
    reference: bill.reference_values,
    ...billTermsJson(bill),
    status: bill.status,
    created_at: bill.created_at.toISOString(),
    updated_at: bill.updated_at.toISOString(),
  };
}

export function billerJson(biller: Biller) {
  return {
    id: biller.id,
    object: 'biller' as const,
    category: biller.category,
    name: biller.name,
    reference_fields: biller.referenceFields,
    fee: { fixed: Number(biller.fee.fixed), bps: biller.fee.bps, payer: biller.fee.payer },
    partial_payment: biller.partialPayment,
    max_bills_per_payment: biller.maxBillsPerPayment,
  };
}
