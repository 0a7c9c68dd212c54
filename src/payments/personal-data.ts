import { sql } from 'kysely';
import { ownTables, type SharedDb } from '../store/store.js';
import { personalData, RESEAL_BATCH, resealInBatches } from '../vault/personal-data.js';
import type { VaultService } from '../vault/service.js';
import { sealAnswer } from './idempotency.js';
import type { PaymentTables } from './model.js';

/**
 * Seals in place the customers' e-mails that payments, their events and stored idempotent answers
 * held in clear before sealing began (law 09-08). Walks each table once; a row changed meanwhile is
 * left to the code that changed it (which seals). Safe to run twice, or on two processes at once.
 * Returns how many rows it sealed.
 */
export async function sealStoredPaymentData(
  db: SharedDb,
  vault: Pick<VaultService, 'sealSecret' | 'openSecret'>,
): Promise<number> {
  const tables = ownTables<PaymentTables>(db);
  const personal = personalData(vault);

  const payments = await resealInBatches(
    '',
    (after) =>
      tables
        .selectFrom('payments')
        .select(['id', 'customer_email'])
        .where('id', '>', after)
        .where('customer_email', 'is not', null)
        .where('customer_email', 'not like', 'v1.%')
        .orderBy('id')
        .limit(RESEAL_BATCH)
        .execute(),
    (row) => row.id,
    async (row) => {
      await tables
        .updateTable('payments')
        .set({ customer_email: await personal.seal(row.customer_email) })
        .where('id', '=', row.id)
        .where('customer_email', '=', row.customer_email)
        .execute();
    },
  );

  const events = await resealInBatches(
    '',
    (after) =>
      tables
        .selectFrom('events')
        .select(['id', sql<string>`data->>'customer_email'`.as('email')])
        .where('id', '>', after)
        .where(sql<boolean>`data->>'customer_email' not like 'v1.%'`)
        .orderBy('id')
        .limit(RESEAL_BATCH)
        .execute(),
    (row) => row.id,
    async (row) => {
      const sealed = await personal.seal(row.email);
      await tables
        .updateTable('events')
        .set({ data: sql`jsonb_set(data, '{customer_email}', to_jsonb(${sealed}::text))` })
        .where('id', '=', row.id)
        .where(sql<boolean>`data->>'customer_email' = ${row.email}`)
        .execute();
    },
  );

  // Stored answers are sealed whole (idempotency.ts); in-flight claims (status 0) and console forms'
  // one-time tokens (formOnce) have none.
  const unsealed = sql<boolean>`not jsonb_exists(response_body, 'sealed')`;
  const answers = await resealInBatches(
    ['', false, ''] as [string, boolean, string],
    ([merchant, livemode, key]) =>
      tables
        .selectFrom('idempotency_keys')
        .select(['merchant_id', 'livemode', 'key', 'response_body'])
        .where(sql<boolean>`(merchant_id, livemode, key) > (${merchant}, ${livemode}, ${key})`)
        .where('response_status', '<>', 0)
        .where('key', 'not like', 'form:%')
        .where(unsealed)
        .orderBy('merchant_id')
        .orderBy('livemode')
        .orderBy('key')
        .limit(RESEAL_BATCH)
        .execute(),
    (row): [string, boolean, string] => [row.merchant_id, row.livemode, row.key],
    async (row) => {
      await tables
        .updateTable('idempotency_keys')
        .set({ response_body: await sealAnswer(vault, row.response_body) })
        .where('merchant_id', '=', row.merchant_id)
        .where('livemode', '=', row.livemode)
        .where('key', '=', row.key)
        .where(unsealed)
        .execute();
    },
  );
  return payments + events + answers;
}
