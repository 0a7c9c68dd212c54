import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testStore } from '../../test/support/store.js';
import { createLogger } from '../core/logger.js';
import { createOutboxWorker, enqueueEvent, type OutboxEvent, type OutboxHandler } from './outbox.js';

// Every statement sent while a test listens.
let listening: string[] | undefined;
const store = await testStore({ onStatement: (text) => listening?.push(text) });
const logger = createLogger('silent');
let topicCounter = 0;

function worker(handler: OutboxHandler, extra: { leaseMs?: number } = {}) {
  return createOutboxWorker({ store, handlers: [handler], logger, pollIntervalMs: 10, ...extra });
}

async function drain(run: () => Promise<number>, rounds = 50) {
  let total = 0;
  for (let i = 0; i < rounds; i++) total += await run();
  return total;
}

describe('outbox', () => {
  test('an event is delivered only if its transaction commits', async () => {
    const topic = `t${topicCounter++}`;
    const seen: unknown[] = [];
    await store.transaction((trx) => enqueueEvent(trx, topic, { n: 1 }));
    await assert.rejects(
      store.transaction(async (trx) => {
        await enqueueEvent(trx, topic, { n: 2 });
        throw new Error('rolled back');
      }),
    );
    const w = worker({ topic, deliver: async (e) => void seen.push(e.payload) });
    await drain(w.runOnce, 3);
    assert.deepEqual(seen, [{ n: 1 }]);
  });

  test('a failing delivery is retried with backoff until it succeeds, then never again', async () => {
    const topic = `t${topicCounter++}`;
    let calls = 0;
    await store.transaction((trx) => enqueueEvent(trx, topic, { n: 1 }));
    // Long enough that a loaded machine cannot let it pass between two runs (30 ms did, under CI).
    const backoffMs = 300;
    const w = worker({
      topic,
      retryDelayMs: () => backoffMs,
      deliver: async () => {
        calls += 1;
        if (calls < 3) throw new Error(`refused ${calls}`);
      },
    });
    assert.equal(await w.runOnce(), 1);
    assert.equal(await w.runOnce(), 0, 'the retry waits for its backoff');
    const giveUpAt = Date.now() + 20 * backoffMs;
    while (calls < 3 && Date.now() < giveUpAt) {
      await new Promise((r) => setTimeout(r, 10));
      await w.runOnce();
    }
    assert.equal(calls, 3);
    await new Promise((r) => setTimeout(r, 50));
    await drain(w.runOnce, 3);
    assert.equal(calls, 3);
    const row = await store.db
      .selectFrom('outbox_events')
      .selectAll()
      .where('topic', '=', topic)
      .executeTakeFirstOrThrow();
    assert.equal(row.attempts, 3);
    assert.ok(row.delivered_at);
    assert.equal(row.last_error, null);
  });

  test('after its last attempt an event is marked failed', async () => {
    const topic = `t${topicCounter++}`;
    await store.transaction((trx) => enqueueEvent(trx, topic, {}));
    const w = worker({
      topic,
      maxAttempts: 2,
      retryDelayMs: () => 0,
      deliver: async () => Promise.reject(new Error('down')),
    });
    await drain(w.runOnce, 5);
    const row = await store.db
      .selectFrom('outbox_events')
      .selectAll()
      .where('topic', '=', topic)
      .executeTakeFirstOrThrow();
    assert.equal(row.attempts, 2);
    assert.ok(row.failed_at);
    assert.equal(row.last_error, 'down');
  });

  test("a batch's deliveries are recorded in one statement; a failure in it is retried alone", async () => {
    const topic = `t${topicCounter++}`;
    const seen: number[] = [];
    await store.transaction(async (trx) => {
      for (let i = 0; i < 5; i++) await enqueueEvent(trx, topic, { i });
    });
    let failOnce = true;
    const w = worker({
      topic,
      deliver: async (e) => {
        const { i } = e.payload as { i: number };
        if (i === 3 && failOnce) {
          failOnce = false;
          throw new Error('receiver down');
        }
        seen.push(i);
      },
      retryDelayMs: () => 0,
    });
    listening = [];
    assert.equal(await w.runOnce(), 5);
    const writes = listening.filter((s) => /^update "outbox_events"/.test(s));
    listening = undefined;
    // The claim, the failed one's retry, and the four deliveries together.
    assert.equal(writes.length, 3, writes.join('\n'));
    assert.deepEqual(seen.sort(), [0, 1, 2, 4]);
    assert.equal(await w.runOnce(), 1, 'only the failed event comes back');
    assert.equal(await w.runOnce(), 0);
    assert.deepEqual(seen.sort(), [0, 1, 2, 3, 4]);
  });

  test('a handler of whole batches gets all its events in one call; if it throws, all come back', async () => {
    const topic = `t${topicCounter++}`;
    const other = `t${topicCounter++}`;
    await store.transaction(async (trx) => {
      for (let i = 0; i < 4; i++) await enqueueEvent(trx, topic, { i });
      await enqueueEvent(trx, other, { i: 9 });
    });
    const calls: number[][] = [];
    let failOnce = true;
    const w = createOutboxWorker({
      store,
      logger,
      handlers: [
        {
          topic,
          retryDelayMs: () => 0,
          deliverAll: async (events) => {
            calls.push(events.map((e) => (e.payload as { i: number }).i));
            if (failOnce) {
              failOnce = false;
              throw new Error('database busy');
            }
          },
        },
        { topic: other, deliver: async (e) => void calls.push([(e.payload as { i: number }).i]) },
      ],
    });
    listening = [];
    assert.equal(await w.runOnce(), 5);
    // The claim is one statement, atomic on its own: no BEGIN, no COMMIT.
    assert.deepEqual(
      listening.filter((s) => s === 'begin' || s === 'commit'),
      [],
      listening.join('\n'),
    );
    listening = undefined;
    // Events written in one transaction are claimed in no promised order.
    const inOrder = (numbers?: number[]) => [...(numbers ?? [])].sort();
    assert.deepEqual(calls.map(inOrder).sort(), [[0, 1, 2, 3], [9]]);
    assert.equal(await w.runOnce(), 4, 'the four come back together');
    assert.deepEqual(inOrder(calls.at(-1)), [0, 1, 2, 3]);
    assert.equal(await w.runOnce(), 0);
  });

  test('several workers deliver each event once between them', async () => {
    const topic = `t${topicCounter++}`;
    await store.transaction(async (trx) => {
      for (let i = 0; i < 100; i++) await enqueueEvent(trx, topic, { i });
    });
    const delivered: number[] = [];
    const handler: OutboxHandler = {
      topic,
      deliver: async (e: OutboxEvent) => {
        await new Promise((r) => setTimeout(r, 1));
        delivered.push((e.payload as { i: number }).i);
      },
    };
    const workers = [worker(handler), worker(handler), worker(handler)];
    await Promise.all(workers.map((w) => drain(w.runOnce, 10)));
    assert.equal(delivered.length, 100);
    assert.equal(new Set(delivered).size, 100);
  });

  test('an event whose worker died is taken again when its lease runs out', async () => {
    const topic = `t${topicCounter++}`;
    await store.transaction((trx) => enqueueEvent(trx, topic, {}));
    // Claim as a worker that will "die": lease it without delivering.
    await store.db
      .updateTable('outbox_events')
      .set({ locked_until: new Date(Date.now() + 60_000) })
      .where('topic', '=', topic)
      .execute();
    let calls = 0;
    const w = worker({ topic, deliver: async () => void calls++ });
    assert.equal(await w.runOnce(), 0);
    await store.db
      .updateTable('outbox_events')
      .set({ locked_until: new Date(Date.now() - 1) })
      .where('topic', '=', topic)
      .execute();
    assert.equal(await w.runOnce(), 1);
    assert.equal(calls, 1);
  });

  test('a started worker delivers in the background and stops cleanly', async () => {
    const topic = `t${topicCounter++}`;
    let resolve!: () => void;
    const deliveredOnce = new Promise<void>((r) => (resolve = r));
    const w = worker({ topic, deliver: async () => resolve() });
    w.start();
    await store.transaction((trx) => enqueueEvent(trx, topic, {}));
    w.wake();
    await deliveredOnce;
    await w.stop();
  });
});
