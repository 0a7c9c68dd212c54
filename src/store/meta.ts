import { sql } from 'kysely';
import { ownTables, type SharedDb } from './store.js';

export interface MetaTables {
  platform_meta: { key: string; value: string; updated_at: Date };
}

export async function readMeta(db: SharedDb, key: string): Promise<string | undefined> {
  const row = await ownTables<MetaTables>(db)
    .selectFrom('platform_meta')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirst();
  return row?.value;
}

export async function writeMeta(db: SharedDb, key: string, value: string): Promise<void> {
  await ownTables<MetaTables>(db)
    .insertInto('platform_meta')
    .values({ key, value, updated_at: new Date() })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: sql`now()` }))
    .execute();
}

/**
 * Claims `period` (a sortable text such as a date) for the job named `key`: true for the first caller
 * of the period across every process on the database, false for the others and for older periods.
 */
export async function claimPeriod(db: SharedDb, key: string, period: string): Promise<boolean> {
  const claimed = await ownTables<MetaTables>(db)
    .insertInto('platform_meta')
    .values({ key, value: period, updated_at: new Date() })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({ value: period, updated_at: sql`now()` })
        .where('platform_meta.value', '<', period),
    )
    .returning('key')
    .executeTakeFirst();
  return claimed !== undefined;
}
