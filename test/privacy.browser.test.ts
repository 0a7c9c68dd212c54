import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { demoPassword } from '../src/auth/seed.js';
import { Problem } from '../src/core/problem.js';
import { moroccanDate } from '../src/core/time.js';
import { type PrivacyText, privacyMessages } from '../src/privacy/messages.js';
import type { RequestKind } from '../src/privacy/model.js';
import { formatMoney } from '../src/web/i18n.js';
import { demoCode } from './console-client.js';
import {
  accessibilityViolations,
  assertRefused,
  assertSentToSignIn,
  launchBrowser,
  openPage,
  screenshot,
  signedInPages,
  textOf,
} from './support/browser.js';
import { cmiShop, shopForm } from './support/cmi-shop.js';
import { card, demoKeys, testPlatform } from './support/platform.js';

const { platform, baseUrl, api } = await testPlatform();
const browser = await launchBrowser();
const { privacy, merchants, audit, auth } = platform.services;
const atlas = api(demoKeys.atlas);
const atlasId = (await merchants.authenticate(demoKeys.atlas))!.merchant.id;
const testData = { merchantId: atlasId, livemode: false };
const liveData = { merchantId: atlasId, livemode: true };

const LEILA = 'leila.bennani@example.ma';
async function paid(email: string, amount: number, orderReference: string) {
  const created = await atlas.post<{ id: string }>('/v1/payments', {
    amount,
    currency: 'MAD',
    order_reference: orderReference,
    description: 'Séjour à Marrakech',
    customer_email: email,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await atlas.post(`/v1/payments/${created.body.id}/confirm`, { card: card('4111111111111111') });
  return created.body.id;
}
/** A payment through Atlas's CMI form, as a shop plugin posts it, with the buyer's name and city. */
async function paidThroughCmi(email: string, oid: string) {
  await platform.services.cmi.seedDemoCmiStore(atlasId);
  const id = await cmiShop(baseUrl).startOrder(
    shopForm({ oid, amount: '310.00', email, BillToName: 'Leila Bennani', BillToCity: 'Fès' }),
  );
  await atlas.post(`/v1/payments/${id}/confirm`, { card: card('4111111111111111') });
  return id;
}
// Leila paid Atlas Voyages twice through its API (typing her address two ways) and once through its
// CMI form; Youssef paid once.
const leilas = [
  await paid(LEILA, 45_000, 'VOY-1001'),
  await paid('Leila.Bennani@Example.MA', 120_050, 'VOY-1002'),
  await paidThroughCmi(LEILA, 'CMD-2001'),
];
const youssefs = await paid('youssef@example.ma', 9_900, 'VOY-1003');

const ownerPage = await signedInPages(browser, baseUrl, {
  email: 'owner@atlas-voyages.example',
  password: demoPassword('owner'),
});
const dpoPage = await signedInPages(browser, baseUrl, {
  email: 'dpo@dgssi.example',
  password: demoPassword('dpo'),
  code: demoCode(),
});
const owner = (await auth.findUserByEmail('owner@atlas-voyages.example'))!;

const requestIdOf = (page: Page) => /\/console\/privacy\/(dsr_[^?/]+)/.exec(page.url())?.[1] ?? '';
const DAY_MS = 86_400_000;

/** Fills and sends the form as a person would, by its labels in the page's language; waits for the request's page. */
async function recordRequest(
  page: Page,
  t: PrivacyText,
  request: { kind: RequestKind; email: string; corrected?: string; note?: string; receivedOn?: string },
) {
  await page.getByLabel(t[`kind_${request.kind}`], { exact: true }).check();
  await page.getByLabel(t.email, { exact: true }).fill(request.email);
  if (request.corrected)
    await page.getByLabel(t.correctedEmailField, { exact: true }).fill(request.corrected);
  if (request.note) await page.getByLabel(t.noteField, { exact: true }).fill(request.note);
  if (request.receivedOn) await page.getByLabel(t.receivedOn, { exact: true }).fill(request.receivedOn);
  await page.getByRole('button', { name: t.record }).click();
  await page.waitForURL(/\/console\/privacy\/dsr_[^?]+\?lang=\w+$/);
  return requestIdOf(page);
}

/** Presses a one-button form of the request's page and waits for the page it leads back to. */
async function press(page: Page, button: string) {
  const back = page.url();
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: button }).click()]);
  assert.equal(page.url(), back);
}

const cellsOf = async (page: Page, row: string) =>
  (await page.locator(row).locator('td').allTextContents()).map((c) => c.replace(/\s+/g, ' ').trim());

let accessId = '';

test('in French the owner records an access request, answers it, sees her payments, her CMI order and the reading of the address, and downloads the answer', async () => {
  const page = await ownerPage('/console/privacy?lang=fr');
  const t = privacyMessages('fr');
  assert.equal(await textOf(page, 'h1'), 'Demandes sur les données personnelles');
  assert.equal(
    await page
      .locator('nav.console-nav')
      .getByRole('link', { name: 'Demandes sur les données personnelles' })
      .getAttribute('aria-current'),
    'page',
  );
  assert.match(await textOf(page, 'main'), /dans les 30 jours suivant la réception/);
  assert.equal(await textOf(page, '#kind-objection-help'), t.explain_objection);
  // Someone at Atlas reads Leila's address for a dispute: her answer must say so.
  await page.goto(`${baseUrl}/console/payments/${leilas[0]}?lang=fr&purpose=dispute`);
  await page.goto(`${baseUrl}/console/privacy?lang=fr`);

  accessId = await recordRequest(page, t, { kind: 'access', email: 'LEILA.bennani@example.ma' });
  assert.equal(await textOf(page, 'h1'), 'Demande · Accès');
  assert.equal(await page.locator('#request-status').getAttribute('data-status'), 'open');
  assert.equal(await textOf(page, '#request-status'), 'Ouverte');
  assert.equal(await textOf(page, '#request-mode'), 'Test');
  assert.equal(await textOf(page, '#request-email'), 'LEILA.bennani@example.ma');
  assert.equal(await textOf(page, '#answered-at'), 'Pas encore');
  const filed = (await privacy.getRequest(testData, accessId))!;
  assert.equal(filed.dueAt.getTime() - filed.receivedAt.getTime(), 30 * DAY_MS);

  await press(page, 'Répondre maintenant');
  assert.equal(await textOf(page, '#request-status'), 'Traitée');
  assert.equal(await textOf(page, '#request-records'), '3');
  assert.equal(await page.getByRole('button', { name: 'Répondre maintenant' }).count(), 0);
  assert.deepEqual(
    await page.locator('#answer-payments tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.payment)),
    leilas,
  );
  const [id, date, amount, status, description, order, cardText] = await cellsOf(
    page,
    `#answer-payments tr[data-payment="${leilas[1]}"]`,
  );
  assert.equal(id, leilas[1]);
  assert.match(date!, /\d{4}/);
  assert.equal(amount, formatMoney(120_050n, 'MAD', 'fr').replace(/\s+/g, ' '));
  assert.match(amount!, /^1.?200,50/);
  assert.deepEqual([status, description, order], ['succeeded', 'Séjour à Marrakech', 'VOY-1002']);
  assert.match(cardText!, /1111$/);
  assert.ok(!(await page.content()).includes(youssefs), "another person's payment is not in her answer");
  const [oid, orderPayment, , kept] = await cellsOf(page, '#answer-cmi-orders tbody tr');
  assert.deepEqual([oid, orderPayment], ['CMD-2001', leilas[2]]);
  for (const field of ['BillToName', 'Leila Bennani', 'BillToCity', 'Fès', LEILA])
    assert.ok(kept!.includes(field), `${kept} shows ${field}`);
  const reading = await cellsOf(page, '#answer-readings tbody tr');
  assert.deepEqual(reading.slice(1), [leilas[0], 'E-mail du client', 'Litige']);
  await screenshot(page, 'privacy-access-answered-fr');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: t.download }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `privacy-answer-${accessId}.json`);
  const file = JSON.parse(await readFile((await download.path())!, 'utf8'));
  assert.equal(file.request, accessId);
  assert.equal(file.merchant, 'Atlas Voyages');
  assert.equal(file.kind, 'access');
  assert.deepEqual(
    file.payments.map((p: { id: string; amount: number }) => [p.id, p.amount]),
    [
      [leilas[0], 45_000],
      [leilas[1], 120_050],
      [leilas[2], 31_000],
    ],
  );
  assert.deepEqual(
    file.cmi_orders.map((o: { oid: string; fields: Record<string, string> }) => [o.oid, o.fields.BillToName]),
    [['CMD-2001', 'Leila Bennani']],
  );
  assert.equal(file.readings[0].purpose, 'dispute');

  for (const action of ['privacy.request.file', 'privacy.request.answer']) {
    const [record] = await audit.list({ limit: 1, action, targetId: accessId });
    assert.deepEqual(
      { type: record?.actorType, id: record?.actorId, organisation: record?.organisationId },
      { type: 'user', id: owner.id, organisation: owner.organisationId },
      action,
    );
  }
  // Each view of the person's addresses, the page and the file, is a read on the record, with its purpose.
  const reads = await audit.list({ limit: 10, action: 'data.read', targetId: accessId });
  assert.deepEqual(reads.map((r) => [r.actorId, r.details.data, r.details.purpose]).slice(0, 2), [
    [owner.id, 'privacy_request.subject', 'data_subject_request'],
    [owner.id, 'privacy_request.subject', 'data_subject_request'],
  ]);
  assert.ok(reads.some((r) => r.details.view === 'answer_file'));
  await page.context().close();
});

test('in Arabic (right to left) the owner records an objection and sees the payments her address was erased from', async () => {
  const page = await ownerPage('/console/privacy?lang=ar');
  assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
  assert.equal(await textOf(page, 'h1'), 'طلبات المعطيات الشخصية');
  const id = await recordRequest(page, privacyMessages('ar'), {
    kind: 'objection',
    email: LEILA,
    note: 'رسالة مؤرخة في اليوم نفسه',
  });
  assert.equal(await textOf(page, '#request-kind'), 'التعرض');
  assert.equal(await textOf(page, '#request-note'), 'رسالة مؤرخة في اليوم نفسه');
  await press(page, 'أجب الآن');
  assert.equal(await textOf(page, '#request-status'), 'تمت الإجابة عنه');
  assert.equal(await page.locator('#answer').getAttribute('data-kind'), 'objection');
  assert.deepEqual(
    await page.locator('#changed-payments li').evaluateAll((items) => items.map((li) => li.dataset.payment)),
    leilas,
  );
  assert.match(await textOf(page, '#answer'), /مُحي البريد من هذه الأداءات وأحداثها/);
  assert.deepEqual(await page.locator('#changed-cmi-orders li').allTextContents(), ['CMD-2001']);
  await screenshot(page, 'privacy-objection-answered-ar');
  for (const payment of leilas)
    assert.equal(
      (await atlas.get<{ customer_email: null }>(`/v1/payments/${payment}`)).body.customer_email,
      null,
    );
  assert.equal(
    (await atlas.get<{ customer_email: string }>(`/v1/payments/${youssefs}`)).body.customer_email,
    'youssef@example.ma',
  );

  await page.getByRole('link', { name: 'العودة إلى الطلبات' }).click();
  await page.waitForURL(/\/console\/privacy\?lang=ar&mode=test$/);
  assert.deepEqual(
    await page.locator('#requests tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.request)),
    [id, accessId],
    'newest first',
  );
  const cells = await cellsOf(page, `#requests tr[data-request="${id}"]`);
  assert.deepEqual([cells[0], cells[3]], ['التعرض', 'تمت الإجابة عنه']);
  await page.context().close();
});

test('live requests stay in live data: one received 40 days ago is overdue, in words, and answered late', async () => {
  const page = await ownerPage('/console/privacy?lang=en');
  const t = privacyMessages('en');
  await page.getByLabel('Data').selectOption({ label: 'Live' });
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/mode=live/);
  assert.equal(await page.locator('#requests').count(), 0);
  assert.equal(await page.getByText(t.noRequests).count(), 1);
  const longAgo = moroccanDate(new Date(Date.now() - 40 * DAY_MS));
  const late = await recordRequest(page, t, { kind: 'access', email: LEILA, receivedOn: longAgo });
  assert.equal(await textOf(page, '#request-mode'), 'Live');
  assert.equal(await page.locator('#request-status').getAttribute('data-status'), 'overdue');
  assert.equal(await textOf(page, '#request-status'), 'Overdue');
  await press(page, 'Answer now');
  assert.equal(await textOf(page, '#request-status'), 'Answered late');
  assert.equal(await page.locator('#answer').getByText(t.noPayments).count(), 1);
  assert.equal(await textOf(page, '#request-records'), '0');

  await page.getByRole('link', { name: t.backToList }).click();
  await page.waitForURL(/\/console\/privacy\?lang=en&mode=live$/);
  const open = await recordRequest(page, t, {
    kind: 'rectification',
    email: LEILA,
    corrected: 'leila.alaoui@example.ma',
    receivedOn: longAgo,
  });
  assert.equal(await textOf(page, '#corrected-email'), 'leila.alaoui@example.ma');
  await page.goto(`${baseUrl}/console/privacy?lang=en&mode=live`);
  assert.deepEqual(await cellsOf(page, `#requests tr[data-request="${open}"]`).then((c) => [c[0], c[3]]), [
    'Rectification',
    'Overdue',
  ]);
  assert.equal(await textOf(page, `#requests tr[data-request="${late}"] td:last-child`), 'Answered late');
  await page.goto(`${baseUrl}/console/privacy?lang=en&mode=live&status=open`);
  assert.equal(await page.locator('#requests tbody tr').count(), 1);
  assert.equal(await page.getByLabel('Data').inputValue(), 'live');

  // Test data and live data keep to themselves, in the pages and in the service.
  await page.goto(`${baseUrl}/console/privacy?lang=en`);
  const testRows = await page
    .locator('#requests tbody tr')
    .evaluateAll((rows) => rows.map((r) => r.dataset.request));
  assert.ok(testRows.includes(accessId) && !testRows.includes(late) && !testRows.includes(open));
  assert.deepEqual(
    (await privacy.listRequests(liveData)).map((r) => r.id),
    [open, late],
  );
  await screenshot(page, 'privacy-requests-en');
  await page.context().close();
});

test("the authority's data protection officer sees each merchant's live requests by counts and dates, no one named", async () => {
  // Her console's home says what waits for her, and leads there.
  const page = await dpoPage('/console?lang=fr');
  const waiting = page.locator('#attention li[data-item="privacy_overdue"]');
  assert.equal(await waiting.getAttribute('data-count'), '1');
  await screenshot(page, 'console-home-dpo-fr');
  await Promise.all([
    page.waitForURL(/\/console\/data-protection\?lang=fr$/),
    waiting.getByRole('link').click(),
  ]);
  const title = 'Demandes sur les données personnelles, par marchand';
  assert.equal(await textOf(page, 'h1'), title);
  assert.equal(
    await page.locator('nav.console-nav').getByRole('link', { name: title }).getAttribute('aria-current'),
    'page',
  );
  assert.match(await textOf(page, 'main'), /encore ouverte 30 jours après sa réception/);
  const cells = await cellsOf(page, `#figures tr[data-merchant="${atlasId}"]`);
  // The test-mode requests (Atlas's trials) are not counted: one live answered late, one live overdue.
  assert.deepEqual(cells.slice(0, 5), ['Atlas Voyages', '1', '1 en retard', '1', '1 en retard']);
  assert.match(cells[5]!, /\d{4}/, 'the next due date');
  assert.equal(
    await page
      .locator(`#figures tr[data-merchant="${atlasId}"] [data-count="overdue"] .badge`)
      .getAttribute('data-status'),
    'overdue',
  );
  const content = await page.content();
  assert.ok(!content.includes('@example.ma') && !content.includes(leilas[0]!), 'no personal data');
  await screenshot(page, 'privacy-oversight-fr');
  await page.context().close();
});

test('the list, an answered access request and the oversight page pass axe-core in Arabic, French and English', async () => {
  for (const lang of ['ar', 'fr', 'en'] as const) {
    const pages = [
      [
        await ownerPage(`/console/privacy?lang=${lang}`, { bypassCSP: true }),
        `/console/privacy?lang=${lang}`,
      ],
      [await ownerPage(`/console/privacy/${accessId}?lang=${lang}`, { bypassCSP: true }), accessId],
      [await dpoPage(`/console/data-protection?lang=${lang}`, { bypassCSP: true }), 'data-protection'],
      [await dpoPage(`/console?lang=${lang}`, { bypassCSP: true }), 'home'],
    ] as const;
    for (const [page, what] of pages) {
      assert.equal(await page.locator('html').getAttribute('dir'), lang === 'ar' ? 'rtl' : 'ltr');
      assert.deepEqual(await accessibilityViolations(page), [], `${what} ${lang}`);
      await page.context().close();
    }
  }
});

test('without JavaScript: a refused form comes back with what was typed; a form sent twice records once; an answer sent twice answers once', async () => {
  const page = await ownerPage('/console/privacy?lang=en', { javaScriptEnabled: false });
  const t = privacyMessages('en');
  await page.getByLabel(t.kind_rectification, { exact: true }).check();
  await page.getByLabel(t.email, { exact: true }).fill('nadia@example.ma');
  await page.getByLabel(t.noteField, { exact: true }).fill('Nom de mariage');
  await page.getByRole('button', { name: t.record }).click();
  await page.waitForURL(/\/console\/privacy\?lang=en&mode=test$/);
  assert.equal(await textOf(page, '#request-error'), `${t.fileRefused} ${t.invalid_corrected_email}`);
  assert.equal(
    await page.getByLabel(t.correctedEmailField, { exact: true }).getAttribute('aria-invalid'),
    'true',
  );
  assert.equal(await page.getByLabel(t.email, { exact: true }).inputValue(), 'nadia@example.ma');
  assert.equal(await page.getByLabel(t.noteField, { exact: true }).inputValue(), 'Nom de mariage');
  assert.equal(await page.getByLabel(t.kind_rectification, { exact: true }).isChecked(), true);

  const form = page.locator('#request-form');
  const fields = {
    csrf: (await form.locator('[name="csrf"]').getAttribute('value'))!,
    once: (await form.locator('[name="once"]').getAttribute('value'))!,
    kind: 'access',
    email: 'twice@example.ma',
    received_at: moroccanDate(new Date()),
  };
  const post = (path: string, body: Record<string, string>) =>
    page.request.post(`${baseUrl}${path}`, { form: body, maxRedirects: 0 });
  const first = await post('/console/privacy?lang=en&mode=test', fields);
  assert.equal(first.status(), 303);
  const id = /\/console\/privacy\/(dsr_\w+)\?lang=en$/.exec(first.headers().location ?? '')?.[1];
  assert.ok(id, first.headers().location);
  const again = await post('/console/privacy?lang=en&mode=test', fields);
  assert.equal(again.status(), 303);
  assert.equal(again.headers().location, '/console/privacy?lang=en&mode=test');
  assert.equal((await privacy.listRequests(testData)).filter((r) => r.email === fields.email).length, 1);

  await page.goto(`${baseUrl}/console/privacy?lang=en`);
  const tomorrow = await post('/console/privacy?lang=en&mode=test', {
    ...fields,
    once: (await form.locator('[name="once"]').getAttribute('value'))!,
    received_at: moroccanDate(new Date(Date.now() + 2 * DAY_MS)),
  });
  assert.equal(tomorrow.status(), 400);
  assert.match(await tomorrow.text(), /it cannot be later than today/);
  assert.equal((await post(`/console/privacy/${id}/answer.json?lang=en`, {})).status(), 404, 'no POST there');
  assert.equal(
    (await page.request.get(`${baseUrl}/console/privacy/${id}/answer.json`)).status(),
    404,
    'not answered',
  );

  await page.goto(`${baseUrl}/console/privacy/${id}?lang=en`);
  const answerForm = page.locator(`form[action^="/console/privacy/${id}/answer"]`);
  const answerFields = {
    csrf: fields.csrf,
    once: (await answerForm.locator('[name="once"]').getAttribute('value'))!,
  };
  for (let i = 0; i < 2; i++)
    assert.equal((await post(`/console/privacy/${id}/answer?lang=en`, answerFields)).status(), 303);
  assert.equal((await audit.list({ limit: 10, action: 'privacy.request.answer', targetId: id })).length, 1);
  // A fresh form on a request answered meanwhile: said so, with the way back to it.
  const answered = await post(`/console/privacy/${id}/answer?lang=en`, { csrf: fields.csrf });
  assert.equal(answered.status(), 409);
  assert.match(await answered.text(), /data-code="request_answered"[^>]*>This request is answered already/);
  const unknown = await post('/console/privacy/dsr_none/answer?lang=en', { csrf: fields.csrf });
  assert.equal(unknown.status(), 404);
  assert.match(await unknown.text(), /data-code="not_found"[^>]*>This request does not exist\./);
  await page.context().close();
});

test("people without 'privacy.requests' or 'privacy.manage' are refused; a visitor is sent to sign-in", async () => {
  for (const path of ['/console/privacy', `/console/privacy/${accessId}`, '/console/data-protection'])
    await assertSentToSignIn(browser, `${baseUrl}${path}`);
  const merchantSection = {
    nav: '/console/privacy',
    pages: ['/console/privacy', `/console/privacy/${accessId}`, `/console/privacy/${accessId}/answer.json`],
    posts: ['/console/privacy', `/console/privacy/${accessId}/answer`],
    hidden: 'LEILA.bennani@example.ma',
  };
  for (const person of [
    { email: 'developer@atlas-voyages.example', password: demoPassword('developer') },
    { email: 'accountant@atlas-voyages.example', password: demoPassword('accountant') },
    { email: 'operator@banque-atlas.example', password: demoPassword('operator'), code: demoCode() },
  ])
    await assertRefused(browser, baseUrl, person, merchantSection);
  for (const person of [
    { email: 'owner@atlas-voyages.example', password: demoPassword('owner') },
    { email: 'reviewer@dgssi.example', password: demoPassword('reviewer'), code: demoCode() },
  ])
    await assertRefused(browser, baseUrl, person, {
      nav: '/console/data-protection',
      pages: ['/console/data-protection'],
      posts: [],
      hidden: 'data-merchant',
    });
});

test('anyone reaches the register of processing from any page, in each language, accessible and without JavaScript', async () => {
  const page = await openPage(browser, `${baseUrl}/observatory?lang=fr`, { bypassCSP: true });
  await Promise.all([
    page.waitForURL(/\/privacy\?lang=fr$/),
    page.getByRole('link', { name: 'Vos données personnelles' }).click(),
  ]);
  assert.equal(await textOf(page, 'h1'), 'Vos données personnelles chez Tijara');
  const cards = page.locator('#processing-card_payments');
  assert.equal(await cards.locator('h2').textContent(), 'Les personnes qui paient par carte');
  assert.match((await cards.locator('dl').textContent()) ?? '', /n’est jamais écrit nulle part/);
  // Where each piece is kept is folded away until asked for.
  assert.equal(await cards.locator('table').isVisible(), false);
  await cards.getByText('Où et comment elles sont stockées').click();
  const holderName = cards.locator('tr', { hasText: 'vault_cards.holder_name' });
  assert.equal(await holderName.getAttribute('data-protection'), 'sealed');
  assert.match((await holderName.textContent()) ?? '', /chiffrée \(AES-256-GCM\)/);
  assert.deepEqual(await accessibilityViolations(page), []);
  await screenshot(page, 'privacy-register-fr');

  for (const [lang, title] of [
    ['ar', 'معطياتكم الشخصية لدى تجارة'],
    ['en', 'Your personal data at Tijara'],
  ] as const) {
    await page.goto(`${baseUrl}/privacy?lang=${lang}`);
    assert.equal(await textOf(page, 'h1'), title);
    assert.equal(await page.locator('html').getAttribute('dir'), lang === 'ar' ? 'rtl' : 'ltr');
    assert.deepEqual(await accessibilityViolations(page), [], lang);
  }
  await page.context().close();

  const plain = await openPage(browser, `${baseUrl}/privacy?lang=en`, { javaScriptEnabled: false });
  await plain.locator('#processing-customer_contact').getByText('Where and how it is stored').click();
  assert.equal(await plain.locator('#processing-customer_contact table').isVisible(), true);
  await plain.context().close();
});

test('a person sends a shop a request from the register page and confirms it from the mail; the shop sees it came online; the pages pass axe-core', async () => {
  const page = await openPage(browser, `${baseUrl}/privacy?lang=fr`, { bypassCSP: true });
  await Promise.all([
    page.waitForURL(/\/privacy\/request\?lang=fr$/),
    page.getByRole('link', { name: 'Envoyer une demande à un commerçant en ligne' }).click(),
  ]);
  assert.equal(await textOf(page, 'h1'), 'Une demande sur vos données');
  assert.deepEqual(await accessibilityViolations(page), []);
  await page.getByLabel('Commerçant', { exact: true }).selectOption({ label: 'Atlas Voyages' });
  await page.getByLabel('Voir mes données et qui les a consultées').check();
  await page.getByLabel('L’adresse e-mail donnée lors du paiement').fill('salma@example.ma');
  await Promise.all([
    page.waitForURL(/mailed=/),
    page.getByRole('button', { name: 'Envoyer la demande' }).click(),
  ]);
  assert.equal(await textOf(page, 'h1'), 'Consultez votre messagerie');
  assert.deepEqual(await accessibilityViolations(page), [], 'check your mailbox');

  // The confirmation mail, in the demo mailbox (no mail server is set); its link, then its button.
  while ((await platform.outbox.runOnce()) > 0);
  await page.goto(`${baseUrl}/demo/mail?lang=fr`);
  const mail = page.locator('article.mail', { hasText: 'salma@example.ma' });
  assert.equal(await mail.locator('h2').textContent(), 'Confirmez votre demande à Atlas Voyages');
  assert.deepEqual(await accessibilityViolations(page), [], 'the demo mailbox');
  await Promise.all([page.waitForURL(/\/privacy\/request\/confirm\?/), mail.getByRole('link').click()]);
  assert.match(await textOf(page, '#request-confirm'), /Envoyez votre demande à Atlas Voyages/);
  assert.deepEqual(await accessibilityViolations(page), [], 'the confirmation');
  await Promise.all([
    page.waitForURL(/sent=dsr_/),
    page.getByRole('button', { name: 'L’envoyer au commerçant' }).click(),
  ]);
  assert.equal(await textOf(page, 'h1'), 'Votre demande est envoyée');
  const id = new URL(page.url()).searchParams.get('sent')!;
  assert.match(await textOf(page, '#request-sent'), new RegExp(`${id} est parvenue à Atlas Voyages`));
  await screenshot(page, 'privacy-request-sent-fr');
  await page.goto(`${baseUrl}/privacy/request?lang=ar`);
  assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
  assert.deepEqual(await accessibilityViolations(page), [], 'ar');
  await page.context().close();

  const owner = await ownerPage(`/console/privacy/${id}?lang=fr`);
  assert.equal(await owner.locator('#request-channel').getAttribute('data-channel'), 'online');
  assert.match(
    await textOf(owner, '#request-channel'),
    /confirmée depuis un e-mail que Tijara a envoyé à l’adresse/,
  );
  assert.equal(await textOf(owner, '#request-email'), 'salma@example.ma');
  await owner.context().close();
});

test('a suspended merchant: the officer opens its requests from the oversight page and answers in its place; the pages pass axe-core', async () => {
  const marrakech = (await merchants.authenticate(demoKeys.marrakech))!.merchant;
  const filed = await privacy.fileRequest(
    { merchant: marrakech, livemode: true },
    { kind: 'access', email: 'omar@example.ma' },
    { actor: { type: 'system', id: 'test' } },
  );
  assert.ok(!(filed instanceof Problem));
  const reviewer = (await auth.findUserByEmail('reviewer@dgssi.example'))!;
  const suspended = await platform.services.onboarding.suspend(
    marrakech.id,
    { id: reviewer.id, organisationId: reviewer.organisationId, senior: false },
    'fraud reports',
  );
  assert.ok(!(suspended instanceof Problem));

  const t = privacyMessages('ar');
  const page = await dpoPage('/console/data-protection?lang=ar', { bypassCSP: true });
  await Promise.all([
    page.waitForURL(new RegExp(`/console/data-protection/merchants/${marrakech.id}\\?lang=ar$`)),
    page.locator(`#figures tr[data-merchant="${marrakech.id}"] a[data-closed]`).click(),
  ]);
  assert.match(await textOf(page, '#officer-intro'), /Marrakech Auto Location موقوف/);
  assert.deepEqual(await accessibilityViolations(page), [], 'the list');
  await Promise.all([
    page.waitForURL(new RegExp(`/requests/${filed.id}\\?lang=ar$`)),
    page.locator(`#requests tr[data-request="${filed.id}"] a`).click(),
  ]);
  assert.equal(await textOf(page, '#request-email'), 'omar@example.ma');
  await Promise.all([
    page.waitForURL(new RegExp(`/requests/${filed.id}\\?lang=ar$`)),
    page.getByRole('button', { name: t.answerNow }).click(),
  ]);
  assert.equal(await page.locator('#answer').getAttribute('data-kind'), 'access');
  assert.equal(
    await page.locator('#download-answer').getAttribute('href'),
    `/console/data-protection/merchants/${marrakech.id}/requests/${filed.id}/answer.json`,
  );
  assert.equal(await page.locator('html').getAttribute('dir'), 'rtl');
  assert.deepEqual(await accessibilityViolations(page), [], 'the answered request');
  await screenshot(page, 'privacy-officer-answer-ar');
  await page.context().close();
});
