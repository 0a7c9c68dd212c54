import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { currencies, type MinorUnits, parseDecimalAmount } from '../src/core/money.js';
import { Problem } from '../src/core/problem.js';
import type { FigureLine, Quarter } from '../src/observatory/model.js';
import {
  accessibilityViolations,
  launchBrowser,
  openPage as openBrowserPage,
  type PageOptions,
  screenshot,
} from './support/browser.js';
import { testPlatform } from './support/platform.js';

const { baseUrl, platform } = await testPlatform();
const browser = await launchBrowser();

const mad = (text: string): MinorUnits => parseDecimalAmount(text, currencies.MAD)!;

/**
 * An imported quarter: the whole market, three sectors and, unless `split` is false, the two card
 * origins (70 % Moroccan), each adding up to the whole.
 */
function quarterLines(
  quarter: Quarter,
  figures: { payments: number; volume: string; refunds: number; refunded: string },
  split = true,
): FigureLine[] {
  const volume = mad(figures.volume);
  const refunded = mad(figures.refunded);
  const line = (dimension: FigureLine['dimension'], key: string, tenths: number): FigureLine => ({
    quarter,
    dimension,
    key,
    payments: Math.floor((figures.payments * tenths) / 10),
    volume: (volume * BigInt(tenths)) / 10n,
    refunds: Math.floor((figures.refunds * tenths) / 10),
    refunded: (refunded * BigInt(tenths)) / 10n,
    merchants: null,
  });
  const rest = (dimension: FigureLine['dimension'], key: string, parts: FigureLine[]): FigureLine => ({
    ...line(dimension, key, 0),
    payments: figures.payments - parts.reduce((n, p) => n + p.payments, 0),
    volume: volume - parts.reduce((n, p) => n + p.volume, 0n),
    refunds: figures.refunds - parts.reduce((n, p) => n + p.refunds, 0),
    refunded: refunded - parts.reduce((n, p) => n + p.refunded, 0n),
  });
  const sectors = [line('sector', 'travel', 5), line('sector', 'retail', 3)];
  const moroccan = line('card_origin', 'moroccan', 7);
  return [
    { ...line('all', 'all', 10) },
    ...sectors,
    rest('sector', 'other', sectors),
    ...(split ? [moroccan, rest('card_origin', 'foreign', [moroccan])] : []),
  ];
}

// 2026-Q3 is −1.0 % on 2026-Q2 and +15.5 % on 2025-Q3; 2026-Q1 withholds its split by card origin.
const series = [
  quarterLines('2025-Q2', {
    payments: 7_000_000,
    volume: '5600000000.00',
    refunds: 98_000,
    refunded: '89600000.00',
  }),
  quarterLines('2025-Q3', {
    payments: 7_500_000,
    volume: '6000000000.00',
    refunds: 105_000,
    refunded: '96000000.00',
  }),
  quarterLines('2025-Q4', {
    payments: 8_000_000,
    volume: '6400000000.00',
    refunds: 112_000,
    refunded: '102400000.00',
  }),
  quarterLines(
    '2026-Q1',
    { payments: 7_750_000, volume: '6200000000.00', refunds: 108_500, refunded: '99200000.00' },
    false,
  ),
  quarterLines('2026-Q2', {
    payments: 8_750_000,
    volume: '7000000000.00',
    refunds: 122_500,
    refunded: '112000000.00',
  }),
  quarterLines('2026-Q3', {
    payments: 8_662_500,
    volume: '6930000000.37',
    refunds: 121_275,
    refunded: '110880000.00',
  }),
].flat();
const imported = await platform.services.observatory.importFigures(series);
assert.ok(!(imported instanceof Problem), JSON.stringify(imported));

const openPage = (path: string, options?: PageOptions) =>
  openBrowserPage(browser, `${baseUrl}${path}`, options);

const text = async (page: Page, selector: string) =>
  ((await page.locator(selector).textContent()) ?? '').trim();
const headline = (page: Page, label: string) =>
  page.locator('.headline-card', { has: page.locator('dt', { hasText: label }) }).locator('dd');
const rowOf = (page: Page, quarter: string) =>
  page.locator('table.observatory-series tbody tr', { has: page.locator('th', { hasText: quarter }) });
const cellsOf = async (page: Page, quarter: string) =>
  (await rowOf(page, quarter).locator('td').allTextContents()).map((cell) => cell.trim());

describe('the observatory page, /observatory', () => {
  test('in French: the latest quarter, its growth, the charts and the table of the series', async () => {
    const page = await openPage('/observatory?lang=fr');
    assert.equal(await text(page, 'h1'), 'Observatoire du e-commerce');
    assert.match(await text(page, '#latest-heading'), /^Dernier trimestre : T3 2026/);
    assert.match((await headline(page, 'Volume').textContent()) ?? '', /^6\.930\.000\.000,37\sMAD$/);
    assert.match((await headline(page, 'Paiements').textContent()) ?? '', /^8\.662\.500$/);
    assert.match((await headline(page, 'Panier moyen').textContent()) ?? '', /^800,00\sMAD$/);
    assert.equal(await headline(page, 'Évolution sur le trimestre').textContent(), '−1,0\u00a0%');
    assert.equal(await headline(page, 'Évolution sur un an').textContent(), '+15,5\u00a0%');

    // The charts are images with a name and a description.
    const volumeChart = page.getByRole('img', { name: 'Volume par trimestre et origine de la carte' });
    assert.equal(await volumeChart.count(), 1);
    assert.equal(await volumeChart.evaluate((e) => e.tagName.toLowerCase()), 'svg');
    assert.match((await volumeChart.getAttribute('aria-describedby')) ?? '', /-desc$/);
    assert.match(await text(page, '#volume-chart-desc'), /cartes marocaines/);
    // Eight quarters: seven stacked by card origin, 2026-Q1 drawn whole.
    assert.equal(await volumeChart.locator('rect.series-moroccan').count(), 7);
    assert.equal(await volumeChart.locator('rect.series-foreign').count(), 7);
    assert.equal(await volumeChart.locator('rect.series-all').count(), 1);
    assert.match((await volumeChart.locator('rect.series-all title').textContent()) ?? '', /^T1 2026/);
    const sectorChart = page.getByRole('img', { name: 'Volume par secteur, T3 2026' });
    assert.equal(await sectorChart.locator('rect').count(), 3);
    assert.match((await sectorChart.textContent()) ?? '', /Agences de voyage.*Commerce de détail.*Autres/s);

    // The table holds the last eight quarters, oldest first, with the same numbers.
    const quarters = (await page.locator('table.observatory-series tbody th').allTextContents()).map((q) =>
      q.trim(),
    );
    assert.equal(quarters.length, 8);
    assert.deepEqual(
      quarters.slice(2).map((q) => q.replace(/\s*série importée$/, '')),
      ['T2 2025', 'T3 2025', 'T4 2025', 'T1 2026', 'T2 2026', 'T3 2026'],
    );
    const latest = await cellsOf(page, 'T3 2026');
    assert.equal(latest.length, 7);
    assert.equal(latest[0], '8.662.500');
    assert.match(latest[1]!, /^6\.930\.000\.000,37\sMAD$/);
    assert.match(latest[2]!, /^800,00\sMAD$/);
    assert.deepEqual(latest.slice(3, 6), ['−1,0\u00a0%', '+15,5\u00a0%', '121.275']);
    assert.match(latest[6]!, /^110\.880\.000,00\sMAD$/);
    assert.equal((await cellsOf(page, 'T1 2026'))[3], '−3,1\u00a0%');
    assert.deepEqual((await cellsOf(page, 'T2 2026')).slice(3, 5), ['+12,9\u00a0%', '+25,0\u00a0%']);
    // Imported quarters say so.
    assert.match(await text(page, '.table-scroll + .note'), /série importée/);
    await screenshot(page, 'observatory-fr');
    await page.context().close();
  });

  test('the open data: the CSV link answers with CSV, the JSON link with the same quarters', async () => {
    const page = await openPage('/observatory?lang=fr');
    const csvHref = await page.getByRole('link', { name: 'Télécharger le CSV' }).getAttribute('href');
    assert.equal(csvHref, '/v1/observatory/quarters?format=csv');
    const csv = await page.request.get(`${baseUrl}${csvHref}`);
    assert.equal(csv.status(), 200);
    assert.match(csv.headers()['content-type'] ?? '', /^text\/csv/);
    assert.match(await csv.text(), /2026-Q3/);
    const jsonHref = await page.getByRole('link', { name: 'JSON' }).getAttribute('href');
    const json = await page.request.get(`${baseUrl}${jsonHref}`);
    assert.equal(json.status(), 200);
    const body = (await json.json()) as { data: { quarter: string; total: { volume: number } }[] };
    assert.equal(body.data.find((q) => q.quarter === '2026-Q3')?.total.volume, 693_000_000_037);
    await page.context().close();
  });

  test('in Arabic, right to left; in English; an unknown language falls back', async () => {
    const ar = await openPage('/observatory?lang=ar');
    assert.equal(await ar.locator('html').getAttribute('dir'), 'rtl');
    assert.equal(await ar.locator('html').getAttribute('lang'), 'ar');
    assert.equal(await text(ar, 'h1'), 'مرصد التجارة الإلكترونية');
    const headings = (await ar.locator('table.observatory-series thead th').allTextContents()).map((h) =>
      h.trim(),
    );
    assert.deepEqual(headings.slice(0, 3), ['الربع', 'عدد المدفوعات', 'الحجم']);
    assert.equal(await ar.getByRole('img', { name: 'الحجم حسب الربع ومصدر البطاقة' }).count(), 1);
    // The chart keeps its geometry left to right inside the right-to-left page.
    assert.equal(
      await ar
        .locator('svg.chart')
        .first()
        .evaluate((svg) => getComputedStyle(svg).direction),
      'ltr',
    );
    assert.match((await headline(ar, 'التطور على سنة').textContent()) ?? '', /\+15,5/);
    await screenshot(ar, 'observatory-ar');
    await ar.context().close();

    const en = await openPage('/observatory?lang=en');
    assert.equal(await text(en, 'h1'), 'E-commerce observatory');
    assert.equal(await headline(en, 'Growth on the quarter').textContent(), '−1.0%');
    assert.match((await headline(en, 'Volume').textContent()) ?? '', /^MAD\s6,930,000,000\.37$/);
    assert.equal(await en.getByRole('img', { name: 'Volume by sector, Q3 2026' }).count(), 1);
    await en.context().close();

    // The browser's language decides when ?lang= names none we have.
    const unknown = await openPage('/observatory?lang=de');
    assert.equal(await unknown.locator('html').getAttribute('lang'), 'fr');
    await unknown.context().close();
  });

  test('without JavaScript: the same page, no script, no inline style, a strict CSP', async () => {
    const page = await openPage('/observatory?lang=fr', { javaScriptEnabled: false });
    assert.equal(await page.locator('table.observatory-series tbody tr').count(), 8);
    assert.equal(await page.locator('svg.chart[role=img]').count(), 2);
    assert.equal(await page.locator('script').count(), 0);
    assert.equal(await page.locator('[style]').count(), 0);
    const response = await page.request.get(`${baseUrl}/observatory`);
    assert.match(response.headers()['content-security-policy'] ?? '', /style-src 'self';/);
    await page.context().close();
  });

  test('no accessibility violations (axe-core, WCAG 2.1 AA) in any language', async () => {
    for (const lang of ['ar', 'fr', 'en']) {
      const page = await openPage(`/observatory?lang=${lang}`, { bypassCSP: true });
      assert.deepEqual(await accessibilityViolations(page), [], lang);
      await page.context().close();
    }
  });
});
