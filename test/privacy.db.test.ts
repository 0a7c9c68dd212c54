import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { demoPassword } from '../src/auth/seed.js';
import { isCmiPersonalField } from '../src/cmi/model.js';
import { manualClock } from '../src/core/clock.js';
import { Problem } from '../src/core/problem.js';
import { demoOrganisationKeys } from '../src/screening/seed.js';
import { personalData } from '../src/vault/personal-data.js';
import { ConsoleClient } from './console-client.js';
import { cmiShop, type Fields, STORE_KEY, shopForm, ver3 } from './support/cmi-shop.js';
import { card, demoKeys, testPlatform } from './support/platform.js';

const clock = manualClock(new Date());
const { platform, baseUrl, api } = await testPlatform({ clock, config: { personalDataRetentionDays: 365 } });
const { audit, privacy } = platform.services;
const { store } = platform;
const atlas = api(demoKeys.atlas);
const marrakech = api(demoKeys.marrakech);

interface RequestJson {
  id: string;
  kind: string;
  email: string;
  status: string;
  received_at: string;
  due_at: string;
  answered_at: string | null;
  records: number | null;
  answer: Record<string, unknown> | null;
}

let orders = 0;
async function paid(client: ReturnType<typeof api>, email: string | undefined, amount = 45_000) {
  const created = await client.post<{ id: string }>('/v1/payments', {
    amount,
    currency: 'MAD',
    order_reference: `DSR-${++orders}`,
    ...(email ? { customer_email: email } : {}),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await client.post(`/v1/payments/${created.body.id}/confirm`, { card: card('4111111111111111') });
  return created.body.id;
}

const atlasMerchant = (await platform.services.merchants.authenticate(demoKeys.atlas))!.merchant;
await platform.services.cmi.seedDemoCmiStore(atlasMerchant.id);
const shop = cmiShop(baseUrl);

/** A payment through Atlas's CMI form (a shop plugin's post), confirmed, its answer kept for the shop. */
async function paidThroughCmi(buyer: Fields) {
  const form = shopForm(buyer);
  const id = await shop.startOrder(form);
  const confirmed = await store.transaction((trx) =>
    platform.services.payments.confirm(
      { merchant: atlasMerchant, livemode: false },
      id,
      { card: { number: '4111111111111111', expMonth: 12, expYear: 2030, cvc: '123' } },
      trx,
    ),
  );
  if (confirmed instanceof Problem) assert.fail(confirmed.code);
  assert.equal((await platform.services.cmi.completeOrder(id)).kind, 'completed');
  return { id, oid: form.oid! };
}

const personal = personalData(platform.services.vault);
/** A CMI order's fields and the answer kept for the shop, as stored and opened. */
async function storedOrder(paymentId: string) {
  const { rows } = await sql<{ fields: Fields; response: Fields; buyer_data_erased_at: Date | null }>`
    select fields, response, buyer_data_erased_at from cmi_orders where payment_id = ${paymentId}`.execute(
    store.db,
  );
  const row = rows[0]!;
  return {
    stored: JSON.stringify([row.fields, row.response]),
    fields: await personal.openFields(row.fields, isCmiPersonalField),
    response: await personal.openFields(row.response, isCmiPersonalField),
    erasedAt: row.buyer_data_erased_at,
  };
}

// Leila paid Atlas Voyages twice through the API (typing her address two ways) and once through its
// CMI form, with her name, city and telephone; Marrakech Auto once. Others paid too.
const leilaBuyer = {
  email: 'leila.bennani@example.ma',
  BillToName: 'Leila Bennani',
  BillToCity: 'Fès',
  tel: '+212661000111',
};
const leilaOrder = { id: '', oid: '' };
const leilaAtAtlas = [
  await paid(atlas, 'leila.bennani@example.ma'),
  await paid(atlas, 'Leila.Bennani@Example.MA'),
  await paidThroughCmi(leilaBuyer).then((order) => Object.assign(leilaOrder, order).id),
];
const youssefOrder = await paidThroughCmi({ email: 'youssef@example.ma', BillToName: 'Youssef Tazi' });
const leilaAtMarrakech = await paid(marrakech, 'leila.bennani@example.ma');
const othersAtAtlas = [await paid(atlas, 'youssef@example.ma'), await paid(atlas, undefined)];

const file = (client: ReturnType<typeof api>, body: Record<string, unknown>, key?: string) =>
  client.post<RequestJson & { code?: string }>(
    '/v1/privacy_requests',
    body,
    key ? { 'Idempotency-Key': key } : {},
  );
const answer = (client: ReturnType<typeof api>, id: string) =>
  client.post<RequestJson & { code?: string }>(`/v1/privacy_requests/${id}/answer`, {});

async function storedEmailOf(paymentId: string) {
  const { rows } = await sql<{ customer_email: string | null }>`
    select customer_email from payments where id = ${paymentId}`.execute(store.db);
  return rows[0]!.customer_email;
}

describe('law 09-08 requests of the people whose data merchants hold', () => {
  test('access: the person gets every payment of theirs at this merchant, and every reading of their address with its purpose', async () => {
    // Someone at Atlas read Leila's address in the console, for a dispute.
    const owner = await new ConsoleClient(baseUrl).signedIn(
      'owner@atlas-voyages.example',
      demoPassword('owner'),
    );
    const page = await owner.get(`/console/payments/${leilaAtAtlas[0]}?lang=en&purpose=dispute`);
    assert.match(page.text, /leila.bennani@example.ma/);

    const filed = await file(atlas, { kind: 'access', email: 'LEILA.bennani@example.ma' }, 'dsr-access-1');
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    assert.equal(filed.body.status, 'open');
    assert.equal(
      new Date(filed.body.due_at).getTime() - new Date(filed.body.received_at).getTime(),
      30 * 86_400_000,
    );
    // The address is sealed at rest like every customer address.
    const { rows } = await sql<{ subject_email: string }>`
      select subject_email from privacy_requests where id = ${filed.body.id}`.execute(store.db);
    assert.doesNotMatch(rows[0]!.subject_email, /leila/i);

    const answered = await answer(atlas, filed.body.id);
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    assert.equal(answered.body.status, 'answered');
    assert.equal(answered.body.records, 3);
    const report = answered.body.answer as {
      payments: { id: string; amount: number; card: string }[];
      cmi_orders: { payment: string; oid: string; created_at: string; fields: Fields }[];
      readings: { at: string; payment: string; purpose: string; data: string }[];
    };
    assert.deepEqual(
      report.payments.map((p) => p.id),
      leilaAtAtlas,
      'her payments at this merchant only, whatever case she typed',
    );
    assert.deepEqual(
      report.cmi_orders,
      [
        {
          payment: leilaOrder.id,
          oid: leilaOrder.oid,
          created_at: report.cmi_orders[0]!.created_at,
          fields: leilaBuyer,
        },
      ],
      'what her CMI order keeps on her, and nothing of the order that is not hers',
    );
    assert.equal(report.payments[0]!.amount, 45_000);
    assert.match(report.payments[0]!.card, /1111$/);
    assert.deepEqual(report.readings, [
      {
        at: report.readings[0]!.at,
        payment: leilaAtAtlas[0],
        data: 'payment.customer_email',
        purpose: 'dispute',
      },
    ]);
    // Read back later, the answer is the same; a second answer is refused.
    assert.deepEqual(
      (await atlas.get<RequestJson>(`/v1/privacy_requests/${filed.body.id}`)).body.answer,
      answered.body.answer,
    );
    const again = await answer(atlas, filed.body.id);
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'request_answered');
    const trail = await audit.list({ limit: 10, action: 'privacy.request.answer', targetId: filed.body.id });
    assert.equal(trail.length, 1);
    assert.equal(trail[0]!.details.records, 3);
    assert.doesNotMatch(JSON.stringify(trail[0]!.details), /leila/i, 'the trail names no address');
  });

  test('rectification: her payments and their events carry the corrected address; nobody else is touched', async () => {
    const filed = await file(atlas, {
      kind: 'rectification',
      email: 'leila.bennani@example.ma',
      corrected_email: 'leila.alaoui@example.ma',
      note: 'nom de mariage',
    });
    assert.equal(filed.status, 201, JSON.stringify(filed.body));
    const answered = await answer(atlas, filed.body.id);
    assert.deepEqual(answered.body.answer, {
      kind: 'rectification',
      corrected_payments: leilaAtAtlas,
      corrected_cmi_orders: [leilaOrder.oid],
    });
    // Her CMI order too, and the answer kept for the shop is signed again for what it now says.
    const order = await storedOrder(leilaOrder.id);
    assert.deepEqual(
      [order.fields.email, order.fields.BillToName, order.response.email],
      ['leila.alaoui@example.ma', 'Leila Bennani', 'leila.alaoui@example.ma'],
    );
    assert.equal(order.response.HASH, ver3(order.response, STORE_KEY));
    assert.doesNotMatch(order.stored, /leila/i, 'still sealed');
    assert.equal(order.erasedAt, null);
    for (const id of leilaAtAtlas) {
      const payment = await atlas.get<{ customer_email: string }>(`/v1/payments/${id}`);
      assert.equal(payment.body.customer_email, 'leila.alaoui@example.ma');
      assert.doesNotMatch((await storedEmailOf(id))!, /leila/, 'still sealed');
      const events = await atlas.get<{ data: { data: { object: { customer_email: string } } }[] }>(
        `/v1/events?limit=100`,
      );
      const own = events.body.data.filter((e) => (e.data.object as unknown as { id: string }).id === id);
      assert.ok(own.length > 0);
      for (const event of own) assert.equal(event.data.object.customer_email, 'leila.alaoui@example.ma');
    }
    assert.equal(
      (await marrakech.get<{ customer_email: string }>(`/v1/payments/${leilaAtMarrakech}`)).body
        .customer_email,
      'leila.bennani@example.ma',
      "another merchant's records are its own to answer for",
    );
    assert.equal(
      (await atlas.get<{ customer_email: string }>(`/v1/payments/${othersAtAtlas[0]}`)).body.customer_email,
      'youssef@example.ma',
    );
  });

  test('objection: her address is erased from her payments and their events', async () => {
    const filed = await file(atlas, { kind: 'objection', email: 'leila.alaoui@example.ma' });
    const answered = await answer(atlas, filed.body.id);
    assert.deepEqual(answered.body.answer, {
      kind: 'objection',
      erased_from: leilaAtAtlas,
      erased_cmi_orders: [leilaOrder.oid],
    });
    const order = await storedOrder(leilaOrder.id);
    assert.deepEqual(
      Object.keys(order.fields).filter(isCmiPersonalField),
      [],
      'nothing of her is left in the order',
    );
    assert.deepEqual(Object.keys(order.response).filter(isCmiPersonalField), []);
    assert.equal(order.fields.oid, leilaOrder.oid, 'the order itself stays');
    assert.equal(order.response.HASH, ver3(order.response, STORE_KEY));
    assert.ok(order.erasedAt);
    assert.equal(
      (await storedOrder(youssefOrder.id)).fields.BillToName,
      'Youssef Tazi',
      'nobody else is touched',
    );
    for (const id of leilaAtAtlas) {
      assert.equal(
        (await atlas.get<{ customer_email: null }>(`/v1/payments/${id}`)).body.customer_email,
        null,
      );
      assert.equal(await storedEmailOf(id), null);
    }
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from events where object_id = any(${leilaAtAtlas}::text[])
        and data->>'customer_email' is not null`.execute(store.db);
    assert.equal(Number(rows[0]!.n), 0);
  });

  test('bad requests are refused with a problem and record nothing; another merchant cannot see them', async () => {
    const before = (await atlas.get<{ data: unknown[] }>('/v1/privacy_requests')).body.data.length;
    for (const bad of [
      { kind: 'erasure', email: 'a@example.ma' },
      { kind: 'access', email: 'not-an-address' },
      { kind: 'rectification', email: 'a@example.ma' },
      { kind: 'access', email: 'a@example.ma', corrected_email: 'b@example.ma' },
      {
        kind: 'access',
        email: 'a@example.ma',
        received_at: new Date(Date.now() + 86_400_000 * 3).toISOString(),
      },
      { kind: 'access', email: 'a@example.ma', extra: true },
    ]) {
      const refused = await file(atlas, bad);
      assert.equal(refused.status, 400, JSON.stringify(bad));
      assert.equal(refused.headers.get('content-type')?.startsWith('application/problem+json'), true);
    }
    assert.equal((await atlas.get<{ data: unknown[] }>('/v1/privacy_requests')).body.data.length, before);
    const own = await file(atlas, { kind: 'access', email: 'karim@example.ma' });
    assert.equal((await marrakech.get(`/v1/privacy_requests/${own.body.id}`)).status, 404);
    assert.equal((await answer(marrakech, own.body.id)).status, 404);
    assert.equal((await api().get('/v1/privacy_requests')).status, 401);
  });

  test('the same Idempotency-Key files one request', async () => {
    const body = { kind: 'access', email: 'nadia@example.ma' };
    const [first, second] = await Promise.all([file(atlas, body, 'dsr-same'), file(atlas, body, 'dsr-same')]);
    assert.equal(first.body.id, second.body.id);
  });

  test('the supervising authority sees who answers in time, by counts and dates only', async () => {
    // Test-mode requests are the merchant's own trials: the authority's figures are of live ones.
    const { rows: before } = await sql<{ n: string }>`select count(*) as n from privacy_requests`.execute(
      store.db,
    );
    assert.ok(Number(before[0]!.n) > 0);
    const supervisor = api(demoOrganisationKeys.authority);
    const empty = await supervisor.get<{ data: unknown[] }>('/v1/privacy/figures');
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body.data, []);
    // Make Atlas's requests live ones, as if filed with a live key, one of them received 40 days ago.
    await sql`update privacy_requests set livemode = true`.execute(store.db);
    await sql`update privacy_requests set received_at = received_at - interval '40 days',
      due_at = due_at - interval '40 days' where status = 'open' and id = (
        select min(id) from privacy_requests where status = 'open')`.execute(store.db);
    const figures = await supervisor.get<{
      data: {
        merchant: { name: string; console_closed: boolean };
        open: number;
        overdue: number;
        answered: number;
        answered_late: number;
      }[];
    }>('/v1/privacy/figures');
    const atlasFigures = figures.body.data.find((row) => row.merchant.name === 'Atlas Voyages');
    assert.ok(atlasFigures, JSON.stringify(figures.body));
    assert.equal(atlasFigures.merchant.console_closed, false, 'Atlas trades and answers its own');
    assert.equal(atlasFigures.answered, 3);
    assert.equal(atlasFigures.answered_late, 0);
    assert.equal(atlasFigures.overdue, 1);
    assert.ok(atlasFigures.open >= 2);
    assert.doesNotMatch(JSON.stringify(figures.body), /@/, 'no address reaches the authority');
    assert.equal((await api(demoOrganisationKeys.bank).get('/v1/privacy/figures')).status, 403);
  });

  test('the long read is made before the answer: what it found is made sure of again, and what came after it is read too', async () => {
    const karima = 'karima@example.ma';
    const [kept, changed] = [await paid(atlas, karima), await paid(atlas, karima)];
    const filed = await file(atlas, { kind: 'access', email: karima });
    const caller = { merchant: atlasMerchant, livemode: false };
    const prescan = await privacy.prescan(caller, filed.body.id);
    assert.deepEqual(prescan?.found, [kept, changed]);
    // Meanwhile the merchant corrects one payment's address, and Karima pays again.
    const updated = await atlas.post(`/v1/payments/${changed}`, {
      customer_email: 'someone.else@example.ma',
    });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    const later = await paid(atlas, karima);
    const answered = await privacy.answerRequest(
      caller,
      filed.body.id,
      { actor: { type: 'system', id: 'test' } },
      undefined,
      prescan,
    );
    assert.ok(!(answered instanceof Problem));
    assert.deepEqual(
      (answered.answer as { payments: { id: string }[] }).payments.map((p) => p.id),
      [kept, later],
    );
    assert.equal(await privacy.prescan(caller, filed.body.id), undefined, 'answered: nothing to read');
  });

  test('retention: payments older than it lose their e-mail, and their events too; newer ones keep it', async () => {
    const withEmail = async () =>
      Number(
        (
          await sql<{
            n: string;
          }>`select count(*) as n from payments where customer_email is not null`.execute(store.db)
        ).rows[0]!.n,
      );
    // Everything so far was paid today; a year and a day later, a new payment comes.
    clock.advance(366 * 86_400_000);
    const old = await withEmail();
    assert.ok(old >= 2, String(old));
    const fresh = await paid(atlas, 'samira@example.ma');
    const freshOrder = await paidThroughCmi({ email: 'samira@example.ma', BillToName: 'Samira Idrissi' });
    assert.deepEqual(await privacy.applyRetention(), { payments: old, cmiOrders: 1 });
    const youssef = await storedOrder(youssefOrder.id);
    assert.deepEqual(Object.keys(youssef.fields).filter(isCmiPersonalField), [], "Youssef's older order");
    assert.equal(youssef.response.HASH, ver3(youssef.response, STORE_KEY));
    assert.equal((await storedOrder(freshOrder.id)).fields.BillToName, 'Samira Idrissi');
    assert.equal(await withEmail(), 2);
    assert.equal(
      (await atlas.get<{ customer_email: string }>(`/v1/payments/${fresh}`)).body.customer_email,
      'samira@example.ma',
    );
    assert.equal(
      (await atlas.get<{ customer_email: null }>(`/v1/payments/${othersAtAtlas[0]}`)).body.customer_email,
      null,
    );
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from events where data->>'customer_email' is not null
        and object_id <> all(${[fresh, freshOrder.id]}::text[])`.execute(store.db);
    assert.equal(Number(rows[0]!.n), 0, 'no event of an older payment keeps the address');
    const [record] = await audit.list({ limit: 1, action: 'privacy.retention.erase' });
    assert.equal(record?.details.payments, old);
    assert.equal(record?.details.cmi_orders, 1);
    assert.deepEqual(
      await privacy.applyRetention(),
      { payments: 0, cmiOrders: 0 },
      'a second pass finds nothing',
    );
  });
});
