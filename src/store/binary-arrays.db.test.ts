import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { testDatabase } from '../../test/support/store.js';
import { elementTypes, TypedArray, type TypeRow } from './binary-arrays.js';
import { ColumnTypes } from './held-rows.js';
import { createStore } from './store.js';

const database = await testDatabase();
const store = createStore({ databaseUrl: database.url, dataDir: 'memory' });
after(async () => {
  await store.close();
  await database.drop();
});
const { db } = store;

await sql`create domain cents as bigint check (value >= 0)`.execute(db);
await sql`create type colour as enum ('red', 'green')`.execute(db);
const types = elementTypes((await db.executeQuery<TypeRow>(ColumnTypes.TYPES_QUERY)).rows);

/** The values as PostgreSQL reads them back from an array of `type`, each as text. */
async function roundTrip(type: string, values: unknown): Promise<(string | null)[]> {
  const { rows } = await sql<{
    value: string | null;
  }>`select unnest(${values}::${sql.raw(type)}[])::text as value`.execute(db);
  return rows.map((row) => row.value);
}

const cases: [type: string, values: unknown[]][] = [
  ['text', ['plain', '', 'with "quotes" and \\ and {braces}, commas', 'NULL', 'تجارة 😀', null]],
  ['character varying', ['a', 'bé']],
  ['bpchar', ['MA', 'FR']],
  ['bigint', [0n, -1n, 9_223_372_036_854_775_807n, -9_223_372_036_854_775_808n, 42, null]],
  ['integer', [2_147_483_647, -2_147_483_648, 7n]],
  ['smallint', [12, -32_768, 32_767]],
  ['boolean', [true, false, null]],
  ['bytea', [Buffer.from([0, 1, 92, 255]), new Uint8Array([34, 123])]],
  [
    'timestamp with time zone',
    [new Date(Date.UTC(2026, 11, 6, 23, 59, 59, 999)), new Date(Date.UTC(1999, 11, 31, 23, 0, 0, 1)), null],
  ],
  ['date', ['2028-02-29', '1970-01-01', '2000-01-01', '2099-12-31']],
  ['jsonb', ['{"a": [1, null, "x\\"y"]}', { nested: { list: [1, 'ب'] } }, '"just text"']],
];

/** Types PGlite's own serializers cannot write arrays of (it sends `0,1000000`): what to read back. */
const userTypes: [type: string, values: unknown[], text: string[]][] = [
  ['cents', [0n, 1_000_000n], ['0', '1000000']],
  ['colour', ['green', 'red'], ['green', 'red']],
];

test('arrays of each type the held writes use go in binary and read back as their text form does', async () => {
  for (const [type, values] of cases) {
    const elementType = types.get(type);
    assert.ok(elementType?.encoding, `${type} has a binary encoding`);
    const typed = new TypedArray(elementType, values);
    assert.ok(typed.binary() instanceof Buffer, `${type}: every value has a binary form`);
    assert.deepEqual(await roundTrip(type, typed), await roundTrip(type, values), type);
  }
  for (const [type, values, text] of userTypes) {
    const typed = new TypedArray(types.get(type)!, values);
    assert.ok(typed.binary() instanceof Buffer, type);
    assert.deepEqual(await roundTrip(type, typed), text, type);
  }
});

test('a domain keeps its constraint in binary', async () => {
  const typed = new TypedArray(types.get('cents')!, [5n, -1n]);
  assert.ok(typed.binary());
  await assert.rejects(roundTrip('cents', typed), /cents|check constraint/);
});

test('an array with a value that has no binary form here goes as text, whole', async () => {
  const cases: [type: string, values: unknown[]][] = [
    ['timestamp with time zone', [new Date(Date.UTC(2026, 0, 1)), '2026-01-02T03:04:05Z']],
    ['bigint', [1n, '2']],
    ['integer', [1, 2_147_483_648]],
    ['smallint', [1.5]],
    ['date', ['2027-02-29']], // not a day: PostgreSQL's own error, as before
    ['numeric', [1, 2]], // no encoder for the type at all
  ];
  for (const [type, values] of cases) {
    const typed = new TypedArray(types.get(type)!, values);
    assert.equal(typed.binary(), undefined, type);
    const asText = await roundTrip(type, values).catch((error: Error) => error.message);
    assert.deepEqual(await roundTrip(type, typed).catch((error: Error) => error.message), asText, type);
  }
});

test('the types are known by the names a cast gives them, with their OIDs', () => {
  assert.equal(types.get('bigint')?.oid, 20);
  assert.equal(types.get('bpchar')?.oid, 1042);
  assert.equal(types.get('character')?.oid, 1042);
  assert.notEqual(types.get('cents')?.oid, 20); // a domain's own OID heads its arrays
  assert.equal(types.get('numeric')?.encoding, undefined);
});
