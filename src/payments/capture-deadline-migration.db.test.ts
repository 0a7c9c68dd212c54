import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { testDatabase } from '../../test/support/store.js';
import { loadMigrations, migrate } from '../store/migrations.js';
import { createStore } from '../store/store.js';

// Migration 0033 gives the holds placed before it a deadline too, or they would never lapse.
test('holds placed before capture deadlines existed lapse seven days after their authorization', async () => {
  const database = await testDatabase({ empty: true });
  const store = createStore({ databaseUrl: database.url, dataDir: 'memory' });
  after(async () => {
    await store.close();
    await database.drop();
  });
  const migrations = loadMigrations();
  await migrate(
    store,
    migrations.filter((m) => m.name < '0033'),
  );
  const authorizedAt = new Date('2027-01-10T08:30:00Z');
  const row = (id: string, status: string) => ({
    id,
    merchant_id: 'mer_old',
    livemode: false,
    status,
    amount: 10_000n,
    currency: 'MAD',
    capture_method: 'manual',
    updated_at: authorizedAt,
  });
  // biome-ignore lint/suspicious/noExplicitAny: the table as it was before the migration under test.
  const db = store.db as any;
  await db
    .insertInto('payments')
    .values([row('pay_held', 'requires_capture'), row('pay_done', 'succeeded')])
    .execute();

  await migrate(store, migrations);

  const after0033 = await store.db
    .selectFrom('payments' as never)
    .select(['id', 'capture_before'] as never[])
    .orderBy('id' as never)
    .execute();
  assert.deepEqual(after0033, [
    { id: 'pay_done', capture_before: null },
    { id: 'pay_held', capture_before: new Date('2027-01-17T08:30:00Z') },
  ]);
});
