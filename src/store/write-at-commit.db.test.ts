import assert from 'node:assert/strict';
import { after, beforeEach, describe, test } from 'node:test';
import { sql } from 'kysely';
import { testDatabase } from '../../test/support/store.js';
import { createStore, isUniqueViolation } from './store.js';
import { combine, holdInsert, holdUpdate, readWithNext, writeAtCommit } from './write-at-commit.js';

const sent: string[] = [];
/** Each round trip's statements, joined by ' + '. */
const roundTrips: string[] = [];
const database = await testDatabase();
const store = createStore({
  databaseUrl: database.url,
  dataDir: 'memory',
  onStatement: (statement, _connection, withPrevious) => {
    sent.push(statement);
    if (withPrevious) roundTrips.push(`${roundTrips.pop()} + ${statement.slice(0, 24)}`);
    else roundTrips.push(statement.slice(0, 24));
  },
});
after(async () => {
  await store.close();
  await database.drop();
});
const db = store.db;

await sql`create table held_notes (id text primary key, body text not null, n bigint not null)`.execute(db);
await sql`create table held_tags (id text primary key, note text not null)`.execute(db);
await sql`create table held_stamps (id text primary key, note text, kind text not null default 'plain',
  made timestamptz not null)`.execute(db);

const note = (id: string, body = `note ${id}`, n = 1n) => db.insertInto('held_notes').values({ id, body, n });
const tag = (id: string, noteId: string) => db.insertInto('held_tags').values({ id, note: noteId });
const notes = async () =>
  (await db.selectFrom('held_notes').select(['id', 'body', 'n']).orderBy('id').execute()).map((r) => ({
    ...r,
  }));

describe('writes at commit', () => {
  beforeEach(async () => {
    await sql`truncate held_notes, held_tags`.execute(db);
    sent.length = 0;
    roundTrips.length = 0;
  });

  test('holdInsert holds the insert Kysely would build, without building it', async () => {
    await store.transaction(async (trx) => {
      await holdInsert(trx, 'held_stamps', { id: 's1', note: undefined, made: sql`now()` });
      await holdInsert(trx, 'held_stamps', { id: 's2', note: 'two', kind: 'special', made: sql`now()` });
      // The first shape again: its text is found by its columns, not taken from the last one made.
      await holdInsert(trx, 'held_stamps', { id: 's3', made: sql`now()` });
    });
    // Kysely leaves an undefined column out too; a raw value goes in the text, not as a parameter.
    const kyselys = db
      .insertInto('held_stamps')
      .values({ id: 'x', note: undefined, made: sql`now()` })
      .compile();
    assert.ok(sent[0]!.includes(kyselys.sql), sent[0]);
    const rows = await db.selectFrom('held_stamps').select(['id', 'note', 'kind']).orderBy('id').execute();
    assert.deepEqual(
      rows.map((r) => ({ ...r })),
      [
        { id: 's1', note: null, kind: 'plain' },
        { id: 's2', note: 'two', kind: 'special' },
        { id: 's3', note: null, kind: 'plain' },
      ],
    );
    await assert.rejects(holdInsert(db, 'held_stamps', [{ id: 's5' }] as never), /one row/);
    await assert.rejects(
      holdInsert(db, 'held_stamps', { id: 's4', made: sql`${new Date()}` }),
      /raw values without parameters/,
    );
  });

  test('holdUpdate holds the update of the rows that match, sent with the commit', async () => {
    await db
      .insertInto('held_notes')
      .values([
        { id: 'a', body: 'note a', n: 1n },
        { id: 'b', body: 'note b', n: 1n },
      ])
      .execute();
    sent.length = 0;
    roundTrips.length = 0;
    await store.transaction(async (trx) => {
      await trx.selectFrom('held_notes').select('id').where('id', '=', 'a').forUpdate().execute();
      await holdUpdate(trx, 'held_notes', { body: 'changed', n: 7n }, { id: 'a', body: 'note a' });
      await writeAtCommit(trx, tag('t1', 'a'));
    });
    assert.deepEqual(roundTrips, ['begin + select "id" from "held_n', 'with w0 as (update "held + commit']);
    const kyselys = db
      .updateTable('held_notes')
      .set({ body: 'x', n: 1n })
      .where('id', '=', 'a')
      .compile().sql;
    assert.equal(kyselys, 'update "held_notes" set "body" = $1, "n" = $2 where "id" = $3');
    assert.ok(
      sent.some((statement) => statement.includes(`${kyselys} and "body" = $4`)),
      sent.join('\n'),
    );
    // A raw value takes no parameter: the rows are still matched on their own ($2 here, not $3).
    await store.transaction((trx) =>
      holdUpdate(trx, 'held_stamps', { note: 'stamped', made: sql`now()` }, { id: 'only' }),
    );
    assert.ok(
      sent.some(
        (statement) => statement === 'update "held_stamps" set "note" = $1, "made" = now() where "id" = $2',
      ),
      sent.join('\n'),
    );
    // All the columns must match: b's body is not "not b", so b is left as it was.
    await store.transaction((trx) =>
      holdUpdate(trx, 'held_notes', { body: 'also' }, { id: 'b', body: 'not b' }),
    );
    assert.deepEqual(await notes(), [
      { id: 'a', body: 'changed', n: 7n },
      { id: 'b', body: 'note b', n: 1n },
    ]);
    await assert.rejects(holdUpdate(db, 'held_notes', { body: 'x' }, { id: undefined }), /matches columns/);
    await assert.rejects(holdUpdate(db, 'held_notes', {}, { id: 'a' }), /sets a column/);
  });

  test('a write held through a transaction that has ended is refused, never put in the next one', async () => {
    // The transaction, kept past its end on purpose.
    let ended: typeof db | undefined;
    await store.transaction(async (trx) => {
      ended = trx;
      await holdInsert(trx, 'held_stamps', { id: 'in time', made: sql`now()` });
      // From the second write on, writes go straight to where the connection holds them.
      await holdInsert(trx, 'held_stamps', { id: 'in time too', made: sql`now()` });
    });
    await store.transaction(async (trx) => {
      await sql`select ${1}::int`.execute(trx);
      await assert.rejects(holdInsert(ended!, 'held_stamps', { id: 'late', made: sql`now()` }), /committed/);
      await holdInsert(trx, 'held_stamps', { id: 'next', made: sql`now()` });
    });
    const ids = (await db.selectFrom('held_stamps').select('id').orderBy('id').execute()).map((r) => r.id);
    assert.ok(ids.includes('in time') && ids.includes('in time too') && ids.includes('next'), ids.join());
    assert.ok(!ids.includes('late'), ids.join());
  });

  test('a transaction that only holds inserts is one statement, without BEGIN or COMMIT', async () => {
    await store.transaction(async (trx) => {
      await writeAtCommit(trx, note('a'));
      await writeAtCommit(trx, tag('t1', 'a'));
      await writeAtCommit(trx, note('b', 'second', 42n));
    });
    assert.equal(sent.length, 1, sent.join('\n'));
    assert.match(sent[0]!, /^with w0 as \(insert into "held_notes"/);
    assert.deepEqual(await notes(), [
      { id: 'a', body: 'note a', n: 1n },
      { id: 'b', body: 'second', n: 42n },
    ]);
  });

  test('with other statements: BEGIN goes with the first, COMMIT with the held inserts, two round trips', async () => {
    await store.transaction(async (trx) => {
      await writeAtCommit(trx, note('a'));
      await sql`select ${1}::int`.execute(trx);
      await writeAtCommit(trx, tag('t1', 'a'));
    });
    assert.deepEqual(roundTrips, ['begin + select $1::int', 'with w0 as (insert into  + commit']);
    assert.equal((await notes()).length, 1);
  });

  test('a script of several statements can open a transaction: BEGIN then goes alone', async () => {
    await store.transaction(async (trx) => {
      await sql`insert into held_notes values ('a', 'one', 1); insert into held_notes values ('b', 'two', 2)`.execute(
        trx,
      );
    });
    assert.deepEqual(roundTrips, ['begin', 'insert into held_notes v', 'commit']);
    assert.equal((await notes()).length, 2);
  });

  test('a transaction with nothing held commits alone', async () => {
    await store.transaction(async (trx) => {
      await trx.insertInto('held_notes').values({ id: 'a', body: 'at once', n: 1n }).execute();
    });
    assert.deepEqual(roundTrips, ['begin + insert into "held_notes"', 'commit']);
    assert.deepEqual(await notes(), [{ id: 'a', body: 'at once', n: 1n }]);
  });

  test('a first statement that fails, sent with BEGIN, rolls the transaction back', async () => {
    await note('a').execute();
    roundTrips.length = 0;
    await assert.rejects(
      store.transaction(async (trx) => {
        await writeAtCommit(trx, tag('t1', 'a'));
        await trx.insertInto('held_notes').values({ id: 'a', body: 'duplicate', n: 2n }).execute();
      }),
      (error) => isUniqueViolation(error),
    );
    assert.deepEqual(roundTrips, ['begin + insert into "held_notes"', 'rollback']);
    assert.deepEqual(await notes(), [{ id: 'a', body: 'note a', n: 1n }]);
    assert.equal((await db.selectFrom('held_tags').selectAll().execute()).length, 0);
  });

  test('a statement that names a held table reads the transaction’s own writes', async () => {
    const seen = await store.transaction(async (trx) => {
      await writeAtCommit(trx, note('a'));
      await writeAtCommit(trx, tag('t1', 'a'));
      return trx.selectFrom('held_notes').select('id').execute();
    });
    assert.deepEqual(seen, [{ id: 'a' }]);
  });

  test('a rollback writes nothing that was held', async () => {
    await assert.rejects(
      store.transaction(async (trx) => {
        await trx.insertInto('held_tags').values({ id: 'kept?', note: 'x' }).execute();
        await writeAtCommit(trx, note('a'));
        throw new Error('changed my mind');
      }),
      /changed my mind/,
    );
    assert.deepEqual(sent.slice(0, 2).concat(sent.slice(-1)), [
      'begin',
      'insert into "held_tags" ("id", "note") values ($1, $2)',
      'rollback',
    ]);
    assert.deepEqual(await notes(), []);
    assert.equal((await db.selectFrom('held_tags').selectAll().execute()).length, 0);
  });

  test('a held insert that breaks a constraint fails the whole transaction at commit', async () => {
    await note('a').execute();
    await assert.rejects(
      store.transaction(async (trx) => {
        await trx.insertInto('held_tags').values({ id: 't1', note: 'a' }).execute();
        await writeAtCommit(trx, note('b'));
        await writeAtCommit(trx, note('a', 'duplicate'));
      }),
      (error) => isUniqueViolation(error),
    );
    // The held writes failed in the round trip that carried COMMIT: the transaction, aborted, is rolled back.
    assert.deepEqual(roundTrips.slice(-2), ['insert into "held_notes" + commit', 'rollback']);
    assert.deepEqual(await notes(), [{ id: 'a', body: 'note a', n: 1n }]);
    assert.equal((await db.selectFrom('held_tags').selectAll().execute()).length, 0);
  });

  test('outside a transaction the insert is sent at once', async () => {
    await writeAtCommit(db, note('a'));
    assert.equal(sent.length, 1);
    assert.equal((await notes()).length, 1);
  });

  test('only plain inserts and updates are held: RETURNING, ON CONFLICT, subqueries and other statements are refused', async () => {
    await assert.rejects(writeAtCommit(db, note('a').returning('id')), /plain insert/);
    await assert.rejects(
      writeAtCommit(
        db,
        note('a').onConflict((oc) => oc.doNothing()),
      ),
      /plain insert/,
    );
    await assert.rejects(writeAtCommit(db, db.deleteFrom('held_notes')), /plain insert/);
    await assert.rejects(writeAtCommit(db, rename('a', 'x').returning('id')), /plain insert/);
    await assert.rejects(
      writeAtCommit(
        db,
        db
          .updateTable('held_notes')
          .set({ body: 'x' })
          .where('id', 'in', db.selectFrom('held_tags').select('note')),
      ),
      /plain insert/,
    );
    assert.deepEqual(sent, []);
  });

  const rename = (id: string, body: string) =>
    db.updateTable('held_notes').set({ body }).where('id', '=', id);
  const bump = (id: string) =>
    db
      .updateTable('held_notes')
      .set((eb) => ({ n: eb('n', '+', 1n) }))
      .where('id', '=', id);

  test('a held update of a locked row goes out with the held inserts, in the one statement', async () => {
    await note('a').execute();
    sent.length = 0;
    await store.transaction(async (trx) => {
      await trx.selectFrom('held_notes').select('id').where('id', '=', 'a').forUpdate().execute();
      await writeAtCommit(trx, tag('t1', 'a'));
      await writeAtCommit(trx, rename('a', 'renamed'));
    });
    assert.deepEqual(
      sent.map((s) => s.slice(0, 24)),
      ['begin', 'select "id" from "held_n', 'with w0 as (insert into ', 'commit'],
    );
    assert.match(sent[2]!, /w1 as \(update "held_notes" set "body" = \$3 where "id" = \$4\)/);
    assert.deepEqual(await notes(), [{ id: 'a', body: 'renamed', n: 1n }]);
  });

  test('an update never shares a statement with a held write to its table: it sees it, and both apply', async () => {
    // One statement's CTEs share a snapshot: held together, the update would miss the new row, and
    // of two updates of one row only one would apply.
    await store.transaction(async (trx) => {
      await writeAtCommit(trx, note('a'));
      await writeAtCommit(trx, bump('a'));
      await writeAtCommit(trx, bump('a'));
      await writeAtCommit(trx, tag('t1', 'a'));
    });
    assert.deepEqual(
      sent.map((s) => s.slice(0, 30)),
      [
        'begin',
        'insert into "held_notes" ("id"',
        'update "held_notes" set "n" = ',
        'with w0 as (update "held_notes',
        'commit',
      ],
    );
    assert.deepEqual(await notes(), [{ id: 'a', body: 'note a', n: 3n }]);
  });

  test('an insert of rows a SELECT gives is held too; it reads its tables as the writes held before it left them', async () => {
    const tagsOfNotes = () =>
      db
        .insertInto('held_tags')
        .columns(['id', 'note'])
        .expression(db.selectFrom('held_notes').select([sql<string>`'tag-' || id`.as('id'), 'id as note']));
    await note('a').execute();
    sent.length = 0;
    await store.transaction(async (trx) => {
      await trx.selectFrom('held_notes').select('id').where('id', '=', 'a').forUpdate().execute();
      await writeAtCommit(trx, tagsOfNotes(), { reads: ['held_notes'] });
    });
    // Held to the commit, like a plain insert.
    assert.deepEqual(
      sent.map((s) => s.slice(0, 30)),
      ['begin', 'select "id" from "held_notes" ', 'insert into "held_tags" ("id",', 'commit'],
    );
    await sql`truncate held_tags`.execute(db);
    sent.length = 0;
    await store.transaction(async (trx) => {
      await writeAtCommit(trx, note('b'));
      await writeAtCommit(trx, tagsOfNotes(), { reads: ['held_notes'] });
    });
    // A held insert into a table it reads goes first, so that it sees note b.
    assert.deepEqual(
      sent.map((s) => s.slice(0, 30)),
      ['begin', 'insert into "held_notes" ("id"', 'insert into "held_tags" ("id",', 'commit'],
    );
    const tags = await db.selectFrom('held_tags').select(['id', 'note']).orderBy('id').execute();
    assert.deepEqual(tags, [
      { id: 'tag-a', note: 'a' },
      { id: 'tag-b', note: 'b' },
    ]);
  });

  test('combining renumbers each insert’s parameters after the ones before it', () => {
    const combined = combine([note('a', 'x', 1n).compile(), tag('t', 'a').compile(), note('b').compile()]);
    assert.equal(
      combined.sql,
      'with w0 as (insert into "held_notes" ("id", "body", "n") values ($1, $2, $3)), ' +
        'w1 as (insert into "held_tags" ("id", "note") values ($4, $5)), ' +
        'w2 as (insert into "held_notes" ("id", "body", "n") values ($6, $7, $8)) select 1',
    );
    assert.deepEqual(combined.parameters, ['a', 'x', 1n, 't', 'a', 'b', 'note b', 1n]);
  });
});

describe('reads sent with the next statement', () => {
  beforeEach(async () => {
    await sql`truncate held_notes, held_tags`.execute(db);
    await note('a', 'first', 1n).execute();
    sent.length = 0;
    roundTrips.length = 0;
  });
  const locking = (on: typeof db) =>
    on.selectFrom('held_notes').selectAll().where('id', '=', 'a').forUpdate();

  test('a locking read goes with BEGIN and the next statement, in one round trip, and answers in order', async () => {
    const [before, after] = await store.transaction(async (trx) => {
      const lock = await readWithNext(trx, locking(trx));
      assert.equal(sent.length, 0, 'nothing sent before the next statement');
      await trx.updateTable('held_notes').set({ n: 2n }).where('id', '=', 'a').execute();
      const [locked] = await lock.rows();
      const [now] = await locking(trx).execute();
      return [locked, now];
    });
    // The read ran where it was asked for: before the update that followed it.
    assert.equal(before?.n, 1n);
    assert.equal(after?.n, 2n);
    assert.deepEqual(roundTrips, [
      'begin + select * from "held_note + update "held_notes" set ',
      'select * from "held_note',
      'commit',
    ]);
  });

  test('with nothing after it but the commit, it goes with the held writes and COMMIT', async () => {
    const lock = await store.transaction(async (trx) => {
      const read = await readWithNext(trx, locking(trx));
      await writeAtCommit(trx, tag('t1', 'a'));
      return read;
    });
    assert.equal((await lock.rows())[0]?.body, 'first');
    assert.deepEqual(roundTrips, ['begin + select * from "held_note + insert into "held_tags"  + commit']);
  });

  test('asked for its rows before any other statement, it goes alone (with BEGIN)', async () => {
    await store.transaction(async (trx) => {
      const lock = await readWithNext(trx, locking(trx));
      assert.equal((await lock.rows())[0]?.body, 'first');
      await trx.updateTable('held_notes').set({ n: 3n }).where('id', '=', 'a').execute();
    });
    assert.deepEqual(roundTrips, ['begin + select * from "held_note', 'update "held_notes" set ', 'commit']);
  });

  test('a read of a table the transaction holds writes for sees them', async () => {
    await store.transaction(async (trx) => {
      await writeAtCommit(trx, note('b', 'held', 5n));
      const all = await readWithNext(trx, trx.selectFrom('held_notes').select('id').orderBy('id'));
      assert.deepEqual(
        (await all.rows()).map((r) => r.id),
        ['a', 'b'],
      );
    });
  });

  test('when the round trip fails, the read fails with it and nothing is written', async () => {
    await assert.rejects(
      store.transaction(async (trx) => {
        const lock = await readWithNext(trx, locking(trx));
        await trx.insertInto('held_notes').values({ id: 'a', body: 'again', n: 1n }).execute(); // its key is taken
        await lock.rows();
      }),
      (error) => isUniqueViolation(error),
    );
    assert.deepEqual(await notes(), [{ id: 'a', body: 'first', n: 1n }]);
  });

  test('outside a transaction it is sent at once', async () => {
    const lock = await readWithNext(db, db.selectFrom('held_notes').select('body'));
    assert.equal(sent.length, 1);
    assert.equal((await lock.rows())[0]?.body, 'first');
  });
});
