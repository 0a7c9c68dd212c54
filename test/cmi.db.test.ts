import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { isCmiPersonalField } from '../src/cmi/model.js';
import { Problem } from '../src/core/problem.js';
import { personalData } from '../src/vault/personal-data.js';
import { cmiShop, type Fields, hiddenFields, SHOP, STORE_KEY, shopForm, ver3 } from './support/cmi-shop.js';
import { demoKeys, testPlatform } from './support/platform.js';

const { platform, baseUrl } = await testPlatform();
const caller = await platform.services.merchants.authenticate(demoKeys.atlas);
assert.ok(caller, 'the Atlas Voyages demo key authenticates');
const merchant = caller.merchant;
await platform.services.cmi.seedDemoCmiStore(merchant.id);
const { postForm, startOrder, returnToShop } = cmiShop(baseUrl);

/** A shop's callback page over real HTTP: answers from a script, then APPROVED. */
async function startShop(script: [number, string][] = []) {
  const received: Fields[] = [];
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    received.push(Object.fromEntries(new URLSearchParams(body)));
    const [status, answer] = script.shift() ?? [200, 'APPROVED'];
    response.writeHead(status, { 'content-type': 'text/plain' }).end(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/cmi/callback`, received };
}

async function confirm(paymentId: string, number: string) {
  const result = await platform.store.transaction((trx) =>
    platform.services.payments.confirm(
      { merchant, livemode: false },
      paymentId,
      { card: { number, expMonth: 12, expYear: 2030, cvc: '123' } },
      trx,
    ),
  );
  if (result instanceof Problem) assert.fail(`confirm refused: ${result.code}`);
  return result;
}

const count = async (table: 'payments' | 'cmi_orders') =>
  Number(
    (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(platform.store.db))
      .rows[0]!.n,
  );

const payment = (id: string) => platform.services.payments.getById(id);
const cmiOrder = (id: string) =>
  platform.store.db
    .selectFrom('cmi_orders')
    .selectAll()
    .where('payment_id', '=', id)
    .executeTakeFirstOrThrow();

async function runOutboxUntil(done: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('the outbox did not deliver in time');
    await platform.outbox.runOnce();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function cc5(body: string, contentType = 'text/xml') {
  const response = await fetch(`${baseUrl}/fim/api`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    xml: await response.text(),
  };
}

const historyQuery = (oid: string, password = STORE_KEY, name = '600000001') =>
  `<?xml version="1.0" encoding="UTF-8"?><CC5Request><Name>${name}</Name><Password>${password}</Password>` +
  `<ClientId>600000001</ClientId><OrderId>${oid}</OrderId><Extra><ORDERHISTORY>QUERY</ORDERHISTORY></Extra></CC5Request>`;

const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

describe('CMI stores', () => {
  test('the demo store is seeded once, in test mode; a merchant has one store and a client id one merchant', async () => {
    const { cmi } = platform.services;
    const again = await platform.store.transaction((trx) => cmi.seedDemoCmiStore(merchant.id, trx));
    assert.deepEqual([again.clientId, again.merchantId, again.livemode], ['600000001', merchant.id, false]);
    const stores = await platform.store.db.selectFrom('cmi_stores').selectAll().execute();
    assert.equal(stores.length, 1);
    assert.ok(!stores[0]!.store_key_sealed.includes(STORE_KEY), 'the store key is sealed');
    const taken = await cmi.createStore(merchant.id, { clientId: '600000002', storeKey: 'ANOTHER123' });
    assert.equal(taken instanceof Problem && taken.status, 409);
    const short = await cmi.createStore(merchant.id, { clientId: '600000002', storeKey: 'short' });
    assert.equal(short instanceof Problem && short.code, 'invalid_store_key');
  });
});

describe('POST /fim/est3Dgate', () => {
  test('a signed form creates the payment and its order, and sends the cardholder to the hosted page', async () => {
    const fields = shopForm({ lang: 'ar' });
    const id = await startOrder(fields);
    const row = await payment(id);
    assert.equal(row?.amount, 125_000n);
    assert.equal(row?.currency, 'MAD');
    assert.equal(row?.capture_method, 'automatic');
    assert.equal(row?.order_reference, fields.oid);
    assert.equal(row?.customer_email, 'amina@example.ma');
    assert.equal(row?.return_url, `${baseUrl}/fim/return`);
    assert.equal(row?.status, 'requires_payment_method');
    const order = await cmiOrder(id);
    assert.equal(order.oid, fields.oid);
    assert.equal(order.tran_type, 'Auth');
    assert.equal(order.lang, 'ar');
    const { HASH: _signature, ...unsigned } = fields;
    // The buyer's name and e-mail are sealed at rest (law 09-08); the rest is kept as posted.
    assert.notEqual(order.fields.BillToName, unsigned.BillToName);
    assert.notEqual(order.fields.email, unsigned.email);
    assert.deepEqual(
      { ...order.fields, BillToName: '', email: '' },
      { ...unsigned, BillToName: '', email: '' },
    );
    const vault = platform.services.vault;
    assert.deepEqual(await personalData(vault).openFields(order.fields, isCmiPersonalField), unsigned);
  });

  test('PreAuth is a payment captured later; field names are matched in any case', async () => {
    const form = shopForm({ TranType: 'PreAuth' });
    const { TranType, callbackUrl, ...rest } = form;
    // Some plugins send `trantype` and `CallbackURL`: what they signed is what counts.
    const renamed = { ...rest, trantype: TranType!, CallbackURL: callbackUrl! };
    const id = await startOrder({ ...renamed, HASH: ver3(renamed, STORE_KEY) });
    assert.equal((await payment(id))?.capture_method, 'manual');
  });

  test('a bad HASH: a 400 page in the shop language listing the problem, and nothing is created', async () => {
    const before = [await count('payments'), await count('cmi_orders')];
    const response = await postForm(shopForm({ lang: 'en' }, 'WRONGKEY1'));
    assert.equal(response.status, 400);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    const html = await response.text();
    assert.match(html, /<html lang="en"/);
    assert.match(html, /Payment request refused/);
    assert.match(html, /HASH<\/code>: the HASH does not match/);
    assert.match(html, new RegExp(`href="${SHOP}"`));
    assert.deepEqual([await count('payments'), await count('cmi_orders')], before);
  });

  test('a tampered amount no longer matches its HASH', async () => {
    const fields = { ...shopForm(), amount: '1.00' };
    assert.equal((await postForm(fields)).status, 400);
  });

  test('another currency than 504, or a malformed form: 400 listing every problem, nothing created', async () => {
    const before = [await count('payments'), await count('cmi_orders')];
    const euros = await postForm(shopForm({ currency: '978' }));
    assert.equal(euros.status, 400);
    assert.match(await euros.text(), /currency<\/code>: seule la devise 504/);
    const bad = await postForm(
      shopForm({
        amount: '12,50',
        okUrl: 'javascript:alert(1)',
        TranType: 'Sale',
        storetype: '3D',
        lang: 'tr',
      }),
    );
    assert.equal(bad.status, 400);
    const html = await bad.text();
    for (const field of ['amount', 'okUrl', 'TranType', 'storetype', 'lang'])
      assert.match(html, new RegExp(`<code dir="ltr">${field}</code>`));
    const unknown = await postForm(shopForm({ clientid: '999999999' }));
    assert.match(await unknown.text(), /clientid<\/code>: aucun magasin/);
    assert.deepEqual([await count('payments'), await count('cmi_orders')], before);
  });

  test('an order id is used once per store', async () => {
    const first = shopForm();
    await startOrder(first);
    const again = await postForm(shopForm({ oid: first.oid! }));
    assert.equal(again.status, 400);
    assert.match(await again.text(), /oid<\/code>: cet identifiant de commande a déjà servi/);
    // The same new order posted twice at once (a double click): one payment.
    const before = await count('payments');
    const twice = shopForm();
    const statuses = await Promise.all([postForm(twice), postForm(twice)].map(async (r) => (await r).status));
    assert.deepEqual(statuses.sort(), [303, 400]);
    assert.equal(await count('payments'), before + 1);
  });
});

describe('GET /fim/return', () => {
  test('an approved Auth: the shop gets a signed callback, the browser a form to okUrl', async () => {
    const shop = await startShop();
    const form = shopForm({ callbackUrl: shop.url });
    const id = await startOrder(form);
    await confirm(id, '4111111111111111');
    const back = await returnToShop(id);

    assert.equal(shop.received.length, 1);
    const callback = shop.received[0]!;
    assert.equal(callback.HASH, ver3(callback, STORE_KEY), 'the callback HASH verifies');
    assert.equal(callback.ProcReturnCode, '00');
    assert.equal(callback.Response, 'Approved');
    assert.equal(callback.TransId, id);
    assert.equal(callback.ReturnOid, form.oid);
    assert.equal(
      callback.mdStatus,
      '2',
      'no 3-D Secure asked: the card counts as not enrolled, not as failed',
    );
    assert.match(callback.AuthCode ?? '', /^\w+$/);
    assert.equal(callback.amount, '1250.00');
    assert.equal(callback.BillToName, 'Amina El Idrissi');
    assert.equal(callback.ErrMsg, undefined);

    assert.equal(back.response.status, 200);
    assert.equal(back.action, form.okUrl);
    assert.deepEqual(back.fields, callback);
    assert.match(back.html, /data-autosubmit/);
    assert.match(back.html, /<script src="\/assets\/autosubmit.js"/);
    assert.match(back.html, /<button type="submit">/);
    assert.match(
      back.response.headers.get('content-security-policy') ?? '',
      /form-action 'self' https:\/\/shop.example.ma/,
    );
    const order = await cmiOrder(id);
    assert.equal(order.callback_status, 'approved');
    assert.equal(order.callback_attempts, 1);
  });

  test('a reload shows the same answer and posts no second callback', async () => {
    const shop = await startShop();
    const id = await startOrder(shopForm({ callbackUrl: shop.url }));
    await confirm(id, '4111111111111111');
    // Two tabs at once, then a reload: the order is closed once.
    const [first, twin] = await Promise.all([returnToShop(id), returnToShop(id)]);
    assert.deepEqual(twin.fields, first.fields);
    const second = await returnToShop(id);
    assert.deepEqual(second.fields, first.fields);
    assert.equal(second.action, first.action);
    // The queued retry finds the callback acknowledged and posts nothing.
    await new Promise((resolve) => setTimeout(resolve, 120));
    await platform.outbox.runOnce();
    assert.equal(shop.received.length, 1);
    assert.equal((await cmiOrder(id)).callback_attempts, 1);
  });

  test('a PreAuth the shop answers ACTION=POSTAUTH is captured, once', async () => {
    const shop = await startShop([[200, 'ACTION=POSTAUTH']]);
    const id = await startOrder(shopForm({ TranType: 'PreAuth', amount: '1800.00', callbackUrl: shop.url }));
    assert.equal((await confirm(id, '5555555555554444')).status, 'requires_capture');
    const back = await returnToShop(id);
    assert.equal(back.fields.ProcReturnCode, '00');
    const captured = await payment(id);
    assert.equal(captured?.status, 'succeeded');
    assert.equal(captured?.amount_captured, 180_000n);
    assert.equal((await cmiOrder(id)).callback_status, 'postauth');
    await returnToShop(id);
    assert.equal(shop.received.length, 1);
    assert.equal((await payment(id))?.amount_captured, 180_000n);
  });

  test('a callback answered 500 twice is retried by the outbox until APPROVED', async () => {
    const shop = await startShop([
      [500, 'oops'],
      [500, 'oops'],
    ]);
    const id = await startOrder(shopForm({ callbackUrl: shop.url }));
    await confirm(id, '4111111111111111');
    const back = await returnToShop(id);
    assert.equal(back.action, `${SHOP}/cmi/ok`, 'the cardholder is not kept waiting for the shop');
    assert.equal(shop.received.length, 1);
    assert.equal((await cmiOrder(id)).callback_status, 'pending');
    await runOutboxUntil(() => shop.received.length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await platform.outbox.runOnce();
    assert.equal(shop.received.length, 3, 'nothing is posted once the shop acknowledged');
    assert.ok(shop.received.every((fields) => fields.HASH === ver3(fields, STORE_KEY)));
    const order = await cmiOrder(id);
    assert.equal(order.callback_status, 'approved');
    assert.equal(order.callback_attempts, 3);
  });

  test('a shop answering FAILURE is retried too', async () => {
    const shop = await startShop([[200, 'FAILURE']]);
    const id = await startOrder(shopForm({ callbackUrl: shop.url }));
    await confirm(id, '4111111111111111');
    await returnToShop(id);
    await runOutboxUntil(() => shop.received.length >= 2);
    assert.equal((await cmiOrder(id)).callback_last_error, null);
  });

  test('a declined card: failUrl, ProcReturnCode 51, and the payment is closed', async () => {
    const shop = await startShop();
    const form = shopForm({ callbackUrl: shop.url, lang: 'en' });
    const id = await startOrder(form);
    assert.equal((await confirm(id, '4111110000000054')).status, 'failed');
    const back = await returnToShop(id);
    assert.equal(back.action, form.failUrl);
    assert.equal(back.fields.ProcReturnCode, '51');
    assert.equal(back.fields.Response, 'Declined');
    assert.equal(back.fields.ErrMsg, 'Insufficient funds on this card.');
    assert.equal(back.fields.HASH, ver3(back.fields, STORE_KEY));
    assert.equal(shop.received[0]?.ProcReturnCode, '51');
    // The shop was told "declined": no later card may be charged for this order.
    assert.equal((await payment(id))?.status, 'canceled');
  });

  test('a payment still waiting for its card: 409 and no callback; an unknown one: 404', async () => {
    const shop = await startShop();
    const id = await startOrder(shopForm({ callbackUrl: shop.url }));
    const waiting = await returnToShop(id);
    assert.equal(waiting.response.status, 409);
    assert.match(waiting.html, new RegExp(`href="/pay/${id}\\?lang=fr"`));
    assert.equal(shop.received.length, 0);
    assert.equal((await returnToShop('pay_00000000000000000000000000')).response.status, 404);
    assert.equal((await fetch(`${baseUrl}/fim/return`)).status, 404);
  });
});

describe('POST /fim/api', () => {
  test('ORDERHISTORY: the order and its transactions for the store credentials', async () => {
    const shop = await startShop([[200, 'ACTION=POSTAUTH']]);
    const form = shopForm({ TranType: 'PreAuth', amount: '1800.00', callbackUrl: shop.url });
    const id = await startOrder(form);
    await confirm(id, '4111111111111111');
    await returnToShop(id);

    const answer = await cc5(historyQuery(form.oid!));
    assert.equal(answer.status, 200);
    assert.match(answer.type, /xml/);
    assert.equal(tag(answer.xml, 'OrderId'), form.oid);
    assert.equal(tag(answer.xml, 'Response'), 'Approved');
    assert.equal(tag(answer.xml, 'ProcReturnCode'), '00');
    assert.equal(tag(answer.xml, 'TransId'), id);
    assert.equal(tag(answer.xml, 'ORDERSTATUS'), 'CAPTURED');
    assert.equal(tag(answer.xml, 'TRXCOUNT'), '2');
    assert.match(
      tag(answer.xml, 'TRX1') ?? '',
      new RegExp(`^PreAuth\tApproved\t1800.00\t\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\t${id}$`),
    );
    assert.match(tag(answer.xml, 'TRX2') ?? '', /^PostAuth\tApproved\t1800.00\t/);

    // CMI's other way of posting it: the XML in a DATA form field.
    const asForm = await cc5(
      `DATA=${encodeURIComponent(historyQuery(form.oid!))}`,
      'application/x-www-form-urlencoded',
    );
    assert.equal(tag(asForm.xml, 'TransId'), id);
  });

  test('bad credentials, unknown orders and unreadable XML get an Error answer', async () => {
    const form = shopForm();
    await startOrder(form);
    const wrongKey = await cc5(historyQuery(form.oid!, 'NOTTHEKEY'));
    assert.equal(wrongKey.status, 200);
    assert.equal(tag(wrongKey.xml, 'Response'), 'Error');
    assert.match(tag(wrongKey.xml, 'ErrMsg') ?? '', /Authentication failed/);
    assert.equal(tag(wrongKey.xml, 'TransId'), '');
    const wrongName = await cc5(historyQuery(form.oid!, STORE_KEY, 'apiuser'));
    assert.equal(tag(wrongName.xml, 'Response'), 'Error');
    const unknown = await cc5(historyQuery('NO-SUCH-ORDER'));
    assert.match(tag(unknown.xml, 'ErrMsg') ?? '', /No record found for NO-SUCH-ORDER/);
    const pending = await cc5(historyQuery(form.oid!));
    assert.equal(tag(pending.xml, 'ORDERSTATUS'), 'PENDING');
    const garbage = await cc5('<CC5Request><Name>600000001</Name>', 'application/xml');
    assert.equal(garbage.status, 400);
    assert.equal(tag(garbage.xml, 'Response'), 'Error');
    const entities = await cc5('<!DOCTYPE x [<!ENTITY a "b">]><CC5Request/>');
    assert.equal(entities.status, 400);
    // U+0000, which XML does not allow and PostgreSQL's text cannot hold: an XML answer, not a 500.
    const nul = await cc5(historyQuery(`${form.oid!}\0`));
    assert.equal(nul.status, 400);
    assert.equal(tag(nul.xml, 'Response'), 'Error');
  });
});

/** The two product forms of the demo shop page. */
const demoForms = (html: string) =>
  [...html.matchAll(/<form method="post" action="\/fim\/est3Dgate">(.*?)<\/form>/gs)].map((m) =>
    hiddenFields(m[1]!),
  );

/** What the demo shop's callback page received (GET /demo/shop/callbacks). */
const demoCallbacks = async () =>
  (await (await fetch(`${baseUrl}/demo/shop/callbacks`)).json()) as {
    oid: string;
    hashValid: boolean;
    answer: string;
  }[];

describe('the demo shop', () => {
  test('sells with signed forms, hears the callback, captures the car rental and shows the result', async () => {
    const page = await fetch(`${baseUrl}/demo/shop?lang=en`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Atlas Voyages/);
    const forms = demoForms(html);
    assert.deepEqual(
      forms.map((f) => [f.amount, f.TranType]),
      [
        ['1250.00', 'Auth'],
        ['1800.00', 'PreAuth'],
      ],
    );
    const car = forms[1]!;
    assert.equal(car.HASH, ver3(car, STORE_KEY));
    assert.equal(car.callbackUrl, `${baseUrl}/demo/shop/callback`);

    const id = await startOrder(car);
    await confirm(id, '4111111111111111');
    const back = await returnToShop(id);
    assert.equal(back.action, `${baseUrl}/demo/shop/ok`);
    assert.equal((await payment(id))?.status, 'succeeded', 'the shop answered ACTION=POSTAUTH');

    assert.deepEqual(
      (await demoCallbacks()).filter((c) => c.oid === car.oid).map((c) => [c.hashValid, c.answer]),
      [[true, 'ACTION=POSTAUTH']],
    );

    const ok = await fetch(back.action!, { method: 'POST', body: new URLSearchParams(back.fields) });
    const result = await ok.text();
    assert.match(result, /Payment accepted/);
    assert.match(result, new RegExp(car.oid!));
    assert.match(result, /HASH verified<\/dt><dd>yes/);
    const forged = await fetch(back.action!, {
      method: 'POST',
      body: new URLSearchParams({ ...back.fields, amount: '1.00' }),
    });
    assert.match(await forged.text(), /Payment not confirmed/);
  });

  test('through the hosted page: the card form sends the browser to /fim/return, then to the shop', async () => {
    const flight = demoForms(await (await fetch(`${baseUrl}/demo/shop?lang=fr`)).text())[0]!;
    const id = await startOrder(flight);
    const paid = await fetch(`${baseUrl}/pay/${id}?lang=fr`, {
      method: 'POST',
      body: new URLSearchParams({ number: '4111 1111 1111 1111', expiry: '12/30', cvc: '123' }),
      redirect: 'manual',
    });
    assert.equal(paid.status, 303);
    const location = new URL(paid.headers.get('location') ?? '', baseUrl);
    assert.equal(`${location.origin}${location.pathname}`, `${baseUrl}/fim/return`);
    assert.equal(location.searchParams.get('payment'), id);
    const back = await fetch(location, { redirect: 'manual' });
    const html = await back.text();
    assert.equal(/<form[^>]*action="([^"]*)"/.exec(html)?.[1], `${baseUrl}/demo/shop/ok`);
    assert.equal(hiddenFields(html).ProcReturnCode, '00');
    assert.deepEqual(
      (await demoCallbacks()).filter((c) => c.oid === flight.oid).map((c) => c.answer),
      ['APPROVED'],
    );
  });
});
