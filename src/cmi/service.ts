import { createHash, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { Problem } from '../core/problem.js';
import type { Merchant } from '../merchants/model.js';
import type { MerchantService } from '../merchants/service.js';
import type { PaymentRow } from '../payments/model.js';
import type { PaymentService } from '../payments/service.js';
import { enqueueEvent, exponentialBackoff, type OutboxHandler } from '../store/outbox.js';
import { isUniqueViolation, ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import { personalData, RESEAL_BATCH, resealInBatches } from '../vault/personal-data.js';
import type { VaultService } from '../vault/service.js';
import type { Locale } from '../web/i18n.js';
import { type Cc5Request, cc5Error, cc5ResponseXml, type HistoryEntry, parseCc5Request } from './api.js';
import { type BuyerChange, type BuyerRecord, buyerData } from './buyer-data.js';
import { type CallbackAnswer, postCallback } from './callback.js';
import { checkGateFields, fieldOf, type GateOrder, type GateProblem, gateLocale, readForm } from './gate.js';
import { verifyCmiHash, withoutHash } from './hash.js';
import {
  type CallbackStatus,
  type CmiFields,
  type CmiOrderRow,
  type CmiStore,
  type CmiStoreRow,
  type CmiTables,
  DEMO_STORE,
  isCmiPersonalField,
  toCmiStore,
} from './model.js';
import { type OrderOutcome, orderOutcome, responseFields } from './response.js';

export interface CmiDeps {
  store: SharedStore;
  vault: VaultService;
  payments: PaymentService;
  merchants: MerchantService;
  logger: Logger;
  clock: Clock;
  /** Where people reach Tijara (for return URLs). */
  baseUrl: () => string;
  /** Callback retries: first delay; it doubles each time. */
  retryBaseMs: number;
}

export const CALLBACK_TOPIC = 'cmi.callback';
/** Posts of one callback by the outbox, after the one made while the cardholder waits. */
export const CALLBACK_MAX_ATTEMPTS = 12;
const CALLBACK_TIMEOUT_MS = 10_000;
// Longer than a callback can take (timeout, then a capture): a lease outliving its holder only delays a retry.
const CALLBACK_LEASE = '30 seconds';

const CLIENT_ID = /^[A-Za-z0-9]{1,32}$/;
const STORE_KEY = /^[\x21-\x7e]{8,128}$/;

export interface NewCmiStore {
  clientId: string;
  storeKey: string;
  livemode?: boolean;
}

export type GateResult =
  | { ok: true; paymentId: string; lang: Locale }
  | { ok: false; problems: GateProblem[]; lang: Locale; shopUrl: string | null };

export type OrderCompletion =
  | { kind: 'not_found' }
  | { kind: 'not_finished'; paymentId: string; lang: Locale }
  | { kind: 'completed'; approved: boolean; target: string; fields: CmiFields; lang: Locale };

export interface CmiService {
  /** Gives a merchant its CMI store: the client id and store key its shop plugin is configured with. */
  createStore(merchantId: string, input: NewCmiStore, db?: SharedDb): Promise<CmiStore | Problem>;
  getStoreByClientId(clientId: string, db?: SharedDb): Promise<CmiStore | undefined>;
  /** POST /fim/est3Dgate: checks the shop's form and creates the payment and its order, or nothing. */
  startPayment(body: unknown): Promise<GateResult>;
  /**
   * Closes the order of a payment that has ended (once: later calls return the same answer), posts the
   * callback to the shop, and returns what the browser must post back to it.
   */
  completeOrder(paymentId: string): Promise<OrderCompletion>;
  /** POST /fim/api: answers a CC5Request (ORDERHISTORY / ORDERSTATUS) with a CC5Response. */
  orderStatus(xml: string): Promise<{ httpStatus: number; xml: string }>;
  /** The demo store (clientid 600000001, store key TEST1234, test mode); running it twice changes nothing. */
  seedDemoCmiStore(merchantId: string, db?: SharedDb): Promise<CmiStore>;
  /**
   * Seals in place the buyers' personal fields of orders stored before sealing began (law 09-08);
   * safe to run twice. Returns how many orders it read.
   */
  sealStoredPersonalData(): Promise<number>;
  /** Law 09-08: the buyer's fields that the merchant's orders of these payments keep, opened. */
  buyerRecords(merchantId: string, paymentIds: readonly string[], db: SharedDb): Promise<BuyerRecord[]>;
  /**
   * Law 09-08: corrects the buyer's e-mail on the merchant's orders of these payments, or erases every
   * field of the buyer from them; the answer kept for the shop is signed again. Says which orders (oid).
   */
  changeBuyerData(
    merchantId: string,
    paymentIds: readonly string[],
    change: BuyerChange,
    db: SharedDb,
  ): Promise<string[]>;
  /** Retention: erases the buyer's fields from orders created before `cutoff`, in batches; says from how many. */
  eraseBuyerDataBefore(cutoff: Date): Promise<number>;
  outboxHandlers: OutboxHandler[];
}

type CallbackAttempt = { kind: 'delivered' | 'settled' | 'busy' } | { kind: 'failed'; error: string };

/** Thrown inside the order's transaction to roll it back and refuse the form. */
class GateRefusal extends Error {
  constructor(readonly problems: GateProblem[]) {
    super('payment form refused');
  }
}

/** The same rule as the API: suspended or rejected merchants never charge, live mode needs approval. */
function merchantMayCharge(merchant: Merchant | undefined, livemode: boolean): merchant is Merchant {
  if (!merchant || merchant.status === 'suspended' || merchant.status === 'rejected') return false;
  return !livemode || merchant.status === 'active';
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Where the error page may send the cardholder back: the shop's `shopurl`, when it is a web address. */
function shopUrlOf(fields: CmiFields): string | null {
  const url = fieldOf(fields, 'shopurl')?.trim();
  return url && /^https?:\/\/[^\s]+$/i.test(url) ? url : null;
}

export function createCmiService(deps: CmiDeps): CmiService {
  const { logger } = deps;
  const tables = (db?: SharedDb) => ownTables<CmiTables>(db ?? deps.store.db);
  const personal = personalData(deps.vault);

  /** An order as the service reads it: the buyer's personal fields, sealed at rest, opened. */
  async function opened<T extends CmiOrderRow | undefined>(order: T, db?: SharedDb): Promise<T> {
    if (!order) return order;
    return {
      ...order,
      fields: await personal.openFields(order.fields, isCmiPersonalField, db),
      response: order.response && (await personal.openFields(order.response, isCmiPersonalField, db)),
    };
  }

  const sealedJson = async (fields: CmiFields, db?: SharedDb) =>
    JSON.stringify(await personal.sealFields(fields, isCmiPersonalField, db));

  async function findStore(clientId: string, db?: SharedDb) {
    return tables(db)
      .selectFrom('cmi_stores')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst();
  }

  async function storeKeyOf(store: Pick<CmiStoreRow, 'store_key_sealed'>, db?: SharedDb): Promise<string> {
    return deps.vault.openSecret(store.store_key_sealed, db);
  }

  async function createStore(merchantId: string, input: NewCmiStore, db?: SharedDb) {
    if (!CLIENT_ID.test(input.clientId))
      return new Problem(400, 'invalid_client_id', 'Invalid client id', 'use 1 to 32 letters and digits');
    if (!STORE_KEY.test(input.storeKey)) {
      return new Problem(
        400,
        'invalid_store_key',
        'Invalid store key',
        'use 8 to 128 printable ASCII characters, no spaces',
      );
    }
    const merchant = await deps.merchants.getMerchant(merchantId, db);
    if (!merchant) return new Problem(404, 'resource_missing', 'Not found', `no merchant ${merchantId}`);
    // A live clientid, like a live key, exists only for an approved merchant.
    if (input.livemode && merchant.status !== 'active')
      return new Problem(
        403,
        'merchant_not_approved',
        'Merchant not approved',
        'a live clientid needs an approved merchant',
      );
    const row = await tables(db)
      .insertInto('cmi_stores')
      .values({
        merchant_id: merchantId,
        client_id: input.clientId,
        store_key_sealed: await deps.vault.sealSecret(input.storeKey, db),
        livemode: input.livemode ?? false,
      })
      // Either key taken: a refusal, without aborting the caller's transaction.
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) {
      return new Problem(
        409,
        'cmi_store_exists',
        'Store exists',
        `merchant ${merchantId} has a CMI store, or client id ${input.clientId} is taken`,
      );
    }
    return toCmiStore(row);
  }

  // ---- POST /fim/est3Dgate ----

  /** Every check of the form; the order, its store and merchant when all pass. */
  async function checkForm(body: unknown) {
    const { fields, problems } = readForm(body);
    const clientId = fieldOf(fields, 'clientid')?.trim();
    const store = clientId ? await findStore(clientId) : undefined;
    const checked = checkGateFields(fields, store?.livemode ?? false);
    problems.push(...checked.problems);
    if (clientId && !store) problems.push({ field: 'clientid', code: 'unknown_store' });
    const merchant = store && (await deps.merchants.getMerchant(store.merchant_id));
    if (store) {
      if (fieldOf(fields, 'HASH') && !verifyCmiHash(fields, await storeKeyOf(store)))
        problems.push({ field: 'HASH', code: 'bad_hash' });
      if (!merchantMayCharge(merchant, store.livemode))
        problems.push({ field: 'clientid', code: 'store_unavailable' });
    }
    const ready = problems.length === 0 && checked.order && store && merchant;
    return { fields, problems, ready: ready ? { order: checked.order, store, merchant } : undefined };
  }

  async function orderIdUsed(db: SharedDb, clientId: string, oid: string): Promise<boolean> {
    const row = await tables(db)
      .selectFrom('cmi_orders')
      .select('payment_id')
      .where('client_id', '=', clientId)
      .where('oid', '=', oid)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The payment and its order, in one transaction: both exist or neither. */
  async function createOrder(
    fields: CmiFields,
    order: GateOrder,
    store: CmiStoreRow,
    merchant: Merchant,
  ): Promise<string> {
    return deps.store.transaction(async (trx) => {
      if (await orderIdUsed(trx, store.client_id, order.oid))
        throw new GateRefusal([{ field: 'oid', code: 'duplicate_oid' }]);
      const payment = await deps.payments.create(
        { merchant, livemode: store.livemode },
        {
          amount: order.amount,
          currency: 'MAD',
          captureMethod: order.tranType === 'PreAuth' ? 'manual' : 'automatic',
          orderReference: order.oid,
          customerEmail: order.email,
          description: order.description,
          returnUrl: `${deps.baseUrl()}/fim/return`,
        },
        trx,
      );
      if (payment instanceof Problem) {
        logger.warn({ merchantId: merchant.id, code: payment.code }, 'CMI order refused by payments');
        throw new GateRefusal([{ field: 'clientid', code: 'payment_refused' }]);
      }
      await tables(trx)
        .insertInto('cmi_orders')
        .values({
          payment_id: payment.id,
          merchant_id: merchant.id,
          client_id: store.client_id,
          oid: order.oid,
          tran_type: order.tranType,
          fields: await sealedJson(withoutHash(fields), trx),
          ok_url: order.okUrl,
          fail_url: order.failUrl,
          callback_url: order.callbackUrl,
          lang: order.lang,
          response: null,
          completed_at: null,
          callback_lease_until: null,
          callback_last_error: null,
          // The payment's clock: retention compares an order's age with it.
          created_at: deps.clock.now(),
        })
        .execute();
      return payment.id;
    });
  }

  async function startPayment(body: unknown): Promise<GateResult> {
    const { fields, problems, ready } = await checkForm(body);
    const refuse = (list: GateProblem[]): GateResult => ({
      ok: false,
      problems: list,
      lang: gateLocale(fields),
      shopUrl: shopUrlOf(fields),
    });
    if (!ready) return refuse(problems);
    try {
      const paymentId = await createOrder(fields, ready.order, ready.store, ready.merchant);
      logger.info({ paymentId, clientId: ready.store.client_id, oid: ready.order.oid }, 'CMI order started');
      return { ok: true, paymentId, lang: ready.order.lang };
    } catch (error) {
      if (error instanceof GateRefusal) return refuse(error.problems);
      // Two posts of one order id at once: the second loses on the unique index.
      if (isUniqueViolation(error)) return refuse([{ field: 'oid', code: 'duplicate_oid' }]);
      throw error;
    }
  }

  // ---- GET /fim/return: closing the order ----

  async function lockOrder(db: SharedDb, paymentId: string) {
    const order = await tables(db)
      .selectFrom('cmi_orders')
      .selectAll()
      .where('payment_id', '=', paymentId)
      .forUpdate()
      .executeTakeFirst();
    return opened(order, db);
  }

  async function callerFor(merchantId: string, livemode: boolean, db: SharedDb) {
    const merchant = await deps.merchants.getMerchant(merchantId, db);
    if (!merchant) throw new Error(`CMI order of merchant ${merchantId}, who does not exist`);
    return { merchant, livemode };
  }

  /**
   * A declined payment may still be confirmed again with another card on the hosted page; once the shop
   * has been told "declined", it is canceled so that no later attempt can charge for a failed order.
   */
  async function freezeDecline(db: SharedDb, payment: PaymentRow) {
    const caller = await callerFor(payment.merchant_id, payment.livemode, db);
    const canceled = await deps.payments.cancel(caller, payment.id, null, db);
    if (canceled instanceof Problem)
      logger.warn({ paymentId: payment.id, code: canceled.code }, 'declined CMI payment not canceled');
  }

  /** Records the answer for the shop once the payment has ended, and queues its callback. */
  async function closeOrder(db: SharedDb, paymentId: string) {
    const order = await lockOrder(db, paymentId);
    if (!order) return { kind: 'not_found' as const };
    if (order.response) return { kind: 'closed' as const, order, fresh: false };
    const payment = await deps.payments.getById(paymentId, db);
    if (!payment) throw new Error(`CMI order ${paymentId} has no payment`);
    const outcome = orderOutcome(payment, order.lang);
    if (!outcome) return { kind: 'not_finished' as const, order };
    const store = await findStore(order.client_id, db);
    if (!store) throw new Error(`CMI order ${paymentId} lost its store`);
    const response = responseFields(order.fields, payment, outcome, order.oid, await storeKeyOf(store, db));
    if (payment.status === 'failed') await freezeDecline(db, payment);
    const closed = await tables(db)
      .updateTable('cmi_orders')
      .set({ response: await sealedJson(response, db), completed_at: deps.clock.now() })
      .where('payment_id', '=', paymentId)
      .returningAll()
      .executeTakeFirstOrThrow();
    // The retry waits one delay: the first post is made now, while the cardholder waits. Real time, not the
    // clock: the outbox compares it with the database's now().
    await enqueueEvent(
      db,
      CALLBACK_TOPIC,
      { paymentId },
      { availableAt: new Date(Date.now() + deps.retryBaseMs) },
    );
    return { kind: 'closed' as const, order: await opened(closed, db), fresh: true };
  }

  async function completeOrder(paymentId: string): Promise<OrderCompletion> {
    const result = await deps.store.transaction((trx) => closeOrder(trx, paymentId));
    if (result.kind === 'not_found') return result;
    const { order } = result;
    if (result.kind === 'not_finished') return { kind: 'not_finished', paymentId, lang: order.lang };
    if (result.fresh) {
      logger.info({ paymentId, oid: order.oid }, 'CMI order closed');
      // The shop hears of the outcome before the cardholder is back on its site, as with CMI; a failure
      // here is the outbox's to retry, never the cardholder's problem.
      await attemptCallback(paymentId, false).catch((error: unknown) =>
        logger.error({ paymentId, err: error }, 'CMI callback attempt failed'),
      );
    }
    const fields = order.response ?? {};
    const approved = fields.Response === 'Approved';
    return {
      kind: 'completed',
      approved,
      target: approved ? order.ok_url : order.fail_url,
      fields,
      lang: order.lang,
    };
  }

  // ---- The callback to the shop ----

  /** Takes the right to post the callback now, unless it is settled or another process is posting it. */
  async function claimCallback(paymentId: string): Promise<CmiOrderRow | undefined> {
    const claimed = await tables()
      .updateTable('cmi_orders')
      .set({
        callback_attempts: sql<number>`callback_attempts + 1`,
        callback_lease_until: sql<Date>`now() + ${CALLBACK_LEASE}::interval`,
      })
      .where('payment_id', '=', paymentId)
      .where('callback_status', '=', 'pending')
      .where('completed_at', 'is not', null)
      .where((eb) =>
        eb.or([eb('callback_lease_until', 'is', null), eb('callback_lease_until', '<', sql<Date>`now()`)]),
      )
      .returningAll()
      .executeTakeFirst();
    return opened(claimed);
  }

  /** `ACTION=POSTAUTH` on a held PreAuth captures it; on anything else it is an acknowledgement. */
  async function captureOnRequest(db: SharedDb, order: CmiOrderRow): Promise<CallbackStatus> {
    const payment = await deps.payments.getById(order.payment_id, db);
    if (order.tran_type !== 'PreAuth' || payment?.status !== 'requires_capture') return 'approved';
    const caller = await callerFor(payment.merchant_id, payment.livemode, db);
    const captured = await deps.payments.capture(caller, payment.id, undefined, db);
    if (!(captured instanceof Problem)) return 'postauth';
    logger.warn({ paymentId: payment.id, code: captured.code }, 'POSTAUTH asked but the capture was refused');
    return 'approved';
  }

  async function settleCallback(order: CmiOrderRow, answer: Exclude<CallbackAnswer, 'failure'>) {
    await deps.store.transaction(async (trx) => {
      const status = answer === 'postauth' ? await captureOnRequest(trx, order) : 'approved';
      await tables(trx)
        .updateTable('cmi_orders')
        .set({ callback_status: status, callback_lease_until: null, callback_last_error: null })
        .where('payment_id', '=', order.payment_id)
        .execute();
    });
  }

  async function releaseCallback(paymentId: string, error: string, giveUp: boolean) {
    await tables()
      .updateTable('cmi_orders')
      .set({
        callback_lease_until: null,
        callback_last_error: error.slice(0, 1000),
        ...(giveUp ? { callback_status: 'failed' as const } : {}),
      })
      .where('payment_id', '=', paymentId)
      .execute();
  }

  async function attemptCallback(paymentId: string, lastAttempt: boolean): Promise<CallbackAttempt> {
    const order = await claimCallback(paymentId);
    if (!order?.response) {
      const row = await tables()
        .selectFrom('cmi_orders')
        .select('callback_status')
        .where('payment_id', '=', paymentId)
        .executeTakeFirst();
      return { kind: row?.callback_status === 'pending' ? 'busy' : 'settled' };
    }
    const store = await tables()
      .selectFrom('cmi_stores')
      .select('livemode')
      .where('client_id', '=', order.client_id)
      .executeTakeFirst();
    const result = await postCallback(order.callback_url, order.response, {
      timeoutMs: CALLBACK_TIMEOUT_MS,
      // A live store's callback must not reach into Tijara's own network; a test store may call localhost.
      publicOnly: store?.livemode !== false,
    });
    if ('error' in result) {
      await releaseCallback(paymentId, result.error, lastAttempt);
      logger.warn(
        { paymentId, attempts: order.callback_attempts, giveUp: lastAttempt, err: result.error },
        'CMI callback not acknowledged',
      );
      return { kind: 'failed', error: result.error };
    }
    await settleCallback(order, result.answer);
    return { kind: 'delivered' };
  }

  // ---- POST /fim/api ----

  /**
   * Tijara has no separate API users: a store's API user name is its client id and its password is the
   * store key. So a CC5Request authenticates with Name and/or ClientId = the clientid (equal when both
   * are given) and Password = the store key.
   */
  async function authenticateApi(request: Cc5Request) {
    const clientId = request.clientId ?? request.name;
    if (!clientId || !request.password) return undefined;
    if (request.name !== undefined && request.name !== clientId) return undefined;
    const store = await findStore(clientId);
    if (!store) return undefined;
    return sameSecret(request.password, await storeKeyOf(store)) ? store : undefined;
  }

  function orderStatusName(payment: PaymentRow, outcome: OrderOutcome | undefined): string {
    if (!outcome) return 'PENDING';
    if (payment.status === 'requires_capture') return 'PREAUTH';
    if (payment.status === 'canceled') return payment.auth_code ? 'VOIDED' : 'CANCELED';
    if (payment.status !== 'succeeded') return 'DECLINED';
    if (payment.amount_refunded === 0n) return 'CAPTURED';
    return payment.amount_refunded === payment.amount_captured ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
  }

  async function orderHistory(order: CmiOrderRow, payment: PaymentRow, outcome: OrderOutcome | undefined) {
    const entries: HistoryEntry[] = [
      {
        type: order.tran_type,
        status: outcome ? (outcome.approved ? 'Approved' : 'Declined') : 'Pending',
        amount: payment.amount,
        date: payment.created_at,
        transId: payment.id,
      },
    ];
    const later = (type: HistoryEntry['type'], amount: bigint) =>
      entries.push({ type, status: 'Approved', amount, date: payment.updated_at, transId: payment.id });
    if (order.tran_type === 'PreAuth' && payment.amount_captured > 0n)
      later('PostAuth', payment.amount_captured);
    if (payment.status === 'canceled' && payment.auth_code) later('Void', payment.amount);
    const refunds = await deps.payments.listRefunds(
      { merchantId: payment.merchant_id, livemode: payment.livemode },
      { limit: 100, paymentId: payment.id },
    );
    for (const refund of refunds.reverse()) {
      entries.push({
        type: 'Credit',
        status: 'Approved',
        amount: refund.amount,
        date: refund.created_at,
        transId: refund.id,
      });
    }
    return { orderStatus: orderStatusName(payment, outcome), entries };
  }

  async function orderStatus(xml: string) {
    const request = parseCc5Request(xml);
    // Unreadable input is the one case answered 400; everything CMI would answer, it answers 200.
    if ('error' in request) return { httpStatus: 400, xml: cc5Error(request.error) };
    const orderId = request.orderId ?? '';
    const answer = (text: string) => ({ httpStatus: 200, xml: text });
    const store = await authenticateApi(request);
    if (!store) {
      return answer(
        cc5Error(
          'Authentication failed: Name and ClientId are the store clientid, Password its store key',
          orderId,
        ),
      );
    }
    if (!request.historyQuery)
      return answer(
        cc5Error('Unsupported request: Tijara answers ORDERHISTORY and ORDERSTATUS queries', orderId),
      );
    if (!orderId) return answer(cc5Error('OrderId is required'));
    const order = await opened(
      await tables()
        .selectFrom('cmi_orders')
        .selectAll()
        .where('client_id', '=', store.client_id)
        .where('oid', '=', orderId)
        .executeTakeFirst(),
    );
    const payment = order && (await deps.payments.getById(order.payment_id));
    if (!order || !payment) return answer(cc5Error(`No record found for ${orderId}`, orderId));
    const outcome = orderOutcome(payment, 'en');
    return answer(
      cc5ResponseXml({
        OrderId: orderId,
        Response: outcome?.response ?? 'Error',
        ProcReturnCode: outcome?.procReturnCode ?? '99',
        TransId: payment.id,
        AuthCode: payment.auth_code ?? '',
        ErrMsg: outcome ? (outcome.errMsg ?? '') : 'Order not finished: the cardholder has not paid yet',
        history: await orderHistory(order, payment, outcome),
      }),
    );
  }

  async function seedDemoCmiStore(merchantId: string, db?: SharedDb): Promise<CmiStore> {
    const existing = await findStore(DEMO_STORE.clientId, db);
    if (existing) return toCmiStore(existing);
    const created = await createStore(merchantId, { ...DEMO_STORE, livemode: false }, db);
    if (!(created instanceof Problem)) return created;
    // Seeded by someone else meanwhile: theirs is the one.
    const seeded = await findStore(DEMO_STORE.clientId, db);
    if (seeded) return toCmiStore(seeded);
    throw new Error(`the demo CMI store could not be created: ${created.detail ?? created.title}`);
  }

  const buyers = buyerData({
    tables,
    personal,
    async storeKeyOf(clientId, db) {
      const store = await findStore(clientId, db);
      if (!store) throw new Error(`CMI store ${clientId} is gone`);
      return storeKeyOf(store, db);
    },
    now: () => deps.clock.now(),
  });

  return {
    createStore,
    async getStoreByClientId(clientId, db) {
      const row = await findStore(clientId, db);
      return row && toCmiStore(row);
    },
    startPayment,
    completeOrder,
    orderStatus,
    seedDemoCmiStore,
    sealStoredPersonalData: () =>
      resealInBatches(
        '',
        (after) =>
          tables()
            .selectFrom('cmi_orders')
            .select(['payment_id', 'fields', 'response'])
            .where('payment_id', '>', after)
            .orderBy('payment_id')
            .limit(RESEAL_BATCH)
            .execute(),
        (order) => order.payment_id,
        async (order) => {
          const fields = await sealedJson(order.fields);
          const response = order.response && (await sealedJson(order.response));
          if (fields === JSON.stringify(order.fields) && response === JSON.stringify(order.response)) return;
          // Only if nobody changed the order since it was read (they sealed what they wrote).
          await tables()
            .updateTable('cmi_orders')
            .set({ fields, response })
            .where('payment_id', '=', order.payment_id)
            .where(sql<boolean>`fields = ${JSON.stringify(order.fields)}::jsonb`)
            .where(
              sql<boolean>`response is not distinct from ${order.response && JSON.stringify(order.response)}::jsonb`,
            )
            .execute();
        },
      ),
    buyerRecords: buyers.recordsOf,
    changeBuyerData: buyers.change,
    eraseBuyerDataBefore: (cutoff) => buyers.eraseBefore((fn) => deps.store.transaction(fn), cutoff),
    outboxHandlers: [
      {
        topic: CALLBACK_TOPIC,
        maxAttempts: CALLBACK_MAX_ATTEMPTS,
        retryDelayMs: exponentialBackoff(deps.retryBaseMs, deps.retryBaseMs * 360),
        async deliver(event) {
          const { paymentId } = event.payload as { paymentId: string };
          const attempt = await attemptCallback(paymentId, event.attempts >= CALLBACK_MAX_ATTEMPTS);
          if (attempt.kind === 'failed') throw new Error(attempt.error);
          if (attempt.kind === 'busy') throw new Error('another process is posting this callback');
        },
      },
    ],
  };
}
