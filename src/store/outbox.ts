import type { ColumnType, Generated, Kysely, Selectable, SelectQueryBuilder } from 'kysely';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { ownTables, type SharedDb, type Store } from './store.js';
import { holdInsert } from './write-at-commit.js';

export interface OutboxTables {
  outbox_events: {
    id: Generated<bigint>;
    topic: string;
    payload: ColumnType<unknown, string, string>;
    created_at: Generated<Date>;
    available_at: ColumnType<Date, Date | undefined, Date>;
    attempts: Generated<number>;
    locked_until: Date | null;
    delivered_at: Date | null;
    failed_at: Date | null;
    last_error: string | null;
  };
}

export type OutboxEvent = Selectable<OutboxTables['outbox_events']>;

/**
 * Writes an event in the caller's transaction, sent with its commit: it exists if and only if the
 * change it announces commits. Events written in one transaction are delivered in no promised order.
 */
export async function enqueueEvent(
  trx: SharedDb,
  topic: string,
  payload: unknown,
  options: { availableAt?: Date } = {},
): Promise<void> {
  await holdInsert(ownTables<OutboxTables>(trx), 'outbox_events', {
    topic,
    payload: JSON.stringify(payload),
    available_at: options.availableAt,
  });
}

interface HandlerOptions {
  topic: string;
  /** Attempts before the event is marked failed; default 12. */
  maxAttempts?: number;
  /** Delay before the next attempt, given the attempts made so far. */
  retryDelayMs?(attempts: number): number;
}

/**
 * What the worker does with the events of a topic: `deliver` takes them one at a time (a webhook
 * call); `deliverAll` takes every event of the topic in a claimed batch at once, for work that one
 * statement does for them all. Either throws to have its events retried later.
 */
export type OutboxHandler = HandlerOptions &
  (
    | { deliver(event: OutboxEvent): Promise<void>; deliverAll?: never }
    | { deliverAll(events: OutboxEvent[]): Promise<void>; deliver?: never }
  );

// biome-ignore lint/suspicious/noExplicitAny: a select over any module's tables.
type PayloadRows = SelectQueryBuilder<any, any, { payload: unknown }>;

/**
 * The insert of one event per row `rows` selects: its `payload` column (json) is the payload. To write
 * it with a transaction's commit, like enqueueEvent: writeAtCommit with `reads` naming the tables
 * `rows` reads, which the transaction must not write after it.
 */
export function insertEventsSelected(db: SharedDb, topic: string, rows: PayloadRows) {
  return ownTables<OutboxTables>(db)
    .insertInto('outbox_events')
    .columns(['topic', 'payload'])
    .expression(sql`select ${topic}, r.payload from (${rows}) as r`);
}

/** One event per row `rows` selects, in one statement, now. Answers how many it queued. */
export async function enqueueEventsSelected(db: SharedDb, topic: string, rows: PayloadRows): Promise<number> {
  const result = await insertEventsSelected(db, topic, rows).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

export function exponentialBackoff(baseMs: number, maxMs: number) {
  return (attempts: number) =>
    Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1)) * (0.8 + Math.random() * 0.4);
}

export interface OutboxWorkerOptions {
  store: Store<OutboxTables>;
  handlers: OutboxHandler[];
  logger: Logger;
  batchSize?: number;
  pollIntervalMs?: number;
  /** How long a claim lasts; a delivery must finish well within it. */
  leaseMs?: number;
}

export interface OutboxWorker {
  /** Claims and delivers one batch; returns how many events it handled. */
  runOnce(): Promise<number>;
  start(): void;
  /** Asks a running worker to look for work now rather than at its next poll. */
  wake(): void;
  /** Finishes the batch in hand, then stops. */
  stop(): Promise<void>;
}

export function createOutboxWorker(options: OutboxWorkerOptions): OutboxWorker {
  const { store, logger } = options;
  const handlers = new Map(options.handlers.map((h) => [h.topic, h]));
  const topics = [...handlers.keys()];
  const batchSize = options.batchSize ?? 20;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const leaseMs = options.leaseMs ?? 60_000;
  const defaultRetry = exponentialBackoff(1_000, 3_600_000);

  let running = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;

  async function claim(): Promise<OutboxEvent[]> {
    if (topics.length === 0) return [];
    // One statement, atomic on its own. SKIP LOCKED lets several workers claim disjoint batches
    // without waiting on each other.
    const db = store.db;
    const due = db
      .selectFrom('outbox_events')
      .select('id')
      .where('delivered_at', 'is', null)
      .where('failed_at', 'is', null)
      .where('topic', 'in', topics)
      .where('available_at', '<=', sql<Date>`now()`)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', sql<Date>`now()`)]))
      .orderBy('id')
      .limit(batchSize)
      .forUpdate()
      .skipLocked();
    return db
      .updateTable('outbox_events')
      .set({
        locked_until: sql<Date>`now() + ${`${leaseMs} milliseconds`}::interval`,
        attempts: sql<number>`attempts + 1`,
      })
      .where('id', 'in', due)
      .returningAll()
      .execute();
  }

  /** Schedules the event's next attempt, or marks it failed when it has had them all. */
  async function retryLater(event: OutboxEvent, handler: OutboxHandler, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    const giveUp = event.attempts >= (handler.maxAttempts ?? 12);
    const delayMs = Math.round((handler.retryDelayMs ?? defaultRetry)(event.attempts));
    logger.warn(
      { eventId: String(event.id), topic: event.topic, attempts: event.attempts, giveUp, err: message },
      'outbox delivery failed',
    );
    await store.db
      .updateTable('outbox_events')
      .set({
        locked_until: null,
        last_error: message.slice(0, 1000),
        ...(giveUp
          ? { failed_at: sql<Date>`now()` }
          : { available_at: sql<Date>`now() + ${`${delayMs} milliseconds`}::interval` }),
      })
      .where('id', '=', event.id)
      .execute();
  }

  /** Hands `events` (all of one topic) to its handler; answers those it delivered. */
  async function deliver(handler: OutboxHandler, events: OutboxEvent[]): Promise<OutboxEvent[]> {
    const attempt = async (taken: OutboxEvent[], work: () => Promise<void>) => {
      try {
        await work();
        return taken;
      } catch (error) {
        for (const event of taken) await retryLater(event, handler, error);
        return [];
      }
    };
    const { deliver, deliverAll } = handler;
    if (deliverAll) return attempt(events, () => deliverAll(events));
    return (await Promise.all(events.map((event) => attempt([event], () => deliver!(event))))).flat();
  }

  async function runOnce(): Promise<number> {
    const events = await claim();
    const byTopic = new Map<string, OutboxEvent[]>();
    for (const event of events) {
      const ofTopic = byTopic.get(event.topic);
      if (ofTopic) ofTopic.push(event);
      else byTopic.set(event.topic, [event]);
    }
    const delivered = await Promise.all(
      [...byTopic].map(([topic, ofTopic]) => deliver(handlers.get(topic)!, ofTopic)),
    );
    // The batch's deliveries are recorded in one statement, one commit rather than one per event. A
    // crash before it leaves them claimed: they are delivered again when the lease ends, as they
    // would be after a crash between a delivery and its own record (delivery is at least once).
    const ids = delivered.flat().map((event) => event.id);
    if (ids.length > 0) {
      await store.db
        .updateTable('outbox_events')
        .set({ delivered_at: sql<Date>`now()`, locked_until: null, last_error: null })
        .where('id', 'in', ids)
        .execute();
    }
    return events.length;
  }

  async function run(): Promise<void> {
    while (running) {
      let handled = 0;
      try {
        handled = await runOnce();
      } catch (error) {
        logger.error({ err: error }, 'outbox worker pass failed');
      }
      if (handled === 0 && running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollIntervalMs);
          wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wakeUp = undefined;
      }
    }
  }

  return {
    runOnce,
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    wake() {
      wakeUp?.();
    },
    async stop() {
      running = false;
      wakeUp?.();
      await loop;
    },
  };
}

/** Sends a delivered or failed event again (webhook replay). */
export async function replayEvent(db: Kysely<OutboxTables>, id: bigint): Promise<boolean> {
  const result = await db
    .updateTable('outbox_events')
    .set({ delivered_at: null, failed_at: null, locked_until: null, available_at: sql<Date>`now()` })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
