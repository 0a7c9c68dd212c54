import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, test } from 'node:test';
import { fetchFromSite } from './site.js';

// A real local web site: what an applicant's domain must not make Tijara call unless the operator
// mapped the name there itself (TIJARA_ONBOARDING_HOSTS, as the onboarding tests do).
let requests = 0;
const site = createServer((_request, response) => {
  requests += 1;
  response.end('hello');
});
await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
after(() => new Promise<void>((resolve) => site.close(() => resolve())));
const { port: httpPort } = site.address() as { port: number };

test('an applicant’s domain that resolves inward is not called; one the operator mapped is', async () => {
  for (const domain of ['localhost', '127.0.0.1', '::1']) {
    await assert.rejects(
      fetchFromSite('http', domain, '/', { timeoutMs: 2_000, httpPort }),
      /not a public address/,
      domain,
    );
  }
  assert.equal(requests, 0);
  const mapped = await fetchFromSite('http', 'shop.test', '/', {
    timeoutMs: 2_000,
    httpPort,
    hosts: { 'shop.test': '127.0.0.1' },
  });
  assert.deepEqual(mapped, { status: 200, body: 'hello' });
  assert.equal(requests, 1);
});
