import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startTijara, tijaraBin } from './support/process.js';
import { testDatabase } from './support/store.js';

const database = await testDatabase();
after(() => database.drop());
const dataDir = mkdtempSync(join(tmpdir(), 'tijara-start-'));
/** A fresh PGlite folder, or a fresh PostgreSQL database (migrated from the template, with no data). */
const where = (url: string | undefined, folder: string): Record<string, string> =>
  url
    ? { DATABASE_URL: url, TIJARA_MASTER_KEY: randomBytes(32).toString('base64') }
    : { TIJARA_DATA_DIR: folder };
// The demo data and pages are the embedded database's defaults; on PostgreSQL they are asked for.
const env = { ...where(database.url, dataDir), TIJARA_SEED: 'true', TIJARA_DEMO: 'true' };

describe('tijara start', () => {
  test('loads the demo data and serves the demo pages by default on PGlite, and neither on PostgreSQL', async () => {
    const other = await testDatabase();
    after(() => other.drop());
    const tijara = await startTijara(
      where(other.url, join(mkdtempSync(join(tmpdir(), 'tijara-start-')), 'data')),
    );
    try {
      const demoKey = 'sk_test_AtlasVoyagesDemo0000000000000001';
      const payments = await fetch(`${tijara.baseUrl}/v1/payments`, {
        headers: { authorization: `Bearer ${demoKey}` },
      });
      const pages = await Promise.all(
        ['/demo/shop', '/demo/inbox', '/demo/mail'].map(
          async (path) => (await fetch(tijara.baseUrl + path)).status,
        ),
      );
      if (other.url) {
        assert.doesNotMatch(tijara.output(), /Demo data loaded/);
        assert.equal(payments.status, 401);
        assert.deepEqual(pages, [404, 404, 404]);
      } else {
        assert.match(tijara.output(), /Demo data loaded/);
        assert.equal(payments.status, 200);
        assert.deepEqual(pages, [200, 200, 200]);
      }
    } finally {
      tijara.child.kill('SIGTERM');
    }
    assert.equal(await tijara.exited, 0, tijara.output());
  });

  test('starts on an empty database, serves health, ready and OpenAPI, and stops cleanly on SIGTERM', async () => {
    const started = Date.now();
    const tijara = await startTijara(env);
    const elapsed = Date.now() - started;
    try {
      const health = await fetch(`${tijara.baseUrl}/v1/health`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      assert.match(health.headers.get('x-request-id') ?? '', /^req_/);

      const ready = await fetch(`${tijara.baseUrl}/v1/ready`);
      assert.equal(ready.status, 200);
      const readyBody = (await ready.json()) as { status: string; database: string };
      assert.equal(readyBody.status, 'ready');
      assert.equal(readyBody.database, database.url ? 'postgres' : 'pglite');

      const openapi = (await (await fetch(`${tijara.baseUrl}/v1/openapi.json`)).json()) as {
        openapi: string;
        paths: Record<string, unknown>;
      };
      assert.equal(openapi.openapi, '3.1.0');
      assert.ok(openapi.paths['/v1/health'] && openapi.paths['/v1/ready']);

      const missing = await fetch(`${tijara.baseUrl}/v1/nothing-here`, {
        headers: { 'x-request-id': 'trace-42' },
      });
      assert.equal(missing.status, 404);
      assert.equal(missing.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.equal(missing.headers.get('x-request-id'), 'trace-42');
      assert.equal(((await missing.json()) as { code: string }).code, 'route_not_found');
      assert.match(tijara.output(), /Demo data loaded/);
    } finally {
      tijara.child.kill('SIGTERM');
    }
    assert.equal(await tijara.exited, 0, tijara.output());
    console.log(`started in ${elapsed} ms`);
  });

  test('a second start on the same database does not load the demo data again; a command beside it runs on PostgreSQL and is refused on PGlite', async () => {
    const tijara = await startTijara(env);
    const beside = spawnSync(process.execPath, [tijaraBin, 'migrate'], {
      env: { ...process.env, NODE_OPTIONS: '', ...env },
      encoding: 'utf8',
    });
    if (database.url) {
      assert.equal(beside.status, 0, beside.stderr);
      assert.match(beside.stdout, /schema is current/);
    } else {
      // PGlite serves one process: the server holds the folder (src/store/data-dir-lock.ts).
      assert.equal(beside.status, 1, beside.stderr);
      assert.match(
        beside.stderr.trim(),
        new RegExp(`^tijara: .* is open in process ${tijara.child.pid} \\(.*start`),
      );
    }
    tijara.child.kill('SIGINT');
    assert.equal(await tijara.exited, 0);
    assert.doesNotMatch(tijara.output(), /Demo data loaded/);
  });

  test('PostgreSQL without a master key refuses to start, with one line', () => {
    const result = spawnSync(process.execPath, [tijaraBin, 'start'], {
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
        TIJARA_MASTER_KEY: '',
      },
      encoding: 'utf8',
    });
    assert.equal(result.status, 2);
    assert.match(result.stderr.trim(), /^tijara: TIJARA_MASTER_KEY is required/);
  });

  test('a bad setting is one clear line and exit code 2', () => {
    const result = spawnSync(process.execPath, [tijaraBin, 'start'], {
      env: { ...process.env, NODE_OPTIONS: '', PORT: 'eighty' },
      encoding: 'utf8',
    });
    assert.equal(result.status, 2);
    assert.equal(result.stderr.trim(), 'tijara: PORT must be a whole number from 0 to 65535 (got "eighty")');
  });
});
