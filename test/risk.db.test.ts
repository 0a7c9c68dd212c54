import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { luhnCheckDigit } from '../src/core/card.js';
import { Problem } from '../src/core/problem.js';
import type { RiskAlert } from '../src/risk/service.js';
import { demoOrganisationKeys } from '../src/screening/seed.js';
import { card, demoKeys, testPlatform } from './support/platform.js';

const { platform, api } = await testPlatform();
const { risk, merchants, audit } = platform.services;

async function liveMerchant(name: string) {
  const merchant = await merchants.createMerchant({ name, sector: 'retail' });
  const { secret } = await merchants.createApiKey(merchant.id, true);
  return { id: merchant.id, client: api(secret) };
}

let orders = 0;
/** One attempt as a shop's checkout makes it: create, then confirm with the card. */
async function attempt(client: ReturnType<typeof api>, number: string, amount = 10_000) {
  const created = await client.post<{ id: string }>('/v1/payments', {
    amount,
    currency: 'MAD',
    order_reference: `RISK-${++orders}`,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const confirmed = await client.post<{ status: string; decline: { code: string } | null }>(
    `/v1/payments/${created.body.id}/confirm`,
    { card: card(number) },
  );
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  return confirmed.body;
}

const APPROVED = '4111111111111111';
const INSUFFICIENT = '4111110000000054';
const EXPIRED = '4111110000000120';
/** A number of a real BIN that its bank never issued: what a card-testing script tries. */
const guessed = (n: number) => {
  const partial = `4111119${String(n).padStart(8, '0')}`;
  return `${partial}${luhnCheckDigit(partial)}`;
};

// A shop under a card-testing attack: 25 guessed numbers in a row.
const attacked = await liveMerchant('Boutique attaquée');
for (let n = 0; n < 25; n++) assert.equal((await attempt(attacked.client, guessed(n))).decline?.code, '14');
// A shop whose payments mostly fail for an hour, with one card (no card testing).
const failing = await liveMerchant('Boutique en panne');
for (let n = 0; n < 30; n++) await attempt(failing.client, EXPIRED);
// One card declined at three shops.
const shops = [
  await liveMerchant('Boutique A'),
  await liveMerchant('Boutique B'),
  await liveMerchant('Boutique C'),
];
for (const shop of shops) assert.equal((await attempt(shop.client, INSUFFICIENT, 9_000)).decline?.code, '51');
// A healthy shop: no alert.
const healthy = await liveMerchant('Boutique tranquille');
for (let n = 0; n < 5; n++)
  assert.equal((await attempt(healthy.client, APPROVED, 1_000)).status, 'succeeded');

const supervisor = api(demoOrganisationKeys.authority);
const alertsOf = (alerts: RiskAlert[], subject: string) => alerts.filter((a) => a.subject === subject);

describe('transaction monitoring', () => {
  test('a scan raises one alert per attack, on the right merchant or card, with its figures', async () => {
    const report = await risk.scan();
    const raised = report.raised.map((a) => [a.rule, a.subject]).sort();
    assert.deepEqual(raised, [
      ['card_across_merchants', '411111…0054'],
      ['card_testing', attacked.id],
      ['decline_spike', failing.id],
    ]);
    const testing = report.raised.find((a) => a.rule === 'card_testing')!;
    assert.equal(testing.severity, 'high');
    assert.equal(testing.status, 'open');
    assert.deepEqual(
      { ...testing.evidence },
      {
        window_minutes: 15,
        attempts: 25,
        declined: 25,
        cards: 25,
        declined_cards: 25,
        invalid_numbers: 25,
      },
    );
    assert.equal(report.raised.find((a) => a.rule === 'card_across_merchants')?.evidence.merchants, 3);
    assert.equal(alertsOf(await risk.listAlerts(), healthy.id).length, 0);
  });

  test('the same attack seen again refreshes its alert, it does not raise another', async () => {
    await attempt(attacked.client, guessed(25));
    const report = await risk.scan();
    assert.deepEqual(report.raised, []);
    assert.equal(report.updated, 3);
    const [alert, ...others] = alertsOf(await risk.listAlerts(), attacked.id);
    assert.equal(others.length, 0);
    assert.equal(alert?.evidence.attempts, 26);
    assert.ok(alert!.lastSeenAt > alert!.firstSeenAt);
  });

  test('two scans at once (two workers) raise nothing twice', async () => {
    await Promise.all([risk.scan(), risk.scan()]);
    assert.equal((await risk.listAlerts()).length, 3);
  });
});

describe("the network's journal, added up", () => {
  const hour = () => ({ start: new Date(Date.now() - 60 * 60_000), end: new Date(Date.now() + 1_000) });
  const cardsOf = async (minMerchants: number, minDeclined: number) =>
    (await platform.services.switch.traffic({ ...hour(), cards: { minMerchants, minDeclined } })).cards.map(
      (c) => [`${c.bin}…${c.last4}`, c.merchants, c.attempts, c.declined],
    );

  const merchantsOf = async (minAttempts: number, minDeclinedShare: number) =>
    (
      await platform.services.switch.traffic({ ...hour(), merchants: { minAttempts, minDeclinedShare } })
    ).merchants
      .map((m) => m.merchantId)
      .sort();

  // Distinct cards are counted only for the merchants and cards that can matter (src/switch/traffic.ts).
  test('merchants are counted with enough attempts and a large enough share declined, or all of them', async () => {
    assert.deepEqual(await merchantsOf(27, 1), [failing.id]);
    assert.deepEqual(await merchantsOf(20, 1), [attacked.id, failing.id].sort());
    assert.deepEqual(await merchantsOf(31, 0), []);
    assert.ok((await merchantsOf(1, 0)).includes(healthy.id));
    const all = (await platform.services.switch.traffic(hour())).merchants;
    assert.deepEqual(all.find((m) => m.merchantId === healthy.id)?.attempts, 5);
    // A merchant that passes the floors has the same figures as when every merchant is counted.
    const floored = await platform.services.switch.traffic({
      ...hour(),
      merchants: { minAttempts: 20, minDeclinedShare: 0.5 },
    });
    const attackedFigures = all.find((m) => m.merchantId === attacked.id);
    assert.ok(attackedFigures && attackedFigures.declinedCards >= 25, JSON.stringify(all));
    assert.deepEqual(
      floored.merchants.find((m) => m.merchantId === attacked.id),
      attackedFigures,
    );
  });

  test('cards are counted at enough merchants and with enough declines, and only when asked', async () => {
    assert.deepEqual(await cardsOf(3, 3), [['411111…0054', 3, 3, 3]]);
    assert.deepEqual(await cardsOf(3, 4), []);
    assert.deepEqual(await cardsOf(4, 0), []);
    // Without a floor on declines every card seen at enough merchants counts, declined or not.
    const seenOnce = await cardsOf(1, 0);
    assert.ok(seenOnce.some(([card, , , declined]) => card === '411111…1111' && declined === 0));
    assert.deepEqual((await platform.services.switch.traffic(hour())).cards, []);
  });
});

describe('the authority reviews the alerts', () => {
  type AlertJson = { id: string; rule: string; status: string; subject: { kind: string; id: string } };

  test('it lists them with its organisation key; a merchant or a bank may not', async () => {
    const listed = await supervisor.get<{ data: AlertJson[] }>('/v1/risk/alerts?status=open');
    assert.equal(listed.status, 200);
    assert.equal(listed.body.data.length, 3);
    assert.deepEqual(listed.body.data.find((a) => a.rule === 'card_across_merchants')?.subject, {
      kind: 'card',
      id: '411111…0054',
    });
    const byRule = await supervisor.get<{ data: AlertJson[] }>('/v1/risk/alerts?rule=card_testing');
    assert.deepEqual(
      byRule.body.data.map((a) => a.subject.id),
      [attacked.id],
    );
    assert.equal((await api(demoOrganisationKeys.bank).get('/v1/risk/alerts')).status, 403);
    assert.equal((await api(demoKeys.atlas).get('/v1/risk/alerts')).status, 401);
    assert.equal((await api().get('/v1/risk/alerts')).status, 401);
    const bad = await supervisor.get<{ code: string }>('/v1/risk/alerts?status=closed');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalid_request');
  });

  test('acknowledging and resolving are audited; a resolved alert is final, and the next firing raises a new one', async () => {
    const [testing] = await risk.listAlerts({ rule: 'card_testing' });
    const review = (decision: string, note?: string) =>
      supervisor.post<AlertJson & { review: { note: string | null } | null; code?: string }>(
        `/v1/risk/alerts/${testing!.id}/review`,
        { decision, ...(note ? { note } : {}) },
      );
    const acknowledged = await review('acknowledged', 'merchant called');
    assert.equal(acknowledged.status, 200);
    assert.equal(acknowledged.body.status, 'acknowledged');
    assert.equal(acknowledged.body.review?.note, 'merchant called');
    assert.equal((await review('resolved', 'keys rotated, 3-D Secure forced')).body.status, 'resolved');
    const again = await review('acknowledged');
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'alert_resolved');
    assert.equal((await review('closed')).status, 400);
    assert.equal(
      (await supervisor.post(`/v1/risk/alerts/ral_none/review`, { decision: 'resolved' })).status,
      404,
    );

    const trail = await audit.list({ limit: 50, targetId: testing!.id });
    const actions = trail.map((r) => r.action);
    assert.deepEqual(actions.sort(), ['risk.alert.acknowledged', 'risk.alert.resolved']);

    const report = await risk.scan();
    assert.deepEqual(
      report.raised.map((a) => [a.rule, a.subject]),
      [['card_testing', attacked.id]],
    );
    assert.notEqual(report.raised[0]!.id, testing!.id);
  });

  test('a review of an unknown alert changes nothing', async () => {
    const result = await risk.reviewAlert('ral_unknown', {
      decision: 'resolved',
      reviewer: 'k',
      actor: { type: 'system', id: 'test' },
    });
    assert.ok(result instanceof Problem);
    assert.equal(result.status, 404);
  });
});
