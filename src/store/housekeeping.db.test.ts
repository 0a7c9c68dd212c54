import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { testDatabase, testDbKind } from '../../test/support/store.js';
import { checkpointWhenDue, freezeWhenDue, tidyTables, upkeep, upkeepOf } from './housekeeping.js';
import { createStore } from './store.js';

const database = await testDatabase();
const store = createStore({ databaseUrl: database.url, dataDir: 'memory' });
after(async () => {
  await store.close();
  await database.drop();
});

const noFailure = (duty: string, error: unknown) => assert.fail(`${duty} failed: ${error}`);

const counts = async () =>
  (
    await sql<{ dead: bigint; vacuums: bigint; analyzes: bigint }>`
      select n_dead_tup as dead, vacuum_count as vacuums, analyze_count as analyzes
        from pg_stat_user_tables where relname = 'tidied'`.execute(store.db)
  ).rows[0]!;

test("autovacuum's thresholds: a fifth of the rows dead or 1,000 and a fifth inserted vacuums, a tenth changed analyzes", () => {
  const none = { dead: 0, changed: 0, inserted: 0 };
  assert.equal(upkeepOf({ ...none, live: 1000, dead: 250 }), undefined);
  assert.equal(upkeepOf({ ...none, live: 1000, dead: 251 }), 'vacuum (analyze)');
  assert.equal(upkeepOf({ ...none, live: 1000, changed: 151 }), 'analyze');
  assert.equal(upkeepOf({ ...none, live: 1000, dead: 10, changed: 150 }), undefined);
  assert.equal(upkeepOf({ ...none, live: 0, changed: 51 }), 'analyze');
  // An insert-only table is vacuumed too (PostgreSQL 13's insert threshold), not only analyzed.
  assert.equal(upkeepOf({ ...none, live: 10_000, changed: 1051, inserted: 3000 }), 'analyze');
  assert.equal(upkeepOf({ ...none, live: 10_000, changed: 3001, inserted: 3001 }), 'vacuum (analyze)');
});

test('PGlite, which has no autovacuum, has its tables vacuumed and analyzed; PostgreSQL is left to its own', async () => {
  await sql`create table tidied (id integer primary key, note text)`.execute(store.db);
  await sql`insert into tidied select i, 'n' || i from generate_series(1, 1000) i`.execute(store.db);
  await sql`delete from tidied where id <= 600`.execute(store.db);
  const done = await tidyTables(store);
  if (testDbKind === 'postgres') {
    assert.deepEqual(done, []);
    return;
  }
  assert.ok(done.includes('vacuum (analyze) "public"."tidied"'), done.join('\n'));
  await sql`select pg_stat_force_next_flush(), pg_stat_clear_snapshot()`.execute(store.db);
  assert.deepEqual(await counts(), { dead: 0n, vacuums: 1n, analyzes: 1n });
  // Nothing changed since: the next pass leaves it alone.
  assert.ok(!(await tidyTables(store)).some((statement) => statement.includes('"tidied"')));
});

test("PGlite's pass gives the event loop a turn between two tables, so it does not hold every request", async () => {
  for (const table of ['tidied_first', 'tidied_second']) {
    await sql`create table ${sql.table(table)} (id integer primary key)`.execute(store.db);
    await sql`insert into ${sql.table(table)} select generate_series(1, 1000)`.execute(store.db);
  }
  // Counts the event loop's turns while the pass runs: a statement awaited after another gives none.
  let passing = true;
  let turns = 0;
  const turn = () => {
    if (!passing) return;
    turns++;
    setImmediate(turn);
  };
  const pass = tidyTables(store);
  setImmediate(turn);
  const done = await pass;
  passing = false;
  if (testDbKind === 'postgres') {
    assert.deepEqual(done, []);
    return;
  }
  const tidied = done.filter((statement) => statement.includes('"tidied_'));
  assert.equal(tidied.length, 2, done.join('\n'));
  assert.ok(turns >= done.length, `${turns} turns of the event loop in a pass of ${done.length} statements`);
});

const redoPoint = async () =>
  (await sql<{ redo: string }>`select redo_lsn::text as redo from pg_control_checkpoint()`.execute(store.db))
    .rows[0]!.redo;

test("PGlite, which has no checkpointer, is checkpointed once its WAL passes the bound; PostgreSQL's own does it there", async () => {
  await sql`create table logged (id integer primary key, note text)`.execute(store.db);
  await sql`insert into logged select i, repeat('n', 100) from generate_series(1, 2000) i`.execute(store.db);
  const before = await redoPoint();
  const bound = 100_000;
  const done = await checkpointWhenDue(store, bound);
  if (testDbKind === 'postgres') {
    assert.deepEqual(done, []);
    assert.deepEqual(await upkeep(store, noFailure), []);
    return;
  }
  assert.deepEqual(done, ['checkpoint']);
  assert.notEqual(await redoPoint(), before);
  // Too little since: the next pass leaves it, and so does the whole upkeep under the default bound.
  await sql`insert into logged values (0, 'one more')`.execute(store.db);
  assert.deepEqual(await checkpointWhenDue(store, bound), []);
  assert.ok(!(await upkeep(store, noFailure)).includes('checkpoint'));
  // Segments are created without their 16 MB of zeros, which PGlite would write in this thread.
  const { rows } = await sql<{ wal_init_zero: string }>`show wal_init_zero`.execute(store.db);
  assert.equal(rows[0]!.wal_init_zero, 'off');
});

const ageOf = async (table: string) =>
  Number(
    (
      await sql<{
        age: number;
      }>`select age(relfrozenxid) as age from pg_class where relname = ${table}`.execute(store.db)
    ).rows[0]!.age,
  );

test("PGlite's tables, catalogs included, are frozen once their transaction ids grow old; PostgreSQL's autovacuum does it there", async () => {
  // An insert-only table: no dead rows, so the thresholds above never vacuum it.
  await sql`create table appended (id integer primary key)`.execute(store.db);
  for (let id = 0; id < 5; id++) await sql`insert into appended values (${id})`.execute(store.db);
  const age = await ageOf('appended');
  assert.ok(age >= 5, `age ${age}`);
  const done = await freezeWhenDue(store, age - 1);
  if (testDbKind === 'postgres') {
    assert.deepEqual(done, []);
    return;
  }
  assert.ok(done.includes('vacuum (freeze) "public"."appended"'), done.join('\n'));
  assert.ok(done.includes('vacuum (freeze) "pg_catalog"."pg_class"'), done.join('\n'));
  assert.ok((await ageOf('appended')) < age);
  assert.ok((await ageOf('pg_class')) < age);
  // Frozen, they are young again; and under autovacuum's bound (200 million) nothing here is due.
  assert.deepEqual(await freezeWhenDue(store, age - 1), []);
  assert.deepEqual(await freezeWhenDue(store), []);
});

test("a duty that fails does not keep PGlite's upkeep from the others: a table that cannot be analyzed still leaves a checkpoint", async () => {
  // An index on a function that claims to be immutable and is not: analyze evaluates it again, and fails.
  await sql`create table divisors (n integer)`.execute(store.db);
  await sql`insert into divisors values (1)`.execute(store.db);
  await sql`create function divided(n integer) returns integer language sql immutable
              as 'select n / (select count(*)::integer from public.divisors)'`.execute(store.db);
  await sql`create table unanalyzable (id integer primary key)`.execute(store.db);
  await sql`create index on unanalyzable (divided(id))`.execute(store.db);
  await sql`insert into unanalyzable select generate_series(1, 500)`.execute(store.db);
  await sql`delete from divisors`.execute(store.db);
  await assert.rejects(sql`analyze unanalyzable`.execute(store.db), /division by zero/);
  const failures: string[] = [];
  const done = await upkeep(store, (duty, error) => failures.push(`${duty}: ${(error as Error).message}`), {
    checkpointAfterBytes: 1,
  });
  try {
    if (testDbKind === 'postgres') {
      assert.deepEqual([done, failures], [[], []]);
      return;
    }
    assert.equal(failures.length, 1, failures.join('\n'));
    assert.match(failures[0]!, /^vacuum and analyze: division by zero/);
    assert.deepEqual(done, ['checkpoint']);
  } finally {
    await sql`drop table unanalyzable`.execute(store.db);
  }
});
