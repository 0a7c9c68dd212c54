#!/usr/bin/env node
// `npm test`: every suite on PGlite, then on a fresh PostgreSQL database, then the browser suite.
// Where no PostgreSQL or Chromium answers, it says so plainly and skips them, except under CI=true.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import pg from 'pg';
import { compileForTests } from './compile-tests.mjs';

const root = new URL('..', import.meta.url).pathname;
const ci = process.env.CI === 'true';
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function findTests(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : findTests(path);
    return /\.test\.tsx?$/.test(entry.name) ? [relative(root, path)] : [];
  });
}

const all = [...findTests(join(root, 'src')), ...findTests(join(root, 'test'))]
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
const isBrowser = (f) => /\.browser\.test\.tsx?$/.test(f);
const isPgOnly = (f) => /\.pg\.test\.tsx?$/.test(f);
const usesDb = (f) => /\.(db|pg)\.test\.tsx?$/.test(f);

const totals = { pass: 0, fail: 0, skipped: 0 };
const notes = [];

// Browser tests write their screenshots here, through the compiled tree's link to it.
mkdirSync(join(root, 'test-artifacts'), { recursive: true });
const compiled = await compileForTests(root);
const compiledPath = (file) => join(compiled, file.replace(/\.tsx?$/, '.js'));
process.on('exit', () => rmSync(compiled, { recursive: true, force: true }));
// Ctrl-C ends the test files with us; exiting (rather than dying of the signal) runs the clean-ups.
process.on('SIGINT', () => process.exit(130));

function runSuite(name, files, env) {
  if (files.length === 0) return;
  console.log(`\n=== ${name}: ${files.length} file(s) ===`);
  const tap = join(mkdtempSync(join(tmpdir(), 'tijara-test-')), 'out.tap');
  const result = spawnSync(
    process.execPath,
    [
      '--test',
      '--test-concurrency=2',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...files.map(compiledPath),
    ],
    {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...process.env,
        ...env,
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --enable-source-maps`.trim(),
      },
    },
  );
  const text = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
  const count = (key) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  totals.pass += count('pass');
  totals.fail += count('fail') + count('cancelled');
  totals.skipped += count('skipped');
  if (result.status !== 0 && count('fail') + count('cancelled') === 0) totals.fail += 1;
}

async function postgresAnswers() {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function withAdmin(fn) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

// The demo data is loaded once into the templates (test/support/seed-for-tests.ts), its card numbers
// under this run's own master key, which the test files that start from them are given.
process.env.TIJARA_TEST_MASTER_KEY = randomBytes(32).toString('base64');

// 1. PGlite: each test's in-memory database starts from one migrated copy, made here once, or from
// one with the demo data too.
const pgliteFiles = all.filter((f) => !isBrowser(f) && !isPgOnly(f));
const templateDir = mkdtempSync(join(tmpdir(), 'tijara-template-'));
process.on('exit', () => rmSync(templateDir, { recursive: true, force: true }));
const pgliteTemplate = join(templateDir, 'pglite.tar');
const pgliteSeededTemplate = join(templateDir, 'pglite-seeded.tar');
if (pgliteFiles.length > 0 || all.some(isBrowser)) {
  const made = spawnSync(
    process.execPath,
    [compiledPath('test/support/make-pglite-template.ts'), pgliteTemplate, pgliteSeededTemplate],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (made.status !== 0) throw new Error('making the PGlite test templates failed');
}
const pgliteEnv = {
  TIJARA_TEST_DB: 'pglite',
  TIJARA_TEST_PGLITE_TEMPLATE: pgliteTemplate,
  TIJARA_TEST_PGLITE_SEEDED_TEMPLATE: pgliteSeededTemplate,
};
runSuite('PGlite', pgliteFiles, pgliteEnv);

// 2. PostgreSQL: a template database migrated once, and one fresh copy of it per test file.
const pgFiles = all.filter((f) => usesDb(f) && !isBrowser(f));
if (pgFiles.length > 0) {
  if (await postgresAnswers()) {
    const template = `tijara_test_${Date.now().toString(36)}_${process.pid}`;
    const templateUrl = new URL(adminUrl);
    templateUrl.pathname = `/${template}`;
    await withAdmin((c) => c.query(`create database ${template}`));
    try {
      const migrated = spawnSync(
        process.execPath,
        ['bin/tijara.js', 'migrate', '--database-url', templateUrl.href],
        {
          cwd: root,
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      if (migrated.status !== 0) throw new Error('migrating the PostgreSQL test template failed');
      const seededTemplate = `${template}_seeded`;
      const seededUrl = new URL(adminUrl);
      seededUrl.pathname = `/${seededTemplate}`;
      await withAdmin((c) => c.query(`create database ${seededTemplate} template ${template}`));
      const seeded = spawnSync(
        process.execPath,
        [compiledPath('test/support/seed-for-tests.ts'), seededUrl.href],
        { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
      );
      if (seeded.status !== 0) throw new Error('seeding the PostgreSQL test template failed');
      runSuite('PostgreSQL', pgFiles, {
        TIJARA_TEST_DB: 'postgres',
        TIJARA_TEST_PG_ADMIN_URL: adminUrl,
        TIJARA_TEST_PG_TEMPLATE: template,
        TIJARA_TEST_PG_SEEDED_TEMPLATE: seededTemplate,
      });
    } finally {
      await withAdmin(async (c) => {
        const { rows } = await c.query('select datname from pg_database where datname like $1', [
          `${template}%`,
        ]);
        for (const { datname } of rows) await c.query(`drop database if exists ${datname} with (force)`);
      });
    }
  } else if (ci) {
    console.error(
      `\nFAIL: no PostgreSQL answered at ${adminUrl}, and under CI=true the PostgreSQL suites may not be skipped.`,
    );
    totals.fail += 1;
  } else {
    notes.push(
      `SKIPPED the PostgreSQL suites (${pgFiles.length} files): no PostgreSQL answered at ${adminUrl}. Set TEST_DATABASE_URL to run them.`,
    );
  }
}

// 3. Browser suite, in headless Chromium.
const browserFiles = all.filter(isBrowser);
if (browserFiles.length > 0) {
  if (existsSync(chromium)) {
    runSuite('Browser (Chromium)', browserFiles, { ...pgliteEnv, CHROMIUM_PATH: chromium });
  } else if (ci) {
    console.error(`\nFAIL: no Chromium at ${chromium}; under CI=true the browser suite may not be skipped.`);
    totals.fail += 1;
  } else {
    notes.push(
      `SKIPPED the browser suite (${browserFiles.length} files): no Chromium at ${chromium} (apt-get install chromium).`,
    );
  }
}

console.log('');
for (const note of notes) console.log(note);
console.log(`${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`);
process.exit(totals.fail > 0 ? 1 : 0);
