import { sql } from 'kysely';
import { currencies, formatDecimalAmount, type MinorUnits } from '../core/money.js';
import { moroccanDayBounds } from '../core/time.js';
import type { LedgerService } from '../ledger/service.js';
import { merchantAccountCodes } from '../payments/books.js';
import { ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import { netToBiller } from './fees.js';
import type { Biller, BillTables, FeePayer } from './model.js';
import type { BillReferences } from './reference-privacy.js';

export interface RemittanceLine {
  kind: 'payment' | 'refund';
  at: Date;
  paymentId: string;
  receiptNumber: string;
  /** The bill (payment lines) or nothing (a refund concerns the whole payment). */
  billId: string | null;
  externalId: string | null;
  reference: string;
  /** Paid on the bill; negative for a refund. */
  amount: MinorUnits;
  /** The bill's fee (payment lines) or the fee given back (refunds, negative). */
  fee: MinorUnits;
  feePayer: FeePayer;
  /** What the line adds to (or takes from) what Tijara owes the biller. */
  net: MinorUnits;
}

export interface Remittance {
  billerId: string;
  date: string;
  currency: 'MAD';
  livemode: boolean;
  lines: RemittanceLine[];
  billsPaid: { count: number; amount: MinorUnits };
  fees: MinorUnits;
  refunds: { count: number; amount: MinorUnits };
  /** The sum of the lines' net: what the day adds to the biller's payable. */
  net: MinorUnits;
  /** How much the biller's payable moved in the ledger that day. */
  ledgerPayable: MinorUnits;
  reconciled: boolean;
}

/**
 * A biller's day (Moroccan calendar): every bill paid (reference, amount, fee, time, receipt) and
 * every refund, then the total checked against the movement of its payable account in the ledger.
 */
export async function remittanceReport(
  deps: { store: SharedStore; ledger: LedgerService; references: Pick<BillReferences, 'open'> },
  biller: Biller,
  date: string,
  db?: SharedDb,
): Promise<Remittance> {
  const { start, end } = moroccanDayBounds(date);
  const t = ownTables<BillTables>(db ?? deps.store.db);
  const paid = await t
    .selectFrom('bill_payments as p')
    .innerJoin('bill_payment_lines as l', 'l.payment_id', 'p.payment_id')
    .innerJoin('bills as b', 'b.id', 'l.bill_id')
    .select([
      'p.payment_id',
      'p.paid_at',
      'p.receipt_number',
      'p.fee_payer',
      'l.bill_id',
      'l.amount',
      'l.fee',
      'b.external_id',
      // The reference the payment was made for: the bill's own is kept only as a fingerprint.
      'p.reference',
    ])
    .where('p.biller_id', '=', biller.id)
    .where('p.paid_at', '>=', start)
    .where('p.paid_at', '<', end)
    .orderBy('p.paid_at')
    .orderBy('l.bill_id')
    .execute();
  const refunded = await t
    .selectFrom('bill_adjustments as a')
    .innerJoin('bill_payments as p', 'p.payment_id', 'a.payment_id')
    .select([
      'a.payment_id',
      'a.created_at',
      'a.amount',
      'a.fee_returned',
      'p.receipt_number',
      'p.reference',
      'p.fee_payer',
    ])
    .where('a.biller_id', '=', biller.id)
    .where('a.created_at', '>=', start)
    .where('a.created_at', '<', end)
    .orderBy(sql`a.created_at`)
    .execute();
  const lines: RemittanceLine[] = [
    ...paid.map(
      (r): RemittanceLine => ({
        kind: 'payment',
        at: r.paid_at!,
        paymentId: r.payment_id,
        receiptNumber: r.receipt_number ?? '',
        billId: r.bill_id,
        externalId: r.external_id,
        reference: r.reference,
        amount: r.amount,
        fee: r.fee,
        feePayer: r.fee_payer,
        net: netToBiller(r.fee_payer, r.amount, r.fee),
      }),
    ),
    // A refund takes back what the card got back; when it completes a full refund the fee comes back too.
    ...refunded.map(
      (r): RemittanceLine => ({
        kind: 'refund',
        at: r.created_at,
        paymentId: r.payment_id,
        receiptNumber: r.receipt_number ?? '',
        billId: null,
        externalId: null,
        reference: r.reference,
        amount: -r.amount,
        fee: -r.fee_returned,
        feePayer: r.fee_payer,
        net: r.fee_returned - r.amount,
      }),
    ),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
  // Sealed at rest (law 09-08): opened for the biller's report only.
  for (const line of lines) line.reference = await deps.references.open(line.reference, db);
  const payments = lines.filter((l) => l.kind === 'payment');
  const refunds = lines.filter((l) => l.kind === 'refund');
  const net = lines.reduce((sum, l) => sum + l.net, 0n);
  const shards = await deps.ledger.findAccountsByCodes(
    merchantAccountCodes(biller.merchantId, biller.livemode, 'MAD', 'payable'),
    db,
  );
  const ledgerPayable =
    shards.length === 0
      ? 0n
      : await deps.ledger.change(
          shards.map((a) => a.id),
          start,
          end,
          db,
        );
  return {
    billerId: biller.id,
    date,
    currency: 'MAD',
    livemode: biller.livemode,
    lines,
    billsPaid: { count: payments.length, amount: payments.reduce((s, l) => s + l.amount, 0n) },
    fees: payments.reduce((s, l) => s + l.fee, 0n),
    refunds: { count: refunds.length, amount: -refunds.reduce((s, l) => s + l.amount, 0n) },
    net,
    ledgerPayable,
    reconciled: net === ledgerPayable,
  };
}

export function remittanceJson(report: Remittance) {
  return {
    object: 'remittance' as const,
    biller: report.billerId,
    date: report.date,
    currency: report.currency,
    livemode: report.livemode,
    bills_paid: { count: report.billsPaid.count, amount: Number(report.billsPaid.amount) },
    fees: Number(report.fees),
    refunds: { count: report.refunds.count, amount: Number(report.refunds.amount) },
    net: Number(report.net),
    ledger_payable: Number(report.ledgerPayable),
    reconciled: report.reconciled,
    lines: report.lines.map((l) => ({
      kind: l.kind,
      at: l.at.toISOString(),
      payment: l.paymentId,
      receipt_number: l.receiptNumber,
      bill: l.billId,
      external_id: l.externalId,
      reference: l.reference,
      amount: Number(l.amount),
      fee: Number(l.fee),
      fee_payer: l.feePayer,
      net: Number(l.net),
    })),
  };
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One line per paid bill or refund (decimal MAD), then the totals and the ledger check. */
export function remittanceCsv(report: Remittance): string {
  const money = (amount: MinorUnits) => formatDecimalAmount(amount, currencies.MAD);
  const rows = [
    'kind,time,reference,external_id,amount,fee,fee_payer,net,receipt_number,payment,currency',
    ...report.lines.map((l) =>
      [
        l.kind,
        l.at.toISOString(),
        l.reference,
        l.externalId ?? '',
        money(l.amount),
        money(l.fee),
        l.feePayer,
        money(l.net),
        l.receiptNumber,
        l.paymentId,
        report.currency,
      ]
        .map(csvField)
        .join(','),
    ),
    [
      'total',
      '',
      '',
      '',
      money(report.billsPaid.amount - report.refunds.amount),
      money(report.fees),
      '',
      money(report.net),
      '',
      '',
      report.currency,
    ].join(','),
    [
      'ledger',
      '',
      '',
      '',
      '',
      '',
      '',
      money(report.ledgerPayable),
      report.reconciled ? 'reconciled' : 'NOT RECONCILED',
      '',
      report.currency,
    ].join(','),
  ];
  return `${rows.join('\n')}\n`;
}
