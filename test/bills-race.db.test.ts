import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bill, cardBalance, confirmWithCard, lookup, newBiller, startBillPayment } from './support/bills.js';
import { apiClient, testPlatform } from './support/platform.js';

// Runs on PGlite and on PostgreSQL (where the two confirmations really run at once on two connections).
const { platform, baseUrl } = await testPlatform();

/** Posts the hosted payment page's card form, as a browser without JavaScript does. */
async function payOnHostedPage(paymentId: string, number: string) {
  const response = await fetch(`${baseUrl}/pay/${paymentId}?lang=en`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ number, expiry: '12/30', cvc: '123' }).toString(),
    redirect: 'manual',
  });
  return { status: response.status, text: await response.text() };
}

test('two people paying the same bill at the same second: exactly one is charged, the other is told', async () => {
  const { biller, key, api } = await newBiller(platform, { fee: { fixed: 250n, bps: 0, payer: 'consumer' } });
  const cards = [
    { number: '4111111111111111', bank: 'bnk_atlas', last4: '1111' },
    { number: '5555555555554444', bank: 'bnk_souss', last4: '4444' },
  ];
  const rounds = 6;
  for (let round = 0; round < rounds; round++) {
    platform.services.bills.resetLookupLimits();
    const contract = `20000000${String(round).padStart(2, '0')}`;
    await api.post(`/v1/billers/${biller.id}/bills`, { bills: [bill(`RACE-${round}`, contract, 50_000)] });
    const [due] = await lookup(baseUrl, biller.id, { contract });
    // Two browsers each reach the hosted page with their own payment for the same bill.
    const payments = await Promise.all(
      cards.map(() => startBillPayment(baseUrl, biller.id, { contract }, [due!.id])),
    );
    const before = await Promise.all(cards.map((c) => cardBalance(platform, c.bank, c.last4)));
    const viaPage = round % 2 === 1;
    const answers = await Promise.all(
      payments.map((id, i) =>
        viaPage ? payOnHostedPage(id, cards[i]!.number) : confirmWithCard(baseUrl, key, id, cards[i]!.number),
      ),
    );
    const after = await Promise.all(cards.map((c) => cardBalance(platform, c.bank, c.last4)));
    const statuses = await Promise.all(
      payments.map(
        async (id) =>
          (await apiClient(baseUrl, key).get<{ status: string }>(`/v1/payments/${id}`)).body.status,
      ),
    );
    const winners = statuses.filter((s) => s === 'succeeded');
    assert.equal(winners.length, 1, `round ${round}: ${statuses.join(', ')}`);
    const loser = statuses.findIndex((s) => s !== 'succeeded');
    const winner = 1 - loser;
    assert.equal(statuses[loser], 'requires_payment_method', 'the losing payment was never authorized');
    if (viaPage) {
      assert.equal(answers[winner]!.status, 303);
      assert.equal(answers[loser]!.status, 422);
      assert.match((answers[loser] as { text: string }).text, /has just been paid by someone else/);
    } else {
      assert.equal(answers[winner]!.status, 200);
      assert.equal(answers[loser]!.status, 409);
      assert.equal((answers[loser] as { body: { code: string } }).body.code, 'bill_already_paid');
    }
    // The winner paid the bill and its fee; the loser's card was not touched.
    assert.equal(before[winner]! - after[winner]!, 50_250n, `round ${round}`);
    assert.equal(after[loser], before[loser], `round ${round}`);
    const paid = await api.get<{ status: string; amount_paid: number }>(
      `/v1/billers/${biller.id}/bills/RACE-${round}`,
    );
    assert.equal(paid.body.status, 'paid');
    assert.equal(paid.body.amount_paid, 50_000);
  }
  assert.deepEqual(await platform.services.ledger.checkInvariants(), []);
});
