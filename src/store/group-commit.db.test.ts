import assert from 'node:assert/strict';
import { after, beforeEach, describe, test } from 'node:test';
import { CompiledQuery, type Kysely, sql } from 'kysely';
import { testDatabase, testDbKind } from '../../test/support/store.js';
import { GroupAborted } from './group-commit.js';
import { KEYED_PLANS } from './held-rows.js';
import { claimExclusively, createStore, type SharedDb } from './store.js';
import { holdInsert, holdUpdate, writeAtCommit } from './write-at-commit.js';

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

/** A row of every kind of value a held write carries, for the writes over arrays (held-rows.ts). */
interface TypedRow {
  id: string;
  code: string | null;
  label: string | null;
  amount: bigint | null;
  raw: Uint8Array | null;
  doc: unknown;
  day: string | null;
  at: Date | null;
  note: string | null;
}
const typed = store.db as Kysely<{ typed_rows: TypedRow; late_rows: { id: string; n: bigint } }>;
await sql`create table typed_rows (id text primary key, code char(3), label varchar(5), amount bigint,
  raw bytea, doc jsonb, day date, at timestamptz, note text)`.execute(db);

const typedRow = (id: string, i: number) => ({
  id,
  code: 'MAD',
  label: `l${i}`,
  amount: 9_007_199_254_740_993n + BigInt(i),
  raw: Buffer.from([0, i, 255, 92, 34]),
  doc: { i, quote: 'a "b" \\ c', list: [1, null] },
  day: '2027-03-01',
  at: new Date(Date.UTC(2027, 2, 1, 10, 0, i)),
  note: i % 2 === 0 ? null : `odd, "${i}"`,
});

/** `count` members each inserting a typed row and noting, with now(), the row `seed` of their own. */
async function typedGroup(prefix: string, count: number) {
  await typed
    .insertInto('typed_rows')
    .values(Array.from({ length: count }, (_, i) => ({ id: `${prefix}seed${i}` })))
    .execute();
  sent.length = 0;
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      grouped([`${prefix}${i}`], async (trx) => {
        const own = trx as typeof typed;
        await holdInsert(own, 'typed_rows', typedRow(`${prefix}${i}`, i));
        await holdUpdate(
          own,
          'typed_rows',
          { note: `seen ${i}`, at: sql`now()` },
          { id: `${prefix}seed${i}` },
        );
      }),
    ),
  );
  return groupStatements().map((s) => s.statement);
}

describe("members' writes over arrays", () => {
  test('a group of two and a group of five send the same statements, and every value arrives as it was', async () => {
    const ofTwo = await typedGroup('two', 2);
    const ofFive = await typedGroup('five', 5);
    assert.deepEqual(ofFive, ofTwo);
    assert.ok(
      ofTwo.some((statement) => statement.includes('from unnest($1::text[], $2::bpchar[]')),
      ofTwo.join('\n'),
    );
    const rows = await typed
      .selectFrom('typed_rows')
      .selectAll()
      .where('id', 'like', 'five_')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      rows.map((row) => ({ ...row, raw: Buffer.from(row.raw!) })),
      Array.from({ length: 5 }, (_, i) => typedRow(`five${i}`, i)),
    );
    const seeds = await typed
      .selectFrom('typed_rows')
      .select(['note', 'at'])
      .where('id', 'like', 'fiveseed_')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      seeds.map((seed) => seed.note),
      Array.from({ length: 5 }, (_, i) => `seen ${i}`),
    );
    assert.ok(seeds.every((seed) => seed.at instanceof Date));
  });

  test('a value too long for its column fails as it would alone, not cut to length', async () => {
    const outcomes = await Promise.allSettled(
      ['short', 'much too long'].map((label, i) =>
        grouped([`long${i}`], (trx) =>
          holdInsert(trx as typeof typed, 'typed_rows', { id: `long${i}`, label }),
        ),
      ),
    );
    assert.equal(outcomes[0]!.status, 'fulfilled');
    assert.equal(outcomes[1]!.status, 'rejected');
    assert.equal((outcomes[1] as PromiseRejectedResult).reason.code, '22001');
    const rows = await typed
      .selectFrom('typed_rows')
      .select(['id', 'label'])
      .where('id', 'like', 'long%')
      .execute();
    assert.deepEqual(rows, [{ id: 'long0', label: 'short' }]);
  });

  test('a table created since the types were read is written as rows of values once, then over arrays', async () => {
    await typedGroup('before', 1); // the types are read by now
    await sql`create table late_rows (id text primary key, n bigint not null)`.execute(db);
    const insertTwo = async (prefix: string) => {
      sent.length = 0;
      await Promise.all(
        [1n, 2n].map((n) =>
          grouped([`${prefix}${n}`], (trx) =>
            holdInsert(trx as typeof typed, 'late_rows', { id: `${prefix}${n}`, n }),
          ),
        ),
      );
      return groupStatements().map((s) => s.statement);
    };
    assert.deepEqual(await insertTwo('first'), [
      'insert into "late_rows" ("id", "n") values ($1, $2), ($3, $4)',
    ]);
    assert.deepEqual(await insertTwo('then'), [
      'insert into "late_rows" ("id", "n") select held_row.held_1, held_row.held_2 from unnest($1::text[], $2::bigint[]) as held_row(held_1, held_2)',
    ]);
    assert.equal((await typed.selectFrom('late_rows').select('id').execute()).length, 4);
  });

  test('a column whose type changed under a running process costs one group: its members run alone, the next group casts anew', async () => {
    await sql`create table shifting_rows (id text primary key, n text)`.execute(db);
    const insertTwo = async (prefix: string, values: [string, string]) => {
      sent.length = 0;
      await Promise.all(
        values.map((n, i) =>
          grouped([`${prefix}${i}`], (trx) =>
            holdInsert(trx as Kysely<{ shifting_rows: { id: string; n: string } }>, 'shifting_rows', {
              id: `${prefix}${i}`,
              n,
            }),
          ),
        ),
      );
      return sent.map((s) => s.statement);
    };
    await insertTwo('text', ['1', '2']); // read as rows of values: the table is new
    assert.ok((await insertTwo('arrays', ['3', '4'])).some((s) => s.includes('$2::text[]')));
    await sql`alter table shifting_rows alter column n type integer using n::integer`.execute(db);
    // The group's insert still casts to text and fails; its two members then run on their own.
    const failedGroup = await insertTwo('changed', ['5', '6']);
    assert.deepEqual(
      failedGroup.map((s) => (s.includes('$2::text[]') ? 'over arrays, as text' : s)),
      [
        'over arrays, as text',
        'insert into "shifting_rows" ("id", "n") values ($1, $2)',
        'insert into "shifting_rows" ("id", "n") values ($1, $2)',
      ],
    );
    assert.ok((await insertTwo('recast', ['7', '8'])).some((s) => s.includes('$2::integer[]')));
    const { rows } = await sql<{ n: number }>`select n from shifting_rows order by n`.execute(db);
    assert.deepEqual(
      rows.map((row) => row.n),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
  });
});

describe('plans of held writes that find rows', () => {
  const keyed = db as unknown as Kysely<{ keyed_rows: { id: string; n: bigint } }>;
  const ids = Array.from({ length: 20 }, (_, i) => `k${i}`);

  /** Every one of `ids` set to n by a member of its own; what the group sent. */
  async function setAll(n: bigint): Promise<string[]> {
    sent.length = 0;
    await Promise.all(
      ids.map((id) => grouped([id], (trx) => holdUpdate(trx as typeof keyed, 'keyed_rows', { n }, { id }))),
    );
    return groupStatements().map((s) => s.statement);
  }

  /** The relations the update's plan reads by a sequential scan, planned with or without KEYED_PLANS. */
  async function scannedBy(update: string, keyedPlans: boolean): Promise<string[]> {
    return store.transaction(async (trx) => {
      if (keyedPlans) await trx.executeQuery(KEYED_PLANS);
      const { rows } = await trx.executeQuery<{ 'QUERY PLAN': unknown }>(
        CompiledQuery.raw(`explain (format json) ${update}`, [ids.map(() => 5n), ids]),
      );
      const scanned: string[] = [];
      const walk = (node: Record<string, unknown>) => {
        if (node['Node Type'] === 'Seq Scan') scanned.push(String(node['Relation Name']));
        for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
      };
      const plan = rows[0]!['QUERY PLAN'];
      walk((typeof plan === 'string' ? JSON.parse(plan) : plan)[0].Plan);
      return scanned;
    });
  }

  test('an update over arrays finds its rows by key, on a table that was small and one grown large', async () => {
    await sql`create table keyed_rows (id text primary key, n bigint not null)`.execute(db);
    await keyed
      .insertInto('keyed_rows')
      .values(ids.map((id) => ({ id, n: 0n })))
      .execute();
    await setAll(1n); // a table created since the types were read: rows of values, once
    const pipeline = await setAll(2n);
    const update = pipeline.find((statement) => statement.startsWith('update "keyed_rows"'))!;
    assert.ok(update.includes('from unnest('), pipeline.join('\n'));
    // The settings go just before it, in the pipeline that commits.
    assert.deepEqual(
      pipeline.map((statement) => (statement === update ? 'update' : statement)),
      ['begin', KEYED_PLANS.sql, 'update', 'commit'],
    );
    assert.deepEqual(await keyed.selectFrom('keyed_rows').select('n').distinct().execute(), [{ n: 2n }]);

    // What they prevent: planned on the small table, the join reads all of it, as it would later.
    assert.deepEqual(await scannedBy(update, false), ['keyed_rows']);
    assert.deepEqual(await scannedBy(update, true), []);
    await sql`insert into keyed_rows select 'big' || i, 0 from generate_series(1, 20000) i`.execute(db);
    assert.deepEqual(await scannedBy(update, true), []);
  });
});
