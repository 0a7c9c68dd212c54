import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Clock } from '../core/clock.js';
import { createLookupLimiter, type LookupLimits } from '../core/fixed-window.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { MinorUnits } from '../core/money.js';
import { fetchTo } from '../core/network.js';
import { Problem } from '../core/problem.js';
import { isCalendarDate } from '../core/time.js';
import { callbackUrlProblem } from '../core/urls.js';
import { createAccountResolver, shardCode } from '../ledger/accounts.js';
import { isLedgerError } from '../ledger/errors.js';
import type { LedgerService } from '../ledger/service.js';
import type { MerchantService } from '../merchants/service.js';
import { createGatewayBooks } from '../payments/books.js';
import type { PaymentRow, RefundRow } from '../payments/model.js';
import type { PaymentHook, PaymentService } from '../payments/service.js';
import { signWebhook } from '../payments/signature.js';
import { WEBHOOK_MAX_ATTEMPTS } from '../payments/webhooks.js';
import type { MetaTables } from '../store/meta.js';
import { enqueueEvent, exponentialBackoff, type OutboxHandler } from '../store/outbox.js';
import { plannedForItsValues } from '../store/prepared.js';
import {
  claimExclusively,
  inTransaction,
  ownTables,
  type SharedDb,
  type SharedStore,
} from '../store/store.js';
import type { VaultService } from '../vault/service.js';
import type { Locale } from '../web/i18n.js';
import { type BillLineError, billProblems } from './errors.js';
import { billFee, paymentTotal } from './fees.js';
import {
  type Biller,
  type BillerCategory,
  type BillRow,
  type BillTables,
  billsOrderReference,
  checkReference,
  type FeeSchedule,
  outstanding,
  type ReferenceField,
  referenceKey,
  toBiller,
} from './model.js';
import { createReceiptNumbers, normalizeReceiptNumber, type ReceiptNumbers } from './receipt-number.js';
import { billReferences, sealStoredReferences } from './reference-privacy.js';
import { type Remittance, remittanceReport } from './remittance.js';

export interface NewBiller {
  /** Fixed ids are for demo data; otherwise a `blr_…` id is made. */
  id?: string;
  name: Record<Locale, string>;
  category: BillerCategory;
  referenceFields: ReferenceField[];
  fee: FeeSchedule;
  partialPayment?: boolean;
  maxBillsPerPayment?: number;
  webhookUrl?: string | null;
  webhookSecret?: string | null;
  livemode?: boolean;
  website?: string | null;
}

/** One bill as a biller loads it (API item or CSV line). */
export interface BillInput {
  externalId: string;
  reference: Record<string, string>;
  amount: MinorUnits;
  lateFee?: MinorUnits;
  period?: string | null;
  dueDate?: string | null;
  description?: string | null;
  status?: 'open' | 'canceled';
}

export type LoadOutcome =
  | { externalId: string; outcome: 'created' | 'updated' | 'unchanged' | 'canceled'; bill: BillRow }
  | { externalId: string; outcome: 'rejected'; errors: BillLineError[] };

export interface BillSelection {
  billId: string;
  /** Less than what is due, when the biller allows partial payment; by default all of it. */
  amount?: MinorUnits;
}

export interface StartedPayment {
  payment: PaymentRow;
  bills: MinorUnits;
  fee: MinorUnits;
  charged: MinorUnits;
}

export interface ReceiptLine {
  billId: string;
  externalId: string;
  description: string | null;
  period: string | null;
  dueDate: string | null;
  amount: MinorUnits;
  fee: MinorUnits;
}

export interface Receipt {
  number: string;
  status: 'paid' | 'refunded';
  paidAt: Date;
  refundedAt: Date | null;
  biller: Biller;
  paymentId: string;
  reference: string;
  referenceValues: Record<string, string>;
  lines: ReceiptLine[];
  billsAmount: MinorUnits;
  fee: MinorUnits;
  feePayer: FeeSchedule['payer'];
  charged: MinorUnits;
  cardBrand: string | null;
  cardLast4: string | null;
}

export interface BillService {
  createBiller(input: NewBiller, db?: SharedDb): Promise<Biller>;
  getBiller(id: string, db?: SharedDb): Promise<Biller | undefined>;
  listBillers(livemode?: boolean): Promise<Biller[]>;
  /** Loads bills: `each` writes the good ones and reports the rest (CSV); `all` writes all or nothing (API). */
  loadBills(
    biller: Biller,
    inputs: BillInput[],
    mode: 'each' | 'all',
    db?: SharedDb,
  ): Promise<LoadOutcome[] | Problem>;
  getBill(biller: Biller, externalId: string, db?: SharedDb): Promise<BillRow | undefined>;
  /** The open bills of exactly this reference, with the fee each would carry. */
  lookup(
    biller: Biller,
    values: Record<string, string | undefined>,
  ): Promise<{ bill: BillRow; fee: MinorUnits }[] | Problem>;
  /** Creates the card payment for these bills (paid on the hosted page); nothing is marked paid yet. */
  startPayment(
    biller: Biller,
    input: { reference: Record<string, string | undefined>; bills: BillSelection[]; returnUrl: string },
    db?: SharedDb,
  ): Promise<StartedPayment | Problem>;
  /** A genuine receipt, or undefined when the number is forged or unknown. */
  receipt(number: string): Promise<Receipt | undefined>;
  receiptNumberOfPayment(paymentId: string): Promise<string | undefined>;
  /** Counts a lookup by this client; the seconds to wait when over the limit. */
  takeLookup(client: string): number | undefined;
  resetLookupLimits(): void;
  /** A biller's day (Moroccan calendar) of payments and refunds, reconciled with its ledger account. */
  remittance(biller: Biller, date: string, db?: SharedDb): Promise<Remittance>;
  /**
   * Seals in place the references of bills and bill payments stored in clear before sealing began
   * (law 09-08). Safe to run twice, or on two processes at once. Returns how many rows it sealed.
   */
  sealStoredPersonalData(): Promise<number>;
  outboxHandlers: OutboxHandler[];
}

export interface BillDeps {
  store: SharedStore;
  ledger: LedgerService;
  vault: VaultService;
  merchants: MerchantService;
  payments: PaymentService;
  clock: Clock;
  logger: Logger;
  retryBaseMs: number;
  lookupLimits?: LookupLimits;
}

export const BILL_WEBHOOK_TOPIC = 'bills.webhook';
const RECEIPT_KEY_META = 'bills_receipt_key';
const EXTERNAL_ID = /^[A-Za-z0-9][A-Za-z0-9._\-/]{0,63}$/;
const MAX_AMOUNT = 99_999_999_999n;
const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * The parts of a bill that loading may change; equal parts mean a replayed line changes nothing.
 * `references`: what `bills.reference` holds for the line's reference (its fingerprint, or the key in
 * clear for a bill stored before sealing began).
 */
function sameBill(row: BillRow, input: Required<Omit<BillInput, 'reference'>>, references: string[]) {
  return (
    references.includes(row.reference) &&
    row.amount === input.amount &&
    row.late_fee === input.lateFee &&
    row.period === input.period &&
    row.due_date === input.dueDate &&
    row.description === input.description &&
    row.status === input.status
  );
}

/** Checks one bill's fields (not the database); an empty list means it may be loaded. */
export function checkBillInput(biller: Biller, input: BillInput): BillLineError[] {
  const errors: BillLineError[] = [];
  if (!EXTERNAL_ID.test(input.externalId))
    errors.push({ field: 'external_id', message: 'is 1 to 64 letters, digits, . _ - /' });
  for (const e of checkReference(biller.referenceFields, input.reference))
    errors.push({ field: `reference.${e.field}`, message: e.message });
  if (input.amount <= 0n || input.amount > MAX_AMOUNT)
    errors.push({ field: 'amount', message: 'must be a positive amount in centimes' });
  if (input.lateFee !== undefined && (input.lateFee < 0n || input.lateFee > MAX_AMOUNT))
    errors.push({ field: 'late_fee', message: 'must be zero or a positive amount in centimes' });
  if (input.dueDate && !isCalendarDate(input.dueDate))
    errors.push({ field: 'due_date', message: 'must be a date YYYY-MM-DD' });
  if (input.period && input.period.length > 40)
    errors.push({ field: 'period', message: 'is at most 40 characters' });
  if (input.description && input.description.length > 200)
    errors.push({ field: 'description', message: 'is at most 200 characters' });
  return errors;
}

/** A bill nobody may pay: unknown to this reference, or canceled by its biller. */
function unpayable(bill: BillRow | undefined): boolean {
  return !bill || bill.status === 'canceled';
}

export function createBillService(deps: BillDeps): BillService {
  const { store, clock, logger } = deps;
  const tables = (db?: SharedDb) => ownTables<BillTables>(db ?? store.db);
  const books = createGatewayBooks(deps.ledger, store);
  const accountId = createAccountResolver(deps.ledger, store);
  const limiter = createLookupLimiter(clock, deps.lookupLimits);
  const references = billReferences(deps.vault);
  /** What `bills.reference` may hold for a reference key: its fingerprint, or the key of a bill not sealed yet. */
  const storedForms = async (biller: Biller, key: string, db?: SharedDb) => [
    await references.fingerprint(biller.id, key, db),
    key,
  ];
  const retryDelay = exponentialBackoff(deps.retryBaseMs, deps.retryBaseMs * 360);

  // The receipt key: made once, sealed by the vault in platform_meta, read back by every node. A
  // rollback may have undone its creation, so the memory of it is dropped then.
  let receiptNumbers: Promise<ReceiptNumbers> | undefined;
  store.onRollback(() => {
    receiptNumbers = undefined;
  });
  function receiptKey(db: SharedDb): Promise<ReceiptNumbers> {
    receiptNumbers ??= (async () => {
      const meta = ownTables<MetaTables>(db);
      const read = () =>
        meta
          .selectFrom('platform_meta')
          .select('value')
          .where('key', '=', RECEIPT_KEY_META)
          .executeTakeFirst();
      let row = await read();
      if (!row) {
        const sealed = await deps.vault.sealSecret(randomBytes(32).toString('base64'), db);
        // Two nodes racing: the first key written is everybody's.
        await meta
          .insertInto('platform_meta')
          .values({ key: RECEIPT_KEY_META, value: sealed, updated_at: new Date() })
          .onConflict((oc) => oc.column('key').doNothing())
          .execute();
        row = await read();
      }
      const key = Buffer.from(await deps.vault.openSecret(row!.value, db), 'base64');
      return createReceiptNumbers(key);
    })();
    const pending = receiptNumbers;
    pending.catch(() => {
      if (receiptNumbers === pending) receiptNumbers = undefined;
    });
    return pending;
  }

  async function getBiller(id: string, db?: SharedDb) {
    const row = await tables(db).selectFrom('billers').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toBiller(row);
  }

  async function paymentOf(db: SharedDb, paymentId: string) {
    const billPayment = await tables(db)
      .selectFrom('bill_payments')
      .selectAll()
      .where('payment_id', '=', paymentId)
      .executeTakeFirst();
    if (!billPayment) return undefined;
    const lines = await tables(db)
      .selectFrom('bill_payment_lines')
      .selectAll()
      .where('payment_id', '=', paymentId)
      .orderBy('bill_id')
      .execute();
    return { billPayment, lines };
  }

  /**
   * Locks the bills a payment's lines pay, in id order (two payments sharing bills never deadlock),
   * and reads them by id.
   */
  async function lockBills(db: SharedDb, lines: { bill_id: string }[]): Promise<Map<string, BillRow>> {
    if (lines.length === 0) return new Map();
    // Decided on and written below: a payment grouped with another for the same bill must not share it.
    for (const line of lines) claimExclusively(db, `bill:${line.bill_id}`);
    const bills = await tables(db)
      .selectFrom('bills')
      .selectAll()
      .where(
        'id',
        'in',
        lines.map((l) => l.bill_id),
      )
      .orderBy('id')
      .forUpdate()
      .execute();
    return new Map(bills.map((b) => [b.id, b]));
  }

  async function postFee(db: SharedDb, payment: PaymentRow, fee: MinorUnits, direction: 'take' | 'return') {
    if (fee === 0n) return;
    const mode = payment.livemode ? 'live' : 'test';
    const payable = await books.merchantPayable(db, payment.livemode, 'MAD', payment.merchant_id, payment.id);
    const revenue = await accountId(db, {
      code: shardCode(`bills:${mode}:MAD:fee-revenue`, payment.id),
      name: 'Bill payment fee revenue',
      type: 'revenue',
      currency: 'MAD',
    });
    const sign = direction === 'take' ? 1n : -1n;
    const result = await deps.ledger.post(
      {
        externalRef: `bill:${payment.id}:fee${direction === 'return' ? ':returned' : ''}`,
        description: `bill payment fee ${direction === 'take' ? 'of' : 'returned for'} ${payment.id}`,
        currency: 'MAD',
        postings: [
          { accountId: payable, amount: sign * fee },
          { accountId: revenue, amount: -sign * fee },
        ],
      },
      db,
    );
    if (isLedgerError(result)) throw new Error(`bill fee entry for ${payment.id} refused: ${result}`);
  }

  /** Refuses to charge a card for a bill someone else has paid meanwhile (or the biller canceled). */
  /**
   * Every card payment passes through these hooks, so the ones that are not bill payments leave at once
   * without a query: a bill payment is created by this module, always with its biller in the metadata,
   * and a payment's metadata never changes after creation.
   */
  const mayBeBillPayment = (payment: PaymentRow) => typeof payment.metadata?.biller === 'string';

  async function beforeAuthorize(db: SharedDb, payment: PaymentRow): Promise<Problem | undefined> {
    if (!mayBeBillPayment(payment)) return undefined;
    const found = await paymentOf(db, payment.id);
    if (!found) return undefined;
    const byId = await lockBills(db, found.lines);
    const canceled = found.lines.filter((l) => unpayable(byId.get(l.bill_id)));
    if (canceled.length > 0) return billProblems.notPayable(canceled.map((l) => l.bill_id));
    const paid = found.lines.filter((l) => outstanding(byId.get(l.bill_id)!) < l.amount);
    if (paid.length > 0) return billProblems.alreadyPaid(paid.map((l) => l.bill_id));
    return undefined;
  }

  async function onSucceeded(db: SharedDb, payment: PaymentRow) {
    const found = await paymentOf(db, payment.id);
    if (found?.billPayment.status !== 'pending') return;
    const biller = (await getBiller(found.billPayment.biller_id, db))!;
    const bills = await lockBills(db, found.lines);
    for (const line of found.lines) {
      const bill = bills.get(line.bill_id)!;
      // beforeAuthorize checked this under the same lock: a failure here is a bug, so roll everything back.
      if (outstanding(bill) < line.amount)
        throw new Error(`bill ${bill.id} would be overpaid by ${payment.id}`);
      const paid = bill.amount_paid + line.amount;
      await tables(db)
        .updateTable('bills')
        .set({
          amount_paid: paid,
          status: paid === bill.amount + bill.late_fee ? 'paid' : 'open',
          updated_at: clock.now(),
        })
        .where('id', '=', bill.id)
        .execute();
    }
    const number = (await receiptKey(db)).issue();
    const billPayment = await tables(db)
      .updateTable('bill_payments')
      .set({
        status: 'paid',
        receipt_number: number,
        paid_at: sql<Date>`now()`,
        card_brand: payment.card_brand,
        card_last4: payment.card_last4,
      })
      .where('payment_id', '=', payment.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await postFee(db, payment, billPayment.fee, 'take');
    if (biller.webhookUrl) {
      for (const line of found.lines) {
        const bill = bills.get(line.bill_id)!;
        await enqueueEvent(db, BILL_WEBHOOK_TOPIC, {
          biller: biller.id,
          event: {
            id: newId('evt'),
            object: 'event',
            type: 'bill.paid',
            created_at: clock.now().toISOString(),
            data: {
              bill: bill.id,
              external_id: bill.external_id,
              reference: bill.reference_values,
              amount: Number(line.amount),
              fee: Number(line.fee),
              fee_payer: billPayment.fee_payer,
              bill_status: bill.amount_paid + line.amount === bill.amount + bill.late_fee ? 'paid' : 'open',
              payment: payment.id,
              receipt_number: number,
              paid_at: billPayment.paid_at!.toISOString(),
            },
          },
        });
      }
    }
  }

  async function onRefunded(db: SharedDb, payment: PaymentRow, refund: RefundRow) {
    const found = await paymentOf(db, payment.id);
    if (found?.billPayment.status !== 'paid') return;
    const full = payment.amount_refunded >= payment.amount_captured;
    const feeReturned = full ? found.billPayment.fee : 0n;
    await tables(db)
      .insertInto('bill_adjustments')
      .values({
        refund_id: refund.id,
        payment_id: payment.id,
        biller_id: found.billPayment.biller_id,
        amount: refund.amount,
        fee_returned: feeReturned,
      })
      .execute();
    if (!full) return;
    // Everything went back to the card: the bills are owed again, the fee is given back.
    const bills = await lockBills(db, found.lines);
    for (const line of found.lines) {
      const bill = bills.get(line.bill_id)!;
      await tables(db)
        .updateTable('bills')
        .set({
          amount_paid: bill.amount_paid - line.amount,
          status: bill.status === 'paid' ? 'open' : bill.status,
          updated_at: clock.now(),
        })
        .where('id', '=', bill.id)
        .execute();
    }
    await tables(db)
      .updateTable('bill_payments')
      .set({ status: 'refunded', refunded_at: sql<Date>`now()` })
      .where('payment_id', '=', payment.id)
      .execute();
    await postFee(db, payment, feeReturned, 'return');
  }

  const hook: PaymentHook = {
    beforeAuthorize,
    async onEvent(db, type, payment, refund) {
      if (!mayBeBillPayment(payment)) return;
      if (type === 'payment.succeeded') await onSucceeded(db, payment);
      else if (type === 'refund.succeeded' && refund) await onRefunded(db, payment, refund);
    },
  };
  deps.payments.addHook(hook);

  async function deliverWebhook(payload: { biller: string; event: { id: string } }) {
    const row = await tables()
      .selectFrom('billers')
      .select(['webhook_url', 'webhook_secret_sealed', 'livemode'])
      .where('id', '=', payload.biller)
      .executeTakeFirst();
    if (!row?.webhook_url || !row.webhook_secret_sealed) return;
    const secret = await deps.vault.openSecret(row.webhook_secret_sealed);
    // The outbox keeps the bill's reference sealed: it is opened only for the biller's endpoint.
    const data = (payload.event as { data?: { reference?: Record<string, string> } }).data;
    const body = JSON.stringify(
      data?.reference
        ? { ...payload.event, data: { ...data, reference: await references.openValues(data.reference) } }
        : payload.event,
    );
    // A live biller's endpoint must be on the public internet, as its name resolves for this call.
    const response = await fetchTo(row.livemode)(row.webhook_url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'tijara-signature': signWebhook(secret, body, clock.now()),
        'user-agent': 'Tijara-Bills/1',
      },
      body,
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`biller webhook answered ${response.status}`);
    logger.info({ biller: payload.biller, event: payload.event.id }, 'biller webhook delivered');
  }

  return {
    async createBiller(input, db) {
      const urlProblem = input.webhookUrl && callbackUrlProblem(input.webhookUrl, input.livemode ?? false);
      if (urlProblem) throw new Error(`the biller's webhook URL is refused: ${urlProblem}`);
      return inTransaction(store, db, async (trx) => {
        const merchant = await deps.merchants.createMerchant(
          {
            name: input.name.fr,
            sector: `billing:${input.category}`,
            country: 'MA',
            currency: 'MAD',
            website: input.website ?? null,
            // The bill fee schedule replaces the gateway fee, so the ledger and the remittance agree line by line.
            feeBps: 0,
            feeFixed: 0n,
          },
          trx,
        );
        const row = await tables(trx)
          .insertInto('billers')
          .values({
            id: input.id ?? newId('blr'),
            merchant_id: merchant.id,
            livemode: input.livemode ?? false,
            category: input.category,
            name_ar: input.name.ar,
            name_fr: input.name.fr,
            name_en: input.name.en,
            reference_fields: JSON.stringify(input.referenceFields),
            fee_fixed: input.fee.fixed,
            fee_bps: input.fee.bps,
            fee_payer: input.fee.payer,
            partial_payment: input.partialPayment ?? false,
            max_bills_per_payment: input.maxBillsPerPayment ?? 10,
            webhook_url: input.webhookUrl ?? null,
            webhook_secret_sealed: input.webhookSecret
              ? await deps.vault.sealSecret(input.webhookSecret, trx)
              : null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toBiller(row);
      });
    },

    getBiller,

    async listBillers(livemode) {
      const rows = await tables()
        .selectFrom('billers')
        .selectAll()
        .$if(livemode !== undefined, (q) => q.where('livemode', '=', livemode!))
        .orderBy('category')
        .orderBy('name_fr')
        .execute();
      return rows.map(toBiller);
    },

    async loadBills(biller, inputs, mode, db) {
      const checked = inputs.map((input, index) => {
        const errors = checkBillInput(biller, input);
        if (inputs.findIndex((other) => other.externalId === input.externalId) !== index)
          errors.push({ field: 'external_id', message: 'appears twice in this batch' });
        return errors;
      });
      if (mode === 'all' && checked.some((e) => e.length > 0)) {
        return billProblems.invalidBills(
          checked.flatMap((errors, index) => errors.map((e) => ({ index, ...e }))),
        );
      }
      return inTransaction(store, db, async (trx) => {
        const ids = inputs.filter((_, i) => checked[i]!.length === 0).map((input) => input.externalId);
        // Locked: a bill being paid right now waits, or is seen paid and refused a change.
        const existing = new Map(
          (ids.length === 0
            ? []
            : await tables(trx)
                .selectFrom('bills')
                .selectAll()
                .where('biller_id', '=', biller.id)
                .where('external_id', 'in', ids)
                .orderBy('id')
                .forUpdate()
                // A plan cached on a few bills walked all of the biller's (docs/performance.md).
                .modifyEnd(plannedForItsValues)
                .execute()
          ).map((b) => [b.external_id, b]),
        );
        type Plan =
          | { kind: 'reject'; errors: BillLineError[] }
          | { kind: 'keep'; bill: BillRow }
          | {
              kind: 'insert' | 'update';
              values: Required<Omit<BillInput, 'reference'>> & {
                fingerprint: string;
                referenceValues: Record<string, string>;
              };
              bill?: BillRow;
            };
        const keys = inputs.map((input) => referenceKey(biller.referenceFields, input.reference));
        const fingerprints = await Promise.all(
          keys.map((key, index) =>
            checked[index]!.length > 0 ? '' : references.fingerprint(biller.id, key, trx),
          ),
        );
        const plans: Plan[] = inputs.map((input, index) => {
          if (checked[index]!.length > 0) return { kind: 'reject', errors: checked[index]! };
          const values = {
            externalId: input.externalId,
            fingerprint: fingerprints[index]!,
            referenceValues: Object.fromEntries(
              biller.referenceFields.map((f) => [f.name, (input.reference[f.name] ?? '').trim()]),
            ),
            amount: input.amount,
            lateFee: input.lateFee ?? 0n,
            period: input.period || null,
            dueDate: input.dueDate || null,
            description: input.description || null,
            status: input.status ?? 'open',
          };
          const bill = existing.get(input.externalId);
          if (!bill) {
            return values.status === 'canceled'
              ? { kind: 'reject', errors: [{ field: 'status', message: 'no such bill to cancel' }] }
              : { kind: 'insert', values };
          }
          if (sameBill(bill, values, [values.fingerprint, keys[index]!])) return { kind: 'keep', bill };
          if (bill.amount_paid > 0n)
            return {
              kind: 'reject',
              errors: [{ field: 'external_id', message: 'this bill is paid (in part): it cannot change' }],
            };
          return { kind: 'update', values, bill };
        });
        if (mode === 'all' && plans.some((p) => p.kind === 'reject')) {
          return billProblems.invalidBills(
            plans.flatMap((p, index) => (p.kind === 'reject' ? p.errors.map((e) => ({ index, ...e })) : [])),
          );
        }
        const outcomes: LoadOutcome[] = [];
        for (const [index, plan] of plans.entries()) {
          const externalId = inputs[index]!.externalId;
          if (plan.kind === 'reject') {
            outcomes.push({ externalId, outcome: 'rejected', errors: plan.errors });
            continue;
          }
          if (plan.kind === 'keep') {
            outcomes.push({
              externalId,
              outcome: 'unchanged',
              bill: await references.openBill(plan.bill, trx),
            });
            continue;
          }
          const { values } = plan;
          const columns = {
            reference: values.fingerprint,
            reference_values: JSON.stringify(await references.sealValues(values.referenceValues, trx)),
            description: values.description,
            period: values.period,
            due_date: values.dueDate,
            amount: values.amount,
            late_fee: values.lateFee,
            status: values.status,
          };
          const stored =
            plan.kind === 'insert'
              ? await tables(trx)
                  .insertInto('bills')
                  .values({ id: newId('bil'), biller_id: biller.id, external_id: externalId, ...columns })
                  .returningAll()
                  .executeTakeFirstOrThrow()
              : await tables(trx)
                  .updateTable('bills')
                  .set({ ...columns, updated_at: clock.now() })
                  .where('id', '=', plan.bill!.id)
                  .returningAll()
                  .executeTakeFirstOrThrow();
          outcomes.push({
            externalId,
            outcome:
              plan.kind === 'insert' ? 'created' : values.status === 'canceled' ? 'canceled' : 'updated',
            bill: { ...stored, reference_values: values.referenceValues },
          });
        }
        return outcomes;
      });
    },

    async getBill(biller, externalId, db) {
      const bill = await tables(db)
        .selectFrom('bills')
        .selectAll()
        .where('biller_id', '=', biller.id)
        .where('external_id', '=', externalId)
        .executeTakeFirst();
      return bill && references.openBill(bill, db);
    },

    async lookup(biller, values) {
      const errors = checkReference(biller.referenceFields, values);
      if (errors.length > 0) return billProblems.invalidReference(errors);
      const key = referenceKey(biller.referenceFields, values as Record<string, string>);
      const bills = await tables()
        .selectFrom('bills')
        .selectAll()
        .where('biller_id', '=', biller.id)
        .where('reference', 'in', await storedForms(biller, key))
        .where('status', '=', 'open')
        .orderBy(sql`due_date nulls last`)
        .orderBy('id')
        .execute();
      return bills.map((bill) => ({ bill, fee: billFee(biller.fee, outstanding(bill)) }));
    },

    async startPayment(biller, input, db) {
      const errors = checkReference(biller.referenceFields, input.reference);
      if (errors.length > 0) return billProblems.invalidReference(errors);
      const key = referenceKey(biller.referenceFields, input.reference as Record<string, string>);
      const ids = [...new Set(input.bills.map((b) => b.billId))];
      if (ids.length === 0) return billProblems.noBillSelected();
      if (ids.length !== input.bills.length || ids.length > biller.maxBillsPerPayment)
        return billProblems.tooManyBills(biller.maxBillsPerPayment);
      const merchant = await deps.merchants.getMerchant(biller.merchantId, db);
      if (!merchant) throw new Error(`biller ${biller.id} lost its merchant`);
      return inTransaction(store, db, async (trx) => {
        const bills = await tables(trx)
          .selectFrom('bills')
          .selectAll()
          .where('id', 'in', ids)
          .where('biller_id', '=', biller.id)
          // Only the bills of the reference typed: another person's bill id gets nowhere.
          .where('reference', 'in', await storedForms(biller, key, trx))
          .execute();
        const byId = new Map(bills.map((b) => [b.id, b]));
        const missing = ids.filter((id) => unpayable(byId.get(id)));
        if (missing.length > 0) return billProblems.notPayable(missing);
        const paid = ids.filter((id) => outstanding(byId.get(id)!) <= 0n);
        if (paid.length > 0) return billProblems.alreadyPaid(paid);
        const lines: { billId: string; amount: MinorUnits; fee: MinorUnits }[] = [];
        for (const selection of input.bills) {
          const due = outstanding(byId.get(selection.billId)!);
          const amount = selection.amount ?? due;
          if (amount !== due && !biller.partialPayment) return billProblems.partialNotAllowed();
          if (amount <= 0n || amount > due) return billProblems.amountTooLarge(selection.billId);
          lines.push({ billId: selection.billId, amount, fee: billFee(biller.fee, amount) });
        }
        const totals = paymentTotal(biller.fee, lines);
        const payment = await deps.payments.create(
          { merchant, livemode: biller.livemode },
          {
            amount: totals.charged,
            currency: 'MAD',
            description: `${biller.name.fr}: ${lines.length} bill(s)`,
            // The biller's own ids for the bills, not the reference: order references are kept in clear.
            orderReference: billsOrderReference(ids.map((id) => byId.get(id)!.external_id)),
            metadata: { biller: biller.id, bills: lines.map((l) => l.billId).join(',') },
            returnUrl: input.returnUrl,
          },
          trx,
        );
        if (payment instanceof Problem) return payment;
        const created = payment;
        await tables(trx)
          .insertInto('bill_payments')
          .values({
            payment_id: created.id,
            biller_id: biller.id,
            livemode: biller.livemode,
            reference: await references.seal(key, trx),
            bills_amount: totals.bills,
            fee: totals.fee,
            fee_payer: biller.fee.payer,
            receipt_number: null,
            card_brand: null,
            card_last4: null,
            paid_at: null,
            refunded_at: null,
          })
          .execute();
        await tables(trx)
          .insertInto('bill_payment_lines')
          .values(
            lines.map((l) => ({ payment_id: created.id, bill_id: l.billId, amount: l.amount, fee: l.fee })),
          )
          .execute();
        return { payment: created, bills: totals.bills, fee: totals.fee, charged: totals.charged };
      });
    },

    async receipt(number) {
      const normalized = normalizeReceiptNumber(number);
      if (!(await receiptKey(store.db)).isSigned(normalized)) return undefined;
      const billPayment = await tables()
        .selectFrom('bill_payments')
        .selectAll()
        .where('receipt_number', '=', normalized)
        .executeTakeFirst();
      if (!billPayment?.paid_at || !billPayment.receipt_number) return undefined;
      const biller = (await getBiller(billPayment.biller_id))!;
      const lines = await tables()
        .selectFrom('bill_payment_lines as l')
        .innerJoin('bills as b', 'b.id', 'l.bill_id')
        .select([
          'l.bill_id',
          'l.amount',
          'l.fee',
          'b.external_id',
          'b.description',
          'b.period',
          'b.due_date',
          'b.reference_values',
        ])
        .where('l.payment_id', '=', billPayment.payment_id)
        .orderBy('b.due_date')
        .orderBy('l.bill_id')
        .execute();
      return {
        number: billPayment.receipt_number,
        status: billPayment.status === 'refunded' ? 'refunded' : 'paid',
        paidAt: billPayment.paid_at,
        refundedAt: billPayment.refunded_at,
        biller,
        paymentId: billPayment.payment_id,
        reference: await references.open(billPayment.reference),
        referenceValues: await references.openValues(lines[0]?.reference_values ?? {}),
        lines: lines.map((l) => ({
          billId: l.bill_id,
          externalId: l.external_id,
          description: l.description,
          period: l.period,
          dueDate: l.due_date,
          amount: l.amount,
          fee: l.fee,
        })),
        billsAmount: billPayment.bills_amount,
        fee: billPayment.fee,
        feePayer: billPayment.fee_payer,
        charged:
          billPayment.fee_payer === 'consumer'
            ? billPayment.bills_amount + billPayment.fee
            : billPayment.bills_amount,
        cardBrand: billPayment.card_brand,
        cardLast4: billPayment.card_last4,
      };
    },

    async receiptNumberOfPayment(paymentId) {
      const row = await tables()
        .selectFrom('bill_payments')
        .select('receipt_number')
        .where('payment_id', '=', paymentId)
        .executeTakeFirst();
      return row?.receipt_number ?? undefined;
    },

    takeLookup: (client) => limiter.take(client),
    resetLookupLimits: () => limiter.reset(),

    remittance: (biller, date, db) =>
      remittanceReport({ store, ledger: deps.ledger, references }, biller, date, db),

    sealStoredPersonalData: () => sealStoredReferences(store.db, references),

    outboxHandlers: [
      {
        topic: BILL_WEBHOOK_TOPIC,
        maxAttempts: WEBHOOK_MAX_ATTEMPTS,
        retryDelayMs: retryDelay,
        deliver: (event) => deliverWebhook(event.payload as { biller: string; event: { id: string } }),
      },
    ],
  };
}
