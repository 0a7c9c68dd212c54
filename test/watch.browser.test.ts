import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { demoPassword } from '../src/auth/seed.js';
import { type WatchText, watchMessages } from '../src/watch/messages.js';
import type { SiteOwnerKind } from '../src/watch/model.js';
import { demoCode } from './console-client.js';
import {
  accessibilityViolations,
  assertRefused,
  assertSentToSignIn,
  launchBrowser,
  screenshot,
  signedInPages,
  textOf,
} from './support/browser.js';
import { localSites, testCertificates } from './support/onboarding.js';
import { testPlatform } from './support/platform.js';

// Real web sites on this machine: shop.test over HTTPS (a test CA's certificate), eau.test over plain HTTP.
const certificates = testCertificates(['shop.test', 'eau.test'], 'self.test', 365);
const SHOP_HOME =
  'Bazar Essaouira: tapis, poteries et bijoux berbères faits à la main, livrés partout au Maroc. ' +
  'Paiement par carte bancaire sécurisé, retour gratuit sous quatorze jours.';
const files = new Map([
  ['shop.test/', SHOP_HOME],
  [
    'eau.test/',
    'Régie de l’eau: consultez et payez vos factures en ligne, par carte bancaire, à toute heure.',
  ],
]);
const { httpPort, httpsPort } = await localSites({ certificates, selfSignedName: 'self.test', files });
const shopUrl = `https://shop.test:${httpsPort}/`;
const eauUrl = `http://eau.test:${httpPort}/`;

const { platform, baseUrl } = await testPlatform({
  config: {
    onboardingHosts: { 'shop.test': '127.0.0.1', 'eau.test': '127.0.0.1' },
    onboardingCaFile: certificates.caFile,
    onboardingTimeoutMs: 1_500,
  },
});
const browser = await launchBrowser();
const { watch, audit, auth } = platform.services;

const reviewerPage = await signedInPages(browser, baseUrl, {
  email: 'reviewer@dgssi.example',
  password: demoPassword('reviewer'),
  code: demoCode(),
});
const reviewer = (await auth.findUserByEmail('reviewer@dgssi.example'))!;

const siteIdOf = (page: Page) => /\/console\/sites\/(wst_[^?/]+)/.exec(page.url())?.[1] ?? '';
const siteOfUrl = async (url: string) => (await watch.listSites()).find((s) => s.url === url)!;

/** Fills and sends the add form as a person would, by its labels in the page's language. */
async function addSite(
  page: Page,
  t: WatchText,
  site: { url: string; name: string; ownerKind: SiteOwnerKind; minutes?: string },
) {
  await page.getByLabel(t.addUrl).fill(site.url);
  await page.getByLabel(t.addLabel, { exact: true }).fill(site.name);
  await page.getByLabel(t.ownerKind).selectOption({ label: t[`owner_${site.ownerKind}`] });
  if (site.minutes) await page.getByLabel(t.addEveryMinutes).fill(site.minutes);
  await page.getByRole('button', { name: t.add }).click();
}

/** Presses a one-button form of the site's page and waits for the page it leads back to. */
async function press(page: Page, button: string) {
  const back = page.url();
  // The form posts elsewhere and comes back to the same URL: wait for that navigation, not for the URL.
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: button }).click()]);
  assert.equal(page.url(), back);
}

test('in French the reviewer adds a site through the form, finds it in the list, checks it now and sees it up', async () => {
  const page = await reviewerPage('/console/sites?lang=fr');
  assert.equal(await textOf(page, 'h1'), 'Sites web surveillés');
  assert.equal(
    await page
      .locator('nav.console-nav')
      .getByRole('link', { name: 'Sites web surveillés' })
      .getAttribute('aria-current'),
    'page',
  );
  await addSite(page, watchMessages('fr'), {
    url: shopUrl,
    name: 'Bazar Essaouira',
    ownerKind: 'merchant',
    minutes: '30',
  });
  await page.waitForURL(/\/console\/sites\/wst_[^?]+\?lang=fr$/);
  const id = siteIdOf(page);
  assert.equal(await textOf(page, 'h1'), 'Site · Bazar Essaouira');
  assert.equal(await page.locator('#site-status').getAttribute('data-status'), 'unknown');
  assert.equal(await textOf(page, '#site-status'), 'Pas encore vérifié');
  assert.equal(await textOf(page, '#latest-check p'), "Ce site n'a pas encore été vérifié.");

  await page.getByRole('link', { name: 'Retour aux sites surveillés' }).click();
  await page.waitForURL(/\/console\/sites\?lang=fr$/);
  const row = page.locator(`#sites tr[data-site="${id}"]`);
  const cells = (await row.locator('td').allTextContents()).map((c) => c.replace(/\s+/g, ' ').trim());
  assert.deepEqual(cells.slice(0, 6), [
    'Bazar Essaouira',
    shopUrl,
    'Marchand',
    'Pas encore vérifié',
    'Jamais',
    'Aucun',
  ]);
  assert.match(cells[6]!, /\d{4}/, 'the next check is a date');

  await row.getByRole('link', { name: 'Bazar Essaouira' }).click();
  await page.waitForURL(new RegExp(`/console/sites/${id}\\?lang=fr$`));
  await press(page, 'Vérifier maintenant');
  assert.equal(await page.locator('#site-status').getAttribute('data-status'), 'up');
  assert.equal(await textOf(page, '#site-status'), 'En ligne');
  assert.equal(await textOf(page, '#http-status'), '200');
  assert.match(await textOf(page, '#response-time'), /^\d+ ms$/);
  assert.equal(await page.locator('#tls [data-authorized]').getAttribute('data-authorized'), 'true');
  assert.match(await textOf(page, '#tls'), /Tijara Test CA/);
  // The page is text without headers: every one of them is missing, which lowers no status.
  assert.match(await textOf(page, '#missing-headers'), /strict-transport-security.*referrer-policy/);
  assert.equal(await page.locator('#findings li[data-finding="missing_header"]').count(), 5);
  assert.equal(await textOf(page, '#similarity'), 'Aucun contenu accepté à comparer');
  assert.equal(await page.locator('#baseline-at time').count(), 1, 'the first answer is the reference');

  // A second check compares the page with that first answer: the same wording.
  await press(page, 'Vérifier maintenant');
  assert.equal((await textOf(page, '#similarity')).replace(/\s/g, ''), '100%');
  assert.equal(await page.locator('#checks tbody tr').count(), 2);
  assert.equal(await page.getByText('Aucun incident.').count(), 1);
  await screenshot(page, 'watch-site-up-fr');

  const [added] = await audit.list({ limit: 10, action: 'watch.site.add' });
  assert.equal(added?.targetId, id);
  assert.deepEqual(
    { actorType: added?.actorType, actorId: added?.actorId, organisationId: added?.organisationId },
    { actorType: 'user', actorId: reviewer.id, organisationId: reviewer.organisationId },
  );
  await page.context().close();
});

test('in Arabic (right to left) the reviewer adds a public service site served over plain http: at risk, with an incident', async () => {
  const page = await reviewerPage('/console/sites?lang=ar');
  assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
  assert.equal(await textOf(page, 'h1'), 'المواقع المراقبة');
  await addSite(page, watchMessages('ar'), { url: eauUrl, name: 'وكالة الماء', ownerKind: 'government' });
  await page.waitForURL(/\/console\/sites\/wst_[^?]+\?lang=ar$/);
  await press(page, 'افحص الآن');
  assert.equal(await page.locator('#site-status').getAttribute('data-status'), 'at_risk');
  assert.equal(await textOf(page, '#site-status'), 'معرَّض للخطر');
  assert.equal(await page.locator('#tls').count(), 0);
  assert.match(await textOf(page, '#latest-check'), /لا توجد: استجاب الموقع عبر http غير مشفَّر/);
  assert.match(await textOf(page, '#findings li[data-finding="no_tls"]'), /^بدون TLS، عبر http غير مشفَّر/);
  const incident = page.locator('#incidents tbody tr');
  assert.equal(await incident.getAttribute('data-kind'), 'at_risk');
  assert.equal(await incident.getAttribute('data-open'), 'true');
  assert.match(await textOf(page, '#incidents tbody tr'), /ما زال مفتوحًا/);
  await screenshot(page, 'watch-site-at-risk-ar');

  await page.goto(`${baseUrl}/console/sites?lang=ar`);
  assert.match(await textOf(page, '#sites'), /وكالة الماء.*مرفق عمومي.*معرَّض للخطر/);
  await screenshot(page, 'watch-sites-ar');
  await page.context().close();
});

test('a redesign reads as defaced until the reviewer accepts the new content; pause and resume; all audited', async () => {
  const site = await siteOfUrl(shopUrl);
  const page = await reviewerPage(`/console/sites/${site.id}?lang=en`);
  assert.match(
    await textOf(page, '#accept-help'),
    /reference that later checks compare with to detect defacement/,
  );
  files.set(
    'shop.test/',
    'Nouvelle collection 2025: caftans brodés et babouches en cuir de Fès, créations uniques de nos artisans.',
  );
  await press(page, 'Check now');
  assert.equal(await page.locator('#site-status').getAttribute('data-status'), 'defaced');
  assert.equal(await page.locator('#findings li[data-finding="content_changed"]').count(), 1);
  assert.match(await textOf(page, '#similarity'), /^\d+%$/);
  assert.equal(
    await page.locator('#incidents tbody tr[data-kind="defaced"]').getAttribute('data-open'),
    'true',
  );

  await press(page, 'Accept current content');
  await press(page, 'Check now');
  assert.equal(await page.locator('#site-status').getAttribute('data-status'), 'up');
  assert.equal(await textOf(page, '#similarity'), '100%');
  assert.equal(
    await page.locator('#incidents tbody tr[data-kind="defaced"]').getAttribute('data-open'),
    'false',
  );

  // Someone writes on the page: the signature is named.
  files.set(
    'shop.test/',
    'Hacked by Sy4n. Nouvelle collection 2025: caftans brodés et babouches en cuir de Fès.',
  );
  await press(page, 'Check now');
  assert.equal(await page.locator('#site-status').getAttribute('data-status'), 'defaced');
  assert.match(await textOf(page, '#findings li[data-finding="defacement_marker"]'), /hacked by/i);
  await screenshot(page, 'watch-site-defaced-en');

  await press(page, 'Pause checks');
  assert.equal(await page.locator('#next-check').getAttribute('data-enabled'), 'false');
  assert.match(await textOf(page, '#paused-note'), /paused; “Check now” still checks it/);
  await page.goto(`${baseUrl}/console/sites?lang=en&status=defaced`);
  const row = page.locator(`#sites tr[data-site="${site.id}"]`);
  assert.equal(await row.getAttribute('data-enabled'), 'false');
  assert.equal(await textOf(page, `#sites tr[data-site="${site.id}"] [data-paused]`), 'Paused');
  assert.equal(await page.locator('#sites tbody tr').count(), 1, 'only the defaced site');
  await row.getByRole('link').click();
  await press(page, 'Resume checks');
  assert.equal(await page.locator('#next-check').getAttribute('data-enabled'), 'true');

  const trail = await audit.list({ limit: 50, targetId: site.id });
  assert.deepEqual(trail.map((r) => r.action).sort(), [
    'watch.site.accept_content',
    'watch.site.add',
    'watch.site.pause',
    'watch.site.resume',
  ]);
  for (const record of trail) assert.equal(record.actorId, reviewer.id);
  await page.context().close();
});

test('the list and a checked site with its history and incidents pass axe-core in Arabic, French and English', async () => {
  const site = await siteOfUrl(eauUrl);
  for (const lang of ['ar', 'fr', 'en'] as const) {
    const page = await reviewerPage(`/console/sites?lang=${lang}`, { bypassCSP: true });
    for (const path of [`/console/sites?lang=${lang}`, `/console/sites/${site.id}?lang=${lang}`]) {
      await page.goto(`${baseUrl}${path}`);
      assert.equal(await page.locator('html').getAttribute('dir'), lang === 'ar' ? 'rtl' : 'ltr');
      assert.deepEqual(await accessibilityViolations(page), [], path);
    }
    await page.context().close();
  }
});

test('without JavaScript: a form sent twice acts once; a watched or invalid address is refused with the form again', async () => {
  const page = await reviewerPage('/console/sites?lang=en', { javaScriptEnabled: false });
  const form = page.locator('#add-site-form');
  const fields = {
    csrf: (await form.locator('[name="csrf"]').getAttribute('value'))!,
    once: (await form.locator('[name="once"]').getAttribute('value'))!,
    url: `https://shop.test:${httpsPort}/souk`,
    label: 'Souk',
    owner_kind: 'merchant',
    every_minutes: '10',
  };
  const post = (path: string, form: Record<string, string>) =>
    page.request.post(`${baseUrl}${path}?lang=en`, { form, maxRedirects: 0 });
  const first = await post('/console/sites', fields);
  assert.equal(first.status(), 303);
  const again = await post('/console/sites', fields);
  assert.equal(again.status(), 303);
  assert.equal(again.headers().location, '/console/sites?lang=en');
  assert.equal((await watch.listSites()).filter((s) => s.url === fields.url).length, 1);

  // The same address in a fresh form: refused, said in words, the form shown again with what was typed.
  await page.reload();
  await page.getByLabel(/^Address/).fill(fields.url);
  await page.getByLabel('Name', { exact: true }).fill('Souk again');
  await page.getByRole('button', { name: 'Watch this site' }).click();
  await page.waitForURL(/\/console\/sites\?lang=en$/);
  assert.equal(await textOf(page, '#add-error'), 'The site was not added. This address is watched already.');
  assert.equal(await page.getByLabel(/^Address/).inputValue(), fields.url);
  assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Souk again');
  const refused = await post('/console/sites', {
    ...fields,
    once: (await form.locator('[name="once"]').getAttribute('value'))!,
    url: 'ftp://shop.test/',
  });
  assert.equal(refused.status(), 400);
  assert.match(await refused.text(), /The site was not added\. Check the address/);

  // "Check now" sent twice checks once.
  const souk = await siteOfUrl(fields.url);
  await page.goto(`${baseUrl}/console/sites/${souk.id}?lang=en`);
  const checkForm = page.locator(`form[action^="/console/sites/${souk.id}/check"]`);
  const checkFields = {
    csrf: fields.csrf,
    once: (await checkForm.locator('[name="once"]').getAttribute('value'))!,
  };
  for (let i = 0; i < 2; i++)
    assert.equal((await post(`/console/sites/${souk.id}/check`, checkFields)).status(), 303);
  assert.equal((await watch.recentChecks(souk.id)).length, 1);

  // An unknown site: said so, with the way back to the list.
  const unknown = await post('/console/sites/wst_none/accept', { csrf: fields.csrf });
  assert.equal(unknown.status(), 404);
  assert.match(await unknown.text(), /data-code="not_found"[^>]*>This site is not watched\./);
  await page.context().close();
});

test("a merchant's and a bank's people, and authority people without the permission, are refused; a visitor is sent to sign-in", async () => {
  const site = await siteOfUrl(shopUrl);
  await assertSentToSignIn(browser, `${baseUrl}/console/sites/${site.id}`);
  for (const person of [
    { email: 'owner@atlas-voyages.example', password: demoPassword('owner') },
    { email: 'operator@banque-atlas.example', password: demoPassword('operator'), code: demoCode() },
    { email: 'dpo@dgssi.example', password: demoPassword('dpo'), code: demoCode() },
  ])
    await assertRefused(browser, baseUrl, person, {
      nav: '/console/sites',
      pages: ['/console/sites', `/console/sites/${site.id}`],
      posts: [
        '/console/sites',
        ...['check', 'accept', 'pause', 'resume'].map((a) => `/console/sites/${site.id}/${a}`),
      ],
      hidden: site.url,
    });
});
