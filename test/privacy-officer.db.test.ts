import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoPassword } from '../src/auth/seed.js';
import { Problem } from '../src/core/problem.js';
import { privacyMessages } from '../src/privacy/messages.js';
import { demoOrganisationKeys } from '../src/screening/seed.js';
import { ConsoleClient, demoCode } from './console-client.js';
import { apiClient, card, demoKeys, testPlatform } from './support/platform.js';
import { sendConfirmedRequest } from './support/privacy-form.js';

// Law 09-08 when a merchant may no longer trade: its console is closed, so its people cannot answer the
// requests people send it, and the authority's data protection officer answers them in its place.
const { platform, baseUrl, api } = await testPlatform();
const { merchants, onboarding, privacy, auth, audit } = platform.services;
const shop = (await merchants.authenticate(demoKeys.atlas))!.merchant;
const officerBase = `/console/data-protection/merchants/${shop.id}`;
const t = privacyMessages('en');

// A live payment of Salma's at Atlas Voyages, and a test one of a made-up customer.
const live = await merchants.createApiKey(shop.id, true, { label: 'live' });
const liveApi = apiClient(baseUrl, live.secret);
const salmas = await liveApi.post<{ id: string }>('/v1/payments', {
  amount: 250_000,
  currency: 'MAD',
  customer_email: 'salma.idrissi@example.ma',
  order_reference: 'RENT-7',
});
assert.equal(salmas.status, 201, JSON.stringify(salmas.body));
await liveApi.post(`/v1/payments/${salmas.body.id}/confirm`, { card: card('4111111111111111') });
const trial = await api(demoKeys.atlas).post<{ id: string }>('/v1/privacy_requests', {
  kind: 'access',
  email: 'essai@example.ma',
});
assert.equal(trial.status, 201, 'a test-mode request, which is no one’s');

const signedIn = (email: string, password: string, code?: string) =>
  new ConsoleClient(baseUrl).signedIn(email, password, code);
const dpo = await signedIn('dpo@dgssi.example', demoPassword('dpo'), demoCode());

/** The home's count of requests waiting at closed merchants (0 when the item is not listed). */
async function closedCount() {
  const home = await dpo.get('/console?lang=en');
  return Number(/data-item="privacy_closed_merchants" data-count="(\d+)"/.exec(home.text)?.[1] ?? 0);
}

test('while the merchant trades, it answers its own requests: the officer sees counts only', async () => {
  const figures = await dpo.get('/console/data-protection?lang=en');
  assert.equal(figures.status, 200);
  assert.doesNotMatch(figures.text, /data-closed/);
  const refused = await dpo.get(`${officerBase}?lang=en`);
  assert.equal(refused.status, 409);
  assert.match(refused.text, new RegExp(t.problem_console_open));
  assert.equal(await closedCount(), 0);
});

test('suspended: people still reach it, and the officer answers in its place, each view and answer on the record', async () => {
  const reviewerUser = await auth.findUserByEmail('reviewer@dgssi.example');
  assert.ok(reviewerUser);
  const suspended = await onboarding.suspend(
    shop.id,
    { id: reviewerUser.id, organisationId: reviewerUser.organisationId, senior: false },
    'fraud reports',
  );
  assert.ok(!(suspended instanceof Problem));

  // The public form still lists the shop, which holds Salma's data, and files her request.
  const sent = await sendConfirmedRequest(platform, baseUrl, {
    shop: shop.id,
    kind: 'access',
    email: 'Salma.Idrissi@example.ma',
  });
  assert.match(sent.formHtml, new RegExp(`<option value="${shop.id}">Atlas Voyages</option>`));
  assert.ok(sent.id);
  // The shop's console is closed, so the officer is the one told that it arrived.
  while ((await platform.outbox.runOnce()) > 0);
  const notice = platform.services.mailbox
    ?.mails()
    .find((mail) => mail.subject.includes('données d’un client'));
  assert.equal(notice?.to, 'dpo@dgssi.example');
  assert.match(notice.text, /Atlas Voyages est suspendu et sa console fermée/);
  assert.match(notice.text, new RegExp(`${officerBase}/requests/${sent.id}\\?lang=fr`));
  const after = await (await fetch(new URL(sent.location, baseUrl))).text();
  assert.match(after, /Atlas Voyages is suspended and cannot answer: the data protection officer/);
  assert.equal(await closedCount(), 1, 'the one live request; the test-mode one is not counted');
  const authority = apiClient(baseUrl, demoOrganisationKeys.authority);
  const apiFigures = await authority.get<{
    data: { merchant: { id: string; console_closed: boolean }; open: number }[];
  }>('/v1/privacy/figures');
  assert.deepEqual(
    apiFigures.body.data.map((row) => [row.merchant.id, row.merchant.console_closed, row.open]),
    [[shop.id, true, 1]],
  );

  // The merchant's owner is shut out of its console, this page included.
  const owner = new ConsoleClient(baseUrl);
  assert.equal((await owner.signIn('owner@atlas-voyages.example', demoPassword('owner'))).status, 303);
  assert.equal((await owner.get(`/console/privacy/${sent.id}?lang=en`)).status, 403);

  const figures = await dpo.get('/console/data-protection?lang=en');
  assert.match(figures.text, new RegExp(`href="${officerBase}\\?lang=en" data-closed`));
  const list = await dpo.get(`${officerBase}?lang=en`);
  assert.equal(list.status, 200);
  assert.match(list.text, /Atlas Voyages is suspended/);
  assert.match(list.text, new RegExp(`data-request="${sent.id}"`));
  assert.doesNotMatch(list.text, new RegExp(`data-request="${trial.body.id}"`), 'live requests only');

  const page = await dpo.get(`${officerBase}/requests/${sent.id}?lang=en`);
  assert.equal(page.status, 200);
  assert.match(page.text, /salma.idrissi@example.ma/i);
  const once = /name="once" value="([^"]+)"/.exec(page.text)?.[1];
  assert.ok(once, 'the answer button sends a one-time token');
  const answerPath = `${officerBase}/requests/${sent.id}/answer?lang=en`;
  const csrf = dpo.csrf();
  const answered = await dpo.post(answerPath, { csrf, once });
  assert.equal(answered.status, 303);
  assert.equal(answered.location, `${officerBase}/requests/${sent.id}?lang=en`);
  // The same form sent again answers once.
  assert.equal((await dpo.post(answerPath, { csrf, once })).status, 303);

  const request = await privacy.getRequest({ merchantId: shop.id, livemode: true }, sent.id!);
  assert.equal(request?.status, 'answered');
  assert.equal(request?.answer?.kind, 'access');
  assert.deepEqual(request?.answer?.kind === 'access' && request.answer.payments.map((p) => p.id), [
    salmas.body.id,
  ]);
  assert.equal(await closedCount(), 0);

  const file = await dpo.get(`${officerBase}/requests/${sent.id}/answer.json`);
  assert.equal(file.status, 200);
  assert.equal(JSON.parse(file.text).merchant, 'Atlas Voyages');

  // On the trail under the officer's name: the answer, and both views of the person's data.
  const officer = await auth.findUserByEmail('dpo@dgssi.example');
  const trail = await audit.list({ limit: 50, targetIds: [sent.id!] });
  const byOfficer = trail.filter((r) => r.actorId === officer?.id).map((r) => r.action);
  assert.ok(byOfficer.includes('privacy.request.answer'), JSON.stringify(byOfficer));
  assert.equal(byOfficer.filter((a) => a === 'data.read').length, 2, 'the page and the answer file');
});

test('refused: without the permission, without the token, another merchant’s request, an unknown merchant', async () => {
  const reviewer = await signedIn('reviewer@dgssi.example', demoPassword('reviewer'), demoCode());
  assert.equal((await reviewer.get(`${officerBase}?lang=en`)).status, 403);

  const filed = await privacy.fileRequest(
    { merchant: shop, livemode: true },
    { kind: 'objection', email: 'karim@example.ma' },
    { actor: { type: 'system', id: 'test' } },
  );
  assert.ok(!(filed instanceof Problem));
  const answerPath = `${officerBase}/requests/${filed.id}/answer?lang=en`;
  await dpo.get(`${officerBase}/requests/${filed.id}?lang=en`);
  assert.equal((await dpo.post(answerPath, { csrf: 'forged', once: 'x' })).status, 403);
  assert.equal((await privacy.getRequest({ merchantId: shop.id, livemode: true }, filed.id))?.status, 'open');

  const other = (await merchants.authenticate(demoKeys.marrakech))!.merchant;
  const otherRequest = await privacy.fileRequest(
    { merchant: other, livemode: true },
    { kind: 'access', email: 'nadia@example.ma' },
    { actor: { type: 'system', id: 'test' } },
  );
  assert.ok(!(otherRequest instanceof Problem));
  assert.equal((await dpo.get(`${officerBase}/requests/${otherRequest.id}?lang=en`)).status, 404);
  assert.equal((await dpo.get('/console/data-protection/merchants/mer_none?lang=en')).status, 404);
});
