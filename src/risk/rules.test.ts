import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MerchantTraffic } from '../switch/traffic.js';
import { cardAcrossMerchants, cardTesting, DEFAULT_THRESHOLDS, declineSpike } from './rules.js';

const traffic = (figures: Partial<MerchantTraffic>): MerchantTraffic => ({
  merchantId: 'mer_x',
  attempts: 0,
  declined: 0,
  cards: 0,
  declinedCards: 0,
  invalidNumbers: 0,
  ...figures,
});
const fires = (findings: unknown[]) => findings.length === 1;

test('card testing needs many attempts, many declined cards and mostly declines, each at its threshold', () => {
  const t = DEFAULT_THRESHOLDS.cardTesting;
  const attack = { attempts: 20, declined: 10, cards: 12, declinedCards: 10 };
  assert.ok(fires(cardTesting([traffic(attack)], t)));
  assert.ok(!fires(cardTesting([traffic({ ...attack, attempts: 19 })], t)), 'too few attempts');
  assert.ok(!fires(cardTesting([traffic({ ...attack, declinedCards: 9 })], t)), 'too few cards');
  assert.ok(!fires(cardTesting([traffic({ ...attack, declined: 9 })], t)), 'mostly approved');
  // A busy shop with many cards and a normal decline rate is not an attack.
  assert.ok(
    !fires(cardTesting([traffic({ attempts: 500, declined: 40, cards: 480, declinedCards: 40 })], t)),
  );
});

test('a decline spike needs 30 attempts, 70% of them declined', () => {
  const t = DEFAULT_THRESHOLDS.declineSpike;
  assert.ok(fires(declineSpike([traffic({ attempts: 30, declined: 21, cards: 1 })], t)));
  assert.ok(!fires(declineSpike([traffic({ attempts: 30, declined: 20, cards: 1 })], t)));
  assert.ok(!fires(declineSpike([traffic({ attempts: 29, declined: 29, cards: 1 })], t)));
});

test('a card across merchants needs 3 merchants and 2 declines; its subject shows only BIN and last four', () => {
  const t = DEFAULT_THRESHOLDS.cardAcrossMerchants;
  const seen = { bin: '411111', last4: '0054', merchants: 3, attempts: 3, declined: 2 };
  const [finding] = cardAcrossMerchants([seen], t);
  assert.equal(finding?.subject, '411111…0054');
  assert.equal(finding?.subjectKind, 'card');
  assert.deepEqual(cardAcrossMerchants([{ ...seen, declined: 1 }], t), []);
  assert.deepEqual(cardAcrossMerchants([{ ...seen, merchants: 2 }], t), []);
});
