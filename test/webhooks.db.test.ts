import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { WEBHOOK_FANOUT_TOPIC } from '../src/payments/events.js';
import { signWebhook, verifyWebhook } from '../src/payments/signature.js';
import { enqueueEvent } from '../src/store/outbox.js';
import { card, demoKeys, testPlatform } from './support/platform.js';

interface Received {
  eventId: string;
  type: string;
  signatureValid: boolean;
  signature: string;
  body: string;
}

/** A merchant's webhook receiver, over real HTTP: refuses the first `failFirst` deliveries. */
async function startReceiver(failFirst: number) {
  const received: Received[] = [];
  let secret = '';
  let failuresLeft = failFirst;
  const server = createServer(async (request: IncomingMessage, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    const event = JSON.parse(body) as { id: string; type: string };
    received.push({
      eventId: event.id,
      type: event.type,
      signatureValid: verifyWebhook(String(request.headers['tijara-signature']), body, secret),
      signature: String(request.headers['tijara-signature']),
      body,
    });
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      response.writeHead(500).end('not now');
    } else {
      response.writeHead(200).end('ok');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hooks`, received, setSecret: (s: string) => (secret = s) };
}

const { platform, api } = await testPlatform();
const atlas = api(demoKeys.atlas);

async function runOutboxUntil(done: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('outbox did not deliver in time');
    await platform.outbox.runOnce();
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A receiver registered as an atlas endpoint for `events`, with its secret set. */
async function registeredReceiver(events: string[], failFirst = 0) {
  const receiver = await startReceiver(failFirst);
  const endpoint = await atlas.post<{ id: string; secret: string }>('/v1/webhook_endpoints', {
    url: receiver.url,
    events,
  });
  receiver.setSecret(endpoint.body.secret);
  return { ...receiver, endpointId: endpoint.body.id, secret: endpoint.body.secret };
}

/** A payment by atlas, confirmed with `number`; answers its id. */
async function pay(amount: number, number = '4111111111111111') {
  const created = await atlas.post<{ id: string }>('/v1/payments', { amount, currency: 'MAD' });
  await atlas.post(`/v1/payments/${created.body.id}/confirm`, { card: card(number) });
  return created.body.id;
}

describe('webhooks', () => {
  test('signed deliveries reach a real receiver, retried after failures, and can be replayed', async () => {
    const receiver = await startReceiver(2);
    const endpoint = await atlas.post<{ id: string; secret: string }>('/v1/webhook_endpoints', {
      url: receiver.url,
      events: ['payment.succeeded'],
    });
    assert.equal(endpoint.status, 201);
    assert.match(endpoint.body.secret, /^whsec_/);
    receiver.setSecret(endpoint.body.secret);

    const created = await pay(4_200);

    await runOutboxUntil(() => receiver.received.length >= 3);
    assert.equal(receiver.received.length, 3, 'two refusals, then a success, then nothing more');
    assert.ok(receiver.received.every((r) => r.signatureValid));
    assert.ok(receiver.received.every((r) => r.type === 'payment.succeeded'));
    const eventId = receiver.received[0]!.eventId;
    assert.ok(receiver.received.every((r) => r.eventId === eventId));
    await new Promise((r) => setTimeout(r, 200));
    await platform.outbox.runOnce();
    assert.equal(receiver.received.length, 3);

    const deliveries = await atlas.get<{
      data: { succeeded: boolean; status_code: number; attempt: number }[];
    }>(`/v1/webhook_endpoints/${endpoint.body.id}/deliveries`);
    assert.deepEqual(deliveries.body.data.map((d) => [d.attempt, d.status_code, d.succeeded]).reverse(), [
      [1, 500, false],
      [2, 500, false],
      [3, 200, true],
    ]);

    const event = await atlas.get<{ id: string; type: string; data: { object: { id: string } } }>(
      `/v1/events/${eventId}`,
    );
    assert.equal(event.body.data.object.id, created);
    const replay = await atlas.post<{ queued: number }>(`/v1/events/${eventId}/redeliver`, {});
    assert.equal(replay.body.queued, 1);
    await runOutboxUntil(() => receiver.received.length >= 4);
    assert.equal(receiver.received[3]?.eventId, eventId);
  });

  test('events the endpoint did not ask for are not sent', async () => {
    const receiver = await registeredReceiver(['refund.succeeded']);
    const created = await pay(1_000);
    await atlas.post('/v1/refunds', { payment: created });
    await runOutboxUntil(() => receiver.received.length >= 1);
    await platform.outbox.runOnce();
    assert.deepEqual(
      receiver.received.map((r) => r.type),
      ['refund.succeeded'],
    );
  });

  test('an endpoint gets the events that happen once it is registered, not older ones', async () => {
    await pay(1_100);
    const receiver = await registeredReceiver(['payment.succeeded']);
    const after = await pay(1_200);
    await runOutboxUntil(() => receiver.received.length >= 1);
    await platform.outbox.runOnce();
    const objects = await Promise.all(
      receiver.received.map(
        async (r) =>
          (await atlas.get<{ data: { object: { id: string } } }>(`/v1/events/${r.eventId}`)).body.data.object
            .id,
      ),
    );
    assert.deepEqual(objects, [after]);
  });

  test('the events of one batch each reach the endpoints that asked for their type, once', async () => {
    const everything = await registeredReceiver(['*']);
    const failures = await registeredReceiver(['payment.failed']);
    // Four payments at once, the last declined (a lost card), before the outbox runs: one batch. At
    // once, their confirms share groups, which queue their deliveries in one statement over arrays.
    await Promise.all(
      ['4111111111111111', '4111111111111111', '4111111111111111', '4111110000000203'].map((number) =>
        pay(1_300, number),
      ),
    );
    await runOutboxUntil(() => everything.received.length >= 4 && failures.received.length >= 1);
    await platform.outbox.runOnce();
    assert.deepEqual(everything.received.map((r) => r.type).sort(), [
      'payment.failed',
      'payment.succeeded',
      'payment.succeeded',
      'payment.succeeded',
    ]);
    assert.equal(new Set(everything.received.map((r) => r.eventId)).size, 4);
    assert.deepEqual(
      failures.received.map((r) => r.type),
      ['payment.failed'],
    );
    assert.ok([...everything.received, ...failures.received].every((r) => r.signatureValid));
  });

  test('a fan-out queued by an earlier version (one outbox row per event) is still delivered', async () => {
    const receiver = await registeredReceiver(['payment.succeeded']);
    await pay(1_400);
    await runOutboxUntil(() => receiver.received.length >= 1);
    const eventId = receiver.received[0]!.eventId;
    await platform.store.transaction((trx) => enqueueEvent(trx, WEBHOOK_FANOUT_TOPIC, { eventId }));
    await runOutboxUntil(() => receiver.received.length >= 2);
    assert.deepEqual(
      receiver.received.map((r) => [r.eventId, r.signatureValid]),
      [
        [eventId, true],
        [eventId, true],
      ],
    );
  });

  test('live endpoints must use https; unknown event types are refused', async () => {
    const bad = await atlas.post('/v1/webhook_endpoints', { url: 'ftp://example.ma/x' });
    assert.equal(bad.status, 400);
    const unknown = await atlas.post('/v1/webhook_endpoints', {
      url: 'https://example.ma/x',
      events: ['payment.teleported'],
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.code, 'invalid_event_type');
  });

  test('live endpoints must be on the public internet; test endpoints may call localhost', async () => {
    const caller = await platform.services.merchants.authenticate(demoKeys.atlas);
    const { secret } = await platform.services.merchants.createApiKey(caller!.merchant.id, true);
    const live = api(secret);
    for (const url of ['https://localhost/h', 'https://127.0.0.1/h', 'https://169.254.169.254/h']) {
      const refused = await live.post<{ code: string; detail: string }>('/v1/webhook_endpoints', { url });
      assert.equal(refused.status, 400, url);
      assert.match(refused.body.detail, /public internet/);
    }
    assert.equal((await live.post('/v1/webhook_endpoints', { url: 'https://93.184.216.34/h' })).status, 201);
    assert.equal((await atlas.post('/v1/webhook_endpoints', { url: 'http://127.0.0.1:9/h' })).status, 201);
  });

  test('what a key changes is in the audit trail under that key, and a refused change is not', async () => {
    const endpoint = await atlas.post<{ id: string }>('/v1/webhook_endpoints', {
      url: 'https://example.ma/h',
    });
    assert.equal((await atlas.delete(`/v1/webhook_endpoints/${endpoint.body.id}`)).status, 200);
    const paid = await pay(20_000);
    const refund = await atlas.post<{ id: string }>('/v1/refunds', { payment: paid, amount: 5_000 });
    assert.equal(refund.status, 201);
    const refundsAudited = async () =>
      (await platform.services.audit.list({ limit: 1000, action: 'payment.refund' })).length;
    const before = await refundsAudited();
    const tooMuch = await atlas.post('/v1/refunds', { payment: paid, amount: 90_000 });
    assert.equal(tooMuch.status, 422);

    const records = await platform.services.audit.list({ limit: 50 });
    const byKey = records.filter((r) => r.actorType === 'api_key');
    const actions = byKey.map((r) => `${r.action} ${r.targetId}`);
    assert.ok(actions.includes(`webhook_endpoint.create ${endpoint.body.id}`), actions.join('\n'));
    assert.ok(actions.includes(`webhook_endpoint.delete ${endpoint.body.id}`));
    assert.ok(actions.includes(`payment.refund ${refund.body.id}`));
    assert.ok(actions.includes(`payment.create ${paid}`));
    assert.ok(actions.includes(`payment.confirm ${paid}`));
    assert.equal(await refundsAudited(), before);
    assert.deepEqual(await platform.services.audit.verify(), { ok: true, records: records.length });
  });

  test('the list of events pages newest first', async () => {
    const page = await atlas.get<{ data: { id: string; type: string }[] }>('/v1/events?limit=2');
    assert.equal(page.body.data.length, 2);
    assert.ok(page.body.data[0]!.id > page.body.data[1]!.id);
  });
});

describe('rolling a secret', () => {
  const v1s = (signature: string) => signature.split(',').filter((part) => part.startsWith('v1=')).length;

  test('the old secret keeps signing for the overlap asked, then only the new one signs', async () => {
    const receiver = await registeredReceiver(['payment.succeeded']);
    const { endpointId, secret: originalSecret } = receiver;
    const delivered = async () => {
      const before = receiver.received.length;
      await pay(1_300);
      await runOutboxUntil(() => receiver.received.length > before);
      return receiver.received.at(-1)!;
    };
    assert.equal(v1s((await delivered()).signature), 1, 'one secret, one signature');

    const rolled = await atlas.post<{ secret: string; previous_secret_expires_at: string }>(
      `/v1/webhook_endpoints/${endpointId}/roll_secret`,
      {},
    );
    assert.equal(rolled.status, 200, JSON.stringify(rolled.body));
    assert.match(rolled.body.secret, /^whsec_/);
    assert.notEqual(rolled.body.secret, originalSecret);
    const overlapMs = Date.parse(rolled.body.previous_secret_expires_at) - Date.now();
    assert.ok(Math.abs(overlapMs - 24 * 3600_000) < 60_000, 'the old secret signs for 24 hours by default');

    const during = await delivered();
    assert.equal(v1s(during.signature), 2);
    assert.ok(verifyWebhook(during.signature, during.body, rolled.body.secret), 'the new secret verifies');
    assert.ok(verifyWebhook(during.signature, during.body, originalSecret), 'and so does the old one');

    // The overlap over (moved back by hand), deliveries carry the new secret's signature alone.
    await platform.store.db
      .updateTable('webhook_endpoints')
      .set({ previous_secret_expires_at: new Date(Date.now() - 1_000) })
      .where('id', '=', endpointId)
      .execute();
    const after = await delivered();
    assert.equal(v1s(after.signature), 1);
    assert.ok(verifyWebhook(after.signature, after.body, rolled.body.secret));
    assert.ok(!verifyWebhook(after.signature, after.body, originalSecret));

    // A roll with no overlap: the secret just given stops signing at once.
    const again = await atlas.post<{ secret: string; previous_secret_expires_at: null }>(
      `/v1/webhook_endpoints/${endpointId}/roll_secret`,
      { expires_in_hours: 0 },
    );
    assert.equal(again.body.previous_secret_expires_at, null);
    const last = await delivered();
    assert.equal(v1s(last.signature), 1);
    assert.ok(verifyWebhook(last.signature, last.body, again.body.secret));
    assert.ok(!verifyWebhook(last.signature, last.body, rolled.body.secret));
  });

  test("another merchant's endpoint is not found; a bad overlap is refused", async () => {
    const receiver = await registeredReceiver(['payment.succeeded']);
    const { endpointId } = receiver;
    const marrakech = api(demoKeys.marrakech);
    const stranger = await marrakech.post(`/v1/webhook_endpoints/${endpointId}/roll_secret`, {});
    assert.equal(stranger.status, 404);
    const tooLong = await atlas.post(`/v1/webhook_endpoints/${endpointId}/roll_secret`, {
      expires_in_hours: 169,
    });
    assert.equal(tooLong.status, 400);
    assert.match(JSON.stringify(tooLong.body), /expires_in_hours/);
    // Neither changed the secret: deliveries still verify with the one the receiver has.
    await pay(1_400);
    await runOutboxUntil(() => receiver.received.length >= 1);
    assert.ok(receiver.received.every((r) => r.signatureValid));
  });
});

describe('signature verification', () => {
  test('rejects a changed body, another secret and a stale timestamp', () => {
    const now = new Date('2026-11-24T12:00:00Z');
    const header = signWebhook('whsec_a', '{"x":1}', now);
    assert.equal(verifyWebhook(header, '{"x":1}', 'whsec_a', 300, now), true);
    assert.equal(verifyWebhook(header, '{"x":2}', 'whsec_a', 300, now), false);
    assert.equal(verifyWebhook(header, '{"x":1}', 'whsec_b', 300, now), false);
    assert.equal(verifyWebhook(header, '{"x":1}', 'whsec_a', 300, new Date(now.getTime() + 301_000)), false);
    assert.equal(verifyWebhook('garbage', '{"x":1}', 'whsec_a', 300, now), false);
  });

  test('while a rolled secret overlaps, either secret verifies and no other does', () => {
    const now = new Date('2026-11-24T12:00:00Z');
    const header = signWebhook(['whsec_new', 'whsec_old'], '{"x":1}', now);
    assert.match(header, /^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    assert.equal(verifyWebhook(header, '{"x":1}', 'whsec_new', 300, now), true);
    assert.equal(verifyWebhook(header, '{"x":1}', 'whsec_old', 300, now), true);
    assert.equal(verifyWebhook(header, '{"x":1}', 'whsec_other', 300, now), false);
    assert.equal(verifyWebhook(header, '{"x":2}', 'whsec_old', 300, now), false);
  });

  test("the README's verification helper, run as a merchant pastes it, agrees", async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const code = readme
      .split('```js\n')
      .map((block) => block.slice(0, block.indexOf('\n```')))
      .find((block) => block.includes('export function verifyTijaraSignature'));
    assert.ok(code, 'the README shows verifyTijaraSignature');
    const file = join(mkdtempSync(join(tmpdir(), 'tijara-readme-')), 'verify.mjs');
    writeFileSync(file, code);
    const { verifyTijaraSignature } = (await import(pathToFileURL(file).href)) as {
      verifyTijaraSignature: (header: string, body: string, secret: string) => boolean;
    };
    const body = '{"id":"evt_1"}';
    const one = signWebhook('whsec_a', body, new Date());
    const two = signWebhook(['whsec_b', 'whsec_a'], body, new Date());
    assert.equal(verifyTijaraSignature(one, body, 'whsec_a'), true);
    assert.equal(verifyTijaraSignature(two, body, 'whsec_a'), true);
    assert.equal(verifyTijaraSignature(two, body, 'whsec_b'), true);
    assert.equal(verifyTijaraSignature(two, body, 'whsec_c'), false);
    assert.equal(verifyTijaraSignature(one, `${body} `, 'whsec_a'), false);
    const stale = signWebhook('whsec_a', body, new Date(Date.now() - 301_000));
    assert.equal(verifyTijaraSignature(stale, body, 'whsec_a'), false);
  });
});
