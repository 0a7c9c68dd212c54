import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { demoIdentifiers } from '../src/merchants/onboarding/seed.js';
import { accessibilityViolations, launchBrowser, screenshot, signInThroughForm } from './support/browser.js';
import { drainOutbox, fixedListScreening, merchantOwner, totpNow } from './support/onboarding.js';
import { testPlatform } from './support/platform.js';

const { platform, baseUrl, api } = await testPlatform({
  screening: fixedListScreening(['Abdelkader Haddad']).port,
});
const browser: Browser = await launchBrowser();
const { merchants, auth } = platform.services;

/** Signs in and waits for the console: every sign-in of this file is meant to succeed. */
async function signIn(page: Page, email: string, password: string, code?: string) {
  await signInThroughForm(page, baseUrl, { email, password, ...(code ? { code } : {}) });
  await page.waitForURL(/\/console(\/|\?|$)/);
}

test('an application from submission through four-eyes review to approval and a live key', async () => {
  // A shop that signed up: pending, test mode only, with its owner's console account.
  const merchant = await merchants.createMerchant({ name: 'Dar Zellige', status: 'pending' });
  const testKey = 'sk_test_DarZellige000000000000000000001';
  await merchants.createApiKey(merchant.id, false, { secret: testKey });
  await merchantOwner(auth, merchant, {
    email: 'owner@dar-zellige.example',
    name: 'Samira Ouazzani',
    password: 'demo-owner-2026!',
  });
  // Test mode works before approval.
  const testPayment = await api(testKey).post(
    '/v1/payments',
    { amount: 1_000, currency: 'MAD' },
    { 'idempotency-key': 'dz-1' },
  );
  assert.equal(testPayment.status, 201);

  const ownerContext = await browser.newContext({ bypassCSP: true }); // for axe
  const owner = await ownerContext.newPage();
  await signIn(owner, 'owner@dar-zellige.example', 'demo-owner-2026!');
  await owner.goto(`${baseUrl}/console/application?lang=ar`);
  assert.equal(await owner.locator('html').getAttribute('dir'), 'rtl');
  await owner.goto(`${baseUrl}/console/application?lang=en`);
  await owner.getByRole('link', { name: 'Application' }).waitFor();

  const { ice, rib } = demoIdentifiers(500);
  const wrongIce = `${ice.slice(0, 14)}${(Number(ice[14]) + 1) % 10}`;
  await owner.getByLabel('Company name').fill('Dar Zellige SARL');
  await owner.getByLabel('Legal form').fill('SARL');
  await owner.getByLabel('ICE (15 digits)').fill(wrongIce);
  await owner.getByLabel('RC number').fill('54321');
  await owner.getByLabel('Commercial court of the RC').fill('Fès');
  await owner.getByLabel('Tax identifier (IF)').fill('45678901');
  await owner.getByLabel('Registered address').fill('3 derb Sidi Ahmed, Fès');
  await owner.getByLabel('Sector').fill('crafts');
  const first = owner.locator('fieldset').nth(1);
  await first.getByLabel('Name (Latin script)').fill('Samira Ouazzani');
  await first.getByLabel('Name in Arabic script (optional)').fill('سميرة الوزاني');
  await first.getByLabel('Document number').fill('C456789');
  await first.getByLabel('Birth date').fill('1988-05-04');
  await first.getByLabel('Nationality').fill('MA');
  await first.getByLabel('Share of the capital (%)').fill('100');
  await owner.getByLabel('Domains you will sell on').fill('dar-zellige.test');
  await owner.getByLabel('Expected monthly volume (MAD)').fill('80000');
  await owner.getByLabel('Settlement RIB (24 digits)').fill(rib);
  assert.deepEqual(await accessibilityViolations(owner), []);
  await owner.getByRole('button', { name: 'Submit the application' }).click();

  // The wrong ICE comes back on its field; everything typed is still there.
  await owner.locator('#application-errors').waitFor();
  assert.match((await owner.locator('#ice-error').textContent()) ?? '', /check digits/);
  assert.equal(await owner.getByLabel('Company name').inputValue(), 'Dar Zellige SARL');
  await owner.getByLabel('ICE (15 digits)').fill(ice);
  await owner.getByRole('button', { name: 'Submit the application' }).click();
  await owner.locator('#application-status').waitFor();
  assert.equal(await owner.locator('#application-status').getAttribute('data-status'), 'submitted');
  // Checks are pending until the worker has run them; the merchant sees how to prove its domain.
  assert.ok((await owner.locator('#checks tr[data-result="pending"]').count()) >= 1);
  assert.match(
    (await owner.locator('#verification-value').textContent()) ?? '',
    /^tijara-verification=[0-9a-f]{32}$/,
  );
  await screenshot(owner, 'onboarding-application-submitted-en');

  await owner.getByLabel('Document', { exact: true }).selectOption('rc_extract');
  await owner.getByLabel('File').setInputFiles({
    name: 'rc.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.4\n% RC extract\n%%EOF\n'),
  });
  await owner.getByRole('button', { name: 'Upload' }).click();
  await owner.locator('#documents li').first().waitFor();
  assert.match((await owner.locator('#documents').textContent()) ?? '', /RC extract.*application\/pdf/);

  await drainOutbox(platform);

  // The reviewer: the case is high risk (the domain cannot be reached), so four eyes apply.
  const reviewerContext = await browser.newContext({ bypassCSP: true });
  const reviewer = await reviewerContext.newPage();
  await signIn(reviewer, 'reviewer@dgssi.example', 'demo-reviewer-2026!', totpNow());
  await reviewer.getByRole('link', { name: 'Cases' }).click();
  await reviewer.getByRole('link', { name: 'Dar Zellige SARL' }).click();
  assert.equal(await reviewer.locator('#case-risk').getAttribute('data-risk'), 'high');
  assert.equal(await reviewer.locator('#checks tr[data-result="pending"]').count(), 0);
  assert.equal(
    await reviewer.locator('#checks tr[data-check="domain_control"]').getAttribute('data-result'),
    'fail',
  );
  await reviewer.locator('#four-eyes').waitFor();
  assert.deepEqual(await accessibilityViolations(reviewer), []);
  await reviewer.getByLabel('Note').fill('Documents in order; domain to be published.');
  await reviewer.getByRole('button', { name: 'Approve' }).click();
  await reviewer.locator('#first-approval').waitFor();
  assert.equal(await reviewer.locator('#case-state').getAttribute('data-state'), 'awaiting_second_review');
  // The same reviewer cannot be the second pair of eyes.
  await reviewer.getByRole('button', { name: 'Approve' }).click();
  assert.equal(await reviewer.locator('#refusal').getAttribute('data-code'), 'four_eyes_same_reviewer');
  assert.match((await reviewer.locator('#refusal').textContent()) ?? '', /another reviewer/);
  assert.equal((await merchants.getMerchant(merchant.id))?.status, 'pending');
  await screenshot(reviewer, 'onboarding-case-first-approval');

  const seniorContext = await browser.newContext();
  const senior = await seniorContext.newPage();
  await signIn(senior, 'senior.reviewer@dgssi.example', 'demo-senior-reviewer-2026!', totpNow());
  await senior.goto(`${baseUrl}/console/cases?lang=en`);
  await senior.getByRole('link', { name: 'Dar Zellige SARL' }).click();
  await senior.getByRole('button', { name: 'Approve' }).click();
  await senior.waitForURL(/\/console\/cases\/cas_/);
  assert.equal(await senior.locator('#case-state').getAttribute('data-state'), 'approved');
  assert.equal((await merchants.getMerchant(merchant.id))?.status, 'active');

  // The merchant sees the approval and creates its live key, shown once.
  await owner.goto(`${baseUrl}/console/application?lang=en`);
  assert.equal(await owner.locator('#application-status').getAttribute('data-status'), 'approved');
  await owner.getByRole('button', { name: 'Create a live key' }).click();
  const secret = (await owner.locator('#live-secret').textContent()) ?? '';
  assert.match(secret, /^sk_live_/);
  const livePayment = await api(secret).post(
    '/v1/payments',
    { amount: 2_000, currency: 'MAD' },
    { 'idempotency-key': 'dz-live' },
  );
  assert.equal(livePayment.status, 201);
  await owner.goto(`${baseUrl}/console/application?lang=en`);
  assert.equal(await owner.locator('#live-secret').count(), 0);
  await screenshot(owner, 'onboarding-application-approved-en');
  await Promise.all([ownerContext.close(), reviewerContext.close(), seniorContext.close()]);
});
