import type { ExpressionBuilder } from 'kysely';
import { newId } from '../core/ids.js';
import { enqueueEvent } from '../store/outbox.js';
import { ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import { writeAtCommit } from '../store/write-at-commit.js';
import type { PaymentTables } from './model.js';

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
}

export function createEventLog(deps: { store: SharedStore }): EventLog {
  const tables = (db?: SharedDb) => ownTables<PaymentTables>(db ?? deps.store.db);
  return {
    async emit(db, scope, type, objectId, data) {
      const id = newId('evt');
      await writeAtCommit(
        db,
        tables(db)
          .insertInto('events')
          .values({
            id,
            merchant_id: scope.merchantId,
            livemode: scope.livemode,
            type,
            object_id: objectId,
            data: JSON.stringify(data),
          }),
      );
      await enqueueEvent(db, WEBHOOK_FANOUT_TOPIC, { eventId: id });
      return id;
    },

    async get(scope, id, db) {
      const row = await tables(db)
        .selectFrom('events')
        .selectAll()
        .where('id', '=', id)
        .where(ownedBy(scope))
        .executeTakeFirst();
      return row && eventRecord(row);
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
      return rows.map(eventRecord);
    },
  };
}
