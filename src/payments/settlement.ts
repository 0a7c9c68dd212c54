import { sql } from 'kysely';
import {
  type CurrencyCode,
  currencies,
  formatDecimalAmount,
  type MinorUnits,
  toJsonAmount,
} from '../core/money.js';
import { moroccanDayBounds } from '../core/time.js';
import type { LedgerService } from '../ledger/service.js';
import { ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import { merchantAccountCodes } from './books.js';
import { ownedBy, type Scope } from './events.js';
import type { PaymentTables } from './model.js';

export interface SettlementLine {
  at: Date;
  kind: 'capture' | 'refund';
  paymentId: string;
  refundId: string | null;
  amount: MinorUnits;
  fee: MinorUnits;
  /** What the line adds to (or takes from) the merchant's payable. */
  net: MinorUnits;
}

export interface SettlementReport {
  date: string;
  currency: CurrencyCode;
  livemode: boolean;
  captured: { count: number; amount: MinorUnits };
  refunded: { count: number; amount: MinorUnits };
  fees: MinorUnits;
  /** captured − refunded − fees */
  payable: MinorUnits;
  /** How much the merchant's payable account moved in the ledger that day. */
  ledgerPayable: MinorUnits;
  reconciled: boolean;
  lines: SettlementLine[];
}

/** A merchant's day (Moroccan calendar): what was captured and refunded, fees, what is owed; checked against the ledger. */
export async function settlementReport(
  deps: { store: SharedStore; ledger: LedgerService },
  scope: Scope,
  date: string,
  currency: CurrencyCode,
  db?: SharedDb,
): Promise<SettlementReport> {
  const { start, end } = moroccanDayBounds(date);
  const rows = await ownTables<PaymentTables>(db ?? deps.store.db)
    .selectFrom('payment_movements')
    .selectAll()
    .where(ownedBy(scope))
    .where('currency', '=', currency)
    .where('created_at', '>=', start)
    .where('created_at', '<', end)
    .orderBy(sql`id`)
    .execute();
  const lines = rows.map((r) => ({
    at: r.created_at,
    kind: r.kind,
    paymentId: r.payment_id,
    refundId: r.refund_id,
    amount: r.amount,
    fee: r.fee,
    net: r.kind === 'capture' ? r.amount - r.fee : -r.amount,
  }));
  const sum = (kind: 'capture' | 'refund') =>
    lines.filter((l) => l.kind === kind).reduce((t, l) => t + l.amount, 0n);
  const captured = { count: lines.filter((l) => l.kind === 'capture').length, amount: sum('capture') };
  const refunded = { count: lines.filter((l) => l.kind === 'refund').length, amount: sum('refund') };
  const fees = lines.reduce((t, l) => t + l.fee, 0n);
  const payable = captured.amount - refunded.amount - fees;
  // The merchant's payable is sharded: its movement is the sum of its shards'.
  const shards = await deps.ledger.findAccountsByCodes(
    merchantAccountCodes(scope.merchantId, scope.livemode, currency, 'payable'),
    db,
  );
  const ledgerPayable = await deps.ledger.change(
    shards.map((a) => a.id),
    start,
    end,
    db,
  );
  return {
    date,
    currency,
    livemode: scope.livemode,
    captured,
    refunded,
    fees,
    payable,
    ledgerPayable,
    reconciled: payable === ledgerPayable,
    lines,
  };
}

export function settlementJson(report: SettlementReport) {
  return {
    object: 'settlement' as const,
    date: report.date,
    currency: report.currency,
    livemode: report.livemode,
    captured: { count: report.captured.count, amount: toJsonAmount(report.captured.amount) },
    refunded: { count: report.refunded.count, amount: toJsonAmount(report.refunded.amount) },
    fees: toJsonAmount(report.fees),
    payable: toJsonAmount(report.payable),
    ledger_payable: toJsonAmount(report.ledgerPayable),
    reconciled: report.reconciled,
    lines: report.lines.map((l) => ({
      at: l.at.toISOString(),
      kind: l.kind,
      payment: l.paymentId,
      refund: l.refundId,
      amount: toJsonAmount(l.amount),
      fee: toJsonAmount(l.fee),
      net: toJsonAmount(l.net),
    })),
  };
}

/** CSV with decimal amounts, one line per movement, then the day's totals. */
export function settlementCsv(report: SettlementReport): string {
  const money = (amount: MinorUnits) => formatDecimalAmount(amount, currencies[report.currency]);
  const rows = [
    'time,kind,payment,refund,amount,fee,net,currency',
    ...report.lines.map((l) =>
      [
        l.at.toISOString(),
        l.kind,
        l.paymentId,
        l.refundId ?? '',
        money(l.amount),
        money(l.fee),
        money(l.net),
        report.currency,
      ].join(','),
    ),
    ['', 'total captured', '', '', money(report.captured.amount), '', '', report.currency].join(','),
    ['', 'total refunded', '', '', money(report.refunded.amount), '', '', report.currency].join(','),
    ['', 'total fees', '', '', '', money(report.fees), '', report.currency].join(','),
    ['', 'payable', '', '', '', '', money(report.payable), report.currency].join(','),
  ];
  return `${rows.join('\n')}\n`;
}

/** The ledger movements (captures, refunds) of one payment of the scope, oldest first: its money timeline. */
export async function paymentMovements(
  deps: { store: SharedStore },
  scope: Scope,
  paymentId: string,
  db?: SharedDb,
) {
  return ownTables<PaymentTables>(db ?? deps.store.db)
    .selectFrom('payment_movements')
    .selectAll()
    .where(ownedBy(scope))
    .where('payment_id', '=', paymentId)
    .orderBy(sql`id`)
    .execute();
}
