import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, beforeEach, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { ParsedBills } from '../src/bills/import.js';
import { importBills, parseBillsCsv } from '../src/bills/import.js';
import { moroccanDate } from '../src/core/time.js';
import { verifyWebhook } from '../src/payments/signature.js';
import { bill, confirmWithCard, lookup, newBiller, postPayForm, startBillPayment } from './support/bills.js';
import { apiClient, demoKeys, testPlatform } from './support/platform.js';
import { columnsHoldingText } from './support/store.js';

const { platform, baseUrl, api } = await testPlatform();
const bills = platform.services.bills;
const today = () => moroccanDate(new Date());

beforeEach(() => bills.resetLookupLimits());

async function page(path: string) {
  const response = await fetch(`${baseUrl}${path}`);
  return { status: response.status, text: await response.text() };
}

describe('loading bills through the API', () => {
  test('needs the biller’s own key: none is 401, another merchant’s is 404', async () => {
    const { biller } = await newBiller(platform);
    const body = { bills: [bill('INV-1', '1111111111', 10_000)] };
    assert.equal((await api().post(`/v1/billers/${biller.id}/bills`, body)).status, 401);
    const other = await api(demoKeys.atlas).post(`/v1/billers/${biller.id}/bills`, body);
    assert.equal(other.status, 404);
    assert.equal(other.body.code, 'resource_missing');
    const otherBiller = await newBiller(platform);
    assert.equal((await otherBiller.api.post(`/v1/billers/${biller.id}/bills`, body)).status, 404);
  });

  test('bad input is a problem+json and changes nothing, even for the good items of the batch', async () => {
    const { biller, api: billerApi } = await newBiller(platform);
    const cases: unknown[] = [
      { bills: [bill('INV-1', '2222222222', -5)] },
      { bills: [bill('INV-1', '2222222222', 1.5)] },
      { bills: [] },
      { bills: [{ ...bill('INV-1', '2222222222', 100), color: 'red' }] },
      { bills: [bill('INV-1', '2222222222', 100), bill('INV-2', '22222', 100)] },
      { bills: [bill('INV-1', '2222222222', 100), bill('INV-1', '2222222222', 200)] },
      { bills: [bill('INV 1', '2222222222', 100)] },
      { bills: [bill('INV-1', '2222222222', 100, { due_date: '2026-02-30' })] },
      { bills: [bill('INV-1', '2222222222', 100, { status: 'canceled' })] },
    ];
    for (const body of cases) {
      const answer = await billerApi.post(`/v1/billers/${biller.id}/bills`, body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.match(answer.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.equal(answer.body.code, 'invalid_request');
    }
    assert.deepEqual(await lookup(baseUrl, biller.id, { contract: '2222222222' }), []);
  });

  test('two batches bringing the same new bill at once: one creates it, the other finds it unchanged', async () => {
    const { biller, api: billerApi } = await newBiller(platform);
    const path = `/v1/billers/${biller.id}/bills`;
    for (let round = 0; round < 5; round++) {
      const batch = { bills: [bill(`RACE-${round}`, '4444444444', 15_000 + round)] };
      const answers = await Promise.all([billerApi.post(path, batch), billerApi.post(path, batch)]);
      assert.deepEqual(
        answers.map((a) => a.status),
        [200, 200],
      );
      assert.deepEqual(
        answers.map((a) => (a.body as { data: { outcome: string }[] }).data[0]!.outcome).sort(),
        ['created', 'unchanged'],
      );
    }
  });

  test('idempotent by external_id: replay unchanged, update, cancel; a paid bill cannot change', async () => {
    const { biller, key, api: billerApi } = await newBiller(platform);
    const path = `/v1/billers/${biller.id}/bills`;
    const first = await billerApi.post<{ data: { outcome: string }[] }>(path, {
      bills: [
        bill('A-1', '3333333333', 10_000),
        bill('A-2', '3333333333', 20_000, { late_fee: 500, period: 'Oct 2026', due_date: '2026-11-15' }),
      ],
    });
    assert.equal(first.status, 200);
    assert.deepEqual(
      first.body.data.map((d) => d.outcome),
      ['created', 'created'],
    );
    const replay = await billerApi.post<{ data: { outcome: string }[] }>(path, {
      bills: [
        bill('A-1', '3333333333', 10_000),
        bill('A-2', '3333333333', 20_000, { late_fee: 500, period: 'Oct 2026', due_date: '2026-11-15' }),
      ],
    });
    assert.deepEqual(
      replay.body.data.map((d) => d.outcome),
      ['unchanged', 'unchanged'],
    );
    const changed = await billerApi.post<{ data: { outcome: string }[] }>(path, {
      bills: [bill('A-1', '3333333333', 12_000), bill('A-2', '3333333333', 20_000, { status: 'canceled' })],
    });
    assert.deepEqual(
      changed.body.data.map((d) => d.outcome),
      ['updated', 'canceled'],
    );
    const open = await lookup(baseUrl, biller.id, { contract: '3333333333' });
    assert.deepEqual(
      open.map((b) => b.amount_due),
      [12_000],
    );

    const paymentId = await startBillPayment(baseUrl, biller.id, { contract: '3333333333' }, [open[0]!.id]);
    assert.equal((await confirmWithCard(baseUrl, key, paymentId)).body.status, 'succeeded');
    const refused = await billerApi.post(path, { bills: [bill('A-1', '3333333333', 1_000)] });
    assert.equal(refused.status, 400);
    assert.match(String(refused.body.detail), /paid/);
    const fetched = await billerApi.get(`${path}/A-1`);
    assert.equal(fetched.body.status, 'paid');
    assert.equal(fetched.body.amount, 12_000);

    // Each accepted batch is in the audit trail under the biller's key; the refused one is not.
    const audited = await platform.services.audit.list({
      limit: 100,
      action: 'bills.load',
      targetId: biller.id,
    });
    assert.deepEqual(audited.map((r) => [r.actorType, r.details]).reverse(), [
      ['api_key', { created: 2 }],
      ['api_key', { unchanged: 2 }],
      ['api_key', { updated: 1, canceled: 1 }],
    ]);
  });
});

describe('lookup', () => {
  test('answers only the bills of that exact reference, and nothing about the person', async () => {
    const { biller, api: billerApi } = await newBiller(platform);
    await billerApi.post(`/v1/billers/${biller.id}/bills`, {
      bills: [
        bill('L-1', '4444444444', 10_000),
        bill('L-2', '4444444445', 20_000),
        bill('L-3', '4444444444', 30_000),
      ],
    });
    const found = await lookup(baseUrl, biller.id, { contract: '4444444444' });
    assert.deepEqual(found.map((b) => b.amount_due).sort(), [10_000, 30_000]);
    assert.deepEqual(Object.keys(found[0]!).sort(), [
      'amount',
      'amount_due',
      'amount_paid',
      'description',
      'due_date',
      'fee',
      'id',
      'late_fee',
      'object',
      'period',
    ]);
    assert.deepEqual(await lookup(baseUrl, biller.id, { contract: '444444444' + '6' }), []);
    const malformed = await api().get(`/v1/billers/${biller.id}/bills?contract=44444`);
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.code, 'invalid_reference');
    assert.equal((await api().get('/v1/billers/blr_nobody/bills?contract=4444444444')).status, 404);
  });

  test('is rate-limited per client: 429 problem with Retry-After, on the API and the page', async () => {
    const client = api();
    let last = await client.get('/v1/billers/blr_bouregreg/bills?contract=0123456789');
    for (let i = 1; i < 31 && last.status === 200; i++)
      last = await client.get('/v1/billers/blr_bouregreg/bills?contract=0123456789');
    assert.equal(last.status, 429);
    assert.equal(last.body.code, 'too_many_lookups');
    assert.ok(Number(last.headers.get('retry-after')) >= 1);
    const blockedPage = await page('/bills/blr_bouregreg?contract=0123456789&lang=en');
    assert.equal(blockedPage.status, 429);
    assert.match(blockedPage.text, /Too many lookups/);
    // Paying reveals bills too: the form is refused the same way, and nothing is started.
    const blockedPay = await postPayForm(baseUrl, 'blr_bouregreg', [['contract', '0123456789']]);
    assert.equal(blockedPay.status, 429);
    assert.equal(blockedPay.location, null);
    assert.match(blockedPay.text, /Too many lookups/);
  });
});

describe('fees', () => {
  test('a consumer fee is added to the card payment; a biller fee is not', async () => {
    const consumer = await newBiller(platform, { fee: { fixed: 250n, bps: 100, payer: 'consumer' } });
    await consumer.api.post(`/v1/billers/${consumer.biller.id}/bills`, {
      bills: [bill('C-1', '5555555555', 10_000), bill('C-2', '5555555555', 33_333)],
    });
    const found = await lookup(baseUrl, consumer.biller.id, { contract: '5555555555' });
    // 2.50 MAD + 1 % of each bill, rounded half up: 250 + 100 and 250 + 333.
    assert.deepEqual(found.map((b) => b.fee).sort(), [350, 583]);
    const id = await startBillPayment(
      baseUrl,
      consumer.biller.id,
      { contract: '5555555555' },
      found.map((b) => b.id),
    );
    const payment = await apiClient(baseUrl, consumer.key).get(`/v1/payments/${id}`);
    assert.equal(payment.body.amount, 10_000 + 33_333 + 350 + 583);

    const billerPays = await newBiller(platform, { fee: { fixed: 0n, bps: 50, payer: 'biller' } });
    await billerPays.api.post(`/v1/billers/${billerPays.biller.id}/bills`, {
      bills: [bill('B-1', '5555555555', 19_900)],
    });
    const [only] = await lookup(baseUrl, billerPays.biller.id, { contract: '5555555555' });
    assert.equal(only!.fee, 100);
    const id2 = await startBillPayment(baseUrl, billerPays.biller.id, { contract: '5555555555' }, [only!.id]);
    assert.equal((await apiClient(baseUrl, billerPays.key).get(`/v1/payments/${id2}`)).body.amount, 19_900);
  });
});

describe('paying', () => {
  test('refuses bills of another reference, too many bills, and partial amounts when not allowed', async () => {
    const { biller, api: billerApi } = await newBiller(platform, { maxBillsPerPayment: 2 });
    await billerApi.post(`/v1/billers/${biller.id}/bills`, {
      bills: [
        bill('P-1', '6666666666', 100),
        bill('P-2', '6666666666', 200),
        bill('P-3', '6666666666', 300),
        bill('P-4', '6666666667', 400),
      ],
    });
    const mine = await lookup(baseUrl, biller.id, { contract: '6666666666' });
    const [theirs] = await lookup(baseUrl, biller.id, { contract: '6666666667' });
    const other = await postPayForm(baseUrl, biller.id, [
      ['contract', '6666666666'],
      ['bill', theirs!.id],
    ]);
    assert.equal(other.status, 409);
    const tooMany = await postPayForm(baseUrl, biller.id, [
      ['contract', '6666666666'],
      ...mine.map((b) => ['bill', b.id] as [string, string]),
    ]);
    assert.equal(tooMany.status, 422);
    assert.match(tooMany.text, /Too many bills/);
    const none = await postPayForm(baseUrl, biller.id, [['contract', '6666666666']]);
    assert.equal(none.status, 422);
    const partial = await postPayForm(baseUrl, biller.id, [
      ['contract', '6666666666'],
      ['bill', mine[0]!.id],
      [`amount_${mine[0]!.id}`, '0.50'],
    ]);
    assert.equal(partial.status, 303, 'the amount field is ignored where partial payment is not allowed');
  });

  test('a declined card leaves the bills payable; a partial payment leaves the rest due', async () => {
    const { biller, key, api: billerApi } = await newBiller(platform, { partialPayment: true });
    await billerApi.post(`/v1/billers/${biller.id}/bills`, { bills: [bill('D-1', '7777777777', 40_000)] });
    const [due] = await lookup(baseUrl, biller.id, { contract: '7777777777' });
    const declinedId = await startBillPayment(baseUrl, biller.id, { contract: '7777777777' }, [due!.id]);
    const declined = await confirmWithCard(baseUrl, key, declinedId, '4111110000000054');
    assert.equal(declined.body.status, 'failed');
    assert.equal((await lookup(baseUrl, biller.id, { contract: '7777777777' }))[0]!.amount_due, 40_000);

    const partial = await postPayForm(baseUrl, biller.id, [
      ['contract', '7777777777'],
      ['bill', due!.id],
      [`amount_${due!.id}`, '150.00'],
    ]);
    const partialId = /pay_[0-9a-z]{26}/.exec(partial.location ?? '')![0];
    assert.equal((await confirmWithCard(baseUrl, key, partialId)).body.status, 'succeeded');
    const [rest] = await lookup(baseUrl, biller.id, { contract: '7777777777' });
    assert.equal(rest!.amount_due, 25_000);
  });

  test('a bill the biller withdraws while someone is on the payment page is not charged', async () => {
    const { biller, key, api: billerApi } = await newBiller(platform);
    await billerApi.post(`/v1/billers/${biller.id}/bills`, { bills: [bill('X-1', '1717171717', 9_000)] });
    const [due] = await lookup(baseUrl, biller.id, { contract: '1717171717' });
    const id = await startBillPayment(baseUrl, biller.id, { contract: '1717171717' }, [due!.id]);
    const withdrawn = await billerApi.post(`/v1/billers/${biller.id}/bills`, {
      bills: [bill('X-1', '1717171717', 9_000, { status: 'canceled' })],
    });
    assert.equal(withdrawn.status, 200);
    const answer = await confirmWithCard(baseUrl, key, id);
    assert.equal(answer.status, 409);
    assert.equal(answer.body.code, 'bill_not_payable');
    assert.equal(
      (await apiClient(baseUrl, key).get(`/v1/payments/${id}`)).body.status,
      'requires_payment_method',
    );
  });

  test('paid bills get a verifiable receipt; a forged number is rejected', async () => {
    const { biller, key, api: billerApi } = await newBiller(platform, { category: 'treasury' });
    await billerApi.post(`/v1/billers/${biller.id}/bills`, {
      bills: [bill('R-1', '8888888888', 123_450, { description: 'Taxe 2026' })],
    });
    const [due] = await lookup(baseUrl, biller.id, { contract: '8888888888' });
    const id = await startBillPayment(baseUrl, biller.id, { contract: '8888888888' }, [due!.id]);
    assert.equal((await confirmWithCard(baseUrl, key, id)).body.status, 'succeeded');
    assert.deepEqual(await lookup(baseUrl, biller.id, { contract: '8888888888' }), []);

    const back = await fetch(`${baseUrl}/bills/return?payment=${id}&lang=fr`, { redirect: 'manual' });
    assert.equal(back.status, 303);
    const receiptPath = back.headers.get('location')!;
    const number = /\/receipts\/(R-[0-9A-Z-]+)/.exec(receiptPath)![1]!;
    const receipt = await page(`/receipts/${number}?lang=fr`);
    assert.equal(receipt.status, 200);
    assert.match(receipt.text, /Quittance/);
    assert.match(receipt.text, /Reçu authentique/);
    assert.match(receipt.text, /1.234,50/);

    // Change one character of the random part, or the tag, or make one up: none is genuine.
    const flip = (c: string) => (c === '0' ? '1' : '0');
    const forgedBody = `${number.slice(0, 2)}${flip(number[2]!)}${number.slice(3)}`;
    const forgedTag = `${number.slice(0, -1)}${flip(number.at(-1)!)}`;
    for (const forged of [forgedBody, forgedTag, 'R-AAAA-BBBB-CCCC-DDDDDD', 'pay_123']) {
      const answer = await page(`/receipts/${forged}?lang=en`);
      assert.equal(answer.status, 404, forged);
      assert.match(answer.text, /not genuine/);
      assert.equal((await fetch(`${baseUrl}/receipts/${forged}/pdf`)).status, 404);
    }
    const pdf = await fetch(`${baseUrl}/receipts/${number}/pdf?lang=ar`);
    assert.equal(pdf.status, 200);
    assert.equal(pdf.headers.get('content-type'), 'application/pdf');
    assert.equal(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
      '%PDF-',
    );
  });

  test('a full refund makes the bills payable again and the receipt says so', async () => {
    const { biller, key, api: billerApi } = await newBiller(platform);
    await billerApi.post(`/v1/billers/${biller.id}/bills`, {
      bills: [bill('F-1', '9999999999', 5_000), bill('F-2', '9999999999', 7_000)],
    });
    const due = await lookup(baseUrl, biller.id, { contract: '9999999999' });
    const id = await startBillPayment(
      baseUrl,
      biller.id,
      { contract: '9999999999' },
      due.map((b) => b.id),
    );
    assert.equal((await confirmWithCard(baseUrl, key, id)).body.status, 'succeeded');
    const number = (await bills.receiptNumberOfPayment(id))!;
    const refund = await apiClient(baseUrl, key).post('/v1/refunds', { payment: id });
    assert.equal(refund.status, 201);
    assert.deepEqual(
      (await lookup(baseUrl, biller.id, { contract: '9999999999' })).map((b) => b.amount_due).sort(),
      [5_000, 7_000],
    );
    assert.match((await page(`/receipts/${number}?lang=en`)).text, /was refunded/);
  });
});

describe('remittance', () => {
  test('lists every paid bill and refund of the day and reconciles with the ledger (CSV and JSON)', async () => {
    for (const payer of ['consumer', 'biller'] as const) {
      const {
        biller,
        key,
        api: billerApi,
      } = await newBiller(platform, { fee: { fixed: 200n, bps: 75, payer } });
      await billerApi.post(`/v1/billers/${biller.id}/bills`, {
        bills: [
          bill('M-1', '1212121212', 10_000),
          bill('M-2', '1212121212', 25_555),
          bill('M-3', '1313131313', 8_000),
          bill('M-4', '1414141414', 9_100),
        ],
      });
      const pay = async (contract: string) => {
        const due = await lookup(baseUrl, biller.id, { contract });
        const id = await startBillPayment(
          baseUrl,
          biller.id,
          { contract },
          due.map((b) => b.id),
        );
        assert.equal((await confirmWithCard(baseUrl, key, id)).body.status, 'succeeded');
        return id;
      };
      await pay('1212121212');
      const refunded = await pay('1313131313');
      const partlyRefunded = await pay('1414141414');
      await apiClient(baseUrl, key).post('/v1/refunds', { payment: refunded });
      await apiClient(baseUrl, key).post('/v1/refunds', { payment: partlyRefunded, amount: 1_000 });

      const report = await billerApi.get<{
        reconciled: boolean;
        net: number;
        ledger_payable: number;
        bills_paid: { count: number; amount: number };
        fees: number;
        lines: {
          kind: string;
          reference: string;
          amount: number;
          fee: number;
          net: number;
          receipt_number: string;
        }[];
      }>(`/v1/billers/${biller.id}/remittances/${today()}`);
      assert.equal(report.status, 200);
      const { body } = report;
      assert.equal(body.bills_paid.count, 4);
      assert.equal(body.bills_paid.amount, 10_000 + 25_555 + 8_000 + 9_100);
      // 2.00 MAD + 0.75 % per bill.
      const fee = (amount: number) => 200 + Math.floor((amount * 75 + 5_000) / 10_000);
      assert.equal(body.fees, fee(10_000) + fee(25_555) + fee(8_000) + fee(9_100));
      assert.equal(body.lines.filter((l) => l.kind === 'refund').length, 2);
      // Sealed at rest, the references come out in clear for the biller.
      assert.deepEqual([...new Set(body.lines.map((l) => `${l.kind} ${l.reference}`))].sort(), [
        'payment 1212121212',
        'payment 1313131313',
        'payment 1414141414',
        'refund 1313131313',
        'refund 1414141414',
      ]);
      assert.ok(body.lines.every((l) => /^R-/.test(l.receipt_number)));
      const expected =
        payer === 'consumer'
          ? 10_000 + 25_555 + 9_100 - 1_000
          : 10_000 + 25_555 + 9_100 - fee(10_000) - fee(25_555) - fee(9_100) - 1_000;
      assert.equal(body.net, expected, payer);
      assert.equal(body.ledger_payable, expected, payer);
      assert.equal(body.reconciled, true);

      const csv = await billerApi.get<string>(`/v1/billers/${biller.id}/remittances/${today()}?format=csv`);
      assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
      const rows = csv.body.trim().split('\n');
      assert.equal(
        rows[0],
        'kind,time,reference,external_id,amount,fee,fee_payer,net,receipt_number,payment,currency',
      );
      assert.equal(rows.filter((r) => r.startsWith('payment,')).length, 4);
      assert.match(rows.at(-1)!, /reconciled/);
    }
    assert.deepEqual(await platform.services.ledger.checkInvariants(), []);
  });

  test('another merchant cannot read a biller’s remittance; a bad date is a problem', async () => {
    const { biller, api: billerApi } = await newBiller(platform);
    assert.equal(
      (await api(demoKeys.atlas).get(`/v1/billers/${biller.id}/remittances/${today()}`)).status,
      404,
    );
    const bad = await billerApi.get(`/v1/billers/${biller.id}/remittances/2026-02-30`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalid_request');
  });
});

describe('biller webhook', () => {
  test('one signed webhook per paid bill, delivered through the outbox', async () => {
    const received: { signature: string; body: string }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push({ signature: String(request.headers['tijara-signature']), body });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    after(() => server.close());
    const port = (server.address() as { port: number }).port;
    const secret = 'whsec_billerDemoSecret0001';
    const {
      biller,
      key,
      api: billerApi,
    } = await newBiller(platform, { webhookUrl: `http://127.0.0.1:${port}/hook`, webhookSecret: secret });
    await billerApi.post(`/v1/billers/${biller.id}/bills`, {
      bills: [bill('W-1', '1515151515', 1_000), bill('W-2', '1515151515', 2_000)],
    });
    const due = await lookup(baseUrl, biller.id, { contract: '1515151515' });
    const id = await startBillPayment(
      baseUrl,
      biller.id,
      { contract: '1515151515' },
      due.map((b) => b.id),
    );
    assert.equal((await confirmWithCard(baseUrl, key, id)).body.status, 'succeeded');
    for (let i = 0; i < 5 && received.length < 2; i++) await platform.outbox.runOnce();
    assert.equal(received.length, 2);
    for (const { signature, body } of received) {
      assert.ok(verifyWebhook(signature, body, secret), 'signature verifies');
      assert.ok(!verifyWebhook(signature, body, 'whsec_wrong'), 'and not with another secret');
      const event = JSON.parse(body);
      assert.equal(event.type, 'bill.paid');
      assert.equal(event.data.payment, id);
      assert.match(event.data.receipt_number, /^R-/);
      assert.deepEqual(event.data.reference, { contract: '1515151515' });
    }
    assert.deepEqual(received.map((r) => JSON.parse(r.body).data.external_id).sort(), ['W-1', 'W-2']);
  });
});

describe('references at rest (law 09-08)', () => {
  const db = platform.store.db;

  test('a reference is nowhere in clear; the biller, the lookup and the receipt still see it', async () => {
    const { biller, key, api: billerApi } = await newBiller(platform);
    const loaded = await billerApi.post<{ data: { bill: { reference: Record<string, string> } }[] }>(
      `/v1/billers/${biller.id}/bills`,
      { bills: [bill('P-1', '4242424201', 3_000)] },
    );
    assert.deepEqual(loaded.body.data[0]?.bill.reference, { contract: '4242424201' });
    const [due] = await lookup(baseUrl, biller.id, { contract: '4242424201' });
    const id = await startBillPayment(baseUrl, biller.id, { contract: '4242424201' }, [due!.id]);
    assert.equal((await confirmWithCard(baseUrl, key, id)).body.status, 'succeeded');
    assert.deepEqual(await columnsHoldingText(db, '4242424201'), []);

    const got = await billerApi.get<{ reference: Record<string, string>; status: string }>(
      `/v1/billers/${biller.id}/bills/P-1`,
    );
    assert.deepEqual([got.body.reference, got.body.status], [{ contract: '4242424201' }, 'paid']);
    const number = (await bills.receiptNumberOfPayment(id))!;
    const receipt = await bills.receipt(number);
    assert.deepEqual(
      [receipt?.reference, receipt?.referenceValues],
      ['4242424201', { contract: '4242424201' }],
    );
    // The card payment's order reference is the biller's id for the bill, not the person's reference.
    const payment = await apiClient(baseUrl, key).get<{ order_reference: string }>(`/v1/payments/${id}`);
    assert.equal(payment.body.order_reference, 'P-1');
  });

  test('references stored in clear before sealing began are still found, then sealed in place by one pass', async () => {
    const { biller, key, api: billerApi } = await newBiller(platform);
    await billerApi.post(`/v1/billers/${biller.id}/bills`, {
      bills: [bill('L-1', '4242424202', 1_000), bill('L-2', '4242424202', 2_000)],
    });
    const [first] = await lookup(baseUrl, biller.id, { contract: '4242424202' });
    const id = await startBillPayment(baseUrl, biller.id, { contract: '4242424202' }, [first!.id]);
    assert.equal((await confirmWithCard(baseUrl, key, id)).body.status, 'succeeded');
    // As an earlier version left them: the key in clear as the bills' reference and the payment's.
    await sql`update bills set reference = '4242424202', reference_values = '{"contract": "4242424202"}'
               where biller_id = ${biller.id}`.execute(db);
    await sql`update bill_payments set reference = '4242424202' where payment_id = ${id}`.execute(db);
    assert.deepEqual((await columnsHoldingText(db, '4242424202')).sort(), [
      'bill_payments.reference',
      'bills.reference',
      'bills.reference_values',
    ]);
    assert.equal((await lookup(baseUrl, biller.id, { contract: '4242424202' })).length, 1);
    assert.equal((await bills.receipt((await bills.receiptNumberOfPayment(id))!))?.reference, '4242424202');

    assert.equal(await bills.sealStoredPersonalData(), 3);
    assert.deepEqual(await columnsHoldingText(db, '4242424202'), []);
    assert.equal(await bills.sealStoredPersonalData(), 0);
    const [second] = await lookup(baseUrl, biller.id, { contract: '4242424202' });
    assert.ok(second);
    const receipt = await bills.receipt((await bills.receiptNumberOfPayment(id))!);
    assert.deepEqual(
      [receipt?.reference, receipt?.referenceValues],
      ['4242424202', { contract: '4242424202' }],
    );
    // Loading the same lines again finds them unchanged: a sealed bill is still the same bill.
    const again = await billerApi.post<{ data: { outcome: string }[] }>(`/v1/billers/${biller.id}/bills`, {
      bills: [bill('L-2', '4242424202', 2_000)],
    });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.deepEqual(
      again.body.data.map((d) => d.outcome),
      ['unchanged'],
    );
  });
});

describe('biller webhook address', () => {
  test('a live biller cannot send its webhooks to a private or insecure address', async () => {
    for (const [url, problem] of [
      ['https://127.0.0.1/hook', 'private_address'],
      ['https://10.1.2.3/hook', 'private_address'],
      ['https://localhost/hook', 'private_address'],
      ['http://biller.example.ma/hook', 'insecure_url'],
      ['not a url', 'invalid_url'],
    ]) {
      await assert.rejects(
        bills.createBiller({
          name: { ar: 'مفوتر', fr: 'Facturier', en: 'Biller' },
          category: 'water_electricity',
          referenceFields: [],
          fee: { fixed: 0n, bps: 0, payer: 'consumer' },
          livemode: true,
          webhookUrl: url!,
          webhookSecret: 'whsec_x',
        }),
        new RegExp(`webhook URL is refused: ${problem}`),
        url,
      );
    }
  });
});

describe('CSV import', () => {
  const header = 'external_id,contract,amount,late_fee,period,due_date,description';
  const file = [
    header,
    'CSV-1,1616161616,350.20,,Octobre 2026,2026-11-15,Eau octobre',
    'CSV-2,1616161616,12.5,1.25,Novembre 2026,2026-12-15,"Eau, novembre"',
    'CSV-3,16161616,10.00,,,,bad contract',
    'CSV-4,1616161617,ten,,,,bad amount',
    'CSV-5,1616161617,10.001,,,,too many decimals',
    'CSV-6,1616161617,10.00,,,2026-13-01,bad date',
    'CSV-7,1616161617,10.00',
    'CSV-1,1616161616,1.00,,,,duplicate id',
    'CSV-8,1616161618,99.99,,,,',
  ].join('\n');

  test('good lines go in, each bad line is reported with its number, the same file twice changes nothing', async () => {
    const { biller } = await newBiller(platform);
    const parsed = parseBillsCsv(file, biller) as ParsedBills;
    const first = await importBills(bills, biller, parsed);
    assert.deepEqual(
      first.rejected.map((r) => r.line),
      [4, 5, 6, 7, 8, 9],
    );
    assert.match(first.rejected[0]!.reason, /contract/);
    assert.match(first.rejected[1]!.reason, /amount/);
    assert.match(first.rejected[3]!.reason, /due_date/);
    assert.match(first.rejected[5]!.reason, /already on line 2/);
    assert.equal(first.created, 3);
    const found = await lookup(baseUrl, biller.id, { contract: '1616161616' });
    assert.deepEqual(
      found.map((b) => b.amount_due).sort((a, b) => a - b),
      [1_375, 35_020],
    );
    assert.deepEqual(await lookup(baseUrl, biller.id, { contract: '1616161617' }), []);

    const second = await importBills(bills, biller, parseBillsCsv(file, biller) as ParsedBills);
    assert.equal(second.created, 0);
    assert.equal(second.updated, 0);
    assert.equal(second.unchanged, 3);
    assert.equal(second.rejected.length, 6);
    assert.deepEqual(await lookup(baseUrl, biller.id, { contract: '1616161616' }), found);
  });

  test('a file without the reference column is refused as a whole', async () => {
    const { biller } = await newBiller(platform);
    assert.deepEqual(parseBillsCsv('external_id,amount\nX,1.00\n', biller), {
      error: 'the header lacks the column(s) contract',
    });
  });
});

describe('pages', () => {
  test('/bills lists the demo billers in three languages, Arabic right to left', async () => {
    const fr = await page('/bills?lang=fr');
    assert.match(
      fr.text,
      /Régie de l&#39;Eau et de l&#39;Électricité de Bouregreg|Régie de l'Eau et de l'Électricité de Bouregreg/,
    );
    assert.match(fr.text, /Trésorerie Générale/);
    const ar = await page('/bills?lang=ar');
    assert.match(ar.text, /dir="rtl"/);
    assert.match(ar.text, /الخزينة العامة/);
    const en = await page('/bills/blr_tresorerie?lang=en&notice=202600001234&year=2026');
    assert.match(en.text, /Taxe d&#39;habitation 2026|Taxe d'habitation 2026/);
    assert.match(en.text, /Service fee|service fee/);
    assert.equal((await page('/bills/blr_nobody')).status, 404);
  });

  test('the bill API is in the OpenAPI document', async () => {
    const openapi = await api().get<{ paths: Record<string, unknown> }>('/v1/openapi.json');
    for (const path of [
      '/v1/billers',
      '/v1/billers/{id}/bills',
      '/v1/billers/{id}/bills/{external_id}',
      '/v1/billers/{id}/remittances/{date}',
    ])
      assert.ok(openapi.body.paths[path], path);
  });
});
