// `npm test` runs this once before the PGlite and browser suites: a PGlite data folder with every
// migration applied, dumped as the tarball each test's in-memory PGlite starts from (testDatabase's
// PostgreSQL template, for PGlite). Measured on a slow 2-core machine: a PGlite from initdb plus the
// migrations took about 5 s, one loaded from this copy about 1 s; the suites open some eighty of them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { migrate } from '../../src/store/migrations.js';
import { createStore } from '../../src/store/store.js';

const out = process.argv[2];
if (!out) throw new Error('usage: make-pglite-template.ts <tarball>');
const folder = mkdtempSync(join(tmpdir(), 'tijara-template-'));
const dataDir = join(folder, 'data');
try {
  const store = createStore({ dataDir });
  await migrate(store);
  await store.close();
  const pglite = new PGlite(dataDir);
  // dumpDataDir does not wait for the database to open, and never settles when asked too early.
  await pglite.waitReady;
  const dump = await pglite.dumpDataDir('none');
  await pglite.close();
  writeFileSync(out, Buffer.from(await dump.arrayBuffer()));
} finally {
  rmSync(folder, { recursive: true, force: true });
}
