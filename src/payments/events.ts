import type { ExpressionBuilder } from 'kysely';
import { newId } from '../core/ids.js';
import { plannedForItsValues } from '../store/prepared.js';
import { ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import { holdInsert } from '../store/write-at-commit.js';
import type { PersonalData } from '../vault/personal-data.js';
import { isPaymentPersonalField, type PaymentTables } from './model.js';
import { queueDeliveriesAtCommit } from './webhook-fanout.js';

export type EventType =
  | 'payment.requires_action'
  | 'payment.requires_capture'
  | 'payment.succeeded'
  | 'payment.failed'
  | 'payment.canceled'
  | 'refund.succeeded';

export const EVENT_TYPES: EventType[] = [
  'payment.requires_action',
  'payment.requires_capture',
  'payment.succeeded',
  'payment.failed',
  'payment.canceled',
  'refund.succeeded',
];

/**
 * Events recorded before 2026-12-04 queued their webhook deliveries through this topic, one outbox
 * row each; they are now queued in the statement that records the event (webhook-fanout.ts).
 */
export const WEBHOOK_FANOUT_TOPIC = 'webhook.event';

export interface Scope {
  merchantId: string;
  livemode: boolean;
}

/**
 * The tenancy rule, in one place: a merchant sees only its own rows, and test and live never mix.
 * Every table a merchant reads carries merchant_id and livemode.
 */
export function ownedBy(scope: Scope) {
  // biome-ignore lint/suspicious/noExplicitAny: shared by every merchant-owned table.
  return (eb: ExpressionBuilder<any, any>) =>
    eb.and([eb('merchant_id', '=', scope.merchantId), eb('livemode', '=', scope.livemode)]);
}

/**
 * The same rule for a row read by its primary key alone. Naming the tenancy columns in that query
 * let PostgreSQL's generic plan for it, made while the table was nearly empty, walk the merchant's
 * rows by another index (4,400 buffers a lock at 10,000 payments); by the key alone it reads one.
 */
export function isOwnedBy(scope: Scope, row: { merchant_id: string; livemode: boolean }): boolean {
  return row.merchant_id === scope.merchantId && row.livemode === scope.livemode;
}

export interface EventRecord {
  id: string;
  type: string;
  livemode: boolean;
  objectId: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

/** An events row as the rest of the code reads it. */
export function eventRecord(row: {
  id: string;
  type: string;
  livemode: boolean;
  object_id: string;
  data: Record<string, unknown>;
  created_at: Date;
}): EventRecord {
  return {
    id: row.id,
    type: row.type,
    livemode: row.livemode,
    objectId: row.object_id,
    data: row.data,
    createdAt: row.created_at,
  };
}

export function eventJson(event: EventRecord) {
  return {
    id: event.id,
    object: 'event' as const,
    type: event.type,
    livemode: event.livemode,
    created_at: event.createdAt.toISOString(),
    data: { object: event.data },
  };
}

export interface EventLog {
  /** Records an event in the caller's transaction and queues its webhook deliveries. */
  emit(
    db: SharedDb,
    scope: Scope,
    type: EventType,
    objectId: string,
    data: Record<string, unknown>,
  ): Promise<string>;
  get(scope: Scope, id: string, db?: SharedDb): Promise<EventRecord | undefined>;
  list(
    scope: Scope,
    query: { limit: number; startingAfter?: string; type?: string },
    db?: SharedDb,
  ): Promise<EventRecord[]>;
  /** The events of the scope about these objects (a payment and its refunds), oldest first. */
  about(scope: Scope, objectIds: string[], db?: SharedDb): Promise<EventRecord[]>;
  /** Any event by id, whoever it belongs to (the webhook worker's read). */
  byId(id: string, db?: SharedDb): Promise<EventRecord | undefined>;
}

type EventRow = Parameters<typeof eventRecord>[0];

export function createEventLog(deps: { store: SharedStore; personal: PersonalData }): EventLog {
  const tables = (db?: SharedDb) => ownTables<PaymentTables>(db ?? deps.store.db);
  // A payment's snapshot carries the customer's e-mail: sealed at rest, opened as it is read.
  const read = async (row: EventRow, db?: SharedDb) => {
    const record = eventRecord(row);
    return { ...record, data: await deps.personal.openFields(record.data, isPaymentPersonalField, db) };
  };
  const readAll = (rows: EventRow[], db?: SharedDb) => Promise.all(rows.map((row) => read(row, db)));
  return {
    async emit(db, scope, type, objectId, data) {
      const id = newId('evt');
      await holdInsert(tables(db), 'events', {
        id,
        merchant_id: scope.merchantId,
        livemode: scope.livemode,
        type,
        object_id: objectId,
        data: JSON.stringify(await deps.personal.sealFields(data, isPaymentPersonalField, db)),
      });
      await queueDeliveriesAtCommit(db, { id, merchantId: scope.merchantId, livemode: scope.livemode, type });
      return id;
    },

    async get(scope, id, db) {
      const row = await tables(db)
        .selectFrom('events')
        .selectAll()
        .where('id', '=', id)
        .where(ownedBy(scope))
        .executeTakeFirst();
      return row && read(row, db);
    },

    async byId(id, db) {
      const row = await tables(db).selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
      return row && read(row, db);
    },

    async about(scope, objectIds, db) {
      if (objectIds.length === 0) return [];
      const rows = await tables(db)
        .selectFrom('events')
        .selectAll()
        .where(ownedBy(scope))
        .where('object_id', 'in', objectIds)
        .orderBy('id')
        // Same shape as the bills import's batch lock: a plan cached on few events could take the
        // merchant's index and filter all of its events (docs/performance.md).
        .modifyEnd(plannedForItsValues)
        .execute();
      return readAll(rows, db);
    },

    async list(scope, query, db) {
      const rows = await tables(db)
        .selectFrom('events')
        .selectAll()
        .where(ownedBy(scope))
        .$if(query.startingAfter !== undefined, (q) => q.where('id', '<', query.startingAfter!))
        .$if(query.type !== undefined, (q) => q.where('type', '=', query.type!))
        .orderBy('id', 'desc')
        .limit(query.limit)
        .execute();
      return readAll(rows, db);
    },
  };
}
