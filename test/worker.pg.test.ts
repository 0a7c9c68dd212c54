import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { after, test } from 'node:test';
import pg from 'pg';
import { apiClient, card, demoKeys } from './support/platform.js';
import { startTijara, tijaraBin } from './support/process.js';
import { testDatabase } from './support/store.js';

const database = await testDatabase();

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
after(() => database.drop());
const env = {
  DATABASE_URL: database.url!,
  TIJARA_MASTER_KEY: randomBytes(32).toString('base64'),
  TIJARA_WORKERS: 'false',
  // The demo merchants' keys pay here: on PostgreSQL the demo data is loaded only when asked.
  TIJARA_SEED: 'true',
};

test('two `tijara worker` processes share the outbox: every webhook is delivered once', async (t) => {
  const received: string[] = [];
  const receiver = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    received.push((JSON.parse(body) as { id: string }).id);
    response.writeHead(200).end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  after(() => receiver.close());

  const server = await startTijara(env);
  // A failed assertion must not leave processes behind: the test file would wait on them for ever.
  const killLeftOver = (child: ChildProcess) => child.exitCode === null && child.kill('SIGKILL');
  t.after(() => killLeftOver(server.child));
  const atlas = apiClient(server.baseUrl, demoKeys.atlas);
  await atlas.post('/v1/webhook_endpoints', {
    url: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`,
    events: ['payment.succeeded'],
  });
  const payments = 40;
  for (let i = 0; i < payments; i++) {
    const created = await atlas.post<{ id: string }>('/v1/payments', { amount: 1_000 + i, currency: 'MAD' });
    await atlas.post(`/v1/payments/${created.body.id}/confirm`, { card: card('5555555555554444') });
  }
  assert.equal(received.length, 0, 'the server runs no workers');

  // A hold whose capture deadline has passed (set back by hand: the window is days long).
  const manual = await atlas.post<{ id: string }>('/v1/payments', {
    amount: 7_000,
    currency: 'MAD',
    capture_method: 'manual',
  });
  await atlas.post(`/v1/payments/${manual.body.id}/confirm`, { card: card('5555555555554444') });
  await withClient(database.url!, (client) =>
    client.query(`update payments set capture_before = now() - interval '1 minute' where id = $1`, [
      manual.body.id,
    ]),
  );

  const workers = [0, 1].map(() =>
    spawn(process.execPath, [tijaraBin, 'worker'], {
      env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'warn', ...env },
      stdio: 'ignore',
    }),
  );
  t.after(() => workers.forEach(killLeftOver));
  const exits = workers.map((w) => new Promise<number | null>((resolve) => w.on('exit', resolve)));
  const deadline = Date.now() + 30_000;
  while (received.length < payments && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1_000)); // room for a duplicate to show up, if there were one
  // The workers also ran the scheduled duties, not only the outbox.
  const lapsed = await atlas.get<{ status: string; cancellation_reason: string }>(
    `/v1/payments/${manual.body.id}`,
  );
  assert.deepEqual([lapsed.body.status, lapsed.body.cancellation_reason], ['canceled', 'automatic']);
  for (const w of workers) w.kill('SIGTERM');
  assert.deepEqual(await Promise.all(exits), [0, 0]);
  server.child.kill('SIGTERM');
  await server.exited;

  assert.equal(received.length, payments);
  assert.equal(new Set(received).size, payments);
});
