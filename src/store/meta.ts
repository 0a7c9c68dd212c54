import { type Kysely, sql } from 'kysely';

export interface MetaTables {
  platform_meta: { key: string; value: string; updated_at: Date };
}

export async function readMeta(db: Kysely<MetaTables>, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('platform_meta').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

export async function writeMeta(db: Kysely<MetaTables>, key: string, value: string): Promise<void> {
  await db
    .insertInto('platform_meta')
    .values({ key, value, updated_at: new Date() })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: sql`now()` }))
    .execute();
}
