import type { Insertable } from 'kysely';
import { cardBrand, cvvLength, EXPIRY_YEARS, normalizePan, validatePan } from '../core/card.js';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { CurrencyCode, MinorUnits } from '../core/money.js';
import { Problem } from '../core/problem.js';
import { declineMessage, type ResponseCode } from '../core/response-codes.js';
import { repeatEvery } from '../core/schedule.js';
import { isLedgerError } from '../ledger/errors.js';
import type { NewEntry } from '../ledger/model.js';
import type { LedgerService } from '../ledger/service.js';
import { type Merchant, merchantFee } from '../merchants/model.js';
import type { MerchantService } from '../merchants/service.js';
import { compiledOnce } from '../store/compiled-once.js';
import { plannedForItsValues } from '../store/prepared.js';
import { claimExclusively, ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import { holdInsert, holdUpdate, readWithNext } from '../store/write-at-commit.js';
import type { SwitchService } from '../switch/service.js';
import { personalData } from '../vault/personal-data.js';
import type { StoredCard, VaultService } from '../vault/service.js';
import { type ActivityLine, liveActivity } from './activity.js';
import { createGatewayBooks, paymentPostings } from './books.js';
import {
  type CustomerPayments,
  type CustomerSearch,
  eraseEmailsCreatedBefore,
  paymentsOfCustomer,
  rewriteEventEmails,
} from './customer-data.js';
import { paymentProblems } from './errors.js';
import { type EventLog, type EventType, isOwnedBy, ownedBy, type Scope } from './events.js';
import { JustCreated, PaymentChanged, unchangedSince } from './just-created.js';
import {
  type CancellationReason,
  type CaptureMethod,
  MAX_METADATA_KEYS,
  type PaymentRow,
  type PaymentTables,
  paymentJson,
  type RefundRow,
  refundJson,
  type ThreeDSecure,
} from './model.js';

/** The merchant a call acts for, and in which mode. */
export interface Caller {
  merchant: Merchant;
  livemode: boolean;
}

export interface NewPayment {
  amount: MinorUnits;
  currency: CurrencyCode;
  captureMethod?: CaptureMethod;
  description?: string | null;
  orderReference?: string | null;
  customerEmail?: string | null;
  metadata?: Record<string, string>;
  returnUrl?: string | null;
}

/** A card as typed by the cardholder. The CVV only ever lives in this object, in memory. */
export interface CardInput {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
  holderName?: string | null;
}

export type PaymentMethod = { card: CardInput } | { token: string };

/** What a merchant may change on a payment after creating it (updateDetails). */
export interface PaymentDetails {
  amount?: MinorUnits;
  description?: string | null;
  orderReference?: string | null;
  customerEmail?: string | null;
  metadata?: Record<string, string>;
}

export interface PaymentFilters {
  limit: number;
  startingAfter?: string;
  status?: PaymentRow['status'];
  orderReference?: string;
  last4?: string;
  amount?: MinorUnits;
  createdFrom?: Date;
  createdTo?: Date;
}

export interface PaymentService {
  create(caller: Caller, input: NewPayment, db: SharedDb): Promise<PaymentRow | Problem>;
  confirm(caller: Caller, id: string, method: PaymentMethod, db: SharedDb): Promise<PaymentRow | Problem>;
  /** Creates the payment and confirms it in the same transaction (the API's `confirm: true`). */
  createAndConfirm(
    caller: Caller,
    input: NewPayment,
    method: PaymentMethod,
    db: SharedDb,
  ): Promise<PaymentRow | Problem>;
  /** Resumes a payment after 3-D Secure: authorizes it when authentication succeeded, fails it otherwise. */
  completeAuthentication(id: string, result: ThreeDSecure, db: SharedDb): Promise<PaymentRow | Problem>;
  capture(
    caller: Caller,
    id: string,
    amount: MinorUnits | undefined,
    db: SharedDb,
  ): Promise<PaymentRow | Problem>;
  cancel(
    caller: Caller,
    id: string,
    reason: CancellationReason | null,
    db: SharedDb,
  ): Promise<PaymentRow | Problem>;
  /**
   * Changes what the merchant said about a payment: its description, order reference, customer e-mail
   * and metadata (merged; a key set to "" is removed) at any time, its amount only before it is
   * authorized.
   */
  updateDetails(
    caller: Caller,
    id: string,
    changes: PaymentDetails,
    db: SharedDb,
  ): Promise<PaymentRow | Problem>;
  /**
   * Law 09-08: the merchant's payments whose customer e-mail is this one (case aside), oldest first.
   * Reads every payment of the merchant that has an e-mail, or those `search` says (customer-data.ts).
   */
  paymentsOfCustomer(
    scope: Scope,
    email: string,
    db?: SharedDb,
    search?: CustomerSearch,
  ): Promise<CustomerPayments>;
  /**
   * Replaces the customer's e-mail on these payments of the caller, and in their events; null erases
   * it. Says how many payments changed.
   */
  rewriteCustomerEmail(
    caller: Caller,
    ids: readonly string[],
    email: string | null,
    db: SharedDb,
  ): Promise<number>;
  /**
   * Law 09-08's retention: erases the customer's e-mail from every payment created before `cutoff`, and
   * from its events, in batches; says from how many.
   */
  eraseCustomerEmailsBefore(cutoff: Date): Promise<number>;
  /**
   * Cancels the payments whose hold lapsed uncaptured (capture_before passed), each in its own
   * transaction, releasing the hold at the issuer: what the workers run each minute. Says how many.
   */
  expireLapsedHolds(): Promise<number>;
  startScheduledExpiry(everyMs: number): () => Promise<void>;
  refund(
    caller: Caller,
    input: { paymentId: string; amount?: MinorUnits; reason?: string | null },
    db: SharedDb,
  ): Promise<RefundRow | Problem>;
  get(scope: Scope, id: string, db?: SharedDb): Promise<PaymentRow | undefined>;
  /** A payment by id alone, for pages that reach it by its unguessable id (the hosted payment page). */
  getById(id: string, db?: SharedDb): Promise<PaymentRow | undefined>;
  /** Lets another module take part in every payment (see PaymentHook). */
  addHook(hook: PaymentHook): void;
  list(scope: Scope, filters: PaymentFilters, db?: SharedDb): Promise<PaymentRow[]>;
  getRefund(scope: Scope, id: string, db?: SharedDb): Promise<RefundRow | undefined>;
  listRefunds(
    scope: Scope,
    query: { limit: number; startingAfter?: string; paymentId?: string },
    db?: SharedDb,
  ): Promise<RefundRow[]>;
  /** Every merchant's live captures and refunds in a period, added up (the observatory's source). */
  liveActivity(
    period: { start: Date; end: Date; currency: CurrencyCode },
    db?: SharedDb,
  ): Promise<ActivityLine[]>;
}

/**
 * How another module takes part in a payment without reaching into its tables: the bills module
 * refuses to authorize a bill that is already paid and marks bills paid in the payment's transaction.
 */
export interface PaymentHook {
  /** Runs in the confirming transaction before the switch is asked; a problem stops the payment. */
  beforeAuthorize?(db: SharedDb, payment: PaymentRow): Promise<Problem | undefined>;
  /** Runs in the transaction of every state change, after the payment row (and refund) are written. */
  onEvent?(db: SharedDb, type: EventType, payment: PaymentRow, refund?: RefundRow): Promise<void>;
}

export interface PaymentDeps {
  store: SharedStore;
  ledger: LedgerService;
  vault: VaultService;
  switch: SwitchService;
  merchants: MerchantService;
  events: EventLog;
  clock: Clock;
  payPageUrl: (paymentId: string) => string;
  /** How long an authorization holds the cardholder's funds before it lapses (7 days by default). */
  captureWindowMs?: number;
  logger?: Logger;
}

const DEFAULT_CAPTURE_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;
/** Lapsed holds are cancelled this many at a time, each in its own transaction. */
const EXPIRY_BATCH = 100;

/** What the service changes on a payment after its creation. */
type PaymentChanges = Partial<Omit<PaymentRow, 'id' | 'created_at' | 'updated_at'>>;

const CONFIRMABLE = new Set(['requires_payment_method', 'failed']);
const CANCELABLE = new Set(['requires_payment_method', 'requires_action', 'requires_capture', 'failed']);

/** The payment, locked: every confirm, capture and cancel starts with it. */
const paymentLocked = compiledOnce((db, { id }: { id: string }) =>
  ownTables<PaymentTables>(db).selectFrom('payments').selectAll().where('id', '=', id).forUpdate(),
);

export function createPaymentService(deps: PaymentDeps): PaymentService {
  const { ledger, vault, clock } = deps;
  const captureWindowMs = deps.captureWindowMs ?? DEFAULT_CAPTURE_WINDOW_MS;
  const books = createGatewayBooks(ledger, deps.store);
  const personal = personalData(vault);
  const tables = (db?: SharedDb) => ownTables<PaymentTables>(db ?? deps.store.db);
  const scopeOf = (caller: Caller): Scope => ({ merchantId: caller.merchant.id, livemode: caller.livemode });
  const hooks: PaymentHook[] = [];
  /** Payments being created and confirmed in one call, by id, as they stand until their insert. */
  const unwritten = new Map<string, PaymentRow>();
  // Only where a round trip costs both processes a wake-up. On PGlite it is a call in this thread:
  // nothing to save, and shorter groups of confirms are only smaller ones (docs/performance.md).
  const justCreated = deps.store.kind === 'postgres' ? new JustCreated() : undefined;

  async function notify(db: SharedDb, type: EventType, payment: PaymentRow, refund?: RefundRow) {
    for (const hook of hooks) await hook.onEvent?.(db, type, payment, refund);
  }

  /** A payments row as the service hands it out: the customer's e-mail, sealed at rest, opened. */
  async function opened(row: PaymentRow | undefined, db?: SharedDb): Promise<PaymentRow | undefined> {
    if (!row?.customer_email) return row;
    return { ...row, customer_email: await personal.open(row.customer_email, db) };
  }

  /** Reads the payment and locks it for the caller's transaction. */
  function lockingRead(id: string, db: SharedDb) {
    // The API's calls name the payment to the store beforehand; this covers any other grouped caller.
    claimExclusively(db, `payment:${id}`);
    return paymentLocked(db, { id });
  }

  async function lockPayment(scope: Scope, id: string, db: SharedDb) {
    const [row] = (await db.executeQuery(lockingRead(id, db))).rows;
    // Another merchant's payment is locked only until this transaction ends, and never seen.
    return row && isOwnedBy(scope, row) ? opened(row, db) : undefined;
  }

  /**
   * Changes the payment the caller has locked, and records a movement of money when there is one.
   * Both are written with the commit (the row as updated is known here), so they cost no round trip.
   */
  async function update(
    db: SharedDb,
    payment: PaymentRow,
    changes: PaymentChanges,
    moved?: Insertable<PaymentTables['payment_movements']>,
  ): Promise<PaymentRow> {
    // Strictly later than the last change, even within one millisecond (or a test's stopped clock): a
    // confirm that speculated on the row this process created trusts updated_at to tell (just-created.ts).
    const now = clock.now();
    const updatedAt = now > payment.updated_at ? now : new Date(payment.updated_at.getTime() + 1);
    const updated: PaymentRow = { ...payment, ...changes, updated_at: updatedAt };
    if (unwritten.has(payment.id)) {
      // Created in this very call: the insert, held last, writes it as it ends up.
      unwritten.set(payment.id, updated);
    } else {
      const { three_d_secure, metadata, customer_email, ...columns } = changes;
      await holdUpdate(
        tables(db),
        'payments',
        {
          ...columns,
          ...(three_d_secure === undefined
            ? {}
            : { three_d_secure: three_d_secure && JSON.stringify(three_d_secure) }),
          ...(metadata === undefined ? {} : { metadata: JSON.stringify(metadata) }),
          ...(customer_email === undefined
            ? {}
            : { customer_email: await personal.seal(customer_email, db) }),
          updated_at: updated.updated_at,
        },
        { id: payment.id },
      );
    }
    if (moved) await holdInsert(tables(db), 'payment_movements', moved);
    return updated;
  }

  /**
   * Posts with the commit. Every gateway entry is made under the payment's lock, in a state that
   * only one entry of its reference can leave, so its reference is new (what postAtCommit asks).
   */
  async function post(db: SharedDb, entry: NewEntry): Promise<string> {
    const result = await ledger.postAtCommit(entry, db);
    // The gateway's accounts that may not go negative only ever grow here; a refusal is a bug, not a decline.
    if (isLedgerError(result))
      throw new Error(`gateway ledger entry ${entry.externalRef} refused: ${result}`);
    return result;
  }

  async function emit(db: SharedDb, row: PaymentRow, type: EventType) {
    await deps.events.emit(
      db,
      { merchantId: row.merchant_id, livemode: row.livemode },
      type,
      row.id,
      paymentJson(row, { payPageUrl: deps.payPageUrl }),
    );
    await notify(db, type, row);
  }

  function checkCard(card: CardInput): { pan: string } | Problem {
    const pan = normalizePan(card.number);
    const problem = validatePan(pan);
    if (problem) {
      return paymentProblems.invalidCard(
        'invalid_card_number',
        problem === 'bad_check_digit'
          ? 'the card number is mistyped (its check digit is wrong)'
          : 'a card number has 13 to 19 digits',
      );
    }
    if (!deps.switch.route(pan))
      return paymentProblems.invalidCard('unsupported_card', 'no bank on the network issues this card');
    if (!Number.isInteger(card.expMonth) || card.expMonth < 1 || card.expMonth > 12) {
      return paymentProblems.invalidCard('invalid_expiry', 'exp_month is 1 to 12');
    }
    // The API's schema says as much; the hosted page and CMI's form read the year from text.
    if (
      !Number.isInteger(card.expYear) ||
      card.expYear < EXPIRY_YEARS.min ||
      card.expYear > EXPIRY_YEARS.max
    ) {
      return paymentProblems.invalidCard(
        'invalid_expiry',
        `exp_year is ${EXPIRY_YEARS.min} to ${EXPIRY_YEARS.max}`,
      );
    }
    if (!/^\d+$/.test(card.cvc) || card.cvc.length !== cvvLength(cardBrand(pan))) {
      return paymentProblems.invalidCard(
        'invalid_cvc',
        `the security code of this card has ${cvvLength(cardBrand(pan))} digits`,
      );
    }
    return { pan };
  }

  /** Sends the payment to the switch and records the answer: money, state and event in one transaction. */
  async function authorize(
    db: SharedDb,
    payment: PaymentRow,
    merchant: Merchant,
    pan: string,
    card: StoredCard,
    threeDSecure: ThreeDSecure | null,
    /** Changes the caller made to the payment, written with the outcome in one statement. */
    attempt: PaymentChanges = {},
  ): Promise<PaymentRow | Problem> {
    for (const hook of hooks) {
      const refusal = await hook.beforeAuthorize?.(db, payment);
      if (refusal) return refusal;
    }
    const sale = payment.capture_method === 'automatic';
    const attempts = attempt.attempts ?? payment.attempts;
    const currency = payment.currency as CurrencyCode;
    const result = await deps.switch.authorize(
      {
        reference: `${payment.id}:${attempts}`,
        pan,
        expMonth: card.expMonth,
        expYear: card.expYear,
        amount: payment.amount,
        currency,
        merchant: { id: merchant.id, country: merchant.country },
        capture: sale,
        threeDSecure,
      },
      db,
    );
    const common = {
      ...attempt,
      issuer_id: result.issuerId,
      card_country: result.cardCountry,
      switch_authorization_id: result.id,
      three_d_secure: threeDSecure,
    };
    if (result.responseCode === '1A') {
      // The issuer wants the cardholder authenticated first: send them to 3-D Secure, then authorize again.
      const waiting = await update(db, payment, {
        ...common,
        status: 'requires_action',
        decline_code: null,
        decline_message: null,
      });
      await emit(db, waiting, 'payment.requires_action');
      return waiting;
    }
    if (!result.approved) {
      const failed = await update(db, payment, {
        ...common,
        status: 'failed',
        decline_code: result.responseCode,
        decline_message: declineMessage(result.responseCode as ResponseCode, 'en'),
      });
      await emit(db, failed, 'payment.failed');
      return failed;
    }
    const issuerId = result.issuerId!;
    const approved = { ...common, auth_code: result.authCode, decline_code: null, decline_message: null };
    if (sale) {
      const fee = merchantFee(merchant, payment.amount);
      const entryId = await post(db, {
        externalRef: `pay:${payment.id}:sale`,
        description: `sale ${payment.id}`,
        currency,
        postings: await paymentPostings(books, db, { ...payment, issuer_id: issuerId }).sale(
          payment.amount,
          fee,
        ),
      });
      const succeeded = await update(
        db,
        payment,
        { ...approved, status: 'succeeded', amount_captured: payment.amount, fee },
        movement(payment, 'capture', payment.amount, fee, entryId),
      );
      await emit(db, succeeded, 'payment.succeeded');
      return succeeded;
    }
    await post(db, {
      externalRef: `pay:${payment.id}:hold`,
      description: `authorization ${payment.id}`,
      currency,
      postings: await paymentPostings(books, db, { ...payment, issuer_id: issuerId }).hold(payment.amount),
    });
    const held = await update(db, payment, {
      ...approved,
      status: 'requires_capture',
      amount_capturable: payment.amount,
      capture_before: new Date(clock.now().getTime() + captureWindowMs),
    });
    await emit(db, held, 'payment.requires_capture');
    return held;
  }

  /** Confirms the payment the caller has locked (or, speculatively, the one it created: see confirm). */
  async function confirmLocked(
    caller: Caller,
    payment: PaymentRow,
    method: PaymentMethod,
    db: SharedDb,
  ): Promise<PaymentRow | Problem> {
    if (!CONFIRMABLE.has(payment.status))
      return paymentProblems.invalidState(payment.id, payment.status, 'be confirmed');

    let pan: string;
    let card: StoredCard;
    if ('card' in method) {
      const checked = checkCard(method.card);
      if ('status' in checked) return checked;
      pan = checked.pan;
      card = await vault.storeCard(
        {
          pan,
          expMonth: method.card.expMonth,
          expYear: method.card.expYear,
          holderName: method.card.holderName ?? null,
        },
        db,
      );
    } else {
      const stored = await vault.getCard(method.token, db);
      const revealed = stored && (await vault.revealPan(method.token, db));
      if (!stored || !revealed) return paymentProblems.notFound('card token', method.token);
      card = stored;
      pan = revealed;
    }
    const attempt = {
      attempts: payment.attempts + 1,
      card_token: card.token,
      card_bin: card.bin,
      card_last4: card.last4,
      card_brand: card.brand,
      card_exp_month: card.expMonth,
      card_exp_year: card.expYear,
    };
    return authorize(db, payment, caller.merchant, pan, card, null, attempt);
  }

  /** Cancels the payment the caller has locked, releasing its hold at the issuer if it has one. */
  async function cancelLocked(
    db: SharedDb,
    payment: PaymentRow,
    reason: CancellationReason | null,
  ): Promise<PaymentRow> {
    if (payment.status === 'requires_capture') {
      await deps.switch.release(payment.switch_authorization_id!, db);
      await post(db, {
        externalRef: `pay:${payment.id}:release`,
        description: `cancel ${payment.id}`,
        currency: payment.currency as CurrencyCode,
        postings: await paymentPostings(books, db, payment).release(payment.amount_capturable),
      });
    }
    const canceled = await update(db, payment, {
      status: 'canceled',
      amount_capturable: 0n,
      capture_before: null,
      cancellation_reason: reason,
    });
    await emit(db, canceled, 'payment.canceled');
    return canceled;
  }

  /** The settlement line of money that moved: written with the payment's update, in one statement. */
  function movement(
    payment: PaymentRow,
    kind: 'capture' | 'refund',
    amount: MinorUnits,
    fee: MinorUnits,
    ledgerEntryId: string,
    refundId: string | null = null,
  ): Insertable<PaymentTables['payment_movements']> {
    return {
      merchant_id: payment.merchant_id,
      livemode: payment.livemode,
      payment_id: payment.id,
      refund_id: refundId,
      kind,
      amount,
      fee,
      currency: payment.currency,
      ledger_entry_id: ledgerEntryId,
    };
  }

  /** A new payment as create makes it, or why the merchant cannot make it. */
  function newPayment(caller: Caller, input: NewPayment): PaymentRow | Problem {
    if (input.currency !== caller.merchant.currency) {
      return paymentProblems.currencyNotAccepted(input.currency, caller.merchant.currency);
    }
    const now = clock.now();
    return {
      id: newId('pay'),
      merchant_id: caller.merchant.id,
      livemode: caller.livemode,
      status: 'requires_payment_method',
      amount: input.amount,
      currency: input.currency,
      amount_capturable: 0n,
      amount_captured: 0n,
      amount_refunded: 0n,
      fee: 0n,
      capture_method: input.captureMethod ?? 'automatic',
      description: input.description ?? null,
      order_reference: input.orderReference ?? null,
      customer_email: input.customerEmail ?? null,
      metadata: input.metadata ?? {},
      return_url: input.returnUrl ?? null,
      card_token: null,
      card_bin: null,
      card_last4: null,
      card_brand: null,
      card_country: null,
      card_exp_month: null,
      card_exp_year: null,
      issuer_id: null,
      switch_authorization_id: null,
      auth_code: null,
      decline_code: null,
      decline_message: null,
      three_d_secure: null,
      attempts: 0,
      capture_before: null,
      cancellation_reason: null,
      created_at: now,
      updated_at: now,
    };
  }

  /**
   * Every column is known here, so the row goes out with the commit: creating a payment is then one
   * statement with its audit record, not four.
   */
  async function holdPaymentInsert(db: SharedDb, payment: PaymentRow) {
    await holdInsert(tables(db), 'payments', {
      ...payment,
      customer_email: await personal.seal(payment.customer_email, db),
      metadata: JSON.stringify(payment.metadata),
      three_d_secure: payment.three_d_secure && JSON.stringify(payment.three_d_secure),
    });
  }

  const service: PaymentService = {
    async create(caller, input, db) {
      const payment = newPayment(caller, input);
      if (payment instanceof Problem) return payment;
      await holdPaymentInsert(db, payment);
      justCreated?.remember(payment);
      return payment;
    },

    async createAndConfirm(caller, input, method, db) {
      const payment = newPayment(caller, input);
      if (payment instanceof Problem) return payment;
      // Confirmed before it is written: its changes go into the one insert, not into an update that
      // would have to wait for the insert (write-at-commit.ts).
      unwritten.set(payment.id, payment);
      try {
        const outcome = await confirmLocked(caller, payment, method, db);
        // Refused before anything was done (a mistyped card, an unknown token): nothing is created.
        if (outcome instanceof Problem) return outcome;
        await holdPaymentInsert(db, unwritten.get(payment.id)!);
        return outcome;
      } finally {
        unwritten.delete(payment.id);
      }
    },

    async confirm(caller, id, method, db) {
      const scope = scopeOf(caller);
      const remembered = justCreated?.take(id, scope);
      if (!remembered) {
        const payment = await lockPayment(scope, id, db);
        return payment ? confirmLocked(caller, payment, method, db) : paymentProblems.notFound('payment', id);
      }
      // Authorized as this process created it, while the lock travels with the card's first statement
      // (one round trip fewer); the outcome stands only if the locked row is still the one remembered.
      const lock = await readWithNext(db, lockingRead(id, db));
      const outcome = await confirmLocked(caller, remembered, method, db).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      const [locked] = await lock.rows();
      if (!unchangedSince(remembered, locked)) throw new PaymentChanged(id);
      if ('error' in outcome) throw outcome.error;
      return outcome.result;
    },

    async completeAuthentication(id, result, db) {
      const payment = await opened(
        await tables(db)
          .selectFrom('payments')
          .selectAll()
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirst(),
        db,
      );
      if (!payment) return paymentProblems.notFound('payment', id);
      if (payment.status !== 'requires_action')
        return paymentProblems.invalidState(id, payment.status, 'complete 3-D Secure');
      if (result.status === 'failed') {
        const failed = await update(db, payment, {
          status: 'failed',
          three_d_secure: result,
          decline_code: '05',
          decline_message: 'The cardholder could not be authenticated (3-D Secure).',
        });
        await emit(db, failed, 'payment.failed');
        return failed;
      }
      const merchant = await deps.merchants.getMerchant(payment.merchant_id, db);
      const card = payment.card_token ? await vault.getCard(payment.card_token, db) : undefined;
      const pan = payment.card_token ? await vault.revealPan(payment.card_token, db) : undefined;
      if (!merchant || !card || !pan) throw new Error(`payment ${id} lost its merchant or card`);
      // A new attempt: the switch journals every authorization under its own reference.
      return authorize(db, payment, merchant, pan, card, result, { attempts: payment.attempts + 1 });
    },

    async capture(caller, id, amount, db) {
      const payment = await lockPayment(scopeOf(caller), id, db);
      if (!payment) return paymentProblems.notFound('payment', id);
      if (payment.status !== 'requires_capture')
        return paymentProblems.invalidState(id, payment.status, 'be captured');
      // Past its deadline a hold is the workers' to cancel, even in the minute before they come round.
      if (payment.capture_before && payment.capture_before <= clock.now())
        return paymentProblems.holdLapsed(id, payment.capture_before);
      const captured = amount ?? payment.amount_capturable;
      if (captured <= 0n || captured > payment.amount_capturable) {
        return paymentProblems.amountTooLarge(`at most ${payment.amount_capturable} can be captured`);
      }
      await deps.switch.capture(payment.switch_authorization_id!, captured, db);
      const currency = payment.currency as CurrencyCode;
      const fee = merchantFee(caller.merchant, captured);
      const held = payment.amount_capturable;
      const postings = paymentPostings(books, db, payment);
      const entryId = await post(db, {
        externalRef: `pay:${payment.id}:capture`,
        description: `capture ${payment.id}`,
        currency,
        postings: [...(await postings.release(held)), ...(await postings.sale(captured, fee))],
      });
      const succeeded = await update(
        db,
        payment,
        {
          status: 'succeeded',
          amount_capturable: 0n,
          amount_captured: captured,
          fee,
          capture_before: null,
        },
        movement(payment, 'capture', captured, fee, entryId),
      );
      await emit(db, succeeded, 'payment.succeeded');
      return succeeded;
    },

    async cancel(caller, id, reason, db) {
      const payment = await lockPayment(scopeOf(caller), id, db);
      if (!payment) return paymentProblems.notFound('payment', id);
      if (!CANCELABLE.has(payment.status))
        return paymentProblems.invalidState(id, payment.status, 'be canceled');
      return cancelLocked(db, payment, reason);
    },

    async expireLapsedHolds() {
      let expired = 0;
      for (;;) {
        const now = clock.now();
        const due = await tables()
          .selectFrom('payments')
          .select('id')
          .where('capture_before', '<=', now)
          .orderBy('capture_before')
          .limit(EXPIRY_BATCH)
          .execute();
        let progressed = false;
        for (const { id } of due) {
          // One transaction a payment: a crash loses at most the one under way, which the next pass
          // finds again. Another worker's pass, or the merchant's capture, may have come first.
          const lapsed = await deps.store
            .transaction(async (trx) => {
              const payment = await opened((await trx.executeQuery(lockingRead(id, trx))).rows[0], trx);
              if (payment?.status !== 'requires_capture' || !payment.capture_before) return false;
              if (payment.capture_before > now) return false;
              await cancelLocked(trx, payment, 'automatic');
              return true;
            })
            .catch((error: unknown) => {
              // One payment that cannot be canceled must not hold up the others; the next pass tries again.
              deps.logger?.error({ err: error, paymentId: id }, 'canceling a lapsed authorization failed');
              return undefined;
            });
          if (lapsed !== undefined) progressed = true;
          if (lapsed) expired++;
        }
        // A full batch of payments that all failed would only come back the same: wait for the next pass.
        if (due.length < EXPIRY_BATCH || !progressed) return expired;
      }
    },

    startScheduledExpiry(everyMs) {
      return repeatEvery(everyMs, () =>
        service.expireLapsedHolds().then(
          (expired) => {
            if (expired > 0) deps.logger?.info({ expired }, 'lapsed authorizations canceled');
          },
          (error) => deps.logger?.error({ err: error }, 'canceling lapsed authorizations failed'),
        ),
      );
    },

    async updateDetails(caller, id, details, db) {
      const payment = await lockPayment(scopeOf(caller), id, db);
      if (!payment) return paymentProblems.notFound('payment', id);
      if (details.amount !== undefined && !CONFIRMABLE.has(payment.status))
        return paymentProblems.invalidState(id, payment.status, 'change its amount once authorized');
      const changes: PaymentChanges = {};
      if (details.amount !== undefined) changes.amount = details.amount;
      if (details.description !== undefined) changes.description = details.description;
      if (details.orderReference !== undefined) changes.order_reference = details.orderReference;
      if (details.customerEmail !== undefined) changes.customer_email = details.customerEmail;
      if (details.metadata !== undefined) {
        const merged = { ...payment.metadata, ...details.metadata };
        for (const [key, value] of Object.entries(details.metadata)) if (value === '') delete merged[key];
        if (Object.keys(merged).length > MAX_METADATA_KEYS)
          return paymentProblems.tooMuchMetadata(MAX_METADATA_KEYS);
        changes.metadata = merged;
      }
      return update(db, payment, changes);
    },

    async paymentsOfCustomer(scope, email, db, search) {
      return paymentsOfCustomer(
        db ?? deps.store.db,
        personal,
        scope,
        email,
        async (row) => (await opened(row, db))!,
        search,
      );
    },

    async rewriteCustomerEmail(caller, ids, email, db) {
      let changed = 0;
      for (const id of ids) {
        const payment = await lockPayment(scopeOf(caller), id, db);
        if (!payment) continue;
        await update(db, payment, { customer_email: email });
        changed++;
      }
      await rewriteEventEmails(db, personal, scopeOf(caller), ids, email);
      return changed;
    },

    eraseCustomerEmailsBefore(cutoff) {
      return eraseEmailsCreatedBefore((fn) => deps.store.transaction(fn), personal, cutoff);
    },

    async refund(caller, input, db) {
      const payment = await lockPayment(scopeOf(caller), input.paymentId, db);
      if (!payment) return paymentProblems.notFound('payment', input.paymentId);
      if (payment.status !== 'succeeded')
        return paymentProblems.invalidState(payment.id, payment.status, 'be refunded');
      const refundable = payment.amount_captured - payment.amount_refunded;
      const amount = input.amount ?? refundable;
      if (amount <= 0n || amount > refundable) {
        return paymentProblems.amountTooLarge(`at most ${refundable} is left to refund on ${payment.id}`);
      }
      await deps.switch.refund(payment.switch_authorization_id!, amount, db);
      const currency = payment.currency as CurrencyCode;
      const id = newId('re');
      const entryId = await post(db, {
        externalRef: `re:${id}`,
        description: `refund ${id} of ${payment.id}`,
        currency,
        postings: await paymentPostings(books, db, payment).refund(amount),
      });
      const refund = await tables(db)
        .insertInto('refunds')
        .values({
          id,
          payment_id: payment.id,
          merchant_id: payment.merchant_id,
          livemode: payment.livemode,
          amount,
          currency: payment.currency,
          status: 'succeeded',
          reason: input.reason ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const refunded = await update(
        db,
        payment,
        { amount_refunded: payment.amount_refunded + amount },
        movement(payment, 'refund', amount, 0n, entryId, id),
      );
      await deps.events.emit(
        db,
        { merchantId: payment.merchant_id, livemode: payment.livemode },
        'refund.succeeded',
        id,
        refundJson(refund),
      );
      await notify(db, 'refund.succeeded', refunded, refund);
      return refund;
    },

    async get(scope, id, db) {
      const row = await tables(db).selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
      return row && isOwnedBy(scope, row) ? opened(row, db) : undefined;
    },

    addHook(hook) {
      hooks.push(hook);
    },

    async getById(id, db) {
      return opened(
        await tables(db).selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst(),
        db,
      );
    },

    async list(scope, filters, db) {
      const rows = await tables(db)
        .selectFrom('payments')
        .selectAll()
        .where(ownedBy(scope))
        .$if(filters.startingAfter !== undefined, (q) => q.where('id', '<', filters.startingAfter!))
        .$if(filters.status !== undefined, (q) => q.where('status', '=', filters.status!))
        .$if(filters.orderReference !== undefined, (q) =>
          q.where('order_reference', '=', filters.orderReference!),
        )
        .$if(filters.last4 !== undefined, (q) => q.where('card_last4', '=', filters.last4!))
        .$if(filters.amount !== undefined, (q) => q.where('amount', '=', filters.amount!))
        .$if(filters.createdFrom !== undefined, (q) => q.where('created_at', '>=', filters.createdFrom!))
        .$if(filters.createdTo !== undefined, (q) => q.where('created_at', '<', filters.createdTo!))
        .orderBy('id', 'desc')
        .limit(filters.limit)
        // A day's range is best read through payments_by_created, ten years' through the newest ids:
        // only the values tell, so such a search is planned for them (docs/performance.md).
        .$if(filters.createdFrom !== undefined || filters.createdTo !== undefined, (q) =>
          q.modifyEnd(plannedForItsValues),
        )
        .execute();
      return Promise.all(rows.map(async (row) => (await opened(row, db))!));
    },

    async getRefund(scope, id, db) {
      return tables(db)
        .selectFrom('refunds')
        .selectAll()
        .where('id', '=', id)
        .where(ownedBy(scope))
        .executeTakeFirst();
    },

    async listRefunds(scope, query, db) {
      return tables(db)
        .selectFrom('refunds')
        .selectAll()
        .where(ownedBy(scope))
        .$if(query.startingAfter !== undefined, (q) => q.where('id', '<', query.startingAfter!))
        .$if(query.paymentId !== undefined, (q) => q.where('payment_id', '=', query.paymentId!))
        .orderBy('id', 'desc')
        .limit(query.limit)
        .execute();
    },

    liveActivity(period, db) {
      return liveActivity(db ?? deps.store.db, period);
    },
  };
  return service;
}
