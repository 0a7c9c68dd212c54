// What testPlatform seeds, made once per `npm test` run: the demo data loaded into the templates the
// test files copy (test/support/make-pglite-template.ts, and scripts/test.mjs for PostgreSQL), so that
// a file gets it with its database instead of spending a second or more seeding it again. Run on its
// own with a PostgreSQL URL, it seeds that database.
import { pathToFileURL } from 'node:url';
import { seedDemoData } from '../../src/cli/seed.js';
import { type Config, loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/logger.js';
import { createPlatform } from '../../src/platform.js';

/** The demo data, as testPlatform loads it, into the database `where` names. */
export async function seedForTests(where: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<void> {
  // The one key of the run's seeded templates: the vault's data keys they hold are wrapped under it.
  const masterKey = process.env.TIJARA_TEST_MASTER_KEY;
  if (!masterKey) throw new Error('TIJARA_TEST_MASTER_KEY is not set: `npm test` sets it');
  const platform = await createPlatform({
    config: { ...loadConfig({}), ...where, logLevel: 'silent', workers: false, masterKey },
    logger: createLogger('silent'),
  });
  try {
    await seedDemoData(platform);
  } finally {
    await platform.stop();
  }
}

const databaseUrl = process.argv[2];
if (databaseUrl && import.meta.url === pathToFileURL(process.argv[1]!).href)
  await seedForTests({ databaseUrl, dataDir: 'memory' });
