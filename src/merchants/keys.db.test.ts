import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testStore } from '../../test/support/store.js';
import { createMerchantService, KEY_CACHE_MS } from './service.js';

const store = await testStore();
let clock = 1_000_000;
const now = () => clock;
// Two processes (two API nodes, say) on one database: each remembers keys on its own.
const here = createMerchantService({ store, now });
const elsewhere = createMerchantService({ store, now });

async function merchantWithKey() {
  const merchant = await here.createMerchant({ name: 'Riad Essaouira', status: 'active' });
  const { apiKey, secret } = await here.createApiKey(merchant.id, false);
  return { merchant, apiKey, secret };
}

describe('secret keys', () => {
  test('a key authenticates its merchant in test mode; an unknown or malformed key does not', async () => {
    const { merchant, apiKey, secret } = await merchantWithKey();
    const caller = await here.authenticate(secret);
    assert.equal(caller?.merchant.id, merchant.id);
    assert.equal(caller?.keyId, apiKey.id);
    assert.equal(caller?.livemode, false);
    assert.equal(await here.authenticate(`${secret.slice(0, -1)}X`), undefined);
    assert.equal(await here.authenticate('sk_test_short'), undefined);
  });

  test('a revoked key stops working at once in the process that revoked it', async () => {
    const { merchant, apiKey, secret } = await merchantWithKey();
    assert.ok(await here.authenticate(secret));
    assert.equal(await here.revokeApiKey(merchant.id, apiKey.id), true);
    assert.equal(await here.authenticate(secret), undefined);
  });

  test('another process sees a revocation within KEY_CACHE_MS', async () => {
    const { merchant, apiKey, secret } = await merchantWithKey();
    assert.ok(await elsewhere.authenticate(secret));
    await here.revokeApiKey(merchant.id, apiKey.id);
    clock += KEY_CACHE_MS - 1;
    assert.ok(await elsewhere.authenticate(secret), 'still remembered just before the time is up');
    clock += 2;
    assert.equal(await elsewhere.authenticate(secret), undefined);
  });

  test('a suspension is seen at once here, and within KEY_CACHE_MS elsewhere', async () => {
    const { merchant, secret } = await merchantWithKey();
    await here.authenticate(secret);
    await elsewhere.authenticate(secret);
    await here.setStatus(merchant.id, 'suspended');
    assert.equal((await here.authenticate(secret))?.merchant.status, 'suspended');
    assert.equal((await elsewhere.authenticate(secret))?.merchant.status, 'active');
    clock += KEY_CACHE_MS + 1;
    assert.equal((await elsewhere.authenticate(secret))?.merchant.status, 'suspended');
  });
});
