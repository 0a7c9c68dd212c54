import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, describe, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Page } from 'playwright-core';
import {
  accessibilityViolations,
  launchBrowser,
  openPage as openBrowserPage,
  type PageOptions,
  screenshot,
} from './support/browser.js';
import { demoKeys, testPlatform } from './support/platform.js';

const { baseUrl, api } = await testPlatform();
const browser = await launchBrowser();
const atlas = api(demoKeys.atlas);

async function newPayment(amount = 125_000, orderReference = 'CMD-1001') {
  const created = await atlas.post<{ id: string }>('/v1/payments', {
    amount,
    currency: 'MAD',
    order_reference: orderReference,
  });
  assert.equal(created.status, 201);
  return created.body.id;
}

const openPage = (path: string, options?: PageOptions) =>
  openBrowserPage(browser, `${baseUrl}${path}`, options);

async function fillCard(page: Page, number: string, expiry = '12/30', cvc = '123') {
  await page.getByLabel(/Card number|Numéro de carte|رقم البطاقة/).fill(number);
  await page.locator('#expiry').fill(expiry);
  await page.locator('#cvc').fill(cvc);
}

async function paymentStatus(id: string) {
  return (
    await atlas.get<{ status: string; three_d_secure: { status: string; eci: string } | null }>(
      `/v1/payments/${id}`,
    )
  ).body;
}

describe('hosted payment page', () => {
  const languages = [
    { lang: 'fr', dir: 'ltr', heading: 'Paiement sécurisé', done: 'Paiement accepté' },
    { lang: 'en', dir: 'ltr', heading: 'Secure payment', done: 'Payment accepted' },
    { lang: 'ar', dir: 'rtl', heading: 'أداء آمن', done: 'تم قبول الأداء' },
  ];
  for (const { lang, dir, heading, done } of languages) {
    test(`pays in ${lang} (${dir})`, async () => {
      const id = await newPayment(125_000, `CMD-${lang}`);
      const page = await openPage(`/pay/${id}?lang=${lang}`);
      assert.equal(await page.locator('html').getAttribute('lang'), lang);
      assert.equal(await page.locator('html').getAttribute('dir'), dir);
      assert.equal(await page.locator('h1').textContent(), heading);
      assert.match((await page.locator('.summary').textContent()) ?? '', /Atlas Voyages/);
      await screenshot(page, `pay-${lang}`);
      await fillCard(page, '4111 1111 1111 1111');
      await page.getByRole('button').click();
      await page.waitForURL(new RegExp(`/pay/${id}`));
      assert.equal(await page.locator('h1').textContent(), done);
      await screenshot(page, `paid-${lang}`);
      assert.equal((await paymentStatus(id)).status, 'succeeded');
      await page.context().close();
    });
  }

  test('the language follows Accept-Language when the merchant names none', async () => {
    const id = await newPayment();
    const page = await openPage(`/pay/${id}`, { locale: 'ar-MA' });
    assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
    await page.getByRole('link', { name: 'English' }).click();
    assert.equal(await page.locator('h1').textContent(), 'Secure payment');
    await page.context().close();
  });

  test('a decline is shown in the page language and the cardholder can try another card', async () => {
    const id = await newPayment(20_000);
    const page = await openPage(`/pay/${id}?lang=fr`);
    await fillCard(page, '4111 1100 0000 0054');
    await page.getByRole('button').click();
    const alert = page.locator('.decline');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /Provision insuffisante/);
    await screenshot(page, 'decline-fr');
    await fillCard(page, '5555 5555 5555 4444');
    await page.getByRole('button').click();
    await page.waitForSelector('h1.ok');
    assert.equal((await paymentStatus(id)).status, 'succeeded');
    await page.context().close();
  });

  test('inline validation stops a mistyped card number before it is sent', async () => {
    const id = await newPayment();
    const page = await openPage(`/pay/${id}?lang=en`);
    await fillCard(page, '4111 1111 1111 1112');
    await page.getByRole('button').click();
    assert.equal(await page.locator('#number').getAttribute('aria-invalid'), 'true');
    assert.match((await page.locator('#number-client-error').textContent()) ?? '', /not valid/);
    assert.equal((await paymentStatus(id)).status, 'requires_payment_method');
    assert.equal(await page.locator('#brand').textContent(), 'Visa');
    await page.context().close();
  });

  test('works without JavaScript: the server validates and answers', async () => {
    const id = await newPayment();
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/pay/${id}?lang=en`);
    await fillCard(page, '4111 1111 1111 1112');
    await page.getByRole('button').click();
    assert.match((await page.locator('#number-error').textContent()) ?? '', /not valid/);
    await fillCard(page, '4111 1111 1111 1111');
    await page.getByRole('button').click();
    await page.waitForSelector('h1.ok');
    await context.close();
  });

  test('the page has no accessibility violations (axe-core, WCAG 2.1 AA) in each language', async () => {
    for (const lang of ['fr', 'en', 'ar']) {
      const id = await newPayment();
      const page = await openPage(`/pay/${id}?lang=${lang}`, { bypassCSP: true });
      assert.deepEqual(await accessibilityViolations(page), [], lang);
      await page.context().close();
    }
  });

  test('keyboard only: tab order follows the form and Enter pays', async () => {
    const id = await newPayment();
    const page = await openPage(`/pay/${id}?lang=en`);
    await page.locator('#number').focus();
    await page.keyboard.type('4111111111111111');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'expiry');
    await page.keyboard.type('12/30');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'cvc');
    await page.keyboard.type('123');
    await page.keyboard.press('Enter');
    await page.waitForSelector('h1.ok');
    await page.context().close();
  });
});

describe('3-D Secure', () => {
  async function codeFromInbox(page: Page) {
    const inbox = await page.context().newPage();
    await inbox.goto(`${baseUrl}/demo/inbox?lang=en`);
    const code = (await inbox.locator('.inbox li .code').first().textContent())?.trim() ?? '';
    await inbox.close();
    return code;
  }

  test('the challenge passes with the code from the demo inbox; the result and ECI are recorded', async () => {
    const id = await newPayment(30_000);
    const page = await openPage(`/pay/${id}?lang=fr`);
    await fillCard(page, '4188 8800 0000 0076');
    await page.getByRole('button').click();
    await page.waitForURL(/\/acs\/ch_/);
    assert.equal(await page.locator('h1').textContent(), 'Confirmez votre paiement');
    assert.match((await page.locator('.bank').textContent()) ?? '', /Banque du Rif/);
    await screenshot(page, 'challenge-fr');
    const code = await codeFromInbox(page);
    assert.match(code, /^\d{6}$/);
    await page.getByLabel('Code à usage unique').fill(code);
    await page.getByRole('button').click();
    await page.waitForSelector('h1.ok');
    const payment = await paymentStatus(id);
    assert.equal(payment.status, 'succeeded');
    assert.deepEqual(payment.three_d_secure, { status: 'authenticated', eci: '05' });
    await page.context().close();
  });

  test('three wrong codes fail the payment, and the cardholder is told', async () => {
    const id = await newPayment(30_000);
    const page = await openPage(`/pay/${id}?lang=en`);
    await fillCard(page, '4188 8800 0000 0076');
    await page.getByRole('button').click();
    await page.waitForURL(/\/acs\/ch_/);
    const real = await codeFromInbox(page);
    const wrong = real === '000000' ? '111111' : '000000';
    assert.equal(await page.getByLabel('One-time code').getAttribute('aria-invalid'), null);
    for (const attemptsLeft of [2, 1]) {
      await page.getByLabel('One-time code').fill(wrong);
      await page.getByRole('button').click();
      assert.match(
        (await page.locator('#code-error').textContent()) ?? '',
        new RegExp(`Attempts left: ${attemptsLeft}`),
      );
      // The refused field points screen readers at the message.
      const field = page.getByLabel('One-time code');
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
      assert.equal(await field.getAttribute('aria-describedby'), 'code-error');
    }
    await page.getByLabel('One-time code').fill(wrong);
    await page.getByRole('button').click();
    const alert = page.locator('.decline');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /Too many wrong codes/);
    await screenshot(page, 'challenge-failed-en');
    const payment = await paymentStatus(id);
    assert.equal(payment.status, 'failed');
    assert.deepEqual(payment.three_d_secure, { status: 'failed', eci: '07' });
    await page.context().close();
  });

  test('the challenge page passes axe-core too', async () => {
    const id = await newPayment(30_000);
    const page = await openPage(`/pay/${id}?lang=ar`, { bypassCSP: true });
    await fillCard(page, '4188 8800 0000 0076');
    await page.getByRole('button').click();
    await page.waitForURL(/\/acs\/ch_/);
    assert.deepEqual(await accessibilityViolations(page), []);
    await page.context().close();
  });
});

test('the browser returns to the merchant with a result signed by Tijara', async () => {
  const shop = createServer((_request, response) =>
    response.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Merci</h1>'),
  );
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  after(() => shop.close());
  const returnUrl = `http://127.0.0.1:${(shop.address() as { port: number }).port}/order/done`;
  const created = await atlas.post<{ id: string }>('/v1/payments', {
    amount: 45_000,
    currency: 'MAD',
    order_reference: 'CMD-RET',
    return_url: returnUrl,
  });
  const page = await openPage(`/pay/${created.body.id}?lang=fr`);
  await fillCard(page, '4111 1111 1111 1111');
  await page.getByRole('button').click();
  await page.waitForURL(/\/order\/done/);
  const landed = new URL(page.url());
  assert.equal(landed.searchParams.get('payment'), created.body.id);
  assert.equal(landed.searchParams.get('status'), 'succeeded');
  const merchant = await atlas.get<{ data: { id: string }[] }>('/v1/payments?limit=1');
  assert.ok(merchant.status === 200);
  const jwks = createRemoteJWKSet(new URL(`${baseUrl}/v1/jwks.json`));
  const { payload } = await jwtVerify(landed.searchParams.get('token') ?? '', jwks, { issuer: 'tijara' });
  assert.equal(payload.sub, created.body.id);
  assert.equal(payload.status, 'succeeded');
  assert.equal(payload.amount, 45_000);
  // A forged status does not verify.
  const [header, body, signature] = (landed.searchParams.get('token') ?? '').split('.');
  const forged = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(body!, 'base64url').toString()), status: 'failed' }),
  ).toString('base64url');
  await assert.rejects(jwtVerify(`${header}.${forged}.${signature}`, jwks, { issuer: 'tijara' }));
  await page.context().close();
});

test('the pages carry a strict CSP and load nothing from elsewhere', async () => {
  const id = await newPayment();
  const response = await fetch(`${baseUrl}/pay/${id}`);
  const csp = response.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  const html = await response.text();
  assert.doesNotMatch(html, /<script[^>]+src="(https?:)?\/\//);
  assert.doesNotMatch(html, /<script>(?!<\/script>)/);
});
