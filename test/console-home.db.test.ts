import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPassword } from '../src/auth/seed.js';
import { Problem } from '../src/core/problem.js';
import { ConsoleClient, demoCode } from './console-client.js';
import { demoKeys, testPlatform } from './support/platform.js';

// The console's home for the authority and the banks: what waits for this person, counted, each a link
// to where it is acted on, and only what their permissions reach.
const { platform, baseUrl } = await testPlatform();
const { onboarding, watch, privacy, merchants } = platform.services;

/** The home's items as the page lists them: id → count. */
async function waiting(client: ConsoleClient, lang = 'fr') {
  const home = await client.get(`/console?lang=${lang}`);
  assert.equal(home.status, 200);
  const items = [
    ...home.text.matchAll(/<li data-item="([a-z_]+)" data-count="(\d+)"><a href="([^"]+)">([^<]+)<\/a>/g),
  ];
  return {
    text: home.text,
    counts: Object.fromEntries(items.map((m) => [m[1]!, Number(m[2])])),
    links: Object.fromEntries(items.map((m) => [m[1]!, { href: m[3]!, label: m[4]! }])),
  };
}

const signedIn = (email: string, role: Parameters<typeof demoPassword>[0], code = true) =>
  new ConsoleClient(baseUrl).signedIn(email, demoPassword(role), code ? demoCode() : undefined);

test('a reviewer sees the merchant files that wait for a reviewer and the sites in trouble, counted as they change', async () => {
  const reviewer = await signedIn('reviewer@dgssi.example', 'reviewer');
  const before = await waiting(reviewer);
  const awaiting = (await onboarding.listCases({ open: true })).filter(
    (c) => c.case.state !== 'information_requested',
  ).length;
  assert.ok(awaiting > 0, 'the demo has files to review');
  assert.equal(before.counts.merchant_files, awaiting);
  assert.deepEqual(before.links.merchant_files, {
    href: '/console/cases?lang=fr',
    label: `${awaiting} dossier(s) de commerçant attendent un examinateur`,
  });
  assert.equal(before.counts.privacy_overdue, undefined, "a reviewer does not hold the DPO's permission");

  // A watched site that cannot be reached (a private address is not even tried) comes out down, and
  // the count follows.
  const site = await watch.addSite(
    { url: 'http://127.0.0.1:9/', label: 'Portail fermé', ownerKind: 'government' },
    { actor: { type: 'system', id: 'test' } },
  );
  if (site instanceof Problem) assert.fail(site.detail);
  const check = await watch.checkNow(site.id);
  if (check instanceof Problem) assert.fail(check.detail);
  const afterCheck = await waiting(reviewer);
  assert.equal(afterCheck.counts.watched_sites, (before.counts.watched_sites ?? 0) + 1);
  assert.equal(afterCheck.links.watched_sites?.href, '/console/sites?lang=fr');
  // Paused, it no longer waits for anyone.
  const paused = await watch.setEnabled(site.id, false, { actor: { type: 'system', id: 'test' } });
  assert.ok(!(paused instanceof Problem));
  assert.equal((await waiting(reviewer)).counts.watched_sites, before.counts.watched_sites);
});

test('the data protection officer sees requests overdue at merchants, in Arabic too', async () => {
  const caller = await merchants.authenticate(demoKeys.atlas);
  assert.ok(caller);
  const dpo = await signedIn('dpo@dgssi.example', 'dpo');
  const before = (await waiting(dpo, 'ar')).counts.privacy_overdue ?? 0;
  // The authority counts live requests only: test data is the merchant's own.
  const filed = await privacy.fileRequest(
    { merchant: caller.merchant, livemode: true },
    { kind: 'access', email: 'late@example.ma', receivedAt: new Date(Date.now() - 40 * 86_400_000) },
    { actor: { type: 'system', id: 'test' } },
  );
  assert.ok(!(filed instanceof Problem));
  const home = await waiting(dpo, 'ar');
  assert.equal(home.counts.privacy_overdue, before + 1);
  assert.match(home.links.privacy_overdue!.label, /طلب\(ات\) أشخاص بشأن معطياتهم متأخر/);
  assert.deepEqual(
    Object.keys(home.counts),
    ['privacy_overdue'],
    'nothing else of the authority reaches a DPO',
  );
});

test("a bank's operator, whom nothing counted here concerns, is told so; a merchant goes to its payments", async () => {
  const operator = await signedIn('operator@banque-atlas.example', 'operator');
  const home = await waiting(operator, 'en');
  assert.deepEqual(home.counts, {});
  assert.match(home.text, /<p id="nothing-waits">Nothing waits for you\.<\/p>/);
  const owner = new ConsoleClient(baseUrl);
  await owner.signIn('owner@atlas-voyages.example', demoPassword('owner'));
  const landing = await owner.get('/console?lang=en');
  assert.equal(landing.status, 303);
  assert.equal(landing.location, '/console/payments?lang=en');
});
