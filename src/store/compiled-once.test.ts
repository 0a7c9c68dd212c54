import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
} from 'kysely';
import { compiledOnce } from './compiled-once.js';

interface Tables {
  notes: { id: string; body: string; n: bigint; kind: string };
}

// Compiles without a database: only the texts and parameters are looked at here.
const db = new Kysely<Tables>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (kysely) => new PostgresIntrospector(kysely),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

test('compiled once: the text Kysely builds, each run with its own values in their places', () => {
  const build = (v: { id: string; n: bigint }) =>
    db
      .selectFrom('notes')
      .selectAll()
      .where('id', '=', v.id)
      .where('kind', '=', 'plain')
      .where('n', '>', v.n);
  const byIdAbove = compiledOnce((_db, v: { id: string; n: bigint }) => build(v));
  for (const values of [
    { id: 'a', n: 1n },
    { id: 'b', n: 7n },
  ]) {
    const once = byIdAbove(db, values);
    const kyselys = build(values).compile();
    assert.equal(once.sql, kyselys.sql);
    // The constant 'plain' stays where Kysely put it.
    assert.deepEqual(once.parameters, kyselys.parameters);
  }
});

test('compiled once: a raw statement, a value used twice', () => {
  const spend = compiledOnce(
    (_db, v: { id: string; amount: bigint }) =>
      sql`update notes set n = n + ${v.amount} where id = ${v.id} and ${v.amount} > 0`,
  );
  const once = spend(db, { id: 'a', amount: 5n });
  assert.equal(once.sql, 'update notes set n = n + $1 where id = $2 and $3 > 0');
  assert.deepEqual(once.parameters, [5n, 'a', 5n]);
  assert.deepEqual(spend(db, { id: 'b', amount: 9n }).parameters, [9n, 'b', 9n]);
});

test('compiled once: a build that leaves a value out of its parameters is refused', () => {
  const branching = compiledOnce((_db, v: { id: string; kind?: string }) =>
    db
      .selectFrom('notes')
      .selectAll()
      .where('id', '=', v.id)
      .$if(typeof v.kind === 'string', (q) => q.where('kind', '=', v.kind!)),
  );
  assert.throws(() => branching(db, { id: 'a', kind: 'plain' }), /values not passed as parameters: kind/);
});
