import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { moroccanDate } from '../src/core/time.js';
import { createLedgerService } from '../src/ledger/service.js';
import { createStore } from '../src/store/store.js';
import { apiClient, card, demoKeys } from './support/platform.js';
import { startTijara } from './support/process.js';
import { testDatabase } from './support/store.js';

const database = await testDatabase();
const env = {
  DATABASE_URL: database.url!,
  TIJARA_MASTER_KEY: randomBytes(32).toString('base64'),
  TIJARA_WORKERS: 'false',
};
const store = createStore({ databaseUrl: database.url });
after(async () => {
  await store.close();
  await database.drop();
});

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

  const second = await startTijara(env);
  try {
    const db = store.db;
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
    assert.deepEqual(await createLedgerService({ store }).checkInvariants(), []);

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
});
