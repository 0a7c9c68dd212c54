import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPassword } from '../src/auth/seed.js';
import { demoSuspendedShop, seedDemoSuspendedShop } from '../src/cli/demo-suspension.js';
import { ConsoleClient, demoCode } from './console-client.js';
import { testPlatform } from './support/platform.js';

// `npm start`'s demo shows the officer's pages at once: a suspended shop with a request waiting.
const { platform, baseUrl } = await testPlatform();

test('the demo’s suspended shop: its console closed, its customer’s request waiting for the officer', async () => {
  const report = await seedDemoSuspendedShop(platform);
  assert.match(report.join('\n'), /Suspended shop: Tanger Électroménager/);
  const listed = (await platform.services.merchants.merchantsHoldingData()).find(
    (merchant) => merchant.name === demoSuspendedShop.name,
  );
  assert.ok(listed, 'people may still send it requests');
  const shop = (await platform.services.merchants.getMerchant(listed.id))!;
  assert.equal(shop.status, 'suspended');

  const dpo = await new ConsoleClient(baseUrl).signedIn('dpo@dgssi.example', demoPassword('dpo'), demoCode());
  const home = await dpo.get('/console?lang=en');
  assert.match(home.text, /data-item="privacy_closed_merchants" data-count="1"/);
  const figures = await dpo.get('/console/data-protection?lang=en');
  const officerPath = `/console/data-protection/merchants/${shop.id}`;
  assert.match(figures.text, new RegExp(`href="${officerPath}\\?lang=en" data-closed`));
  const list = await dpo.get(`${officerPath}?lang=en`);
  assert.equal(list.status, 200);
  const requestId = /data-request="(dsr_[^"]+)"/.exec(list.text)?.[1];
  assert.ok(requestId, 'one request to answer');
  const page = await dpo.get(`${officerPath}/requests/${requestId}?lang=en`);
  assert.match(page.text, new RegExp(demoSuspendedShop.customerEmail.replace('.', '\\.')));
});
