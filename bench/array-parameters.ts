// A group's writes over arrays (src/store/held-rows.ts) with their arrays sent as text against in
// binary (src/store/binary-arrays.ts): one insert … select from unnest of the payment path's column
// types, through the store's own dialects, the two forms alternating in blocks so that the machine's
// drift falls on both alike. On PostgreSQL it also reads the backend's CPU from /proc.
//   npm run bench:arrays            BENCH_ROWS=30 (rows a statement), BENCH_BLOCKS=40, BENCH_PER_BLOCK=50
import { CompiledQuery, type Kysely } from 'kysely';
import { elementTypes, TypedArray, type TypeRow } from '../src/store/binary-arrays.js';
import { ColumnTypes } from '../src/store/held-rows.js';
import { createStore } from '../src/store/store.js';
import { cpuSeconds, freshPostgres, table } from './support.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 30);
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 40);
const PER_BLOCK = Number(process.env.BENCH_PER_BLOCK ?? 50);
const WARM_UP_BLOCKS = 2;

// A posting's, an audit record's and a payment's kinds of columns.
const TYPES = [
  'text',
  'text',
  'bigint',
  'bigint',
  'timestamp with time zone',
  'boolean',
  'jsonb',
  'bpchar',
  'smallint',
];
const INSERT = `insert into array_parameters select * from unnest(${TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})`;

function columns(statement: number): unknown[][] {
  const rows = Array.from({ length: ROWS }, (_, r) => [
    `pst_${statement}_${r}_01JABCDEFGHJKMNPQRSTVWXYZ`,
    `acc_merchant_payable_${r % 4}`,
    BigInt(statement * 1000 + r),
    BigInt(-r * 12_345),
    new Date(Date.now() - r),
    r % 2 === 0,
    JSON.stringify({ request: `req_${statement}`, ip: '127.0.0.1', n: r }),
    'MAD',
    r % 300,
  ]);
  return TYPES.map((_, column) => rows.map((row) => row[column]));
}

/** Microseconds a statement for each form, and the backend's CPU a statement when `backendCpu` reads it. */
async function timeBothForms(db: Kysely<unknown>, backendCpu?: () => number) {
  await db.executeQuery(
    CompiledQuery.raw(
      'create table array_parameters (a text, b text, c bigint, d bigint, e timestamptz, f boolean, g jsonb, h bpchar(3), i smallint)',
    ),
  );
  const types = elementTypes((await db.executeQuery<TypeRow>(ColumnTypes.TYPES_QUERY)).rows);
  const totals = { text: { wall: 0, cpu: 0 }, binary: { wall: 0, cpu: 0 } };
  for (let block = 0; block < WARM_UP_BLOCKS + BLOCKS; block++) {
    for (const form of block % 2 ? (['binary', 'text'] as const) : (['text', 'binary'] as const)) {
      await db.executeQuery(CompiledQuery.raw('truncate array_parameters'));
      const cpuBefore = backendCpu?.() ?? 0;
      const started = performance.now();
      for (let i = 0; i < PER_BLOCK; i++) {
        const arrays = columns(i).map((values, c) =>
          form === 'binary' ? new TypedArray(types.get(TYPES[c]!)!, values) : values,
        );
        await db.executeQuery(CompiledQuery.raw(INSERT, arrays));
      }
      if (block < WARM_UP_BLOCKS) continue;
      totals[form].wall += performance.now() - started;
      totals[form].cpu += (backendCpu?.() ?? 0) - cpuBefore;
    }
  }
  const statements = BLOCKS * PER_BLOCK;
  const µs = (ms: number) => Math.round((ms / statements) * 1000);
  return (['text', 'binary'] as const).map((form) => ({
    arrays: form,
    'µs a statement': µs(totals[form].wall),
    'backend CPU µs': backendCpu ? µs(totals[form].cpu * 1000) : '-',
  }));
}

const rows: Record<string, string | number>[] = [];
const pglite = createStore({ dataDir: 'memory' });
try {
  rows.push(...(await timeBothForms(pglite.db)).map((row) => ({ database: 'PGlite', ...row })));
} finally {
  await pglite.close();
}
const postgres = await freshPostgres('tijara_bench_arrays');
if (postgres) {
  // One connection, so that the backend whose CPU is read is the one that runs the statements.
  const store = createStore({ databaseUrl: postgres.url, dataDir: 'memory', poolSize: 1 });
  try {
    const [{ pid }] = (
      await store.db.executeQuery<{ pid: number }>(CompiledQuery.raw('select pg_backend_pid() as pid', []))
    ).rows as [{ pid: number }];
    rows.push(
      ...(await timeBothForms(store.db, () => cpuSeconds(pid))).map((row) => ({
        database: 'PostgreSQL',
        ...row,
      })),
    );
  } finally {
    await store.close();
    await postgres.drop();
  }
} else {
  console.log('PostgreSQL: skipped (none answered; set TEST_DATABASE_URL)');
}
console.log(`\nOne insert of ${ROWS} rows over nine arrays, ${BLOCKS * PER_BLOCK} statements each way\n`);
console.log(table(rows));
