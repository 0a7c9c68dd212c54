import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
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
const work = mkdtempSync(join(tmpdir(), 'tijara-bills-'));

const openPage = (path: string, options?: PageOptions) =>
  openBrowserPage(browser, `${baseUrl}${path}`, options);

async function payByCard(page: Page) {
  await page.waitForURL(/\/pay\/pay_/);
  await page.getByLabel(/Card number|Numéro de carte|رقم البطاقة/).fill('4111111111111111');
  await page.locator('#expiry').fill('12/30');
  await page.locator('#cvc').fill('123');
  await page.locator('form.card-form button[type=submit]').click();
  await page.waitForURL(/\/receipts\/R-/);
}

/** Downloads a PDF link of the receipt page and returns its text (pdftotext, reading order). */
async function pdfText(page: Page, lang: string): Promise<{ text: string; file: string }> {
  const href = await page.locator(`.pdf-links a[hreflang=${lang}]`).getAttribute('href');
  assert.ok(href);
  const response = await page.request.get(`${baseUrl}${href}`);
  assert.equal(response.status(), 200);
  assert.equal(response.headers()['content-type'], 'application/pdf');
  const file = join(work, `receipt-${lang}.pdf`);
  writeFileSync(file, await response.body());
  return { text: execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }), file };
}

describe('paying bills from /bills', () => {
  test('two water bills: choose the biller, type the contract, tick two, pay, open the receipt and its PDFs', async () => {
    platform.services.bills.resetLookupLimits();
    const page = await openPage('/bills?lang=fr');
    await page.getByRole('link', { name: "Régie de l'Eau et de l'Électricité de Bouregreg" }).click();
    await page.getByLabel('Numéro de contrat').fill('0123456789');
    await page.getByRole('button', { name: 'Trouver mes factures' }).click();
    const rows = page.locator('table.bills tbody tr');
    assert.equal(await rows.count(), 3);
    await screenshot(page, 'bills-list-fr');
    // Pay September (312.40 + 15.62 late) and October (289.75); leave November for later.
    await page.getByLabel('Eau et électricité novembre 2026').uncheck();
    assert.match((await page.locator('.bills-form').textContent()) ?? '', /2,50/);
    await page.getByRole('button', { name: 'Continuer vers le paiement' }).click();
    await page.waitForURL(/\/pay\/pay_/);
    // 328.02 + 289.75 + 2 × 2.50 of fees.
    assert.match((await page.locator('.summary .amount').textContent()) ?? '', /622,77/);
    await payByCard(page);
    assert.equal(await page.locator('h1').textContent(), 'Reçu de paiement');
    const number = (await page.locator('.receipt-number').textContent())!;
    assert.match(number, /^R-/);
    assert.match((await page.locator('.summary').textContent()) ?? '', /622,77/);
    await screenshot(page, 'bills-receipt-fr');

    const ar = await pdfText(page, 'ar');
    // Words are checked in reading order. Poppler extracts a lam-alef ligature (لأ) with its two letters
    // swapped although it draws it right, so the words checked here have none.
    for (const expected of [
      number,
      '0123456789',
      '622,77',
      '617,77',
      '5,00',
      'وصل',
      'رقم الوصل',
      'الفواتير',
      'رسوم الخدمة',
      '/receipts/',
    ])
      assert.ok(ar.text.includes(expected), `Arabic PDF lacks ${expected}:\n${ar.text}`);
    const fr = await pdfText(page, 'fr');
    for (const expected of [
      'Reçu de paiement',
      number,
      '622,77',
      'Numéro de contrat',
      '0123456789',
      'Septembre 2026',
    ])
      assert.ok(fr.text.includes(expected), `French PDF lacks ${expected}:\n${fr.text}`);
    // It renders: poppler draws the Arabic page to an image (the QR code and text make it far from blank).
    execFileSync('pdftoppm', ['-r', '50', '-png', '-singlefile', ar.file, join(work, 'receipt-ar')]);
    assert.ok(statSync(join(work, 'receipt-ar.png')).size > 5_000);

    // The QR code and the printed URL open the same genuine receipt.
    const verify = await page.context().newPage();
    await verify.goto(`${baseUrl}/receipts/${number}?lang=ar`);
    assert.equal(await verify.locator('html').getAttribute('dir'), 'rtl');
    assert.equal(await verify.locator('.genuine').textContent(), 'وصل أصلي صادر عن تجارة.');

    // Only November is left to pay.
    await page.goto(`${baseUrl}/bills/blr_bouregreg?lang=fr&contract=0123456789`);
    assert.equal(await page.locator('table.bills tbody tr').count(), 1);
    await page.context().close();
  });

  test('a tax notice without JavaScript, in Arabic: the quittance with the notice number', async () => {
    platform.services.bills.resetLookupLimits();
    const page = await openPage('/bills/blr_tresorerie?lang=ar', { javaScriptEnabled: false });
    assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
    await page.getByLabel('رقم الإشعار الضريبي').fill('202500005678');
    await page.getByLabel('السنة').fill('2025');
    await page.getByRole('button', { name: 'ابحث عن فواتيري' }).click();
    // count() does not wait for the answer's page; the table is only on it.
    await page.locator('table.bills').waitFor();
    assert.equal(await page.locator('table.bills tbody tr').count(), 1);
    await page.getByRole('button', { name: 'المتابعة إلى الأداء' }).click();
    await payByCard(page);
    assert.equal(await page.locator('h1').textContent(), 'وصل أداء الضريبة');
    const { text } = await pdfText(page, 'ar');
    // 980.00 + 98.00 late; the Treasury bears the fee.
    for (const expected of ['202500005678', '2025', '1.078,00', 'وصل أداء الضريبة', 'الضريبي', 'السنة'])
      assert.ok(text.includes(expected), `quittance lacks ${expected}:\n${text}`);
    await page.context().close();
  });

  test('a forged receipt number is said plainly not to be genuine', async () => {
    const page = await openPage('/receipts?lang=en');
    await page.getByLabel('Receipt number').fill('R-AAAA-BBBB-CCCC-DDDDDD');
    await page.getByRole('button', { name: 'Check' }).click();
    assert.equal(await page.locator('h1').textContent(), 'Receipt not genuine');
    assert.match((await page.locator('.decline').textContent()) ?? '', /not genuine/);
    await page.context().close();
  });

  test('the pages have no accessibility violations (axe-core, WCAG 2.1 AA)', async () => {
    platform.services.bills.resetLookupLimits();
    for (const path of ['/bills?lang=ar', '/bills/blr_amwaj?lang=fr&phone=0661234567', '/receipts?lang=en']) {
      const page = await openPage(path, { bypassCSP: true });
      assert.deepEqual(await accessibilityViolations(page), [], path);
      await page.context().close();
    }
  });
});
