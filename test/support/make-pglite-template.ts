// `npm test` runs this once before the PGlite and browser suites: PGlite data folders dumped as the
// tarballs each test's in-memory PGlite starts from (testDatabase's PostgreSQL templates, for PGlite):
// one with every migration applied, and, when a second path is given, one with the demo data too
// (test/support/seed-for-tests.ts). Measured on a slow 2-core machine: a PGlite from initdb plus the
// migrations took about 5 s, one loaded from this copy about 1 s; the suites open some eighty of them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { migrate } from '../../src/store/migrations.js';
import { createStore } from '../../src/store/store.js';
import { seedForTests } from './seed-for-tests.js';

const [migratedOut, seededOut] = process.argv.slice(2);
if (!migratedOut) throw new Error('usage: make-pglite-template.ts <migrated tarball> [<seeded tarball>]');

async function dump(dataDir: string, out: string) {
  const pglite = new PGlite(dataDir);
  // dumpDataDir does not wait for the database to open, and never settles when asked too early.
  await pglite.waitReady;
  const tarball = await pglite.dumpDataDir('none');
  await pglite.close();
  writeFileSync(out, Buffer.from(await tarball.arrayBuffer()));
}

const folder = mkdtempSync(join(tmpdir(), 'tijara-template-'));
const dataDir = join(folder, 'data');
try {
  const store = createStore({ dataDir });
  await migrate(store);
  await store.close();
  await dump(dataDir, migratedOut);
  if (seededOut) {
    await seedForTests({ databaseUrl: undefined, dataDir });
    await dump(dataDir, seededOut);
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}
