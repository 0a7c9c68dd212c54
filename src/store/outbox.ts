import type { ColumnType, Generated, Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { ownTables, type SharedDb, type Store } from './store.js';
import { writeAtCommit } from './write-at-commit.js';

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
  await writeAtCommit(
    trx,
    ownTables<OutboxTables>(trx)
      .insertInto('outbox_events')
      .values({ topic, payload: JSON.stringify(payload), available_at: options.availableAt }),
  );
}

export interface OutboxHandler {
  topic: string;
  /** Throws to have the event retried later. */
  deliver(event: OutboxEvent): Promise<void>;
  /** Attempts before the event is marked failed; default 12. */
  maxAttempts?: number;
  /** Delay before the next attempt, given the attempts made so far. */
  retryDelayMs?(attempts: number): number;
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
    // SKIP LOCKED lets several workers claim disjoint batches without waiting on each other.
    return store.transaction(async (trx) => {
      const due = trx
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
      return trx
        .updateTable('outbox_events')
        .set({
          locked_until: sql<Date>`now() + ${`${leaseMs} milliseconds`}::interval`,
          attempts: sql<number>`attempts + 1`,
        })
        .where('id', 'in', due)
        .returningAll()
        .execute();
    });
  }

  /** Delivers one event; on failure schedules its retry (or gives up) and answers false. */
  async function deliver(event: OutboxEvent): Promise<boolean> {
    const handler = handlers.get(event.topic);
    if (!handler) return false;
    try {
      await handler.deliver(event);
      return true;
    } catch (error) {
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
      return false;
    }
  }

  async function runOnce(): Promise<number> {
    const events = await claim();
    const delivered = await Promise.all(events.map(deliver));
    // The batch's deliveries are recorded in one statement, one commit rather than one per event. A
    // crash before it leaves them claimed: they are delivered again when the lease ends, as they
    // would be after a crash between a delivery and its own record (delivery is at least once).
    const ids = events.filter((_, i) => delivered[i]).map((event) => event.id);
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
