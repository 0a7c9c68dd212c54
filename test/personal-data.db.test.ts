import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { cmiHash } from '../src/cmi/hash.js';
import { sealStoredPaymentData } from '../src/payments/personal-data.js';
import { card, demoKeys, testPlatform } from './support/platform.js';
import { columnsHoldingText } from './support/store.js';

// Law 09-08: a customer's personal data is encrypted at rest wherever a payment leaves it, and shown in
// clear only where the merchant asks for it through the API (or a console reveal, logged elsewhere).
const { platform, api, baseUrl } = await testPlatform();
const atlas = api(demoKeys.atlas);
const db = platform.store.db;

const columnsHolding = (needle: string) => columnsHoldingText(db, needle);

async function payWithEmail(email: string) {
  const key = randomUUID();
  const body = { amount: 12_500, currency: 'MAD', customer_email: email };
  const created = await atlas.post<{ id: string; customer_email: string }>('/v1/payments', body, {
    'idempotency-key': key,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const confirmed = await atlas.post<{ status: string }>(
    `/v1/payments/${created.body.id}/confirm`,
    { card: card('4111111111111111') },
    { 'idempotency-key': randomUUID() },
  );
  assert.equal(confirmed.body.status, 'succeeded');
  return { id: created.body.id, key, body };
}

describe('personal data at rest', () => {
  test('a customer’s e-mail is nowhere in the database in clear, yet the API shows it where asked', async () => {
    const email = `amina.${randomUUID().slice(0, 8)}@example.ma`;
    const { id, key, body } = await payWithEmail(email);

    assert.deepEqual(await columnsHolding(email), []);

    assert.equal(
      (await atlas.get<{ customer_email: string }>(`/v1/payments/${id}`)).body.customer_email,
      email,
    );
    const listed = await atlas.get<{ data: { id: string; customer_email: string }[] }>(
      '/v1/payments?limit=5',
    );
    assert.equal(listed.body.data.find((p) => p.id === id)?.customer_email, email);
    const events = await atlas.get<{ data: { data: { object: { id: string; customer_email: string } } }[] }>(
      '/v1/events?type=payment.succeeded&limit=5',
    );
    assert.equal(events.body.data.find((e) => e.data.object.id === id)?.data.object.customer_email, email);
    // The same request again: the stored answer, opened.
    const replayed = await atlas.post<{ id: string; customer_email: string }>('/v1/payments', body, {
      'idempotency-key': key,
    });
    assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual([replayed.body.id, replayed.body.customer_email], [id, email]);
  });

  test('a CMI buyer’s name and telephone are sealed in the order, and reach the shop in clear', async () => {
    const caller = (await platform.services.merchants.authenticate(demoKeys.atlas))!;
    await platform.services.cmi.seedDemoCmiStore(caller.merchant.id);
    const name = `Yasmine ${randomUUID().slice(0, 8)}`;
    const fields: Record<string, string> = {
      clientid: '600000001',
      oid: `CMD-${randomUUID().slice(0, 8)}`,
      amount: '125.00',
      currency: '504',
      TranType: 'Auth',
      okUrl: 'https://shop.example.ma/ok',
      failUrl: 'https://shop.example.ma/fail',
      callbackUrl: 'http://127.0.0.1:9/unused',
      lang: 'fr',
      rnd: randomUUID(),
      storetype: '3D_PAY_HOSTING',
      hashAlgorithm: 'ver3',
      email: 'yasmine@example.ma',
      BillToName: name,
      tel: '+212600112233',
    };
    const started = await fetch(`${baseUrl}/fim/est3Dgate`, {
      method: 'POST',
      body: new URLSearchParams({ ...fields, HASH: cmiHash(fields, 'TEST1234') }),
      redirect: 'manual',
    });
    assert.equal(started.status, 303, await started.text());
    const paymentId = /pay_[0-9a-z]{26}/.exec(started.headers.get('location') ?? '')![0];
    assert.deepEqual(await columnsHolding(name), []);
    assert.deepEqual(await columnsHolding('+212600112233'), []);

    await platform.store.transaction((trx) =>
      platform.services.payments.confirm(
        { merchant: caller.merchant, livemode: false },
        paymentId,
        { card: { number: '4111111111111111', expMonth: 12, expYear: 2030, cvc: '123' } },
        trx,
      ),
    );
    const completed = await platform.services.cmi.completeOrder(paymentId);
    assert.equal(completed.kind === 'completed' && completed.fields.BillToName, name);
    assert.deepEqual(await columnsHolding(name), []);

    // As an earlier version left the order, in clear: read as it is, then sealed in place by one pass.
    const clear = JSON.stringify((completed as { fields: Record<string, string> }).fields);
    await sql`update cmi_orders set fields = ${clear}::jsonb, response = ${clear}::jsonb
               where payment_id = ${paymentId}`.execute(db);
    assert.deepEqual(await columnsHolding(name), ['cmi_orders.fields', 'cmi_orders.response']);
    await platform.services.cmi.sealStoredPersonalData();
    assert.deepEqual(await columnsHolding(name), []);
    const again = await platform.services.cmi.completeOrder(paymentId);
    assert.equal(again.kind === 'completed' && again.fields.BillToName, name);
  });

  test('the name on a card is sealed in the vault beside its PAN; one stored in clear earlier is sealed by one pass', async () => {
    const name = `Amina ${randomUUID().slice(0, 8)}`;
    const created = await atlas.post<{ id: string }>('/v1/payments', { amount: 9_900, currency: 'MAD' });
    const confirmed = await atlas.post<{ status: string; card: { token?: string } }>(
      `/v1/payments/${created.body.id}/confirm`,
      { card: { ...card('4111111111111111'), holder_name: name } },
    );
    assert.equal(confirmed.body.status, 'succeeded', JSON.stringify(confirmed.body));
    assert.deepEqual(await columnsHolding(name), []);
    const { rows } = await sql<{ token: string }>`
      select card_token as token from payments where id = ${created.body.id}`.execute(db);
    const token = rows[0]!.token;
    const { vault } = platform.services;
    assert.equal((await vault.getCard(token))?.holderName, name);

    await sql`update vault_cards set holder_name = ${name} where token = ${token}`.execute(db);
    assert.deepEqual(await columnsHolding(name), ['vault_cards.holder_name']);
    assert.equal((await vault.getCard(token))?.holderName, name, 'read as it is');
    assert.ok((await vault.sealStoredHolderNames()) >= 1);
    assert.deepEqual(await columnsHolding(name), []);
    assert.equal((await vault.getCard(token))?.holderName, name);
  });

  test("the built-in issuer's cardholder names are sealed, and the ledger names their accounts by id", async () => {
    const { issuer, ledger } = platform.services;
    const name = `Nadia ${randomUUID().slice(0, 8)}`;
    const bankId = 'bnk_atlas';
    const accountId = await issuer.openAccount({ bankId, holderName: name, openingBalance: 10_000n });
    const card = await issuer.issueCard({
      bankId,
      accountId,
      pan: '4000056655665556',
      expMonth: 12,
      expYear: 2031,
      holderName: name,
    });
    assert.equal(card.holderName, name);
    assert.deepEqual(await columnsHolding(name), []);
    assert.equal((await issuer.getCard(card.id))?.holderName, name);

    // As an earlier version left them: the name in clear, on the account, the card and the ledger.
    const { rows } = await sql<{ ledger_account_id: string }>`
      select ledger_account_id from issuer_accounts where id = ${accountId}`.execute(db);
    const ledgerAccount = rows[0]!.ledger_account_id;
    await sql`update issuer_accounts set holder_name = ${name} where id = ${accountId}`.execute(db);
    await sql`update issuer_cards set holder_name = ${name} where id = ${card.id}`.execute(db);
    await ledger.renameAccount(ledgerAccount, name);
    assert.deepEqual((await columnsHolding(name)).sort(), [
      'issuer_accounts.holder_name',
      'issuer_cards.holder_name',
      'ledger_accounts.name',
    ]);
    assert.equal((await issuer.getCard(card.id))?.holderName, name, 'read as it is');
    assert.ok((await issuer.sealStoredHolderNames()) >= 2);
    assert.deepEqual(await columnsHolding(name), []);
    assert.equal((await issuer.getCard(card.id))?.holderName, name);
    assert.equal((await ledger.getAccount(ledgerAccount))?.name, `cardholder account ${accountId}`);
  });

  test('what an earlier version stored in clear is read as it is, then sealed in place by one pass', async () => {
    const email = `legacy.${randomUUID().slice(0, 8)}@example.ma`;
    const { id, key } = await payWithEmail(email);
    // As an earlier version left them: the e-mail in clear in the row, the event and the stored answer.
    await sql`update payments set customer_email = ${email} where id = ${id}`.execute(db);
    await sql`update events set data = jsonb_set(data, '{customer_email}', to_jsonb(${email}::text))
               where object_id = ${id}`.execute(db);
    const answer = await atlas.get<Record<string, unknown>>(`/v1/payments/${id}`);
    await sql`update idempotency_keys set response_body = ${JSON.stringify(answer.body)}::jsonb
               where key = ${key}`.execute(db);
    assert.deepEqual((await columnsHolding(email)).sort(), [
      'events.data',
      'idempotency_keys.response_body',
      'payments.customer_email',
    ]);
    assert.equal(answer.body.customer_email, email);

    const sealed = await sealStoredPaymentData(db, platform.services.vault);
    assert.ok(sealed >= 3, `sealed ${sealed} rows`);
    assert.deepEqual(await columnsHolding(email), []);
    assert.equal(
      (await atlas.get<{ customer_email: string }>(`/v1/payments/${id}`)).body.customer_email,
      email,
    );
    // A second pass finds nothing left to seal.
    assert.equal(await sealStoredPaymentData(db, platform.services.vault), 0);
  });
});
