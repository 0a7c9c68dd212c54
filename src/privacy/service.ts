import type { ColumnType, Selectable } from 'kysely';
import type { AuditActor } from '../audit/model.js';
import type { AuditLog } from '../audit/service.js';
import type { CmiService } from '../cmi/service.js';
import type { Clock } from '../core/clock.js';
import { normaliseEmail } from '../core/email.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { toJsonAmount } from '../core/money.js';
import { type Problem, problems } from '../core/problem.js';
import { repeatEvery } from '../core/schedule.js';
import type { CustomerSearch } from '../payments/customer-data.js';
import type { Scope } from '../payments/events.js';
import type { PaymentRow } from '../payments/model.js';
import type { Caller, PaymentService } from '../payments/service.js';
import { ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import type { PersonalData } from '../vault/personal-data.js';
import {
  type Answer,
  type DataReading,
  type MerchantRequestFigures,
  type PaymentRecord,
  type PrivacyRequest,
  REQUEST_KINDS,
  type RequestChannel,
  type RequestKind,
  type RequestStanding,
  type RequestStatus,
} from './model.js';

interface PrivacyTables {
  privacy_requests: {
    id: string;
    merchant_id: string;
    livemode: boolean;
    kind: string;
    subject_email: string;
    corrected_email: string | null;
    note: string | null;
    channel: ColumnType<string, string | undefined, never>;
    status: ColumnType<string, string | undefined, string>;
    reminded_at: ColumnType<Date | null, never, Date>;
    received_at: Date;
    due_at: Date;
    answered_at: Date | null;
    records: number | null;
    answer: string | null;
    created_at: Date;
  };
}
type RequestRow = Selectable<PrivacyTables['privacy_requests']>;

export interface NewRequest {
  kind: RequestKind;
  email: string;
  correctedEmail?: string | null;
  note?: string | null;
  /** When the merchant received it (a letter, an e-mail); now when absent. Not in the future. */
  receivedAt?: Date;
  /** Sent by the person on the public form, rather than recorded by the merchant. */
  channel?: RequestChannel;
}

/** Who acts, for the audit trail. */
export interface PrivacyActor {
  actor: AuditActor;
  ip?: string | null;
  requestId?: string | null;
}

export interface PrivacyService {
  /** Records a request a person made to the merchant (audited); it is due `answerDays` after receipt. */
  fileRequest(
    caller: Caller,
    input: NewRequest,
    by: PrivacyActor,
    db?: SharedDb,
  ): Promise<PrivacyRequest | Problem>;
  /**
   * Answers the request: finds the person's payments by their e-mail, then gives the copy of their
   * data, what the CMI orders of those payments keep on them, and who read it (access); corrects the
   * address on them and their orders (rectification); or erases it, and everything of the buyer from
   * their orders (objection); in one transaction, audited. 409 when it is answered already.
   */
  answerRequest(
    caller: Caller,
    id: string,
    by: PrivacyActor,
    db?: SharedDb,
    prescan?: Prescan,
  ): Promise<PrivacyRequest | Problem>;
  /**
   * The long part of answering, done before the answer's transaction so that it holds no connection
   * (PGlite has one): reads every payment of the merchant for the person's address. answerRequest then
   * makes sure of what it found and reads only the payments after it. Undefined when the request is
   * not open (answerRequest says why).
   */
  prescan(caller: Caller, id: string): Promise<Prescan | undefined>;
  getRequest(scope: Scope, id: string): Promise<PrivacyRequest | undefined>;
  /** What a request asks, where it stands and when it falls due: nothing of the person is opened. */
  requestStanding(scope: Scope, id: string): Promise<RequestStanding | undefined>;
  /** The merchant's requests, newest first. */
  listRequests(scope: Scope, filter?: { status?: RequestStatus; limit?: number }): Promise<PrivacyRequest[]>;
  /** For the supervising authority: each merchant's live requests, by dates and counts only. */
  figures(): Promise<MerchantRequestFigures[]>;
  /**
   * The live open requests due before `before` whose answerers were not reminded yet, marked reminded
   * in the caller's transaction: each is handed out once.
   */
  takeDueForReminder(before: Date, db: SharedDb): Promise<{ id: string; merchantId: string }[]>;
  /**
   * Erases customers' e-mails from payments older than `retentionDays` (and from their events), and
   * buyers' fields from CMI orders as old, audited when it erased any; says from how many of each.
   * Nothing without a retention set.
   */
  applyRetention(): Promise<RetentionPass>;
  /** applyRetention now, then every `everyMs`; the stop function waits for a running pass. */
  startRetention(everyMs: number): () => Promise<void>;
}

/** A search of the person's payments made before answering (PrivacyService.prescan). */
export interface Prescan {
  requestId: string;
  email: string;
  found: readonly string[];
  readUpTo: string;
}

/** What one retention pass erased personal data from. */
export interface RetentionPass {
  payments: number;
  cmiOrders: number;
}

export interface PrivacyDeps {
  store: SharedStore;
  personal: PersonalData;
  payments: Pick<PaymentService, 'paymentsOfCustomer' | 'rewriteCustomerEmail' | 'eraseCustomerEmailsBefore'>;
  /** The CMI interface's orders keep the buyer's name, addresses and telephone beside the payment. */
  cmi: Pick<CmiService, 'buyerRecords' | 'changeBuyerData' | 'eraseBuyerDataBefore'>;
  audit: Pick<AuditLog, 'append' | 'list'>;
  clock: Clock;
  /** Days a merchant has to answer a request. */
  answerDays: number;
  /** Days a payment keeps its customer's e-mail (and a CMI order its buyer's fields); kept for good when absent. */
  retentionDays?: number | undefined;
  logger?: Logger;
}

/** Readings of the person's data an access answer lists, at most. */
const MAX_READINGS = 1_000;

/** A field of the request refused: named in the detail for people, and in `field` for programs (and the console's form). */
const refused = (field: string, why: string) => problems.badRequest(`${field}: ${why}`, { field });

function validEmail(field: string, value: string | null | undefined): Problem | undefined {
  if (value === null || value === undefined) return undefined;
  if (normaliseEmail(value) === undefined) return refused(field, `"${value}" is not an e-mail address`);
  return undefined;
}

/** Why a request cannot be filed as it is (its kind and fields; not its dates), or undefined. */
export function requestRefusal(input: Pick<NewRequest, 'kind' | 'email' | 'correctedEmail' | 'note'>) {
  if (!REQUEST_KINDS.includes(input.kind)) return refused('kind', `one of ${REQUEST_KINDS.join(', ')}`);
  const invalid = validEmail('email', input.email) ?? validEmail('corrected_email', input.correctedEmail);
  if (invalid) return invalid;
  if ((input.kind === 'rectification') !== Boolean(input.correctedEmail))
    return refused('corrected_email', 'required for a rectification, and only for one');
  if (input.note && input.note.length > 2000) return refused('note', 'at most 2000 characters');
  return undefined;
}

/** What a request says of the person, sealed for its row (a filed request's or one waiting to be confirmed). */
export async function sealedSubject(
  personal: PersonalData,
  input: Pick<NewRequest, 'email' | 'correctedEmail' | 'note'>,
  db: SharedDb,
) {
  return {
    subject_email: (await personal.seal(input.email.trim(), db))!,
    corrected_email: await personal.seal(input.correctedEmail?.trim() || null, db),
    note: await personal.seal(input.note || null, db),
  };
}

function recordOf(payment: PaymentRow): PaymentRecord {
  return {
    id: payment.id,
    created_at: payment.created_at.toISOString(),
    amount: toJsonAmount(payment.amount),
    currency: payment.currency,
    status: payment.status,
    description: payment.description,
    order_reference: payment.order_reference,
    card: payment.card_last4 ? `${payment.card_brand ?? 'card'} …${payment.card_last4}` : null,
  };
}

export function createPrivacyService(deps: PrivacyDeps): PrivacyService {
  const { store, personal, clock } = deps;
  const tables = (db?: SharedDb) => ownTables<PrivacyTables>(db ?? store.db);
  const scopeOf = (caller: Caller): Scope => ({ merchantId: caller.merchant.id, livemode: caller.livemode });

  async function requestOf(row: RequestRow, db?: SharedDb): Promise<PrivacyRequest> {
    const answer = await personal.open(row.answer, db);
    return {
      id: row.id,
      merchantId: row.merchant_id,
      livemode: row.livemode,
      kind: row.kind as RequestKind,
      email: (await personal.open(row.subject_email, db))!,
      correctedEmail: await personal.open(row.corrected_email, db),
      note: await personal.open(row.note, db),
      channel: row.channel as RequestChannel,
      status: row.status as RequestStatus,
      receivedAt: row.received_at,
      dueAt: row.due_at,
      answeredAt: row.answered_at,
      records: row.records,
      answer: answer === null ? null : (JSON.parse(answer) as Answer),
      createdAt: row.created_at,
    };
  }

  /** Who at the merchant read the person's data on these payments, and why (the console logs each reveal). */
  async function readingsOf(paymentIds: string[], db: SharedDb): Promise<DataReading[]> {
    const records = await deps.audit.list(
      { limit: MAX_READINGS, action: 'data.read', targetIds: paymentIds },
      db,
    );
    return records.map((record) => ({
      at: record.at.toISOString(),
      payment: record.targetId!,
      data: String(record.details.data ?? ''),
      purpose: String(record.details.purpose ?? ''),
    }));
  }

  /**
   * The person's payments, in the answer's transaction: with a scan made before it, what it found
   * (read again, in case an address changed since) and what was created after it; else all.
   */
  async function paymentsOf(caller: Caller, request: PrivacyRequest, db: SharedDb, prescan?: Prescan) {
    const search = (range?: CustomerSearch) =>
      deps.payments.paymentsOfCustomer(scopeOf(caller), request.email, db, range);
    if (prescan?.requestId !== request.id || prescan.email !== request.email)
      return (await search()).payments;
    const [confirmed, newer] = [
      await search({ among: prescan.found }),
      await search({ after: prescan.readUpTo }),
    ];
    return [...confirmed.payments, ...newer.payments];
  }

  async function answerOf(caller: Caller, request: PrivacyRequest, db: SharedDb, prescan?: Prescan) {
    const payments = await paymentsOf(caller, request, db, prescan);
    const ids = payments.map((payment) => payment.id);
    const merchantId = caller.merchant.id;
    let answer: Answer;
    if (request.kind === 'access') {
      answer = {
        kind: 'access',
        email: request.email,
        payments: payments.map(recordOf),
        cmi_orders: await deps.cmi.buyerRecords(merchantId, ids, db),
        readings: await readingsOf(ids, db),
      };
    } else if (request.kind === 'rectification') {
      const email = request.correctedEmail!.trim();
      await deps.payments.rewriteCustomerEmail(caller, ids, email, db);
      const orders = await deps.cmi.changeBuyerData(merchantId, ids, { email }, db);
      answer = { kind: 'rectification', corrected_payments: ids, corrected_cmi_orders: orders };
    } else {
      await deps.payments.rewriteCustomerEmail(caller, ids, null, db);
      const orders = await deps.cmi.changeBuyerData(merchantId, ids, 'erase', db);
      answer = { kind: 'objection', erased_from: ids, erased_cmi_orders: orders };
    }
    return { answer, records: ids.length };
  }

  const service: PrivacyService = {
    async fileRequest(caller, input, by, db) {
      const invalid = requestRefusal(input);
      if (invalid) return invalid;
      const now = clock.now();
      const receivedAt = input.receivedAt ?? now;
      if (Number.isNaN(receivedAt.getTime()) || receivedAt > now)
        return refused('received_at', 'a date that is not in the future');
      const run = async (trx: SharedDb) => {
        const row = await tables(trx)
          .insertInto('privacy_requests')
          .values({
            id: newId('dsr', now.getTime()),
            merchant_id: caller.merchant.id,
            livemode: caller.livemode,
            kind: input.kind,
            ...(await sealedSubject(personal, input, trx)),
            received_at: receivedAt,
            channel: input.channel ?? 'merchant',
            due_at: new Date(receivedAt.getTime() + deps.answerDays * 86_400_000),
            created_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await deps.audit.append(
          {
            actor: by.actor,
            action: 'privacy.request.file',
            target: { type: 'privacy_request', id: row.id },
            details: { merchant: caller.merchant.id, livemode: caller.livemode, kind: input.kind },
            ip: by.ip ?? null,
            requestId: by.requestId ?? null,
          },
          trx,
        );
        return requestOf(row, trx);
      };
      return db?.isTransaction ? run(db) : store.transaction(run);
    },

    async prescan(caller, id) {
      const row = await tables()
        .selectFrom('privacy_requests')
        .select(['subject_email'])
        .where('id', '=', id)
        .where('merchant_id', '=', caller.merchant.id)
        .where('livemode', '=', caller.livemode)
        .where('status', '=', 'open')
        .executeTakeFirst();
      if (!row) return undefined;
      const email = (await personal.open(row.subject_email))!;
      const { payments, readUpTo } = await deps.payments.paymentsOfCustomer(scopeOf(caller), email);
      return { requestId: id, email, found: payments.map((payment) => payment.id), readUpTo };
    },

    async answerRequest(caller, id, by, db, prescan) {
      const run = async (trx: SharedDb): Promise<PrivacyRequest | Problem> => {
        const row = await tables(trx)
          .selectFrom('privacy_requests')
          .selectAll()
          .where('id', '=', id)
          .where('merchant_id', '=', caller.merchant.id)
          .where('livemode', '=', caller.livemode)
          .forUpdate()
          .executeTakeFirst();
        if (!row) return problems.notFound(`privacy request ${id}`);
        if (row.status === 'answered')
          return problems.conflict('request_answered', `privacy request ${id} is answered already`);
        const { answer, records } = await answerOf(caller, await requestOf(row, trx), trx, prescan);
        const answeredAt = clock.now();
        const answered = await tables(trx)
          .updateTable('privacy_requests')
          .set({
            status: 'answered',
            answered_at: answeredAt,
            records,
            answer: await personal.seal(JSON.stringify(answer), trx),
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await deps.audit.append(
          {
            actor: by.actor,
            action: 'privacy.request.answer',
            target: { type: 'privacy_request', id },
            details: { kind: row.kind, records, late: answeredAt > row.due_at },
            ip: by.ip ?? null,
            requestId: by.requestId ?? null,
          },
          trx,
        );
        return requestOf(answered, trx);
      };
      return db?.isTransaction ? run(db) : store.transaction(run);
    },

    async getRequest(scope, id) {
      const row = await tables()
        .selectFrom('privacy_requests')
        .selectAll()
        .where('id', '=', id)
        .where('merchant_id', '=', scope.merchantId)
        .where('livemode', '=', scope.livemode)
        .executeTakeFirst();
      return row && requestOf(row);
    },

    async requestStanding(scope, id) {
      const row = await tables()
        .selectFrom('privacy_requests')
        .select(['id', 'kind', 'status', 'due_at'])
        .where('id', '=', id)
        .where('merchant_id', '=', scope.merchantId)
        .where('livemode', '=', scope.livemode)
        .executeTakeFirst();
      return (
        row && {
          id: row.id,
          kind: row.kind as RequestKind,
          status: row.status as RequestStatus,
          dueAt: row.due_at,
        }
      );
    },

    async listRequests(scope, filter = {}) {
      const rows = await tables()
        .selectFrom('privacy_requests')
        .selectAll()
        .where('merchant_id', '=', scope.merchantId)
        .where('livemode', '=', scope.livemode)
        .$if(filter.status !== undefined, (q) => q.where('status', '=', filter.status!))
        .orderBy('id', 'desc')
        .limit(filter.limit ?? 100)
        .execute();
      return Promise.all(rows.map((row) => requestOf(row)));
    },

    async applyRetention() {
      if (deps.retentionDays === undefined) return { payments: 0, cmiOrders: 0 };
      const cutoff = new Date(clock.now().getTime() - deps.retentionDays * 86_400_000);
      const erased = {
        payments: await deps.payments.eraseCustomerEmailsBefore(cutoff),
        cmiOrders: await deps.cmi.eraseBuyerDataBefore(cutoff),
      };
      if (erased.payments + erased.cmiOrders > 0)
        await deps.audit.append({
          actor: { type: 'system', id: 'retention' },
          action: 'privacy.retention.erase',
          details: {
            data: ['payment.customer_email', 'cmi_order.buyer'],
            created_before: cutoff.toISOString(),
            payments: erased.payments,
            cmi_orders: erased.cmiOrders,
          },
        });
      return erased;
    },

    startRetention(everyMs) {
      return repeatEvery(everyMs, () =>
        service.applyRetention().then(
          (erased) => {
            if (erased.payments + erased.cmiOrders > 0)
              deps.logger?.info(erased, "customers' personal data past its retention erased");
          },
          (error) => deps.logger?.error({ err: error }, 'erasing personal data past its retention failed'),
        ),
      );
    },

    async takeDueForReminder(before, db) {
      const rows = await tables(db)
        .updateTable('privacy_requests')
        .set({ reminded_at: clock.now() })
        .where('status', '=', 'open')
        .where('livemode', '=', true)
        .where('reminded_at', 'is', null)
        .where('due_at', '<', before)
        .returning(['id', 'merchant_id'])
        .execute();
      return rows.map((row) => ({ id: row.id, merchantId: row.merchant_id }));
    },

    async figures() {
      const now = clock.now();
      const rows = await tables()
        .selectFrom('privacy_requests')
        .select((eb) => [
          'merchant_id',
          eb.fn.countAll<string>().filterWhere('status', '=', 'open').as('open'),
          eb.fn
            .countAll<string>()
            .filterWhere('status', '=', 'open')
            .filterWhere('due_at', '<', now)
            .as('overdue'),
          eb.fn.countAll<string>().filterWhere('status', '=', 'answered').as('answered'),
          eb.fn
            .countAll<string>()
            .filterWhere('status', '=', 'answered')
            .filterWhere((w) => w('answered_at', '>', w.ref('due_at')))
            .as('answered_late'),
          eb.fn.min('due_at').filterWhere('status', '=', 'open').as('next_due_at'),
        ])
        .where('livemode', '=', true)
        .groupBy('merchant_id')
        .orderBy('merchant_id')
        .execute();
      return rows.map((row) => ({
        merchantId: row.merchant_id,
        open: Number(row.open),
        overdue: Number(row.overdue),
        answered: Number(row.answered),
        answeredLate: Number(row.answered_late),
        nextDueAt: row.next_due_at ?? null,
      }));
    },
  };
  return service;
}
