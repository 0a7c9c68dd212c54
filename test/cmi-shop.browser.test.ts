import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot } from './support/browser.js';
import { STORE_KEY, ver3 } from './support/cmi-shop.js';
import { demoKeys, testPlatform } from './support/platform.js';

const { baseUrl, api } = await testPlatform();
const browser = await launchBrowser();
interface Callback {
  oid: string;
  procReturnCode: string;
  answer: string;
  fields: Record<string, string>;
}

async function lastCallback(): Promise<Callback> {
  const callbacks = (await (await fetch(`${baseUrl}/demo/shop/callbacks`)).json()) as Callback[];
  const last = callbacks.at(-1);
  assert.ok(last, 'the shop received a callback');
  return last;
}

async function buy(page: Page, product: number, number: string) {
  await page.goto(`${baseUrl}/demo/shop?lang=fr`);
  await page.locator('form[action="/fim/est3Dgate"] button').nth(product).click();
  await page.waitForURL(/\/pay\/pay_/);
  await page.locator('#number').fill(number);
  await page.locator('#expiry').fill('12/30');
  await page.locator('#cvc').fill('123');
  await page.getByRole('button', { name: /Payer/ }).click();
}

test('the demo shop pays through the CMI form post and ends on okUrl, with a callback signed ver3', async () => {
  const page = await browser.newPage();
  await buy(page, 0, '4111 1111 1111 1111');
  await page.waitForURL(/\/demo\/shop\/ok/);
  await page.locator('h1.ok').waitFor();
  await screenshot(page, 'cmi-shop-ok');
  const callback = await lastCallback();
  assert.equal(callback.procReturnCode, '00');
  assert.equal(callback.fields.HASH, ver3(callback.fields, STORE_KEY));
  assert.equal(callback.fields.Response, 'Approved');
  const payment = await api(demoKeys.atlas).get<{ status: string; order_reference: string }>(
    `/v1/payments/${callback.fields.TransId}`,
  );
  assert.equal(payment.body.status, 'succeeded');
  assert.equal(payment.body.order_reference, callback.oid);
  await page.close();
});

test('a PreAuth (car rental) is captured when the shop answers ACTION=POSTAUTH', async () => {
  const page = await browser.newPage();
  await buy(page, 1, '5555 5555 5555 4444');
  await page.waitForURL(/\/demo\/shop\/ok/);
  const callback = await lastCallback();
  assert.equal(callback.fields.TranType, 'PreAuth');
  assert.match(callback.answer, /ACTION=POSTAUTH/);
  const payment = await api(demoKeys.atlas).get<{ status: string; amount_captured: number }>(
    `/v1/payments/${callback.fields.TransId}`,
  );
  assert.equal(payment.body.status, 'succeeded');
  assert.equal(payment.body.amount_captured, 180_000);
  await page.close();
});

test('a declined card: the cardholder gives up and the shop lands on failUrl with code 51', async () => {
  const page = await browser.newPage();
  await buy(page, 0, '4111 1100 0000 0054');
  await page.locator('.decline').waitFor();
  await page.getByRole('link', { name: /Abandonner/ }).click();
  await page.waitForURL(/\/demo\/shop\/fail/);
  await screenshot(page, 'cmi-shop-fail');
  const callback = await lastCallback();
  assert.equal(callback.procReturnCode, '51');
  assert.equal(callback.fields.HASH, ver3(callback.fields, STORE_KEY));
  await page.close();
});
