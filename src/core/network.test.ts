import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, test } from 'node:test';
import { postCallback } from '../cmi/callback.js';
import { assertPublicDestination, isPublicAddress } from './network.js';
import { callbackUrlProblem } from './urls.js';

describe('outbound addresses of live merchants', () => {
  test('loopback, private, link-local, CGNAT and v4-mapped inward addresses are not public', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      'not-an-ip',
    ]) {
      assert.equal(isPublicAddress(ip), false, ip);
    }
    for (const ip of ['93.184.216.34', '41.248.1.1', '172.32.0.1', '2a00:1450:4007:80e::200e']) {
      assert.equal(isPublicAddress(ip), true, ip);
    }
  });

  test('a live URL naming localhost or an inward address is refused; a test URL may', () => {
    for (const url of [
      'https://localhost/hook',
      'https://shop.localhost/hook',
      'https://LOCALHOST./hook',
      'https://127.0.0.1/hook',
      'https://[::1]/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://10.0.0.5:8443/hook',
    ]) {
      assert.equal(callbackUrlProblem(url, true), 'private_address', url);
      assert.equal(callbackUrlProblem(url, false), undefined, url);
    }
    assert.equal(callbackUrlProblem('https://shop.example.ma/hook', true), undefined);
    assert.equal(callbackUrlProblem('http://shop.example.ma/hook', true), 'insecure_url');
  });

  test('just before a live call the host is resolved again, and an inward answer stops the call', async () => {
    await assert.rejects(assertPublicDestination('http://localhost:1/'), /not a public address/);
    await assert.rejects(assertPublicDestination('http://[::ffff:10.0.0.1]/'), /not a public address/);
    await assertPublicDestination('https://93.184.216.34/');

    let requests = 0;
    const shop = createServer((_request, response) => {
      requests += 1;
      response.end('APPROVED');
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = shop.address() as { port: number };
      const url = `http://127.0.0.1:${port}/callback`;
      const live = await postCallback(url, { oid: '1' }, { timeoutMs: 2_000, publicOnly: true });
      assert.match('error' in live ? live.error : '', /not a public address/);
      assert.equal(requests, 0, 'the live callback never left');
      const test = await postCallback(url, { oid: '1' }, { timeoutMs: 2_000, publicOnly: false });
      assert.deepEqual(test, { answer: 'approved' });
      assert.equal(requests, 1);
    } finally {
      await new Promise<void>((resolve) => shop.close(() => resolve()));
    }
  });
});
