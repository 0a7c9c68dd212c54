// npm run bench:ledger — transfers/s through the ledger service against the same SQL sent directly
// with the same driver, on PGlite and on PostgreSQL. Prints both and their ratio (goal: ≥ 60%).
import { PGlite, types } from '@electric-sql/pglite';
import pg from 'pg';
import { newId } from '../src/core/ids.js';
import { createLedgerService } from '../src/ledger/service.js';
import { migrate } from '../src/store/migrations.js';
import { createStore, type SharedStore } from '../src/store/store.js';
import { freshPostgres, measure, table } from './support.js';

const WORKERS = Number(process.env.BENCH_WORKERS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ACCOUNTS = 10;

/** The statements the service issues for one transfer, as one direct transaction. */
interface DirectClient {
  transaction(
    fn: (
      query: (text: string, params: unknown[]) => Promise<{ rows: { posted_at?: Date }[] }>,
    ) => Promise<void>,
  ): Promise<void>;
}

/**
 * The SQL the service issues for a transfer out of an account that may not go negative: lock both
 * accounts in id order (and read them for the funds check), then one statement for the entry and its
 * postings.
 */
async function directTransfer(client: DirectClient, from: string, to: string, amount: bigint) {
  await client.transaction(async (query) => {
    await query('select * from ledger_accounts where id in ($1, $2) order by id for update', [from, to]);
    const [first, second] = from < to ? [from, to] : [to, from];
    const amounts = from < to ? [amount, -amount] : [-amount, amount];
    await query(
      `with entry as (
         insert into ledger_entries (id, external_ref, description, currency, metadata)
         values ($1, $2, $3, $4, $5::jsonb) on conflict (external_ref) do nothing returning id, posted_at)
       insert into ledger_postings (entry_id, account_id, amount, posted_at)
       select entry.id, p.account_id, p.amount, entry.posted_at
         from entry cross join (values ($6, $7::bigint, 0), ($8, $9::bigint, 1)) as p (account_id, amount, position)
        order by p.position
       returning posted_at`,
      [newId('je'), null, 'bench', 'MAD', '{}', first, amounts[0], second, amounts[1]],
    );
  });
}

/** Ten customer accounts that may not go negative, each funded with plenty, so every transfer is checked. */
async function setUp(store: SharedStore) {
  await migrate(store);
  const ledger = createLedgerService({ store });
  const funding = await ledger.createAccount({
    code: 'bench:funding',
    name: 'funding',
    type: 'equity',
    currency: 'MAD',
    mayGoNegative: true,
  });
  const ids: string[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const account = await ledger.createAccount({
      code: `bench:${i}`,
      name: `bench ${i}`,
      type: 'liability',
      currency: 'MAD',
    });
    const opened = await ledger.transfer({
      description: 'opening',
      currency: 'MAD',
      debitAccountId: funding.id,
      creditAccountId: account.id,
      amount: 10n ** 12n,
    });
    if (typeof opened === 'string') throw new Error(opened);
    ids.push(account.id);
  }
  return { ledger, ids };
}

function pick(ids: string[], worker: number, i: number): [string, string] {
  const from = (worker * 7 + i * 3) % ids.length;
  const to = (from + 1 + ((worker + i) % (ids.length - 1))) % ids.length;
  return [ids[from]!, ids[to]!];
}

async function run(kind: string, store: SharedStore, direct: DirectClient) {
  const { ledger, ids } = await setUp(store);
  const serviceOp = async (worker: number, i: number) => {
    const [from, to] = pick(ids, worker, i);
    const result = await ledger.transfer({
      description: 'bench',
      currency: 'MAD',
      debitAccountId: from,
      creditAccountId: to,
      amount: 100n,
    });
    if (typeof result === 'string') throw new Error(result);
  };
  const directOp = (worker: number, i: number) => {
    const [from, to] = pick(ids, worker, i);
    return directTransfer(direct, from, to, 100n);
  };
  await measure(WORKERS, 1, serviceOp); // warm-up
  await measure(WORKERS, 1, directOp);
  const baseline = await measure(WORKERS, SECONDS, directOp);
  const service = await measure(WORKERS, SECONDS, serviceOp);
  const violations = await ledger.checkInvariants();
  if (violations.length > 0) throw new Error(`ledger invariants broken: ${JSON.stringify(violations)}`);
  return {
    database: kind,
    workers: WORKERS,
    'service tx/s': Math.round(service.perSecond),
    'direct SQL tx/s': Math.round(baseline.perSecond),
    ratio: `${Math.round((service.perSecond / baseline.perSecond) * 100)}%`,
    'service p99 ms': service.p99.toFixed(1),
    'direct p99 ms': baseline.p99.toFixed(1),
  };
}

const rows = [];

{
  // Two PGlite instances would compete for the one WASM heap; both paths use one instance, one at a time.
  const pglite = new PGlite({ parsers: { [types.INT8]: (t: string) => BigInt(t) } });
  const { pgliteDialect } = await import('../src/store/pglite-dialect.js');
  const { Kysely } = await import('kysely');
  const db = new Kysely({ dialect: pgliteDialect(pglite) });
  const store: SharedStore = {
    kind: 'pglite',
    db,
    transaction: (fn) => db.transaction().execute(fn),
    onRollback: () => {},
    close: () => db.destroy(),
  };
  const direct: DirectClient = {
    // PGlite's own transaction() serializes transactions on its single connection, as our driver does.
    transaction: (fn) =>
      pglite.transaction((tx) => fn((text, params) => tx.query(text, params))).then(() => {}),
  };
  rows.push(await run('PGlite', store, direct));
  await store.close();
}

const postgres = await freshPostgres('tijara_bench_ledger');
if (postgres) {
  const store = createStore({ databaseUrl: postgres.url, poolSize: WORKERS });
  const pool = new pg.Pool({ connectionString: postgres.url, max: WORKERS });
  const direct: DirectClient = {
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        await fn((text, params) => client.query(text, params));
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw error;
      } finally {
        client.release();
      }
    },
  };
  try {
    rows.push(await run('PostgreSQL', store, direct));
  } finally {
    await pool.end();
    await store.close();
    await postgres.drop();
  }
} else {
  console.log('PostgreSQL: skipped (none answered; set TEST_DATABASE_URL)');
}

console.log(`\nLedger transfers, ${WORKERS} concurrent workers, ${SECONDS} s per measurement\n`);
console.log(table(rows));
console.log('\nGoal: the service at ≥ 60% of the direct SQL baseline.');
