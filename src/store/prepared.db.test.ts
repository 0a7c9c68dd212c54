import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { testDbKind, testStore } from '../../test/support/store.js';
import type { PipeliningConnection } from './pipeline.js';
import { plannedForItsValues } from './prepared.js';
import { createStore, isUniqueViolation } from './store.js';

// One connection on PostgreSQL too, so that a statement is known to be prepared where it runs next.
const store = await testStore({ poolSize: 1 });
const db = store.db;

await sql`create table prep_items (
  id bigint primary key,
  name text not null,
  born date,
  doc jsonb,
  raw bytea,
  active boolean,
  seen_at timestamptz
)`.execute(db);

/** Statements this session holds prepared (one pooled connection: always the same session). */
const prepared = async () =>
  (await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements`.execute(db)).rows[0]!.n;
const item = (id: bigint) => db.selectFrom('prep_items').selectAll().where('id', '=', id).executeTakeFirst();

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<unknown> {
  let caught: unknown;
  await assert.rejects(promise, (error) => {
    caught = error;
    return (error as { code?: string }).code === code;
  });
  return caught;
}

describe('prepared statements', () => {
  test('the same statement run with many parameters returns the rows of each', async () => {
    for (let i = 1n; i <= 40n; i++) {
      const result = await db
        .insertInto('prep_items')
        .values({ id: i, name: `item ${i}` })
        .executeTakeFirst();
      assert.equal(result.numInsertedOrUpdatedRows, 1n);
    }
    for (let i = 40n; i >= 1n; i--) assert.equal((await item(i))?.name, `item ${i}`);
    const some = await db
      .selectFrom('prep_items')
      .select('id')
      .where('id', '>', 35n)
      .where('name', 'like', 'item %')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      some.map((r) => r.id),
      [36n, 37n, 38n, 39n, 40n],
    );
    const updated = await db
      .updateTable('prep_items')
      .set({ active: true })
      .where('id', '<=', 3n)
      .executeTakeFirst();
    assert.equal(updated.numUpdatedRows, 3n);
  });

  test('bigint, date, jsonb, bytea, boolean, timestamptz and null keep their values', async () => {
    const seenAt = new Date('2026-03-01T10:20:30.456Z');
    const values = {
      id: 9_007_199_254_740_993n, // past 2^53: survives only as a bigint
      name: 'typed',
      born: '2026-02-28',
      doc: JSON.stringify({ amount: '12.50', tags: ['a', 'ب'], nested: { ok: true } }),
      raw: Buffer.from([0, 1, 2, 254, 255]),
      active: false,
      seen_at: seenAt,
    };
    await db.insertInto('prep_items').values(values).execute();
    const row = await item(values.id);
    assert.ok(row);
    assert.equal(row.id, values.id);
    assert.equal(row.born, '2026-02-28');
    assert.deepEqual(row.doc, { amount: '12.50', tags: ['a', 'ب'], nested: { ok: true } });
    assert.deepEqual(Buffer.from(row.raw), values.raw);
    assert.equal(row.active, false);
    assert.equal((row.seen_at as Date).toISOString(), seenAt.toISOString());

    await db
      .insertInto('prep_items')
      .values({ id: 100n, name: 'nulls', born: null, doc: null, raw: null })
      .execute();
    const nulls = await item(100n);
    assert.deepEqual(
      [nulls?.born, nulls?.doc, nulls?.raw, nulls?.active, nulls?.seen_at],
      [null, null, null, null, null],
    );
    const { rows } = await sql<{
      next: bigint;
      day: string;
      yes: boolean;
    }>`select ${values.id}::int8 + 1 as next,
      ${'2026-12-31'}::date as day, ${true}::boolean as yes`.execute(db);
    assert.deepEqual(rows, [{ next: 9_007_199_254_740_994n, day: '2026-12-31', yes: true }]);
  });

  test('a unique violation keeps its code and constraint, and the connection goes on', async () => {
    await db.insertInto('prep_items').values({ id: 200n, name: 'first' }).execute();
    const error = await rejectsWith(
      db.insertInto('prep_items').values({ id: 200n, name: 'again' }).execute(),
      '23505',
    );
    assert.ok(isUniqueViolation(error, 'prep_items_pkey'));
    assert.match(
      (error as Error).message,
      /duplicate key value violates unique constraint "prep_items_pkey"/,
    );
    await db.insertInto('prep_items').values({ id: 201n, name: 'next' }).execute();
    assert.equal((await item(201n))?.name, 'next');
  });

  test('an error inside a transaction rolls it back, and the connection goes on', async () => {
    await rejectsWith(
      store.transaction(async (trx) => {
        await trx.insertInto('prep_items').values({ id: 300n, name: 'rolled back' }).execute();
        await trx.insertInto('prep_items').values({ id: 200n, name: 'duplicate' }).execute();
      }),
      '23505',
    );
    assert.equal(await item(300n), undefined);
    // A statement after the error, in the same aborted transaction, is refused as PostgreSQL refuses it.
    await rejectsWith(
      store.transaction(async (trx) => {
        await trx
          .insertInto('prep_items')
          .values({ id: 200n, name: 'duplicate' })
          .execute()
          .catch(() => {});
        await trx.selectFrom('prep_items').select('id').where('id', '=', 1n).execute();
      }),
      '25P02',
    );
    await store.transaction((trx) =>
      trx.insertInto('prep_items').values({ id: 300n, name: 'kept' }).execute(),
    );
    assert.equal((await item(300n))?.name, 'kept');
  });

  test('a statement that failed the first time it ran on a connection runs the next time', async () => {
    await db.insertInto('prep_items').values({ id: 400n, name: 'taken' }).execute();
    // A text this connection has not prepared yet, parsed in the round trip that carries BEGIN.
    const insert = (trx: typeof db, id: bigint) =>
      trx.insertInto('prep_items').values({ id, name: 'first use', active: false }).execute();
    await rejectsWith(
      store.transaction((trx) => insert(trx, 400n)),
      '23505',
    );
    // It was prepared all the same, once: failing again prepares nothing more.
    const afterFirst = await prepared();
    for (let i = 0; i < 3; i++) await rejectsWith(insert(db, 400n), '23505');
    assert.equal(await prepared(), afterFirst);
    await store.transaction((trx) => insert(trx, 401n));
    await insert(db, 402n);
    assert.equal((await item(402n))?.name, 'first use');
  });

  test('a statement planned for its values runs unprepared, each time with its own values', async () => {
    const names = (ids: bigint[], marked: boolean) => {
      const query = db.selectFrom('prep_items').select('name').where('id', 'in', ids).orderBy('id');
      return (marked ? query.modifyEnd(plannedForItsValues) : query).execute();
    };
    const before = await prepared();
    for (let i = 1n; i <= 6n; i++)
      assert.deepEqual(await names([i, i + 1n], true), [{ name: `item ${i}` }, { name: `item ${i + 1n}` }]);
    assert.equal(await prepared(), before);
    // The same text unmarked is prepared, once.
    for (let i = 1n; i <= 6n; i++) await names([i, i + 1n], false);
    assert.equal(await prepared(), before + 1);
  });

  test('a pipeline may run one new statement twice', async () => {
    const twice = sql`select ${7}::int * 6 as answer, ${'twice'}::text as label`.compile(db);
    // The store's connection (write-at-commit.ts) wraps the dialect's pipelining one.
    const results = await db
      .getExecutor()
      .provideConnection((c) =>
        (c as unknown as { inner: PipeliningConnection }).inner.executePipeline([twice, twice]),
      );
    assert.deepEqual(
      results.map((r) => r.rows),
      [[{ answer: 42, label: 'twice' }], [{ answer: 42, label: 'twice' }]],
    );
  });

  test('a transaction that went on after one of its statements failed does not claim to commit', async () => {
    await assert.rejects(
      store.transaction(async (trx) => {
        await trx.insertInto('prep_items').values({ id: 500n, name: 'lost' }).execute();
        await trx
          .insertInto('prep_items')
          .values({ id: 400n, name: 'duplicate' })
          .execute()
          .catch(() => {});
      }),
      /the transaction was rolled back: one of its statements had failed/,
    );
    assert.equal(await item(500n), undefined);
  });

  test('a statement whose result a migration changed is prepared afresh outside a transaction', async () => {
    await sql`create table prep_altered (id int primary key, label text)`.execute(db);
    await sql`insert into prep_altered values (1, 'one')`.execute(db);
    const one = () => db.selectFrom('prep_altered').selectAll().where('id', '=', 1).executeTakeFirst();
    assert.deepEqual(await one(), { id: 1, label: 'one' });
    assert.deepEqual(await one(), { id: 1, label: 'one' });
    await sql`alter table prep_altered add column extra text not null default 'x'`.execute(db);
    assert.deepEqual(await one(), { id: 1, label: 'one', extra: 'x' });
    await sql`alter table prep_altered alter column label type varchar(20)`.execute(db);
    assert.deepEqual(await one(), { id: 1, label: 'one', extra: 'x' });
    // Columns known from an earlier run are not described again: a rename must still be seen.
    await sql`alter table prep_altered rename column extra to flavour`.execute(db);
    assert.deepEqual(await one(), { id: 1, label: 'one', flavour: 'x' });
    await sql`alter table prep_altered rename column flavour to extra`.execute(db);
    assert.deepEqual(await one(), { id: 1, label: 'one', extra: 'x' });

    // Inside a transaction the stale statement fails that transaction; the next use prepares it afresh.
    await rejectsWith(
      store.transaction(async (trx) => {
        await sql`alter table prep_altered add column late int`.execute(trx);
        await trx.selectFrom('prep_altered').selectAll().where('id', '=', 1).execute();
      }),
      '0A000',
    );
    assert.deepEqual(await one(), { id: 1, label: 'one', extra: 'x' });

    // The same when the stale statement opens the transaction, sent in one round trip with BEGIN.
    const first = () =>
      store.transaction((trx) =>
        trx.selectFrom('prep_altered').selectAll().where('id', '=', 1).executeTakeFirst(),
      );
    assert.deepEqual(await first(), { id: 1, label: 'one', extra: 'x' });
    await sql`alter table prep_altered add column later int`.execute(db);
    await rejectsWith(first(), '0A000');
    assert.deepEqual(await first(), { id: 1, label: 'one', extra: 'x', later: null });
  });

  // PGlite's data folder only: PostgreSQL keeps its own commits (test/crash.db.test.ts kills a server on both).
  const onPGlite = testDbKind === 'pglite' ? test : () => undefined;
  onPGlite('a commit survives the process being killed right after it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tijara-prepared-'));
    try {
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', killedAfterCommit],
        { env: { ...process.env, NODE_OPTIONS: '', DATA_DIR: dataDir }, encoding: 'utf8' },
      );
      assert.equal(child.signal, 'SIGKILL', child.stderr);
      await readBack(dataDir);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

const killedAfterCommit = `
  import { createStore } from ${JSON.stringify(new URL('./store.js', import.meta.url).href)};
  const store = createStore({ dataDir: process.env.DATA_DIR });
  await store.db.schema.createTable('kept').addColumn('id', 'bigint', (c) => c.primaryKey())
    .addColumn('note', 'text').execute();
  await store.db.insertInto('kept').values({ id: 1n, note: 'autocommit' }).execute();
  await store.transaction((trx) => trx.insertInto('kept').values({ id: 2n, note: 'transaction' }).execute());
  process.kill(process.pid, 'SIGKILL');
`;

async function readBack(dataDir: string): Promise<void> {
  const reopened = createStore({ dataDir });
  try {
    const rows = await reopened.db
      .selectFrom('kept')
      .selectAll()
      .where('id', '>', 0n)
      .orderBy('id')
      .execute();
    assert.deepEqual(rows, [
      { id: 1n, note: 'autocommit' },
      { id: 2n, note: 'transaction' },
    ]);
  } finally {
    await reopened.close();
  }
}
