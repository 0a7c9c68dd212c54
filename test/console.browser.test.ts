import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as OTPAuth from 'otpauth';
import type { Page } from 'playwright-core';
import { DEMO_TOTP_SECRET } from '../src/auth/seed.js';
import { accessibilityViolations, launchBrowser, screenshot } from './support/browser.js';
import { card, demoKeys, testPlatform } from './support/platform.js';

const platformHandle = await testPlatform();
const { baseUrl, api } = platformHandle;
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

test('a bank operator grants a card international use: the card then pays abroad, and the audit trail shows it', async () => {
  const { platform } = platformHandle;
  const totp = new OTPAuth.TOTP({
    secret: OTPAuth.Secret.fromBase32(DEMO_TOTP_SECRET),
    digits: 6,
    period: 30,
  });
  const paris = api(demoKeys.paris);
  const payAbroad = async () => {
    const created = await paris.post<{ id: string }>('/v1/payments', { amount: 5_000, currency: 'EUR' });
    return (
      await paris.post<{ status: string; decline: { code: string } | null }>(
        `/v1/payments/${created.body.id}/confirm`,
        { card: card('4111111111111111') },
      )
    ).body;
  };
  assert.equal((await payAbroad()).decline?.code, '57');

  const context = await browser.newContext();
  const page = await context.newPage();
  // The previous test used this period's code, and a code is accepted once: take the next period's.
  await signIn(
    page,
    'operator@banque-atlas.example',
    'demo-operator-2026!',
    totp.generate({ timestamp: Date.now() + 30_000 }),
  );
  await page.waitForURL(/\/console(\?|$)/);
  await page.goto(`${baseUrl}/console/cards?lang=en`);
  await page.getByLabel('Card last 4').fill('1111');
  await page.getByRole('button', { name: 'Find' }).click();
  const section = page.locator('section[data-card]');
  assert.equal(await section.count(), 1);
  assert.equal((await section.locator('.card-international').textContent())?.trim(), 'not granted');
  await section.getByRole('button', { name: 'Grant international use' }).click();
  await page.waitForURL(/last4=1111/);
  assert.equal(
    (await page.locator('section[data-card] .card-international').textContent())?.trim(),
    'granted',
  );
  assert.match((await page.locator('section[data-card] .card-allowance').textContent()) ?? '', /20,000\.00/);
  await screenshot(page, 'console-bank-card-en');
  assert.equal((await payAbroad()).status, 'succeeded');

  // Another bank's card, even with its real id, is not found for this operator.
  const otherId = (
    await platform.store.db
      .selectFrom('issuer_cards')
      .select('id')
      .where('bank_id', '=', 'bnk_souss')
      .executeTakeFirstOrThrow()
  ).id;
  const csrf = await page.locator('input[name="csrf"]').first().inputValue();
  const foreign = await page.request.post(`${baseUrl}/console/cards/${otherId}/block`, {
    form: { csrf, last4: '4444' },
  });
  assert.equal(foreign.status(), 404);
  const withoutCsrf = await page.request.post(`${baseUrl}/console/cards/${otherId}/block`, {
    form: { csrf: 'nope', last4: '4444' },
  });
  assert.equal(withoutCsrf.status(), 403);
  await context.close();

  const analyst = await browser.newContext();
  const auditPage = await analyst.newPage();
  await signIn(auditPage, 'analyst@dgssi.example', 'demo-analyst-2026!', totp.generate());
  await auditPage.goto(`${baseUrl}/console/audit?lang=en`);
  assert.equal(await auditPage.locator('tr[data-action="card.international.grant"]').count(), 1);
  await analyst.close();
  assert.deepEqual(await platform.services.audit.verify(), { ok: true, records: 1 });
});

test('the sign-in and payments pages pass axe-core in Arabic, French and English', async () => {
  for (const lang of ['ar', 'fr', 'en']) {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console/sign-in?lang=${lang}`);
    assert.deepEqual(await accessibilityViolations(page), [], `sign-in ${lang}`);
    await page.getByLabel(/Email|Adresse e-mail|البريد الإلكتروني/).fill('accountant@atlas-voyages.example');
    await page.locator('#password').fill('demo-accountant-2026!');
    await page.locator('form button').click();
    await page.waitForURL(/\/console\/payments/);
    assert.equal(await page.locator('html').getAttribute('dir'), lang === 'ar' ? 'rtl' : 'ltr');
    assert.deepEqual(await accessibilityViolations(page), [], `payments ${lang}`);
    await context.close();
  }
});
