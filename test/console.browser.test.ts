import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as OTPAuth from 'otpauth';
import type { Page } from 'playwright-core';
import { DEMO_TOTP_SECRET } from '../src/auth/seed.js';
import { launchBrowser, screenshot } from './support/browser.js';
import { card, demoKeys, testPlatform } from './support/platform.js';

const { baseUrl, api } = await testPlatform();
const browser = await launchBrowser();

async function signIn(page: Page, email: string, password: string, code?: string) {
  await page.goto(`${baseUrl}/console/sign-in?lang=en`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  if (code) await page.getByLabel(/Authenticator code/).fill(code);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('a merchant owner signs in, finds a payment by its order reference and exports the list', async () => {
  const atlas = api(demoKeys.atlas);
  const created = await atlas.post<{ id: string }>('/v1/payments', {
    amount: 77_700,
    currency: 'MAD',
    order_reference: 'CONSOLE-1',
  });
  await atlas.post(`/v1/payments/${created.body.id}/confirm`, { card: card('4111111111111111') });

  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, 'owner@atlas-voyages.example', 'demo-owner-2026!');
  await page.waitForURL(/\/console\/payments/);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'tijara_session');
  assert.ok(session?.httpOnly && session.secure && session.sameSite === 'Lax');

  await page.getByLabel('Order reference').fill('CONSOLE-1');
  await page.getByRole('button', { name: 'Filter' }).click();
  const rows = page.locator('tbody tr');
  assert.equal(await rows.count(), 1);
  assert.equal(await rows.first().getAttribute('data-payment'), created.body.id);
  assert.match((await rows.first().textContent()) ?? '', /succeeded.*•••• 1111/);
  await screenshot(page, 'console-payments-en');

  const csv = await page.request.get(`${baseUrl}/console/payments?order_reference=CONSOLE-1&format=csv`);
  assert.match(csv.headers()['content-type'] ?? '', /text\/csv/);
  assert.match(await csv.text(), new RegExp(`${created.body.id},.*,succeeded,77700,MAD,CONSOLE-1,1111,0`));

  // Sign-out is a POST that must carry the CSRF token: without it, refused.
  const forged = await page.request.post(`${baseUrl}/console/sign-out`, { form: {} });
  assert.equal(forged.status(), 403);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/console\/sign-in/);
  await page.goto(`${baseUrl}/console/payments`);
  await page.waitForURL(/\/console\/sign-in/);
  await context.close();
});

test('a bank operator needs the authenticator code', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, 'operator@banque-atlas.example', 'demo-operator-2026!');
  assert.match((await page.locator('#sign-in-error').textContent()) ?? '', /6-digit code/);
  const totp = new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(DEMO_TOTP_SECRET),
    digits: 6,
    period: 30,
  });
  await signIn(page, 'operator@banque-atlas.example', 'demo-operator-2026!', totp.generate());
  await page.waitForURL(/\/console(\?|$)/);
  assert.match((await page.locator('.note').first().textContent()) ?? '', /operator.*Banque Atlas/);
  await context.close();
});

test('a wrong password is refused without saying which part was wrong', async () => {
  const page = await browser.newPage();
  await signIn(page, 'owner@atlas-voyages.example', 'not-the-password-2026');
  assert.equal((await page.locator('#sign-in-error').textContent())?.trim(), 'Wrong email or password.');
  await signIn(page, 'nobody@atlas-voyages.example', 'not-the-password-2026');
  assert.equal((await page.locator('#sign-in-error').textContent())?.trim(), 'Wrong email or password.');
  await page.close();
});
