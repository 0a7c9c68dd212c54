import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { createSecureContext } from 'node:tls';
import { manualClock } from '../src/core/clock.js';
import { Problem } from '../src/core/problem.js';
import { demoOrganisationKeys } from '../src/screening/seed.js';
import type { SiteCheck, WatchedSite } from '../src/watch/model.js';
import { CHECK_RETENTION_DAYS } from '../src/watch/service.js';
import { testCertificates } from './support/onboarding.js';
import { demoKeys, testPlatform } from './support/platform.js';

// Real web sites on this machine: HTTPS (a test CA's certificate, or a self-signed one) and plain HTTP,
// each page's answer set by the test.
const NAMES = ['eau.test', 'shop.test', 'tax.test', 'broken.test', 'plain.test', 'quiet.test'];
const certificates = testCertificates(NAMES, 'self.test', 365);
const SAFE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'strict-transport-security': 'max-age=31536000',
  'content-security-policy': "default-src 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};
const HOME =
  '<html><body><h1>Régie de l’eau du Bouregreg</h1><p>Consultez et payez vos factures d’eau en ligne, ' +
  'par carte bancaire, à toute heure.</p><p>Agences ouvertes du lundi au vendredi.</p></body></html>';
interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}
const pages = new Map<string, Answer>();
const answer = (host: string, change: Partial<Answer> = {}) =>
  pages.set(host, { status: 200, headers: SAFE_HEADERS, body: HOME, ...change });

const handler: http.RequestListener = (request, response) => {
  const host = (request.headers.host ?? '').split(':')[0]!;
  if (host === 'quiet.test') return; // never answers
  const page = (request.url === '/' && pages.get(host)) || { status: 404, headers: {}, body: 'no such page' };
  response.writeHead(page.status, page.headers).end(page.body);
};
const siteContext = createSecureContext(certificates.site);
const selfContext = createSecureContext(certificates.selfSigned);
const httpsServer = https.createServer(
  {
    ...certificates.site,
    SNICallback: (name, done) => done(null, name === 'self.test' ? selfContext : siteContext),
  },
  handler,
);
const httpServer = http.createServer(handler);
await Promise.all([
  new Promise<void>((resolve) => httpsServer.listen(0, '127.0.0.1', resolve)),
  new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve)),
]);
after(() => {
  for (const server of [httpServer, httpsServer]) {
    server.closeAllConnections();
    server.close();
  }
});
const httpsPort = (httpsServer.address() as AddressInfo).port;
const httpPort = (httpServer.address() as AddressInfo).port;
const secure = (host: string) => `https://${host}:${httpsPort}/`;

const clock = manualClock(new Date());
const { platform, api } = await testPlatform({
  clock,
  config: {
    onboardingHosts: Object.fromEntries([...NAMES, 'self.test'].map((name) => [name, '127.0.0.1'])),
    onboardingCaFile: certificates.caFile,
    onboardingTimeoutMs: 1_500,
  },
});
const { watch, audit } = platform.services;
const supervisor = api(demoOrganisationKeys.authority);
const by = { actor: { type: 'system' as const, id: 'watch-test' } };

async function watched(url: string, label = url): Promise<WatchedSite> {
  const site = await watch.addSite({ url, label, ownerKind: 'government' }, by);
  assert.ok(!(site instanceof Problem), String(site));
  return site;
}
async function checked(site: WatchedSite): Promise<SiteCheck> {
  const check = await watch.checkNow(site.id);
  assert.ok(!(check instanceof Problem), String(check));
  return check;
}
const kinds = (check: SiteCheck) => check.findings.map((f) => f.kind);

describe('watching web sites', () => {
  test('a healthy HTTPS site is up: certificate, headers and content recorded, content taken as the baseline', async () => {
    answer('eau.test');
    const site = await watched(secure('eau.test'), 'Régie Bouregreg');
    assert.equal(site.status, 'unknown');
    const check = await checked(site);
    assert.equal(check.status, 'up', JSON.stringify(check.findings));
    assert.deepEqual(check.findings, []);
    assert.equal(check.httpStatus, 200);
    assert.equal(check.tls?.authorized, true);
    assert.equal(check.tls?.issuer, 'Tijara Test CA');
    assert.ok(check.tls!.validTo!.getTime() > clock.now().getTime() + 300 * 86_400_000);
    assert.equal(check.similarity, null, 'the first answer has nothing to be compared with');
    const after = (await watch.getSite(site.id))!;
    assert.equal(after.status, 'up');
    assert.ok(after.baselineAt);
    assert.equal(
      after.nextCheckAt.getTime(),
      check.checkedAt.getTime() + 5 * 60_000,
      'next due from this check',
    );
    assert.equal((await watch.listIncidents({ siteId: site.id })).length, 0);
    assert.equal((await checked(site)).similarity, 1);
  });

  test('a site that fails opens an incident, and coming back closes it', async () => {
    answer('shop.test');
    const site = await watched(secure('shop.test'));
    assert.equal((await checked(site)).status, 'up');

    answer('shop.test', { status: 503, body: 'maintenance' });
    const failing = await checked(site);
    assert.equal(failing.status, 'down');
    assert.deepEqual(failing.findings[0], { kind: 'http_error', detail: 'the page answered 503' });
    clock.advance(60_000);
    await checked(site); // still down: the same incident
    const open = await watch.listIncidents({ siteId: site.id, open: true });
    assert.equal(open.length, 1);
    assert.equal(open[0]!.kind, 'down');

    clock.advance(60_000);
    answer('shop.test');
    assert.equal((await checked(site)).status, 'up');
    const [incident] = await watch.listIncidents({ siteId: site.id });
    assert.equal(incident!.id, open[0]!.id);
    assert.equal(incident!.closedAt?.getTime(), clock.now().getTime());
    assert.equal((await watch.listIncidents({ siteId: site.id, open: true })).length, 0);
  });

  test('a site that does not answer, refuses connections or points into a private network is down', async () => {
    const quiet = await checked(await watched(secure('quiet.test')));
    assert.equal(quiet.status, 'down');
    assert.match(quiet.findings[0]!.detail, /no answer within 1500 ms|timed out/);
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await checked(await watched(`https://eau.test:${freePort}/`));
    assert.equal(refused.status, 'down');
    assert.deepEqual(kinds(refused), ['unreachable']);
    // Not a mapped name, so the address must be public: the watch never calls into our own network.
    const internal = await checked(await watched(`http://127.0.0.1:${httpPort}/`));
    assert.equal(internal.status, 'down');
    assert.match(internal.findings[0]!.detail, /not a public address/);
  });

  test('TLS a browser would refuse, or plain HTTP, puts a site at risk; missing headers are listed', async () => {
    answer('self.test');
    const selfSigned = await checked(await watched(secure('self.test')));
    assert.equal(selfSigned.status, 'at_risk');
    assert.equal(selfSigned.tls?.authorized, false);
    assert.match(selfSigned.findings[0]!.detail, /SELF_SIGNED/);

    answer('plain.test', { headers: { 'content-type': 'text/html' } });
    const plain = await checked(await watched(`http://plain.test:${httpPort}/`));
    assert.equal(plain.status, 'at_risk');
    assert.equal(plain.tls, null);
    assert.deepEqual(kinds(plain), [
      'no_tls',
      'missing_header',
      'missing_header',
      'missing_header',
      'missing_header',
    ]);
    assert.deepEqual(plain.missingHeaders, [
      'content-security-policy',
      'x-content-type-options',
      'x-frame-options',
      'referrer-policy',
    ]);
  });

  test('an HTTP site that redirects to HTTPS is judged on the page it lands on', async () => {
    answer('tax.test');
    const redirecting = http.createServer((_, response) =>
      response.writeHead(301, { location: secure('tax.test') }).end(),
    );
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    after(() => redirecting.close());
    const moved = await watched(`http://tax.test:${(redirecting.address() as AddressInfo).port}/`);
    const check = await checked(moved);
    assert.equal(check.finalUrl, secure('tax.test'));
    assert.equal(check.status, 'up', JSON.stringify(check.findings));
    assert.equal(check.tls?.authorized, true);
  });

  test('a defaced page is seen; the authority can accept a redesign as the new content', async () => {
    answer('broken.test');
    const site = await watched(secure('broken.test'), 'Trésor — impôts en ligne');
    assert.equal((await checked(site)).status, 'up');

    answer('broken.test', { body: '<h1>HACKED BY Ghost Team</h1><p>your security is zero</p>' });
    const defaced = await checked(site);
    assert.equal(defaced.status, 'defaced');
    assert.deepEqual(kinds(defaced), ['content_changed', 'defacement_marker']);
    assert.equal(defaced.similarity, 0);
    assert.equal((await watch.listIncidents({ siteId: site.id, open: true }))[0]?.kind, 'defaced');

    // A real redesign: different wording, no defacer's mark. Changed content is still flagged...
    answer('broken.test', {
      body: '<h1>Direction générale des impôts</h1><p>Nouveau portail : déclarez et payez vos impôts.</p>',
    });
    assert.deepEqual(kinds(await checked(site)), ['content_changed']);
    // ...until the authority accepts it, which is audited, and the next check is due at once.
    const accepted = await watch.acceptContent(site.id, by);
    assert.ok(!(accepted instanceof Problem));
    assert.equal(accepted.nextCheckAt.getTime(), clock.now().getTime());
    const after = await checked(site);
    assert.equal(after.status, 'up');
    assert.equal(after.similarity, 1);
    assert.equal((await watch.listIncidents({ siteId: site.id, open: true })).length, 0);
    const trail = await audit.list({ limit: 10, action: 'watch.site.accept_content', targetId: site.id });
    assert.equal(trail.length, 1);
    assert.equal(trail[0]!.actorId, 'watch-test');
  });

  test('due sites are checked once each, even by two passes at once; paused sites are not', async () => {
    const before = await watch.listSites();
    // Everything added so far is due in a day at most.
    clock.advance(24 * 60 * 60_000);
    const paused = before[0]!;
    assert.ok(!((await watch.setEnabled(paused.id, false, by)) instanceof Problem));
    const counts = await Promise.all([watch.checkDueSites(), watch.checkDueSites()]);
    assert.equal(
      counts[0]! + counts[1]!,
      before.length - 1,
      `two passes checked ${counts.join(' + ')} of ${before.length - 1}`,
    );
    assert.equal(await watch.checkDueSites(), 0, 'nothing is due again until its interval passes');
    const pausedAfter = (await watch.getSite(paused.id))!;
    assert.equal(pausedAfter.lastCheckedAt?.getTime(), paused.lastCheckedAt?.getTime());
    await watch.setEnabled(paused.id, true, by);
    assert.equal(await watch.checkDueSites(), 1, 'a resumed site is checked at once');
  });

  test('merchants and billers with a web site are watched without anyone adding them, once', async () => {
    const added = await watch.watchRegisteredSites();
    assert.ok(added >= 1, `added ${added}`);
    assert.equal(await watch.watchRegisteredSites(), 0);
    const sites = await watch.listSites();
    const merchantSites = sites.filter((s) => s.ownerKind === 'merchant');
    const billerSites = sites.filter((s) => s.ownerKind === 'biller');
    assert.ok(
      merchantSites.length >= 1 && billerSites.length >= 1,
      JSON.stringify(sites.map((s) => s.ownerKind)),
    );
    assert.ok(merchantSites.every((s) => s.ownerId?.startsWith('mer_')));
  });

  test('checks older than the retention are deleted by the scheduled pass; incidents stay', async () => {
    const incidentsBefore = (await watch.listIncidents({ limit: 500 })).length;
    clock.advance((CHECK_RETENTION_DAYS + 1) * 86_400_000);
    const site = (await watch.listSites()).find((s) => s.url === secure('eau.test'))!;
    assert.ok((await watch.recentChecks(site.id)).length > 1);
    const stop = watch.startScheduledChecks(60 * 60_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await stop();
    const recent = await watch.recentChecks(site.id, 500);
    assert.ok(recent.every((c) => c.checkedAt.getTime() >= clock.now().getTime() - 60_000));
    assert.ok((await watch.listIncidents({ limit: 500 })).length >= incidentsBefore);
  });
});

describe('the watch API', () => {
  test('the supervising authority adds, lists, checks and pauses sites; bad input changes nothing', async () => {
    answer('eau.test');
    const created = await supervisor.post<{ id: string; status: string; owner: { kind: string } }>(
      '/v1/watch/sites',
      {
        url: `${secure('eau.test')}tarifs#top`,
        label: 'Tarifs',
        owner_kind: 'biller',
        every_minutes: 10,
      },
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.status, 'unknown');
    const again = await supervisor.post<{ code: string }>('/v1/watch/sites', {
      url: `${secure('eau.test')}tarifs`,
      label: 'Tarifs',
      owner_kind: 'biller',
    });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'site_watched');
    const countBefore = (await watch.listSites()).length;
    for (const bad of [
      { url: 'ftp://eau.test/', label: 'x', owner_kind: 'biller' },
      { url: 'not a url', label: 'x', owner_kind: 'biller' },
      { url: 'https://user:pw@eau.test/', label: 'x', owner_kind: 'biller' },
      { url: 'https://eau.test/', label: '', owner_kind: 'biller' },
      { url: 'https://eau.test/', label: 'x', owner_kind: 'bank' },
      { url: 'https://eau.test/', label: 'x', owner_kind: 'biller', every_minutes: 0 },
    ]) {
      const refused = await supervisor.post<{ code: string }>('/v1/watch/sites', bad);
      assert.equal(refused.status, 400, JSON.stringify(bad));
      assert.equal(refused.headers.get('content-type')?.startsWith('application/problem+json'), true);
    }
    assert.equal((await watch.listSites()).length, countBefore);

    const check = await supervisor.post<{
      status: string;
      http_status: number;
      tls: { authorized: boolean };
    }>(`/v1/watch/sites/${created.body.id}/check`, {});
    assert.equal(check.status, 200, JSON.stringify(check.body));
    assert.equal(check.body.http_status, 404, 'the test site has no /tarifs page');
    const checks = await supervisor.get<{ data: { site: string }[] }>(
      `/v1/watch/sites/${created.body.id}/checks`,
    );
    assert.equal(checks.body.data.length, 1);
    const down = await supervisor.get<{ data: { id: string }[] }>('/v1/watch/sites?status=down');
    assert.ok(down.body.data.some((s) => s.id === created.body.id));
    const incidents = await supervisor.get<{ data: { site: string; kind: string }[] }>(
      `/v1/watch/incidents?open=true&site=${created.body.id}`,
    );
    assert.deepEqual(
      incidents.body.data.map((i) => i.kind),
      ['down'],
    );
    const paused = await supervisor.post<{ enabled: boolean }>(
      `/v1/watch/sites/${created.body.id}/pause`,
      {},
    );
    assert.equal(paused.body.enabled, false);
    assert.equal((await supervisor.post(`/v1/watch/sites/wst_none/resume`, {})).status, 404);
    assert.equal((await supervisor.get('/v1/watch/sites?status=broken')).status, 400);
  });

  test('only the supervising authority may use it', async () => {
    assert.equal((await api(demoOrganisationKeys.bank).get('/v1/watch/sites')).status, 403);
    assert.equal((await api(demoKeys.atlas).get('/v1/watch/sites')).status, 401);
    assert.equal(
      (await api().post('/v1/watch/sites', { url: 'https://x.test/', label: 'x', owner_kind: 'merchant' }))
        .status,
      401,
    );
  });
});
