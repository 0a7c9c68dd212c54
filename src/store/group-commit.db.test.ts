import assert from 'node:assert/strict';
import { after, beforeEach, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { testDatabase, testDbKind } from '../../test/support/store.js';
import { GroupAborted } from './group-commit.js';
import { claimExclusively, createStore, type SharedDb } from './store.js';
import { writeAtCommit } from './write-at-commit.js';

/** Every statement the database was sent, with the connection that sent it (groups' are negative). */
const sent: { statement: string; connection: number }[] = [];
const database = await testDatabase();
const store = createStore({
  databaseUrl: database.url,
  dataDir: 'memory',
  onStatement: (statement, connection) => sent.push({ statement, connection }),
});
after(async () => {
  await store.close();
  await database.drop();
});
const db = store.db as Kysely<{ counters: { id: string; n: bigint } }>;

await sql`create table counters (id text primary key, n bigint not null check (n < 1000))`.execute(db);

const counters = async () =>
  Object.fromEntries(
    (await db.selectFrom('counters').select(['id', 'n']).orderBy('id').execute()).map((r) => [r.id, r.n]),
  );
const commits = () => sent.filter((s) => s.statement === 'commit').length;
const groupStatements = () => sent.filter((s) => s.connection < 0);

/** A read-modify-write of one counter: the shape of a payment's lock, decision and update. */
async function increment(trx: SharedDb, id: string, by = 1n): Promise<bigint> {
  const row = await trx
    .selectFrom('counters')
    .select('n')
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  const n = (row?.n ?? 0n) + by;
  if (row) await trx.updateTable('counters').set({ n }).where('id', '=', id).execute();
  else await trx.insertInto('counters').values({ id, n }).execute();
  return n;
}

const grouped = <T>(keys: string[], fn: (trx: SharedDb) => Promise<T>, lane?: string) =>
  store.transaction(fn, { group: keys, ...(lane ? { lane } : {}) });

describe('group commit', () => {
  beforeEach(async () => {
    await sql`truncate counters`.execute(db);
    sent.length = 0;
  });

  test('concurrent transactions share one BEGIN, one pipeline per step and one COMMIT', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => grouped([`c${i}`], (trx) => increment(trx, `c${i}`, BigInt(i)))),
    );
    assert.deepEqual(
      results,
      Array.from({ length: 12 }, (_, i) => BigInt(i)),
    );
    assert.equal(Object.keys(await counters()).length, 12);
    // Each member sent a lock and an insert; all twelve went in one transaction.
    const inGroups = groupStatements();
    assert.equal(inGroups.filter((s) => s.statement === 'begin').length, 1, JSON.stringify(inGroups));
    assert.equal(commits(), 1);
    assert.equal(inGroups.filter((s) => s.statement.startsWith('select')).length, 12);
  });

  test("the members' held writes go as one statement: one insert of all their rows, their updates as CTEs", async () => {
    await sql`insert into counters (id, n) values ('u0', 0), ('u1', 0), ('u2', 0)`.execute(db);
    sent.length = 0;
    await Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        grouped([`m${i}`], async (trx) => {
          await writeAtCommit(trx, trx.insertInto('counters').values({ id: `m${i}`, n: BigInt(i) }));
          await writeAtCommit(
            trx,
            trx
              .updateTable('counters')
              .set({ n: 10n + BigInt(i) })
              .where('id', '=', `u${i}`),
          );
        }),
      ),
    );
    // Each member's update names the table its insert holds, so it sends the insert first (one
    // snapshot for held writes, write-at-commit.ts): the three inserts go as one insert of three rows,
    // then the three updates as one statement with the COMMIT.
    assert.deepEqual(
      sent.map((s) => s.statement.replace(/\$\d+/g, '$')),
      [
        'begin',
        'insert into "counters" ("id", "n") values ($, $), ($, $), ($, $)',
        'with w0 as (update "counters" set "n" = $ where "id" = $), w1 as (update "counters" set "n" = $ where "id" = $), ' +
          'w2 as (update "counters" set "n" = $ where "id" = $) select 1',
        'commit',
      ],
    );
    assert.deepEqual(await counters(), { m0: 0n, m1: 1n, m2: 2n, u0: 10n, u1: 11n, u2: 12n });
  });

  test('members whose work is all held (creating payments) send one statement in all, no BEGIN, no COMMIT', async () => {
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        grouped([], (trx) => writeAtCommit(trx, trx.insertInto('counters').values({ id: `h${i}`, n: 1n }))),
      ),
    );
    assert.deepEqual(
      sent.map((s) => s.statement.replace(/\$\d+/g, '$')),
      ['insert into "counters" ("id", "n") values ($, $), ($, $), ($, $), ($, $)'],
    );
    assert.deepEqual(await counters(), { h0: 1n, h1: 1n, h2: 1n, h3: 1n });
  });

  test('a lone transaction sends what it would on its own: one held write is one statement', async () => {
    await grouped([], async (trx) => {
      await writeAtCommit(trx, trx.insertInto('counters').values({ id: 'alone', n: 7n }));
    });
    assert.deepEqual(
      sent.map((s) => s.statement.slice(0, 28)),
      ['insert into "counters" ("id"'],
    );
    assert.deepEqual(await counters(), { alone: 7n });
  });

  test('two members with one key never share a group: their read-modify-writes both count', async () => {
    await sql`insert into counters values ('shared', 0)`.execute(db);
    await Promise.all(
      Array.from({ length: 10 }, () => grouped(['shared'], (trx) => increment(trx, 'shared'))),
    );
    assert.deepEqual(await counters(), { shared: 10n });
  });

  test('without the key they would lose updates, which is why members name what they must own', async () => {
    await sql`insert into counters values ('shared', 0)`.execute(db);
    // The same ten, each under its own key: in one database transaction, the row lock excludes nobody.
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => grouped([`k${i}`], (trx) => increment(trx, 'shared'))),
    );
    assert.ok(
      (await counters()).shared! < 10n,
      'members of one group read the row before each other wrote it',
    );
  });

  test('a key claimed during the transaction keeps members apart too, by rolling their group back', async () => {
    await sql`insert into counters values ('shared', 0)`.execute(db);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        grouped([`k${i}`], async (trx) => {
          claimExclusively(trx, 'counter:shared');
          return increment(trx, 'shared');
        }),
      ),
    );
    assert.deepEqual(await counters(), { shared: 10n });
    // On its own a transaction claims nothing: its row lock is enough.
    await store.transaction(async (trx) => {
      claimExclusively(trx, 'counter:shared');
      await increment(trx, 'shared');
    });
    assert.deepEqual(await counters(), { shared: 11n });
  });

  test('a member that throws after writing rolls back alone: the others run again on their own and commit', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        grouped([`m${i}`], async (trx) => {
          const n = await increment(trx, `m${i}`, 5n);
          if (i === 2) throw new Error('refused after writing');
          return n;
        }),
      ),
    );
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled'],
    );
    assert.equal((outcomes[2] as PromiseRejectedResult).reason.message, 'refused after writing');
    assert.deepEqual(await counters(), { m0: 5n, m1: 5n, m3: 5n, m4: 5n, m5: 5n });
    assert.ok(sent.some((s) => s.connection < 0 && s.statement === 'rollback'));
  });

  test('a statement that fails takes the group down; the others commit, the culprit gets its own error', async () => {
    await sql`insert into counters values ('full', 999)`.execute(db);
    const outcomes = await Promise.allSettled(
      ['a', 'full', 'b', 'c'].map((id) => grouped([id], (trx) => increment(trx, id))),
    );
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
    );
    const error = (outcomes[1] as PromiseRejectedResult).reason;
    // Run again on its own, it failed as it would have alone: the CHECK constraint, not the group.
    assert.ok(!(error instanceof GroupAborted));
    assert.equal(error.code, '23514');
    assert.deepEqual(await counters(), { a: 1n, b: 1n, c: 1n, full: 999n });
  });

  test('a member that throws before sending anything leaves the group as it is', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 4 }, (_, i) =>
        grouped([`q${i}`], async (trx) => {
          if (i === 0) throw new Error('refused at once');
          return increment(trx, `q${i}`);
        }),
      ),
    );
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['rejected', 'fulfilled', 'fulfilled', 'fulfilled'],
    );
    assert.equal(commits(), 1);
    assert.ok(!sent.some((s) => s.statement === 'rollback'));
    assert.deepEqual(await counters(), { q1: 1n, q2: 1n, q3: 1n });
  });

  test('lanes: groups of two lanes all commit, whatever their order', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        grouped([`l${i}`], (trx) => increment(trx, `l${i}`), i % 2 === 0 ? 'even' : undefined),
      ),
    );
    assert.equal(Object.keys(await counters()).length, 40);
  });

  // PGlite has one connection: its lanes take turns, and this test would wait for ever.
  if (testDbKind === 'postgres')
    test('lanes run side by side: a group of one lane commits while a group of the other is open', {
      timeout: 10_000,
    }, async () => {
      let otherLaneCommitted!: () => void;
      const waitForOtherLane = new Promise<void>((resolve) => {
        otherLaneCommitted = resolve;
      });
      const first = grouped(['a'], async (trx) => {
        await increment(trx, 'a');
        // Still open: in one lane the next group would wait for this one, and this one waits for it.
        await waitForOtherLane;
        return increment(trx, 'a');
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      await grouped(['b'], (trx) => increment(trx, 'b'), 'other');
      otherLaneCommitted();
      assert.equal(await first, 2n);
      assert.deepEqual(await counters(), { a: 2n, b: 1n });
    });

  test('groups follow one another: a hundred members in waves all commit, and none is lost', async () => {
    // The rows exist: two transactions inserting one new row would collide, grouped or not.
    await db
      .insertInto('counters')
      .values(Array.from({ length: 10 }, (_, i) => ({ id: `w${i}`, n: 0n })))
      .execute();
    const all = Array.from({ length: 100 }, (_, i) =>
      grouped([`w${i % 10}`], async (trx) => {
        await new Promise((resolve) => setTimeout(resolve, i % 7));
        return increment(trx, `w${i % 10}`);
      }),
    );
    await Promise.all(all);
    const totals = await counters();
    assert.equal(
      Object.values(totals).reduce((a, b) => a + b, 0n),
      100n,
    );
    assert.ok(commits() > 1 && commits() < 100, `${commits()} commits for 100 members`);
  });
});
