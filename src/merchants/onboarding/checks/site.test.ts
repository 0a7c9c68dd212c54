import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, test } from 'node:test';
import { localDns, localSites, testCertificates } from '../../../../test/support/onboarding.js';
import { fetchFromSite, type SiteCheckConfig } from '../../../core/site-client.js';
import type { ApplicationRow } from '../model.js';
import { domainControlCheck, verificationValue, WELL_KNOWN_PATH } from './domain-control.js';
import { tlsCheck } from './tls.js';

// Real servers on this machine: an HTTP and an HTTPS site (test CA and self-signed), and a DNS server.
const TOKEN = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const certificates = testCertificates(
  ['shop.test', 'plain.test', 'dns.test', 'slow.test'],
  'selfsigned.test',
);
const files = new Map([
  [`shop.test${WELL_KNOWN_PATH}`, `${verificationValue(TOKEN)}\n`],
  [`wrong.test${WELL_KNOWN_PATH}`, verificationValue('another-token')],
]);
const sites = await localSites({
  certificates,
  selfSignedName: 'selfsigned.test',
  files,
  silentHosts: ['slow.test'],
});
const dns = await localDns(new Map([['dns.test', ['v=spf1 -all', verificationValue(TOKEN)]]]));
const hosts = Object.fromEntries(
  ['shop.test', 'plain.test', 'wrong.test', 'selfsigned.test', 'slow.test', 'dns.test'].map((h) => [
    h,
    '127.0.0.1',
  ]),
);

function config(overrides: Partial<SiteCheckConfig> = {}): SiteCheckConfig {
  return {
    timeoutMs: 3_000,
    dnsServers: [dns.address],
    httpPort: sites.httpPort,
    httpsPort: sites.httpsPort,
    trustedCa: [certificates.caPem],
    hosts,
    ...overrides,
  };
}

const application = (domains: string[]) =>
  ({ id: 'app_test', verification_token: TOKEN, domains }) as unknown as ApplicationRow;

async function resultsOf(check: ReturnType<typeof tlsCheck>, domains: string[]) {
  const outcomes = await check({ application: application(domains), owners: [] });
  return Object.fromEntries(outcomes.map((o) => [o.subject, o]));
}

test('a certificate from the trusted test CA passes; a self-signed one fails', async () => {
  const results = await resultsOf(tlsCheck(config()), ['shop.test', 'selfsigned.test']);
  assert.equal(results['shop.test']?.result, 'pass');
  assert.equal(results['selfsigned.test']?.result, 'fail');
  assert.match(results['selfsigned.test']?.explanation ?? '', /SELF_SIGNED|self.signed/i);
});

test('without the test CA among the trusted ones, the same certificate fails', async () => {
  const results = await resultsOf(tlsCheck(config({ trustedCa: [] })), ['shop.test']);
  assert.equal(results['shop.test']?.result, 'fail');
  assert.match(results['shop.test']?.explanation ?? '', /UNABLE_TO_VERIFY|unable to (get|verify)/i);
});

test('a site that never answers fails within the timeout', async () => {
  const started = Date.now();
  const results = await resultsOf(tlsCheck(config({ timeoutMs: 300 })), ['slow.test']);
  assert.equal(results['slow.test']?.result, 'fail');
  assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
});

test('domain control: DNS TXT record, the well-known file over HTTPS, over HTTP only, or nothing', async () => {
  const plainOnly = new Map([[`plain.test${WELL_KNOWN_PATH}`, verificationValue(TOKEN)]]);
  const plainSite = await localSites({ certificates, selfSignedName: 'selfsigned.test', files: plainOnly });
  const results = await resultsOf(domainControlCheck(config()), ['dns.test', 'shop.test', 'wrong.test']);
  assert.equal(results['dns.test']?.result, 'pass');
  assert.match(results['dns.test']?.explanation ?? '', /DNS TXT record/);
  assert.equal(results['shop.test']?.result, 'pass');
  assert.match(results['shop.test']?.explanation ?? '', /https:\/\/shop\.test/);
  assert.equal(results['wrong.test']?.result, 'fail');
  assert.match(results['wrong.test']?.explanation ?? '', /tijara-verification=a1b2/);

  // Over plain HTTP only (the HTTPS port is closed): accepted with a warning.
  const httpOnly = await resultsOf(
    domainControlCheck(config({ httpPort: plainSite.httpPort, httpsPort: 1 })),
    ['plain.test'],
  );
  assert.equal(httpOnly['plain.test']?.result, 'warn');
});

test('an applicant’s domain that resolves inward is not called; one the operator mapped is', async () => {
  // A real local web site: what an applicant's domain must not make Tijara call unless the operator
  // mapped the name there itself (TIJARA_ONBOARDING_HOSTS, as these tests do).
  let requests = 0;
  const site = createServer((_request, response) => {
    requests += 1;
    response.end('hello');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => site.close(() => resolve())));
  const { port: httpPort } = site.address() as { port: number };
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
