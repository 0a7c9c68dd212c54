import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import { manualClock } from '../src/core/clock.js';
import { purgeLapsedKeys } from '../src/payments/idempotency.js';
import { demoKeys, testPlatform } from './support/platform.js';

// An Idempotency-Key is kept for TIJARA_IDEMPOTENCY_HOURS: retries within it get the stored answer;
// after it the key is new, and the workers delete it with its answer.
const HOUR = 60 * 60 * 1000;
const clock = manualClock(new Date('2027-04-01T08:00:00Z'));
const { platform, api } = await testPlatform({ clock, config: { idempotencyHours: 24 } });
const atlas = api(demoKeys.atlas);
const keys = { now: () => clock.now(), keepMs: 24 * HOUR };

const create = (key: string, amount: number) =>
  atlas.post<{ id: string }>('/v1/payments', { amount, currency: 'MAD' }, { 'idempotency-key': key });

const storedKeys = async (...wanted: string[]) =>
  (await platform.store.db.selectFrom('idempotency_keys').select('key').where('key', 'in', wanted).execute())
    .map((row) => row.key)
    .sort();

test('within the window a key answers again; after it the key is new', async () => {
  const key = randomUUID();
  const first = await create(key, 1_000);
  assert.equal(first.status, 201);

  clock.advance(24 * HOUR - 1_000);
  const retry = await create(key, 1_000);
  assert.equal(retry.headers.get('idempotent-replayed'), 'true');
  assert.equal(retry.body.id, first.body.id);
  assert.equal((await create(key, 2_000)).status, 409, 'another body with the key still in force');

  clock.advance(1_000);
  const afresh = await create(key, 2_000);
  assert.equal(afresh.status, 201, JSON.stringify(afresh.body));
  assert.notEqual(afresh.body.id, first.body.id);
  assert.equal(afresh.headers.get('idempotent-replayed'), null);
  // Claimed afresh, the key now stands for the new request, and for a full window again.
  clock.advance(23 * HOUR);
  assert.equal((await create(key, 2_000)).body.id, afresh.body.id);
});

test('the workers delete lapsed keys with their answers, and keep the others', async () => {
  const old = [randomUUID(), randomUUID(), randomUUID()];
  for (const [i, key] of old.entries()) await create(key, 3_000 + i);
  clock.advance(20 * HOUR);
  const recent = randomUUID();
  await create(recent, 4_000);
  clock.advance(5 * HOUR);

  const purged = await purgeLapsedKeys(platform.store, keys);
  assert.ok(purged >= old.length, `purged ${purged}`);
  assert.deepEqual(await storedKeys(...old, recent), [recent]);
  assert.equal(await purgeLapsedKeys(platform.store, keys), 0, 'nothing left to delete');
});

test('a backlog larger than one batch is deleted in several', async () => {
  await sql`insert into idempotency_keys
              (merchant_id, livemode, key, request_hash, response_status, response_body, created_at)
            select 'mer_backlog', false, 'old-' || n, 'x', 201, 'null', ${new Date(clock.now().getTime() - 48 * HOUR)}
              from generate_series(1, 12000) n`.execute(platform.store.db);
  assert.equal(await purgeLapsedKeys(platform.store, keys), 12_000);
});
