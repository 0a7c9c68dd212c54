import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { h } from 'preact';
import { renderToString } from 'preact-render-to-string';
import {
  BarChart,
  bandSpans,
  ColumnChart,
  formatCompactMoney,
  formatCount,
  formatGrowth,
  largestOf,
  niceScale,
  scaleLength,
  stackSpans,
  tickValues,
} from './chart.js';
import type { PublishedFigures, PublishedQuarter } from './model.js';
import { ObservatoryPage } from './pages.js';

test('the axis rounds up to 1, 2, 2.5 or 5 × 10^k dirhams, in at most the intervals asked', () => {
  assert.deepEqual(niceScale(0n), { top: 100n, step: 100n });
  assert.deepEqual(niceScale(1n), { top: 100n, step: 100n });
  // 4,100 MAD over 4 intervals: 1,025 MAD a step at least, so 2,000; three of them reach 6,000.
  assert.deepEqual(niceScale(410_000n), { top: 600_000n, step: 200_000n });
  assert.deepEqual(niceScale(900_000n), { top: 1_000_000n, step: 250_000n });
  assert.deepEqual(niceScale(800_000n), { top: 800_000n, step: 200_000n });
  // Past 2^53 centimes nothing rounds: the scale is bigint.
  const huge = 2n ** 60n + 1n;
  const scale = niceScale(huge);
  assert.ok(scale.top >= huge && scale.top - scale.step < huge);
  assert.deepEqual(tickValues({ top: 600_000n, step: 200_000n }), [0n, 200_000n, 400_000n, 600_000n]);
});

test('property: the top covers the largest value within one step, in at most 4 intervals', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 1n, max: 10n ** 17n }), (max) => {
      const { top, step } = niceScale(max);
      assert.ok(top >= max);
      assert.ok(top - step < max);
      assert.ok(top / step <= 4n);
      assert.equal(top % step, 0n);
    }),
  );
});

test('a bar is as long as its share of the axis, and never longer than the axis', () => {
  assert.equal(scaleLength(0n, 1_000n, 200), 0);
  assert.equal(scaleLength(500n, 1_000n, 200), 100);
  assert.equal(scaleLength(1_000n, 1_000n, 200), 200);
  assert.equal(scaleLength(5_000n, 1_000n, 200), 200);
  assert.equal(scaleLength(-5n, 1_000n, 200), 0);
  assert.equal(scaleLength(5n, 0n, 200), 0);
  // Two amounts past 2^53 centimes that differ by a thousandth keep their difference on screen.
  const top = 9_000_000_000_000_000_000n;
  assert.ok(scaleLength(top - top / 1000n, top, 1000) < 999.01);
  assert.ok(scaleLength(top - top / 1000n, top, 1000) > 998.99);
});

test('stacked segments follow each other and end where the total alone would', () => {
  const spans = stackSpans([1n, 1n, 1n], 3n, 100);
  assert.equal(spans.length, 3);
  assert.equal(spans[0]?.start, 0);
  for (let i = 1; i < spans.length; i++) {
    const before = spans[i - 1]!;
    assert.ok(Math.abs(spans[i]!.start - (before.start + before.length)) < 1e-9);
  }
  fc.assert(
    fc.property(
      fc.array(fc.bigInt({ min: 0n, max: 10n ** 15n }), { minLength: 1, maxLength: 3 }),
      (values) => {
        const total = values.reduce((a, b) => a + b, 0n);
        const { top } = niceScale(total);
        const last = stackSpans(values, top, 250).at(-1)!;
        assert.ok(Math.abs(last.start + last.length - scaleLength(total, top, 250)) < 1e-9);
      },
    ),
  );
});

test('bands split the width evenly, each bar centred in its band', () => {
  assert.deepEqual(bandSpans(4, 400, 0.5), [
    { start: 25, length: 50 },
    { start: 125, length: 50 },
    { start: 225, length: 50 },
    { start: 325, length: 50 },
  ]);
  assert.deepEqual(bandSpans(0, 400), []);
});

test('numbers are written the way each language writes them', () => {
  assert.equal(formatGrowth(3.2, 'fr'), '+3,2\u00a0%');
  assert.equal(formatGrowth(-1, 'fr'), '−1,0\u00a0%');
  assert.equal(formatGrowth(-1, 'en'), '−1.0%');
  assert.equal(formatGrowth(12.5, 'en'), '+12.5%');
  assert.equal(formatGrowth(0, 'en'), '0.0%');
  assert.equal(formatGrowth(null, 'ar'), '—');
  assert.match(formatGrowth(3.2, 'ar'), /\+3,2.*%/);
  assert.equal(formatCount(1_234_567, 'en'), '1,234,567');
  assert.equal(formatCompactMoney(123_456_789_000n, 'fr'), '1,2\u00a0Md\u00a0MAD');
  assert.equal(formatCompactMoney(123_456_789_000n, 'en'), 'MAD\u00a01.2bn');
});

const columns = [
  {
    key: '2026-Q2',
    name: 'T2',
    year: '2026',
    segments: [
      { value: 300_000n, className: 'series-moroccan', label: 'Cartes marocaines' },
      { value: 100_000n, className: 'series-foreign', label: 'Cartes étrangères' },
    ],
  },
  {
    key: '2026-Q3',
    name: 'T3',
    year: '2026',
    segments: [{ value: 500_000n, className: 'series-all', label: 'Toutes' }],
  },
];

test('a column chart is an image named by its title and described, left to right, styled by classes only', () => {
  const svg = renderToString(
    h(ColumnChart, {
      id: 'volume',
      title: 'Volume',
      description: 'Une barre par trimestre',
      locale: 'ar',
      columns,
    }),
  );
  assert.match(svg, /^<svg [^>]*role="img"/);
  assert.match(svg, /aria-labelledby="volume-title"/);
  assert.match(svg, /aria-describedby="volume-desc"/);
  assert.match(svg, /<title id="volume-title">Volume<\/title>/);
  assert.match(svg, /<desc id="volume-desc">Une barre par trimestre<\/desc>/);
  assert.match(svg, /direction="ltr"/);
  assert.doesNotMatch(svg, /style=/);
  assert.equal((svg.match(/<rect /g) ?? []).length, 3);
  assert.match(svg, /class="chart-bar series-foreign"/);
  // The axis is labelled in the page language.
  assert.match(svg, /د\.م\./);
});

test('a bar chart draws its largest bar across the whole length, with each amount after its bar', () => {
  const svg = renderToString(
    h(BarChart, {
      id: 'sectors',
      title: 'Volume par secteur',
      description: 'Une barre par secteur',
      locale: 'fr',
      bars: [
        { key: 'travel', label: 'Agences de voyage', value: 980_000_00n },
        { key: 'retail', label: 'Commerce de détail', value: 490_000_00n },
      ],
    }),
  );
  assert.match(svg, /width="490"/);
  assert.match(svg, /width="245"/);
  assert.match(svg, /980\u00a0k\u00a0MAD/);
  assert.doesNotMatch(svg, /style=/);
});

test('the largest amount is found without a float (Math.max takes no bigint)', () => {
  assert.equal(largestOf([]), 0n);
  assert.equal(largestOf([3n, 2n ** 64n, 7n]), 2n ** 64n);
});

const figures = (volume: bigint): PublishedFigures => ({
  key: 'all',
  payments: 10,
  volume,
  refunds: 0,
  refunded: 0n,
  merchants: 4,
  averageBasket: volume / 10n,
  growth: { quarterOnQuarter: null, yearOnYear: 2.5 },
});

test('the page says so when nothing is published, and marks a provisional quarter', () => {
  const empty = renderToString(h(ObservatoryPage, { locale: 'en', path: '/observatory', quarters: [] }));
  assert.match(empty, /No figures yet/);
  assert.doesNotMatch(empty, /<svg/);
  assert.match(empty, /href="\/v1\/observatory\/quarters\?format=csv"/);

  const running: PublishedQuarter = {
    quarter: '2026-Q4',
    source: 'platform',
    provisional: true,
    total: figures(123_456n),
    bySector: [],
    byCardOrigin: [],
  };
  const page = renderToString(
    h(ObservatoryPage, { locale: 'fr', path: '/observatory', quarters: [running] }),
  );
  assert.match(page, /Dernier trimestre : T4 2026 <span class="observatory-marker">provisoire<\/span>/);
  assert.match(page, /ses chiffres bougeront encore/);
  // No split by card origin: one whole bar; no sector: no sector chart; no base: a dash.
  assert.match(page, /class="chart-bar series-all"/);
  assert.doesNotMatch(page, /series-moroccan"/);
  assert.equal((page.match(/role="img"/g) ?? []).length, 1);
  assert.match(page, /<dd>—<\/dd>/);
  assert.match(page, /<dd>\+2,5\u00a0%<\/dd>/);
});
