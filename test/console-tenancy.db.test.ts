import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, describe, test } from 'node:test';
import { demoPassword } from '../src/auth/seed.js';
import { consoleRouteTable } from '../src/console/context.js';
import { ConsoleClient, demoCode } from './console-client.js';
import { card, demoKeys, testPlatform } from './support/platform.js';

// Merchant A is Atlas Voyages (its owner signs in); merchant B is Marrakech Auto Location.
const { platform, baseUrl, api } = await testPlatform();
const db = platform.store.db;
const marrakech = api(demoKeys.marrakech);

const receiver = createServer((_request, response) => response.writeHead(200).end('ok'));
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
after(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;

// B's payment, refund, webhook endpoint and delivery, privacy request (through the API, as B would make
// them), and key.
const payment = await marrakech.post<{ id: string }>('/v1/payments', {
  amount: 90_000,
  currency: 'MAD',
  order_reference: 'B-SECRET-ORDER',
  customer_email: 'client-b@example.ma',
});
const endpoint = await marrakech.post<{ id: string }>('/v1/webhook_endpoints', { url: receiverUrl });
await marrakech.post(`/v1/payments/${payment.body.id}/confirm`, { card: card('5555555555554444') });
const refund = await marrakech.post<{ id: string }>('/v1/refunds', {
  payment: payment.body.id,
  amount: 1_000,
});
for (let i = 0; i < 20; i++) {
  await platform.outbox.runOnce();
  const delivered = await db.selectFrom('webhook_deliveries').select('id').executeTakeFirst();
  if (delivered) break;
  await new Promise((r) => setTimeout(r, 20));
}
const privacyRequest = await marrakech.post<{ id: string }>('/v1/privacy_requests', {
  kind: 'access',
  email: 'client-b@example.ma',
});
assert.equal(privacyRequest.status, 201, JSON.stringify(privacyRequest.body));
const marrakechId = (await platform.services.merchants.authenticate(demoKeys.marrakech))!.merchant.id;
const bKey = await platform.services.merchants.createApiKey(marrakechId, false, { label: 'b' });
const delivery = await db
  .selectFrom('webhook_deliveries')
  .select('id')
  .where('endpoint_id', '=', endpoint.body.id)
  .executeTakeFirstOrThrow();

/** B's ids under the route parameter names the merchant pages use. */
const merchantB: Record<string, string> = {
  paymentId: payment.body.id,
  refundId: refund.body.id,
  endpointId: endpoint.body.id,
  deliveryId: delivery.id,
  keyId: bKey.apiKey.id,
  requestId: privacyRequest.body.id,
};
/**
 * Parameters of pages that are not a merchant's: cards, organisations, people, one-time links, the
 * authority's review cases (a case, its screening hits and documents, the merchant it suspends), its
 * monitoring alerts and its watched web sites.
 */
const otherParams: Record<string, string> = {
  id: 'crd_none',
  hitId: 'hit_none',
  documentId: 'doc_none',
  merchantId: 'mer_none',
  change: 'block',
  organisationId: 'org_none',
  userId: 'usr_none',
  token: 'A'.repeat(43),
};
/** Every field any console form takes, with plausible values, so only the CSRF token is missing. */
const anyForm = {
  email: 'someone@example.ma',
  password: 'a-long-enough-password',
  repeat: 'a-long-enough-password',
  code: '123456',
  url: 'https://example.ma/hooks',
  events: 'payment.succeeded',
  name: 'Someone',
  role: 'owner',
  last4: '1111',
  amount: '1.00',
  reason: 'test',
  label: 'x',
  organisation: 'org_none',
  owner_kind: 'merchant',
  every_minutes: '5',
  kind: 'access',
};

/** A multipart upload of a small PDF, with the CSRF token when given. */
function upload(csrf: string | undefined): FormData {
  const form = new FormData();
  if (csrf) form.append('csrf', csrf);
  form.append('kind', 'rc_extract');
  form.append('file', new Blob(['%PDF-1.4\n%%EOF\n'], { type: 'application/pdf' }), 'extract.pdf');
  return form;
}

const params = (url: string) => [...url.matchAll(/:(\w+)/g)].map((m) => m[1]!);
const fill = (url: string, values: Record<string, string>) =>
  url.replace(/:(\w+)/g, (_, name: string) => values[name] ?? `missing-${name}`);

/** What B has that a console action could change, and the length of the audit trail. */
async function snapshot() {
  return {
    payment: await db
      .selectFrom('payments')
      .select(['status', 'amount_refunded'])
      .where('id', '=', payment.body.id)
      .executeTakeFirstOrThrow(),
    refunds: await db.selectFrom('refunds').select('id').where('merchant_id', '=', marrakechId).execute(),
    endpoint: await db
      .selectFrom('webhook_endpoints')
      .select('disabled_at')
      .where('id', '=', endpoint.body.id)
      .executeTakeFirstOrThrow(),
    key: await db
      .selectFrom('merchant_api_keys')
      .select('revoked_at')
      .where('id', '=', bKey.apiKey.id)
      .executeTakeFirstOrThrow(),
    outbox: (await db.selectFrom('outbox_events').select(db.fn.countAll().as('n')).executeTakeFirstOrThrow())
      .n,
    audit: (await platform.services.audit.list({ limit: 1 }))[0]?.seq,
    watchedSites: (await platform.services.watch.listSites()).map((s) => [s.id, s.enabled, s.baselineAt]),
    privacyRequests: (
      await platform.services.privacy.listRequests({ merchantId: marrakechId, livemode: false })
    ).map((r) => [r.id, r.status, r.answeredAt]),
  };
}

const routes = consoleRouteTable(platform.server);

describe('console tenancy and CSRF', () => {
  test('the route table is read from Fastify and every parameter is known to this test', () => {
    assert.ok(routes.length >= 20, `only ${routes.length} console routes recorded`);
    for (const route of routes)
      for (const name of params(route.url))
        assert.ok(
          name in merchantB || name in otherParams,
          `${route.method} ${route.url}: parameter :${name} is new; say here whose id it takes`,
        );
  });

  test("every merchant route, called by merchant A's owner with merchant B's ids, answers 404 and changes nothing", async () => {
    const owner = await new ConsoleClient(baseUrl).signedIn(
      'owner@atlas-voyages.example',
      demoPassword('owner'),
    );
    const csrf = owner.csrf();
    const merchantRoutes = routes.filter(
      (r) => params(r.url).length > 0 && params(r.url).every((name) => name in merchantB),
    );
    assert.ok(merchantRoutes.length >= 7, `only ${merchantRoutes.length} merchant routes with ids`);
    const before = await snapshot();
    for (const route of merchantRoutes) {
      const path = `${fill(route.url, merchantB)}?lang=en`;
      const response =
        route.method === 'GET' ? await owner.get(path) : await owner.post(path, { csrf, ...anyForm });
      assert.equal(response.status, 404, `${route.method} ${route.url} answered ${response.status}`);
      // The page may echo its own URL (the language links); nothing else of B's may show.
      for (const secret of [...Object.values(merchantB), 'B-SECRET-ORDER', 'client-b@example.ma'])
        if (!path.includes(secret))
          assert.ok(!response.text.includes(secret), `${route.method} ${route.url} shows ${secret}`);
    }
    assert.deepEqual(await snapshot(), before);

    // The pages without ids list only A's own things: none of B's ids or data shows up on them.
    for (const route of routes.filter((r) => r.method === 'GET' && params(r.url).length === 0)) {
      const response = await owner.get(`${route.url}?lang=en`);
      for (const secret of [...Object.values(merchantB), 'B-SECRET-ORDER', 'client-b@example.ma'])
        assert.ok(!response.text.includes(secret), `GET ${route.url} shows ${secret}`);
    }
  });

  test('every POST form is refused without its CSRF token, or with a wrong one, and changes nothing', async () => {
    const owner = await new ConsoleClient(baseUrl).signedIn(
      'owner@atlas-voyages.example',
      demoPassword('owner'),
    );
    const posts = routes.filter((r) => r.method === 'POST');
    assert.ok(posts.length >= 12, `only ${posts.length} POST routes`);
    const before = await snapshot();
    for (const route of posts) {
      const path = `${fill(route.url, { ...merchantB, ...otherParams })}?lang=en`;
      for (const csrf of [undefined, 'forged-token']) {
        const form = { ...anyForm, ...(csrf ? { csrf } : {}) };
        let response = await owner.post(path, form);
        // A route that takes only uploads refuses a plain form unread: send it the upload it wants.
        if (response.status === 406 || response.status === 415)
          response = await owner.post(path, upload(csrf));
        assert.equal(response.status, 403, `POST ${route.url} (csrf ${csrf}) answered ${response.status}`);
      }
    }
    assert.deepEqual(await snapshot(), before);
    // Still signed in: the refusals did not end the session either.
    assert.equal((await owner.get('/console/payments?lang=en')).status, 200);
  });

  test("the authority's monitoring pages (alerts, watched sites, privacy requests by merchant) refuse a merchant's and a bank's people, and change nothing", async () => {
    const monitoring = routes.filter((r) => /^\/console\/(risk|sites|data-protection)(\/|$)/.test(r.url));
    assert.ok(monitoring.length >= 10, `only ${monitoring.length} monitoring routes`);
    // Signing in is audited: both people sign in before the snapshot.
    const people = [
      await new ConsoleClient(baseUrl).signedIn('owner@atlas-voyages.example', demoPassword('owner')),
      await new ConsoleClient(baseUrl).signedIn(
        'operator@banque-atlas.example',
        demoPassword('operator'),
        demoCode(),
      ),
    ];
    const before = await snapshot();
    for (const person of people) {
      const csrf = person.csrf();
      for (const route of monitoring) {
        const path = `${fill(route.url, otherParams)}?lang=en`;
        const response =
          route.method === 'GET' ? await person.get(path) : await person.post(path, { csrf, ...anyForm });
        assert.equal(response.status, 403, `${route.method} ${route.url} answered ${response.status}`);
      }
    }
    assert.deepEqual(await snapshot(), before);
  });
});
