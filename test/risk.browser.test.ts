import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { demoPassword } from '../src/auth/seed.js';
import { luhnCheckDigit } from '../src/core/card.js';
import { demoCode } from './console-client.js';
import {
  accessibilityViolations,
  assertRefused,
  assertSentToSignIn,
  launchBrowser,
  screenshot,
  signedInPages,
  textOf,
} from './support/browser.js';
import { card, testPlatform } from './support/platform.js';

const { platform, baseUrl, api } = await testPlatform();
const browser = await launchBrowser();
const { risk, merchants, audit, auth } = platform.services;

/** A live shop and its API client, as a merchant approved by the authority has them. */
async function liveShop(name: string) {
  const merchant = await merchants.createMerchant({ name, sector: 'retail' });
  const { secret } = await merchants.createApiKey(merchant.id, true);
  return { id: merchant.id, pay: payer(api(secret)) };
}

/** Pays as a shop's checkout does (create, then confirm with the card); returns the decline code. */
function payer(client: ReturnType<typeof api>) {
  return async (number: string) => {
    const { body: created } = await client.post<{ id: string }>('/v1/payments', {
      amount: 9_000,
      currency: 'MAD',
    });
    const { body } = await client.post<{ decline: { code: string } | null }>(
      `/v1/payments/${created.id}/confirm`,
      { card: card(number) },
    );
    return body.decline?.code;
  };
}

// Card testing: a script tries 25 numbers of a real BIN that its bank never issued.
const attacked = await liveShop('Bazar Essaouira');
for (let n = 0; n < 25; n++) {
  const partial = `4111119${String(n).padStart(8, '0')}`;
  assert.equal(await attacked.pay(`${partial}${luhnCheckDigit(partial)}`), '14');
}
// One card, short of funds, tried at three shops.
for (const name of ['Souk Fès', 'Atelier Tanger', 'Maison Agadir'])
  assert.equal(await (await liveShop(name)).pay('4111110000000054'), '51');

const { raised } = await risk.scan();
const testing = raised.find((a) => a.rule === 'card_testing' && a.subject === attacked.id)!;
const acrossShops = raised.find((a) => a.rule === 'card_across_merchants')!;
assert.ok(testing && acrossShops, 'the scan raised both alerts');

const reviewerPage = await signedInPages(browser, baseUrl, {
  email: 'reviewer@dgssi.example',
  password: demoPassword('reviewer'),
  code: demoCode(),
});
const reviewer = (await auth.findUserByEmail('reviewer@dgssi.example'))!;

const rowOf = (page: Page, id: string) => page.locator(`#alerts tr[data-alert="${id}"]`);

test('the reviewer sees the open alerts in French and in Arabic, explained and with their figures', async () => {
  const page = await reviewerPage('/console/risk?lang=fr');
  assert.equal(await textOf(page, 'h1'), 'Alertes de surveillance');
  assert.equal(
    await page
      .locator('nav.console-nav')
      .getByRole('link', { name: 'Alertes de surveillance' })
      .getAttribute('aria-current'),
    'page',
  );
  const row = rowOf(page, testing.id);
  assert.equal(await row.getAttribute('data-status'), 'open');
  const cells = (await row.locator('td').allTextContents()).map((c) => c.replace(/\s+/g, ' ').trim());
  assert.match(cells[0]!, /^Test de cartes.*numéros de carte essayés chez un même marchand en 15 minutes/);
  assert.equal(cells[1], `Marchand · Bazar Essaouira (${attacked.id})`);
  assert.deepEqual(cells.slice(2, 4), ['Élevée', 'Ouverte']);
  assert.match(cells[4]!, /\d{4}/);
  for (const figure of ['Tentatives25', 'Refusées25', 'Cartes distinctes25', 'Numéros de carte inconnus25'])
    assert.ok(cells[6]!.replaceAll(' ', '').includes(figure.replaceAll(' ', '')), `${figure} in ${cells[6]}`);
  // A card is shown as the journal names it, BIN…last4.
  assert.match((await rowOf(page, acrossShops.id).textContent()) ?? '', /Carte · 411111…0054.*Marchands3/);
  // The first and last seen times are Moroccan time, machine-readable in datetime.
  assert.equal(await row.locator('time').first().getAttribute('datetime'), testing.firstSeenAt.toISOString());
  await screenshot(page, 'risk-alerts-fr');

  await page.goto(`${baseUrl}/console/risk?lang=ar`);
  assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
  assert.equal(await textOf(page, 'h1'), 'تنبيهات المراقبة');
  assert.match(
    (await rowOf(page, testing.id).textContent()) ?? '',
    /اختبار البطاقات.*Bazar Essaouira.*المحاولات25/,
  );
  await screenshot(page, 'risk-alerts-ar');
  await page.context().close();
});

test('the list and an open alert with its review form pass axe-core in Arabic, French and English', async () => {
  for (const lang of ['ar', 'fr', 'en'] as const) {
    const page = await reviewerPage(`/console/risk?lang=${lang}`, { bypassCSP: true });
    for (const path of [`/console/risk?lang=${lang}`, `/console/risk/${testing.id}?lang=${lang}`]) {
      await page.goto(`${baseUrl}${path}`);
      assert.equal(await page.locator('html').getAttribute('dir'), lang === 'ar' ? 'rtl' : 'ltr');
      assert.deepEqual(await accessibilityViolations(page), [], path);
    }
    await page.locator('#review-form').waitFor();
    await screenshot(page, `risk-alert-open-${lang}`);
    await page.context().close();
  }
});

test('the reviewer acknowledges then resolves an alert with notes; the page and the audit trail show it', async () => {
  const page = await reviewerPage('/console/risk?lang=en', { bypassCSP: true });
  await rowOf(page, testing.id).getByRole('link', { name: 'Card testing' }).click();
  await page.waitForURL(new RegExp(`/console/risk/${testing.id}`));
  assert.equal(await page.locator('#alert-status').getAttribute('data-status'), 'open');
  assert.equal(await textOf(page, '#review'), 'Nobody has reviewed this alert yet.');
  assert.match(await textOf(page, '#alert-subject'), new RegExp(`Bazar Essaouira \\(${attacked.id}\\)`));

  await page.getByLabel(/^Note/).fill('Merchant called: its checkout has no rate limit.');
  await page.getByRole('button', { name: 'Acknowledge' }).click();
  await page.waitForURL(new RegExp(`/console/risk/${testing.id}\\?lang=en$`));
  assert.equal(await page.locator('#alert-status').getAttribute('data-status'), 'acknowledged');
  assert.equal(await textOf(page, '#review-note'), 'Merchant called: its checkout has no rate limit.');
  assert.equal(await textOf(page, '#reviewed-by'), reviewer.name);
  assert.equal(await page.getByRole('button', { name: 'Acknowledge' }).count(), 0);

  await page.getByLabel(/^Note/).fill('Keys rotated, 3-D Secure forced.');
  await page.getByRole('button', { name: 'Resolve' }).click();
  await page.waitForURL(new RegExp(`/console/risk/${testing.id}\\?lang=en$`));
  assert.equal(await page.locator('#alert-status').getAttribute('data-status'), 'resolved');
  assert.equal(await textOf(page, '#review-note'), 'Keys rotated, 3-D Secure forced.');
  await page.locator('#resolved-final').waitFor();
  assert.equal(await page.locator('#review-form').count(), 0);
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'risk-alert-resolved-en');

  // Gone from the open alerts, there among the resolved ones (the status filter, a GET form).
  await page.getByRole('link', { name: 'Back to the alerts' }).click();
  // On the alert's own page the count would be 0 too: count on the list.
  await page.waitForURL(/\/console\/risk\?lang=en$/);
  assert.equal(await rowOf(page, testing.id).count(), 0);
  await page.getByLabel('Status').selectOption('resolved');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/status=resolved/);
  assert.equal(await rowOf(page, testing.id).getAttribute('data-status'), 'resolved');

  const trail = await audit.list({ limit: 50, targetId: testing.id });
  assert.deepEqual(trail.map((r) => r.action).sort(), ['risk.alert.acknowledged', 'risk.alert.resolved']);
  for (const { actorType, actorId, organisationId } of trail)
    assert.deepEqual(
      { actorType, actorId, organisationId },
      { actorType: 'user', actorId: reviewer.id, organisationId: reviewer.organisationId },
    );
  await page.context().close();
});

test('without JavaScript: a form sent twice reviews once, and a stale page is told the alert is resolved', async () => {
  const options = { javaScriptEnabled: false };
  const page = await reviewerPage(`/console/risk/${acrossShops.id}?lang=fr`, options);
  const form = page.locator('#review-form');
  const fields = {
    csrf: (await form.locator('[name="csrf"]').getAttribute('value'))!,
    once: (await form.locator('[name="once"]').getAttribute('value'))!,
    note: 'Banque émettrice prévenue.',
    decision: 'acknowledged',
  };
  await page.getByLabel(/^Note/).fill(fields.note);
  await page.getByRole('button', { name: 'Prendre en charge' }).click();
  await page.waitForURL(new RegExp(`/console/risk/${acrossShops.id}\\?lang=fr$`));
  assert.equal(await textOf(page, '#alert-status'), 'Prise en charge');
  // The same form again (a double click, a refresh): back to the alert, nothing reviewed twice.
  const again = await page.request.post(`${baseUrl}/console/risk/${acrossShops.id}/review?lang=fr`, {
    form: fields,
    maxRedirects: 0,
  });
  assert.equal(again.status(), 303);
  const actions = async () =>
    (await audit.list({ limit: 50, targetId: acrossShops.id })).map((r) => r.action);
  assert.deepEqual(await actions(), ['risk.alert.acknowledged']);

  // Someone else resolves it while this page is still open.
  const other = await reviewerPage(`/console/risk/${acrossShops.id}?lang=fr`, options);
  await other.getByRole('button', { name: 'Résoudre' }).click();
  await other.waitForURL(new RegExp(`/console/risk/${acrossShops.id}\\?lang=fr$`));
  assert.equal(await textOf(other, '#alert-status'), 'Résolue');
  const [refused] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/review')),
    page.getByRole('button', { name: 'Résoudre' }).click(),
  ]);
  assert.equal(refused.status(), 409);
  assert.equal(await page.locator('#refusal').getAttribute('data-code'), 'alert_resolved');
  assert.match(await textOf(page, '#refusal'), /^Cette alerte est déjà résolue/);
  assert.deepEqual((await actions()).sort(), ['risk.alert.acknowledged', 'risk.alert.resolved']);
  await screenshot(page, 'risk-review-refused-fr');
  await Promise.all([page.context().close(), other.context().close()]);
});

test("a merchant's people and authority people without the permission are refused; a visitor is sent to sign-in", async () => {
  await assertSentToSignIn(browser, `${baseUrl}/console/risk/${testing.id}`);
  for (const person of [
    { email: 'owner@atlas-voyages.example', password: demoPassword('owner') },
    { email: 'analyst@dgssi.example', password: demoPassword('analyst'), code: demoCode() },
  ])
    await assertRefused(browser, baseUrl, person, {
      nav: '/console/risk',
      pages: ['/console/risk', `/console/risk/${testing.id}`],
      posts: [`/console/risk/${acrossShops.id}/review`],
      hidden: attacked.id,
    });
});
