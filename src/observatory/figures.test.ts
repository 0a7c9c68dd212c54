import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ActivityLine } from '../payments/activity.js';
import {
  averageBasket,
  cardOrigin,
  figuresFromActivity,
  growthPercent,
  poolSmallSectors,
  publish,
} from './figures.js';
import {
  type FigureLine,
  isQuarter,
  quarterBounds,
  quarterDays,
  quarterOf,
  sectorOf,
  shiftQuarter,
} from './model.js';

const cell = (
  quarter: string,
  dimension: FigureLine['dimension'],
  key: string,
  volume: bigint,
  merchants: number | null,
): FigureLine => ({
  quarter,
  dimension,
  key,
  payments: Number(volume / 100n),
  volume,
  refunds: 0,
  refunded: 0n,
  merchants,
});

describe('quarters', () => {
  test('are read, shifted across years and bounded in Moroccan time', () => {
    assert.ok(isQuarter('2026-Q4'));
    for (const bad of ['2026-Q5', '2026-q1', '26-Q1', '2026-Q0', '1999-Q1'])
      assert.equal(isQuarter(bad), false, bad);
    assert.equal(quarterOf('2026-11-25'), '2026-Q4');
    assert.equal(quarterOf('2026-03-31'), '2026-Q1');
    assert.equal(shiftQuarter('2026-Q1', -1), '2025-Q4');
    assert.equal(shiftQuarter('2026-Q4', 1), '2027-Q1');
    assert.equal(shiftQuarter('2026-Q3', -4), '2025-Q3');
    assert.deepEqual(quarterDays('2026-Q4'), { first: '2026-10-01', next: '2027-01-01' });
    // Morocco is UTC+1 outside Ramadan: its quarter starts an hour before UTC midnight.
    assert.deepEqual(quarterBounds('2026-Q4'), {
      start: new Date('2026-09-30T23:00:00Z'),
      end: new Date('2026-12-31T23:00:00Z'),
    });
  });
});

test("a merchant's sector is read into a published one, else other", () => {
  assert.equal(sectorOf('travel'), 'travel');
  assert.equal(sectorOf(' Car_Rental '), 'car_rental');
  assert.equal(sectorOf('billing:water_electricity'), 'bills');
  assert.equal(sectorOf('billing:treasury'), 'taxes');
  assert.equal(sectorOf('Vente de tapis'), 'other');
  assert.equal(cardOrigin('MA'), 'moroccan');
  assert.equal(cardOrigin('FR'), 'foreign');
});

describe('growth and average basket', () => {
  test('are exact in centimes and round half away from zero', () => {
    assert.equal(growthPercent(110n, 100n), 10);
    assert.equal(growthPercent(100_05n, 100_00n), 0.1); // +0.05% rounds up to 0.1
    assert.equal(growthPercent(100_04n, 100_00n), 0);
    assert.equal(growthPercent(99_95n, 100_00n), -0.1);
    assert.equal(growthPercent(1n, 3n), -66.7);
    assert.equal(growthPercent(5n, 0n), null);
    assert.equal(growthPercent(5n, undefined), null);
    // Far beyond what a float adds up exactly: 9e15 centimes.
    assert.equal(growthPercent(9_000_000_000_000_001n, 9_000_000_000_000_000n), 0);
    assert.equal(averageBasket({ payments: 3, volume: 1000n, refunds: 0, refunded: 0n, merchants: 3 }), 333n);
    assert.equal(averageBasket({ payments: 2, volume: 3n, refunds: 0, refunded: 0n, merchants: 3 }), 2n);
    assert.equal(averageBasket({ payments: 0, volume: 0n, refunds: 0, refunded: 0n, merchants: 0 }), null);
  });
});

test("a quarter's activity becomes cells with distinct merchants", () => {
  const activity: ActivityLine[] = [
    { merchantId: 'mer_a', cardCountry: 'MA', kind: 'capture', count: 2, amount: 300n },
    { merchantId: 'mer_a', cardCountry: 'FR', kind: 'capture', count: 1, amount: 500n },
    { merchantId: 'mer_a', cardCountry: 'MA', kind: 'refund', count: 1, amount: 100n },
    { merchantId: 'mer_b', cardCountry: 'MA', kind: 'capture', count: 1, amount: 50n },
  ];
  const lines = figuresFromActivity('2026-Q4', activity, new Map([['mer_a', 'travel']]));
  const of = (dimension: string, key: string) =>
    lines.find((l) => l.dimension === dimension && l.key === key);
  assert.deepEqual(of('all', 'all'), {
    quarter: '2026-Q4',
    dimension: 'all',
    key: 'all',
    payments: 4,
    volume: 850n,
    refunds: 1,
    refunded: 100n,
    merchants: 2,
  });
  assert.equal(of('sector', 'travel')?.merchants, 1);
  assert.equal(of('sector', 'other')?.volume, 50n, 'an unknown merchant counts as other');
  assert.equal(of('card_origin', 'moroccan')?.merchants, 2);
  assert.equal(of('card_origin', 'foreign')?.payments, 1);
  assert.equal(lines.length, 5);
});

describe('small cells', () => {
  const q = '2026-Q4';
  test('sectors under 3 merchants are pooled into other', () => {
    const pooled = poolSmallSectors([
      cell(q, 'sector', 'travel', 900n, 4),
      cell(q, 'sector', 'airline', 100n, 1),
      cell(q, 'sector', 'taxes', 200n, 2),
    ]);
    assert.deepEqual(
      pooled.map((c) => [c.key, c.figures.volume, c.figures.merchants]),
      [
        ['travel', 900n, 4],
        ['other', 300n, 3],
      ],
    );
  });

  test('a pool still under 3 takes the smallest published sector, so no total minus the rest gives it away', () => {
    const pooled = poolSmallSectors([
      cell(q, 'sector', 'travel', 900n, 4),
      cell(q, 'sector', 'retail', 500n, 3),
      cell(q, 'sector', 'airline', 100n, 1),
    ]);
    assert.deepEqual(
      pooled.map((c) => [c.key, c.figures.volume, c.figures.merchants]),
      [
        ['travel', 900n, 4],
        ['other', 600n, 4],
      ],
    );
  });

  test('a quarter under 3 merchants is not published, and the card origins only when both have 3', () => {
    const lines = [
      cell('2026-Q2', 'all', 'all', 100n, 2),
      cell('2026-Q3', 'all', 'all', 1000n, 5),
      cell('2026-Q3', 'card_origin', 'moroccan', 900n, 5),
      cell('2026-Q3', 'card_origin', 'foreign', 100n, 2),
      cell('2026-Q4', 'all', 'all', 1500n, 6),
      cell('2026-Q4', 'card_origin', 'moroccan', 1200n, 6),
      cell('2026-Q4', 'card_origin', 'foreign', 300n, 3),
    ];
    const published = publish(lines, new Map([['2026-Q4', { source: 'platform', provisional: true }]]));
    assert.deepEqual(
      published.map((p) => p.quarter),
      ['2026-Q3', '2026-Q4'],
    );
    assert.deepEqual(published[0]!.byCardOrigin, []);
    assert.equal(published[1]!.provisional, true);
    assert.deepEqual(
      published[1]!.byCardOrigin.map((o) => [o.key, o.volume]),
      [
        ['moroccan', 1200n],
        ['foreign', 300n],
      ],
    );
    // Growth against the published quarter before; 2026-Q2 was not published, so Q3 has no base.
    assert.equal(published[1]!.total.growth.quarterOnQuarter, 50);
    assert.equal(published[0]!.total.growth.quarterOnQuarter, null);
    // The origin split of Q3 was withheld: nothing to compare Q4's foreign cards with.
    assert.equal(published[1]!.byCardOrigin[1]!.growth.quarterOnQuarter, null);
  });

  test('an imported series (merchants unknown) is published as it was, with year-on-year growth', () => {
    const lines = [cell('2025-Q4', 'all', 'all', 800n, null), cell('2026-Q4', 'all', 'all', 1000n, null)];
    const [before, now] = publish(
      lines,
      new Map([
        ['2025-Q4', { source: 'imported', provisional: false }],
        ['2026-Q4', { source: 'imported', provisional: false }],
      ]),
    );
    assert.equal(before!.source, 'imported');
    assert.equal(now!.total.growth.yearOnYear, 25);
    assert.equal(now!.total.growth.quarterOnQuarter, null);
  });
});
