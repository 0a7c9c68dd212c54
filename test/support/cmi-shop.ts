import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';

/** What a shop posts to the CMI interface and gets back: names to text. */
export type Fields = Record<string, string>;

/** The demo store's key (clientid 600000001). */
export const STORE_KEY = 'TEST1234';
export const SHOP = 'https://shop.example.ma';

/**
 * CMI's ver3 hash, written out again here from its definition, independently of src/cmi/hash.ts, so
 * that the tests check the code and not the code against itself.
 */
export function ver3(fields: Fields, storeKey: string): string {
  const escaped = (value: string) => value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
  const upper = (name: string) => name.toUpperCase();
  const names = Object.keys(fields)
    .filter((name) => !['hash', 'encoding'].includes(name.toLowerCase()))
    .sort((a, b) => (upper(a) < upper(b) ? -1 : upper(a) > upper(b) ? 1 : 0));
  const plaintext = [...names.map((name) => escaped(fields[name] ?? '')), escaped(storeKey)].join('|');
  return createHash('sha512').update(plaintext, 'utf8').digest('base64');
}

let orders = 0;

/** The form a CMI plugin posts for the demo store, signed with its key unless told another. */
export function shopForm(overrides: Fields = {}, storeKey = STORE_KEY): Fields {
  const fields: Fields = {
    clientid: '600000001',
    oid: `CMD-${++orders}-${randomUUID().slice(0, 8)}`,
    amount: '1250.00',
    currency: '504',
    TranType: 'Auth',
    okUrl: `${SHOP}/cmi/ok`,
    failUrl: `${SHOP}/cmi/fail`,
    callbackUrl: 'http://127.0.0.1:9/unused',
    shopurl: SHOP,
    lang: 'fr',
    rnd: randomUUID(),
    storetype: '3D_PAY_HOSTING',
    hashAlgorithm: 'ver3',
    encoding: 'UTF-8',
    email: 'amina@example.ma',
    BillToName: 'Amina El Idrissi',
    ...overrides,
  };
  return { ...fields, HASH: ver3(fields, storeKey) };
}

const decode = (html: string) =>
  html
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/** The hidden inputs of a form, as a browser would post them (preact writes an empty value as bare `value`). */
export const hiddenFields = (html: string): Fields =>
  Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]*)" value(?:="([^"]*)")?/g)].map((m) => [
      decode(m[1]!),
      decode(m[2] ?? ''),
    ]),
  );

/** A shop's side of the CMI interface of the Tijara at `baseUrl`, over real HTTP. */
export function cmiShop(baseUrl: string) {
  const postForm = (fields: Fields) =>
    fetch(`${baseUrl}/fim/est3Dgate`, {
      method: 'POST',
      body: new URLSearchParams(fields),
      redirect: 'manual',
    });
  return {
    postForm,
    /** Posts the form; the payment it made, from the hosted page it sends the buyer to. */
    async startOrder(fields: Fields): Promise<string> {
      const response = await postForm(fields);
      assert.equal(response.status, 303, await response.text());
      const match = /^\/pay\/(pay_[0-9a-z]{26})\?lang=(fr|ar|en)$/.exec(
        response.headers.get('location') ?? '',
      );
      assert.ok(match, `redirected to ${response.headers.get('location')}`);
      return match[1]!;
    },
    /** GET /fim/return as the hosted page sends the browser there; the form it posts to the shop. */
    async returnToShop(paymentId: string) {
      const response = await fetch(`${baseUrl}/fim/return?payment=${paymentId}&status=whatever`, {
        redirect: 'manual',
      });
      const html = await response.text();
      const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1];
      return { response, html, action: action && decode(action), fields: hiddenFields(html) };
    },
  };
}
