import { after } from 'node:test';
import pg from 'pg';
import { migrate } from '../../src/store/migrations.js';
import { createStore, type SharedStore, type StoreOptions } from '../../src/store/store.js';
import { databaseUrl, dropDatabaseWhenFree } from './postgres.js';

export type TestDbKind = 'pglite' | 'postgres';

export const testDbKind: TestDbKind = process.env.TIJARA_TEST_DB === 'postgres' ? 'postgres' : 'pglite';

let copies = 0;

/**
 * A fresh, migrated database for this test file: an in-memory PGlite, or on PostgreSQL a new database
 * copied from the template `npm test` migrated once. Closed (and dropped) when the file ends.
 */
export async function testDatabase(): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  if (testDbKind === 'pglite') return { url: undefined, drop: async () => {} };
  const adminUrl = process.env.TIJARA_TEST_PG_ADMIN_URL;
  const template = process.env.TIJARA_TEST_PG_TEMPLATE;
  if (!adminUrl || !template)
    throw new Error('PostgreSQL tests run through `npm test`, which prepares the template');
  const name = `${template}_${process.pid}_${copies++}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${template}`);
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
  const store = createStore({ ...options, databaseUrl: database.url, dataDir: 'memory' });
  after(async () => {
    await store.close();
    await database.drop();
  });
  await migrate(store);
  return store;
}
