import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { moroccanDate } from '../src/core/time.js';
import { createLedgerService } from '../src/ledger/service.js';
import { createStore, type SharedStore } from '../src/store/store.js';
import { apiClient, card, demoKeys } from './support/platform.js';
import { startTijara } from './support/process.js';
import { testDatabase, testDbKind } from './support/store.js';

// On PGlite the server's own data folder: PGlite is in the killed process, and its files are all
// that is left of it.
const database = await testDatabase();
const dataDir = testDbKind === 'pglite' ? mkdtempSync(join(tmpdir(), 'tijara-crash-')) : undefined;
const pgliteFolder = dataDir && join(dataDir, 'data');
const env = {
  ...(database.url ? { DATABASE_URL: database.url } : { TIJARA_DATA_DIR: pgliteFolder! }),
  TIJARA_MASTER_KEY: randomBytes(32).toString('base64'),
  TIJARA_WORKERS: 'false',
  // The demo merchants' keys pay here: on PostgreSQL the demo data is loaded only when asked.
  TIJARA_SEED: 'true',
};
after(async () => {
  await database.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The database as the servers left it: PGlite's folder can be opened once no server holds it. */
async function withStore(check: (store: SharedStore) => Promise<void>) {
  const store = createStore({ databaseUrl: database.url, dataDir: pgliteFolder });
  try {
    await check(store);
  } finally {
    await store.close();
  }
}

test('SIGKILL during a burst of payments leaves the books whole', async () => {
  const first = await startTijara(env);
  const atlas = apiClient(first.baseUrl, demoKeys.atlas);
  let stop = false;
  let succeeded = 0;
  let broken = 0;
  const cards = ['4111111111111111', '5555555555554444', '4970100000000048'];
  const burst = Array.from({ length: 8 }, async (_, worker) => {
    for (let i = 0; !stop; i++) {
      try {
        const created = await atlas.post<{ id: string }>('/v1/payments', {
          amount: 1_000 + worker * 10 + (i % 10),
          currency: 'MAD',
          capture_method: i % 3 === 0 ? 'manual' : 'automatic',
        });
        const confirmed = await atlas.post(`/v1/payments/${created.body.id}/confirm`, {
          card: card(cards[i % cards.length]!),
        });
        if (confirmed.status === 200) succeeded += 1;
      } catch {
        broken += 1; // the server died under us
        return;
      }
    }
  });
  // Kill once the burst is well under way, however fast this machine is: a fixed delay
  // let too few payments through on a slow one.
  const deadline = Date.now() + 60_000;
  while (succeeded < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  first.child.kill('SIGKILL');
  stop = true;
  await Promise.all(burst);
  await first.exited;
  assert.ok(succeeded > 20, `only ${succeeded} payments went through before the kill`);
  console.log(`${succeeded} payments confirmed before SIGKILL; ${broken} requests cut off`);

  // The restarted server recovers what was committed, and takes payments again.
  const second = await startTijara(env);
  try {
    const atlasAgain = apiClient(second.baseUrl, demoKeys.atlas);
    const today = moroccanDate(new Date());
    const report = await atlasAgain.get<{ reconciled: boolean; captured: { count: number } }>(
      `/v1/settlements/${today}`,
    );
    assert.equal(report.body.reconciled, true);
    assert.ok(report.body.captured.count > 0);
    const created = await atlasAgain.post<{ id: string }>('/v1/payments', { amount: 5_000, currency: 'MAD' });
    const confirmed = await atlasAgain.post<{ status: string }>(`/v1/payments/${created.body.id}/confirm`, {
      card: card('4111111111111111'),
    });
    assert.equal(confirmed.body.status, 'succeeded');
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
  }

  await withStore(async (store) => {
    const db: Kysely<unknown> = store.db;
    // Every payment that moved money has its ledger entry, and every entry its payment.
    const orphanPayments = await sql<{ id: string }>`
      select p.id from payments p
      where (p.status = 'succeeded' and not exists (select 1 from ledger_entries e where e.external_ref in ('pay:' || p.id || ':sale', 'pay:' || p.id || ':capture')))
         or (p.status = 'requires_capture' and not exists (select 1 from ledger_entries e where e.external_ref = 'pay:' || p.id || ':hold'))`.execute(
      db,
    );
    assert.deepEqual(orphanPayments.rows, []);
    const orphanEntries = await sql<{ external_ref: string }>`
      select e.external_ref from ledger_entries e
      where e.external_ref like 'pay:%'
        and not exists (select 1 from payments p where e.external_ref like 'pay:' || p.id || ':%')`.execute(
      db,
    );
    assert.deepEqual(orphanEntries.rows, []);
    // No hold at any issuer without a payment waiting for capture.
    const orphanHolds = await sql<{ reference: string }>`
      select a.reference from issuer_authorizations a
      where a.status = 'held'
        and not exists (select 1 from payments p where a.reference like p.id || ':%' and p.status = 'requires_capture')`.execute(
      db,
    );
    assert.deepEqual(orphanHolds.rows, []);
    const issuerWithoutPayment = await sql<{ reference: string }>`
      select a.reference from issuer_authorizations a
      where not exists (select 1 from payments p where a.reference like p.id || ':%')`.execute(db);
    assert.deepEqual(issuerWithoutPayment.rows, []);
    // No confirmation a client was answered for is missing (nor the one after the restart): whatever
    // its outcome, a confirmed payment has left requires_payment_method.
    const { rows } = await sql<{ count: number }>`
      select count(*)::integer as count from payments where status <> 'requires_payment_method'`.execute(db);
    assert.ok(
      rows[0]!.count >= succeeded + 1,
      `${rows[0]!.count} payments confirmed, against ${succeeded} answered + 1`,
    );
    assert.deepEqual(await createLedgerService({ store }).checkInvariants(), []);
  });
});
