import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { testDatabase } from '../../test/support/store.js';
import { createStore } from './store.js';

test('a pooled connection the server drops while idle is replaced, and the process goes on', async () => {
  const database = await testDatabase();
  const lost: Error[] = [];
  const store = createStore({ databaseUrl: database.url, onConnectionLost: (error) => lost.push(error) });
  try {
    assert.deepEqual((await sql<{ n: number }>`select ${1}::int as n`.execute(store.db)).rows, [{ n: 1 }]);
    // What a restart or a failover does to the pool's idle connection.
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    await admin.end();
    for (let i = 0; i < 100 && lost.length === 0; i++) await sleep(20);
    assert.equal(lost.length, 1);
    assert.equal((lost[0] as Error & { code?: string }).code, '57P01'); // admin_shutdown
    assert.deepEqual((await sql<{ n: number }>`select ${2}::int as n`.execute(store.db)).rows, [{ n: 2 }]);
  } finally {
    await store.close();
    await database.drop();
  }
});
