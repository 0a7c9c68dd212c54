import { readFileSync } from 'node:fs';
import { after } from 'node:test';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { migrate } from '../../src/store/migrations.js';
import { createStore, type SharedStore, type StoreOptions } from '../../src/store/store.js';
import { databaseUrl, dropDatabaseWhenFree } from './postgres.js';

export type TestDbKind = 'pglite' | 'postgres';

export const testDbKind: TestDbKind = process.env.TIJARA_TEST_DB === 'postgres' ? 'postgres' : 'pglite';

let copies = 0;

const templates = new Map<string, Blob>();
/**
 * The data folder an in-memory PGlite starts from, when `npm test` made one
 * (test/support/make-pglite-template.ts): migrated, or with `seeded` holding the demo data too (then
 * undefined when there is none). A file run on its own starts from initdb.
 */
export function pgliteTemplate(options: { seeded?: boolean } = {}): Blob | undefined {
  const path = options.seeded
    ? process.env.TIJARA_TEST_PGLITE_SEEDED_TEMPLATE
    : process.env.TIJARA_TEST_PGLITE_TEMPLATE;
  if (testDbKind !== 'pglite' || !path) return undefined;
  const template = templates.get(path) ?? new Blob([readFileSync(path)]);
  templates.set(path, template);
  return template;
}

/**
 * The master key of this run's templates holding the demo data (the vault's data keys in them are
 * wrapped under it), when `npm test` made them for the database the tests use; else undefined.
 */
export function seededTemplateKey(): string | undefined {
  const template =
    testDbKind === 'pglite'
      ? process.env.TIJARA_TEST_PGLITE_SEEDED_TEMPLATE
      : process.env.TIJARA_TEST_PG_SEEDED_TEMPLATE;
  return template ? process.env.TIJARA_TEST_MASTER_KEY : undefined;
}

/**
 * A fresh database for this test file: on PostgreSQL a new database copied from the template `npm
 * test` migrated once (with `seeded`, the one it also loaded the demo data into), or with `empty` one
 * with no tables at all (a migration's own test). On PGlite the store makes it in memory, so there is
 * nothing to create. Dropped with `drop`.
 */
export async function testDatabase(
  options: { empty?: boolean; seeded?: boolean } = {},
): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  if (testDbKind === 'pglite') return { url: undefined, drop: async () => {} };
  const adminUrl = process.env.TIJARA_TEST_PG_ADMIN_URL;
  const template = options.seeded
    ? process.env.TIJARA_TEST_PG_SEEDED_TEMPLATE
    : process.env.TIJARA_TEST_PG_TEMPLATE;
  if (!adminUrl || !template)
    throw new Error('PostgreSQL tests run through `npm test`, which prepares the template');
  const name = `${template}_${process.pid}_${copies++}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${options.empty ? 'template0' : template}`);
        break;
      } catch (error) {
        // Two files copying the template at the same moment: PostgreSQL asks one to wait its turn.
        if (attempt >= 20 || (error as { code?: string }).code !== '55006') throw error;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  } finally {
    await admin.end();
  }
  return {
    url: databaseUrl(adminUrl, name),
    drop: () => dropDatabaseWhenFree(adminUrl, name),
  };
}

export async function testStore(
  options: Omit<StoreOptions, 'databaseUrl' | 'dataDir'> = {},
): Promise<SharedStore> {
  const database = await testDatabase();
  const store = createStore({
    ...options,
    databaseUrl: database.url,
    dataDir: 'memory',
    memoryTemplate: pgliteTemplate(),
  });
  after(async () => {
    await store.close();
    await database.drop();
  });
  await migrate(store);
  return store;
}

/** Every text or JSON column of every table that holds `needle`, as "table.column": where data lies in clear. */
// biome-ignore lint/suspicious/noExplicitAny: any module's view of the shared store.
export async function columnsHoldingText(db: Kysely<any>, needle: string): Promise<string[]> {
  const columns = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
     where table_schema = current_schema()
       and data_type in ('text', 'character varying', 'character', 'json', 'jsonb')
     order by table_name, column_name`.execute(db);
  const found: string[] = [];
  for (const { table_name, column_name } of columns.rows) {
    const hits = await sql<{ n: number }>`
      select count(*)::int as n from ${sql.table(table_name)}
       where strpos(${sql.ref(column_name)}::text, ${needle}) > 0`.execute(db);
    if (hits.rows[0]!.n > 0) found.push(`${table_name}.${column_name}`);
  }
  return found;
}
