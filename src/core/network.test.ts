import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { createServer } from 'node:http';
import { hostname } from 'node:os';
import { describe, test } from 'node:test';
import { postCallback } from '../cmi/callback.js';
import { fetchPublic, isPublicAddress, publicOnlyLookup } from './network.js';
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

  test('a live call never connects inward: literal addresses and local names are refused up front', async () => {
    for (const url of ['http://localhost:1/', 'http://[::ffff:10.0.0.1]/', 'http://169.254.169.254/']) {
      await assert.rejects(fetchPublic(url), /not a public address/, url);
    }
  });

  test('a name is checked on the addresses the connection uses, so it cannot resolve inward after a check', async (t) => {
    // This machine's own name resolves (through /etc/hosts) to a loopback address: a name that passes
    // every check made on its text, as a rebinding attacker's would.
    const name = hostname();
    const addresses = await lookup(name, { all: true }).catch(() => []);
    if (addresses.length === 0 || addresses.some((a) => isPublicAddress(a.address)))
      return t.skip(`${name} does not resolve to an inward address here`);
    let requests = 0;
    const server = createServer((_request, response) => {
      requests += 1;
      response.end('APPROVED');
    });
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    try {
      const { port } = server.address() as { port: number };
      const url = `http://${name}:${port}/callback`;
      assert.equal((await fetch(url)).status, 200, 'the name reaches the server without the guard');
      await assert.rejects(fetchPublic(url), (error: Error) =>
        /not a public address/.test(String((error.cause as Error | undefined)?.message ?? error.message)),
      );
      assert.equal(requests, 1, 'the guarded call never arrived');
      const live = await postCallback(url, { oid: '1' }, { timeoutMs: 2_000, publicOnly: true });
      assert.ok('error' in live);
      assert.equal(requests, 1);
      const test = await postCallback(url, { oid: '1' }, { timeoutMs: 2_000, publicOnly: false });
      assert.deepEqual(test, { answer: 'approved' });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('the connect-time lookup refuses any inward address among the answers', async () => {
    const answering =
      (...ips: string[]) =>
      (_host: string, _options: unknown, done: (error: Error | null, a: LookupAddress[]) => void) =>
        done(
          null,
          ips.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
        );
    const resolveWith = (lookupFn: ReturnType<typeof publicOnlyLookup>, all: boolean) =>
      new Promise<unknown>((resolve, reject) =>
        lookupFn('shop.example.ma', { all }, (error, address) => (error ? reject(error) : resolve(address))),
      );
    assert.equal(await resolveWith(publicOnlyLookup(answering('93.184.216.34')), false), '93.184.216.34');
    assert.deepEqual(await resolveWith(publicOnlyLookup(answering('93.184.216.34', '2a00:1450::1')), true), [
      { address: '93.184.216.34', family: 4 },
      { address: '2a00:1450::1', family: 6 },
    ]);
    await assert.rejects(
      resolveWith(publicOnlyLookup(answering('93.184.216.34', '10.0.0.7')), true),
      /resolves to 10\.0\.0\.7, which is not a public address/,
    );
    await assert.rejects(resolveWith(publicOnlyLookup(answering()), false), /not a public address/);
  });
});
