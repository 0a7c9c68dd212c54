import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { consoleRouteTable } from '../src/console/context.js';
import { type Config, loadConfig } from '../src/core/config.js';
import { Problem } from '../src/core/problem.js';
import { verificationValue, WELL_KNOWN_PATH } from '../src/merchants/onboarding/checks/domain-control.js';
import { demoApplication, demoIdentifiers } from '../src/merchants/onboarding/seed.js';
import type { Reviewer } from '../src/merchants/onboarding/service.js';
import {
  consoleSession,
  drainOutbox,
  fixedListScreening,
  localDns,
  localSites,
  merchantOwner,
  testCertificates,
  totpNow,
} from './support/onboarding.js';
import { testPlatform } from './support/platform.js';
import { columnsHoldingText } from './support/store.js';

// Real local web sites (a test CA the platform is told to trust), a real DNS server with no records,
// and a fixed-list stand-in for the screening module's port.
const domains = [
  'shop10.test',
  'shop11.test',
  'shop12.test',
  'shop13.test',
  'shop14.test',
  'shop15.test',
  'shop16.test',
];
const certificates = testCertificates(domains, 'selfsigned.test');
const files = new Map<string, string>();
const sites = await localSites({ certificates, selfSignedName: 'selfsigned.test', files });
const dns = await localDns(new Map());
// The TIJARA_ONBOARDING_* settings, read as `tijara start` reads them from the environment.
const onboardingSettings = Object.fromEntries(
  Object.entries(
    loadConfig({
      TIJARA_ONBOARDING_TIMEOUT_MS: '3000',
      TIJARA_ONBOARDING_DNS: dns.address,
      TIJARA_ONBOARDING_CA_FILE: certificates.caFile,
      TIJARA_ONBOARDING_HOSTS: [...domains, 'selfsigned.test'].map((d) => `${d}=127.0.0.1`).join(','),
      TIJARA_ONBOARDING_HTTP_PORT: String(sites.httpPort),
      TIJARA_ONBOARDING_HTTPS_PORT: String(sites.httpsPort),
    }),
  ).filter(([name]) => name.startsWith('onboarding')),
) as Partial<Config>;
const screening = fixedListScreening(['Abdelkader Haddad']);
const { platform, baseUrl, api } = await testPlatform({
  screening: screening.port,
  config: onboardingSettings,
});
const { merchants, onboarding, auth, audit, cmi } = platform.services;

async function reviewer(email: string): Promise<Reviewer> {
  const user = await auth.findUserByEmail(email);
  assert.ok(user);
  return { id: user.id, organisationId: user.organisationId, senior: user.role === 'senior_reviewer' };
}
const junior = await reviewer('reviewer@dgssi.example');
const senior = await reviewer('senior.reviewer@dgssi.example');

let merchantCount = 0;
/** A merchant not yet approved, with a test key. */
async function pendingMerchant() {
  merchantCount += 1;
  const merchant = await merchants.createMerchant({ name: `Applicant ${merchantCount}`, status: 'pending' });
  const secret = `sk_test_Applicant${String(merchantCount).padStart(20, '0')}`;
  await merchants.createApiKey(merchant.id, false, { secret });
  return { merchant, secret, client: api(secret) };
}

/** Publishes the application's token on its site, as the merchant would. */
function publishToken(domain: string, token: string) {
  files.set(`${domain}${WELL_KNOWN_PATH}`, verificationValue(token));
}

async function caseOf(merchantId: string) {
  const file = await onboarding.currentFile(merchantId);
  assert.ok(file);
  return file;
}

test('wrong fields are refused together, each with its own code, and nothing is stored', async () => {
  const { client } = await pendingMerchant();
  const good = demoApplication(100);
  const bad = {
    ...good,
    company: { ...good.company!, ice: '001561191000067', name: '' },
    rib: '011780000015200000951638',
    domains: ['not a domain'],
    owners: [{ ...(good.owners as Record<string, unknown>[])[0], birth_date: '2999-01-01', id_number: '12' }],
  };
  const response = await client.post<{ code: string; errors: { field: string; code: string }[] }>(
    '/v1/onboarding/applications',
    bad,
  );
  assert.equal(response.status, 422);
  assert.match(response.headers.get('content-type') ?? '', /problem\+json/);
  assert.equal(response.body.code, 'invalid_application');
  const codes = Object.fromEntries(response.body.errors.map((e) => [e.field, e.code]));
  assert.deepEqual(
    {
      ice: codes['company.ice'],
      name: codes['company.name'],
      rib: codes.rib,
      domain: codes['domains.0'],
      birth: codes['owners.0.birth_date'],
      id: codes['owners.0.id_number'],
    },
    {
      ice: 'ice_check_digits',
      name: 'required',
      rib: 'rib_key',
      domain: 'invalid',
      birth: 'invalid',
      id: 'cin_format',
    },
  );
  assert.equal((await client.get('/v1/onboarding/application')).status, 404);
  // The API is documented from its schemas.
  const openapi = await api().get<{ paths: Record<string, unknown> }>('/v1/openapi.json');
  assert.ok(openapi.body.paths['/v1/onboarding/applications']);
});

test('a submission answers at once with checks pending; a clean low-risk case needs one reviewer; gates open on approval', async () => {
  const { merchant, client } = await pendingMerchant();
  const created = await client.post<{
    id: string;
    status: string;
    checks: { kind: string; subject: string; result: string }[];
    domain_verification: { dns_txt: string };
  }>('/v1/onboarding/applications', demoApplication(101, { domains: ['shop10.test'] }), {
    'idempotency-key': 'application-101',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  // A retry with the same key answers the same, once; without it, a second filing is refused.
  const retried = await client.post<{ id: string }>(
    '/v1/onboarding/applications',
    demoApplication(101, { domains: ['shop10.test'] }),
    { 'idempotency-key': 'application-101' },
  );
  assert.equal(retried.status, 201);
  assert.equal(retried.headers.get('idempotent-replayed'), 'true');
  assert.equal(retried.body.id, created.body.id);
  assert.equal((await client.post('/v1/onboarding/applications', demoApplication(101))).status, 409);
  assert.equal(created.body.status, 'submitted');
  assert.ok(created.body.checks.length >= 3);
  assert.ok(created.body.checks.every((c) => c.result === 'pending'));
  // The merchant never sees screening or duplicate findings.
  assert.ok(created.body.checks.every((c) => !['screening', 'duplicates'].includes(c.kind)));

  // Before approval: live key and live CMI clientid refused; approval refused while checks run.
  const early = await onboarding.createLiveKey(merchant.id, { type: 'user', id: 'usr_test' });
  assert.ok(early instanceof Problem && early.code === 'merchant_not_approved');
  await assert.rejects(merchants.createApiKey(merchant.id, true), /approved merchants/);
  const liveStore = await cmi.createStore(merchant.id, {
    clientId: '600000777',
    storeKey: 'LIVEKEY123',
    livemode: true,
  });
  assert.ok(liveStore instanceof Problem && liveStore.code === 'merchant_not_approved');
  const file = await caseOf(merchant.id);
  const tooSoon = await onboarding.decide(file.case.id, junior, 'approve');
  assert.ok(tooSoon instanceof Problem && tooSoon.code === 'checks_pending');

  publishToken('shop10.test', created.body.domain_verification.dns_txt.split('=')[1]!);
  await drainOutbox(platform);
  const checked = await caseOf(merchant.id);
  const results = Object.fromEntries(checked.checks.map((c) => [`${c.kind}:${c.subject}`, c.result]));
  assert.deepEqual(results, {
    'identifiers:': 'pass',
    'duplicates:': 'pass',
    'domain_control:shop10.test': 'pass',
    'tls:shop10.test': 'pass',
    'screening:Demo Shop 101 SARL': 'pass',
    'screening:Nadia Benjelloun': 'pass',
  });
  assert.equal(checked.case.risk_level, 'low');

  const approved = await onboarding.decide(checked.case.id, junior, 'approve', 'all checks pass');
  assert.ok(!(approved instanceof Problem));
  assert.equal(approved.state, 'approved');
  assert.equal((await merchants.getMerchant(merchant.id))?.status, 'active');
  // Approved owners are watched for re-screening: their birth date stays sealed there too (law 09-08).
  assert.deepEqual(await columnsHoldingText(platform.store.db, '1984-03-12'), []);

  const once = 'FormToken0123456789abcd'.slice(0, 22);
  const live = await onboarding.createLiveKey(merchant.id, { type: 'user', id: 'usr_test' }, once);
  assert.ok(!(live instanceof Problem));
  assert.match(live.secret, /^sk_live_/);
  // The same form posted again (a refresh) makes no second key.
  const again = await onboarding.createLiveKey(merchant.id, { type: 'user', id: 'usr_test' }, once);
  assert.equal(again instanceof Problem && again.code, 'form_already_sent');
  const liveKeys = (await merchants.listApiKeys(merchant.id)).filter((k) => k.livemode);
  assert.equal(liveKeys.length, 1);
  const payment = await api(live.secret).post(
    '/v1/payments',
    { amount: 10_000, currency: 'MAD' },
    { 'idempotency-key': 'live-1' },
  );
  assert.equal(payment.status, 201, JSON.stringify(payment.body));

  // Approval asks screening to watch the company and every owner (through the outbox).
  await drainOutbox(platform);
  const watched = screening.watched.filter((s) => s.merchantId === merchant.id);
  assert.deepEqual(
    watched.map((s) => [s.kind, s.name]),
    [
      ['organisation', 'Demo Shop 101 SARL'],
      ['person', 'Nadia Benjelloun'],
    ],
  );
});

test('four eyes: a screening hit needs two different reviewers, the second a senior one; every step audited', async () => {
  const { merchant, client } = await pendingMerchant();
  const body = demoApplication(102, { domains: ['shop11.test'] });
  (body.owners as Record<string, unknown>[])[0]!.latin_name = 'Abdelkader Haddad';
  const created = await client.post<{ domain_verification: { dns_txt: string } }>(
    '/v1/onboarding/applications',
    body,
  );
  assert.equal(created.status, 201);
  publishToken('shop11.test', created.body.domain_verification.dns_txt.split('=')[1]!);
  await drainOutbox(platform);
  const file = await caseOf(merchant.id);
  assert.equal(file.hits.length, 1);
  assert.equal(file.hits[0]?.subject_name, 'Abdelkader Haddad');
  assert.equal(file.case.risk_level, 'high');

  const first = await onboarding.decide(file.case.id, junior, 'approve');
  assert.ok(!(first instanceof Problem));
  assert.equal(first.state, 'awaiting_second_review');
  assert.equal((await merchants.getMerchant(merchant.id))?.status, 'pending');

  const again = await onboarding.decide(file.case.id, junior, 'approve');
  assert.ok(again instanceof Problem && again.code === 'four_eyes_same_reviewer');
  // A second junior reviewer would not do either: the second eyes must be senior.
  const otherJunior = await onboarding.decide(
    file.case.id,
    { ...junior, id: 'usr_another_junior' },
    'approve',
  );
  assert.ok(otherJunior instanceof Problem && otherJunior.code === 'four_eyes_senior_required');
  assert.equal((await merchants.getMerchant(merchant.id))?.status, 'pending');

  const second = await onboarding.decide(file.case.id, senior, 'approve');
  assert.ok(!(second instanceof Problem));
  assert.equal(second.state, 'approved');
  assert.equal((await merchants.getMerchant(merchant.id))?.status, 'active');

  const records = await audit.list({ limit: 100, targetId: file.case.id });
  assert.deepEqual(records.map((r) => [r.action, r.actorId]).reverse(), [
    ['onboarding.case.approve_first', junior.id],
    ['onboarding.case.approve_second', senior.id],
  ]);
  assert.equal((await audit.verify()).ok, true);
});

test('a domain proof published after the first run passes on recheck; an escalated case needs four eyes', async () => {
  const { merchant, client } = await pendingMerchant();
  const created = await client.post<{ domain_verification: { dns_txt: string } }>(
    '/v1/onboarding/applications',
    demoApplication(111, { domains: ['shop16.test'] }),
  );
  await drainOutbox(platform);
  const before = await caseOf(merchant.id);
  assert.equal(before.checks.find((c) => c.kind === 'domain_control')?.result, 'fail');
  assert.match(
    before.checks.find((c) => c.kind === 'domain_control')?.explanation ?? '',
    /No proof of control/,
  );
  assert.equal(before.case.risk_level, 'high');

  publishToken('shop16.test', created.body.domain_verification.dns_txt.split('=')[1]!);
  const rechecked = await onboarding.recheck(before.case.id, junior);
  assert.ok(!(rechecked instanceof Problem));
  assert.ok((await caseOf(merchant.id)).checks.every((c) => c.result === 'pending'));
  await drainOutbox(platform);
  const after = await caseOf(merchant.id);
  assert.equal(after.checks.find((c) => c.kind === 'domain_control')?.result, 'pass');
  assert.equal(after.case.risk_level, 'low');

  const escalated = await onboarding.decide(after.case.id, junior, 'escalate', 'unusual sector');
  assert.ok(!(escalated instanceof Problem) && escalated.state === 'escalated');
  const first = await onboarding.decide(after.case.id, junior, 'approve');
  assert.ok(!(first instanceof Problem) && first.state === 'awaiting_second_review');
  const second = await onboarding.decide(after.case.id, senior, 'approve');
  assert.ok(!(second instanceof Problem) && second.state === 'approved');
});

test('a confirmed watchlist match blocks approval; clearing it as a false positive still needs four eyes', async () => {
  const { merchant, client } = await pendingMerchant();
  const body = demoApplication(103, { domains: ['shop12.test'] });
  (body.owners as Record<string, unknown>[])[0]!.latin_name = 'Abdelkader Haddad';
  const created = await client.post<{ domain_verification: { dns_txt: string } }>(
    '/v1/onboarding/applications',
    body,
  );
  publishToken('shop12.test', created.body.domain_verification.dns_txt.split('=')[1]!);
  await drainOutbox(platform);
  const file = await caseOf(merchant.id);
  const hit = file.hits[0]!;
  await onboarding.markHit(file.case.id, hit.id, junior, 'true_match');
  const blocked = await onboarding.decide(file.case.id, senior, 'approve');
  assert.ok(blocked instanceof Problem && blocked.code === 'sanctions_match');
  const cleared = await onboarding.markHit(file.case.id, hit.id, senior, 'false_positive');
  assert.ok(!(cleared instanceof Problem));
  assert.equal(cleared.risk_level, 'medium');
  const first = await onboarding.decide(file.case.id, junior, 'approve');
  assert.ok(!(first instanceof Problem) && first.state === 'awaiting_second_review');
});

test('suspension refuses live payments and console data at once; reinstatement is reviewed with four eyes', async () => {
  const { merchant, client } = await pendingMerchant();
  const created = await client.post<{ domain_verification: { dns_txt: string } }>(
    '/v1/onboarding/applications',
    demoApplication(104, { domains: ['shop13.test'] }),
  );
  publishToken('shop13.test', created.body.domain_verification.dns_txt.split('=')[1]!);
  await drainOutbox(platform);
  const file = await caseOf(merchant.id);
  assert.equal(file.case.risk_level, 'low');
  await onboarding.decide(file.case.id, junior, 'approve');
  const live = await onboarding.createLiveKey(merchant.id, { type: 'user', id: 'usr_test' });
  assert.ok(!(live instanceof Problem));
  const liveApi = api(live.secret);
  assert.equal(
    (await liveApi.post('/v1/payments', { amount: 5_000, currency: 'MAD' }, { 'idempotency-key': 's-1' }))
      .status,
    201,
  );

  // The merchant's owner has a console session open before the suspension.
  await merchantOwner(
    auth,
    { id: merchant.id, name: 'Applicant suspended' },
    { email: 'owner@suspended.example', name: 'Suspended Owner', password: 'demo-owner-2026!' },
  );
  const owner = await consoleSession(baseUrl, 'owner@suspended.example', 'demo-owner-2026!');
  assert.equal((await owner.get('/console/payments?lang=en')).status, 200);

  const reinstatement = await onboarding.suspend(merchant.id, junior, 'fraud reports');
  assert.ok(!(reinstatement instanceof Problem));
  assert.equal(reinstatement.kind, 'reinstatement');
  const refused = await liveApi.post<{ code: string; status: number }>(
    '/v1/payments',
    { amount: 5_000, currency: 'MAD' },
    { 'idempotency-key': 's-2' },
  );
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'merchant_not_allowed');
  const closed = await owner.get('/console/payments?lang=en');
  assert.equal(closed.status, 403);
  assert.equal(((await closed.json()) as { code: string }).code, 'merchant_not_allowed');
  assert.equal((await owner.get('/console/application?lang=en')).status, 200);

  const first = await onboarding.decide(reinstatement.id, junior, 'approve', 'explanations received');
  assert.ok(!(first instanceof Problem) && first.state === 'awaiting_second_review');
  assert.equal((await merchants.getMerchant(merchant.id))?.status, 'suspended');
  const second = await onboarding.decide(reinstatement.id, senior, 'approve');
  assert.ok(!(second instanceof Problem) && second.state === 'approved');
  assert.equal((await merchants.getMerchant(merchant.id))?.status, 'active');
  assert.equal(
    (await liveApi.post('/v1/payments', { amount: 5_000, currency: 'MAD' }, { 'idempotency-key': 's-3' }))
      .status,
    201,
  );
  assert.equal((await owner.get('/console/payments?lang=en')).status, 200);
  const actions = (await audit.list({ limit: 50, targetId: merchant.id })).map((r) => r.action);
  assert.ok(actions.includes('merchant.suspend'));
});

test('information requested: the merchant sees what is asked, answers, and time in each state is kept', async () => {
  const { merchant, client } = await pendingMerchant();
  await client.post('/v1/onboarding/applications', demoApplication(105, { domains: ['shop14.test'] }));
  await drainOutbox(platform);
  const file = await caseOf(merchant.id);
  assert.ok(file.checks.every((c) => c.result !== 'pending'));
  const asked = await onboarding.decide(file.case.id, junior, 'request_information', 'Upload the statutes.');
  assert.ok(!(asked instanceof Problem) && asked.state === 'information_requested');
  const view = await client.get<{
    status: string;
    information_request: string;
    seconds_in_state: Record<string, number>;
  }>('/v1/onboarding/application');
  assert.equal(view.body.status, 'information_requested');
  assert.equal(view.body.information_request, 'Upload the statutes.');
  assert.deepEqual(Object.keys(view.body.seconds_in_state).sort(), ['information_requested', 'open']);
  // Approval waits for the merchant.
  const early = await onboarding.decide(file.case.id, junior, 'approve');
  assert.ok(early instanceof Problem && early.code === 'awaiting_merchant');

  const answered = await client.post<{ status: string; case_state: string }>(
    '/v1/onboarding/application/response',
    {
      message: 'Statutes uploaded.',
    },
  );
  assert.equal(answered.status, 200);
  assert.equal(answered.body.status, 'submitted');
  assert.equal(answered.body.case_state, 'open');
  // An answer runs the checks again (the merchant may have fixed what they found).
  assert.ok((await caseOf(merchant.id)).checks.every((c) => c.result === 'pending'));
  const again = await client.post<{ code: string }>('/v1/onboarding/application/response', {
    message: 'again',
  });
  assert.equal(again.body.code, 'no_information_requested');
  const transitions = (await caseOf(merchant.id)).transitions.map((t) => t.to_state);
  assert.deepEqual(transitions, ['open', 'information_requested', 'open']);
  // A second application while one is in review is refused.
  const twice = await client.post<{ code: string }>('/v1/onboarding/applications', demoApplication(105));
  assert.equal(twice.status, 409);
  assert.equal(twice.body.code, 'application_exists');
});

test('documents: type and first bytes checked, stored sealed, read back by a reviewer and audited', async () => {
  const { merchant, secret } = await pendingMerchant();
  await api(secret).post('/v1/onboarding/applications', demoApplication(106, { domains: ['shop15.test'] }));
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n');
  const upload = (kind: string, type: string, bytes: Buffer) => {
    const form = new FormData();
    form.append('kind', kind);
    form.append('file', new Blob([new Uint8Array(bytes)], { type }), 'document');
    return fetch(`${baseUrl}/v1/onboarding/application/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}` },
      body: form,
    });
  };
  const ok = await upload('statutes', 'application/pdf', pdf);
  assert.equal(ok.status, 201);
  const document = (await ok.json()) as { id: string; size: number };
  assert.equal(document.size, pdf.length);

  const disguised = await upload(
    'id',
    'application/pdf',
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]),
  );
  assert.equal(disguised.status, 422);
  assert.equal(((await disguised.json()) as { code: string }).code, 'document_content');
  const script = await upload('id', 'text/html', Buffer.from('<script>alert(1)</script>'));
  assert.equal(((await script.json()) as { code: string }).code, 'document_type');
  const tooBig = await upload('id', 'application/pdf', Buffer.concat([pdf, Buffer.alloc(5 * 1024 * 1024)]));
  assert.equal(tooBig.status, 413);

  const stored = await sql<{
    content_sealed: string;
  }>`select content_sealed from onboarding_documents where id = ${document.id}`.execute(platform.store.db);
  const sealed = stored.rows[0]!.content_sealed;
  assert.ok(!sealed.includes(pdf.toString('base64').slice(0, 12)) && !sealed.includes('%PDF'));
  const file = await caseOf(merchant.id);
  const opened = await onboarding.openDocument(file.case.id, document.id, junior);
  assert.ok(!(opened instanceof Problem));
  assert.deepEqual(opened.bytes, pdf);
  assert.equal(
    (await audit.list({ limit: 5, action: 'onboarding.document.read', targetId: document.id })).length,
    1,
  );
});

test('duplicates: the same ICE elsewhere warns; the RIB of a rejected merchant fails', async () => {
  const first = await pendingMerchant();
  await first.client.post('/v1/onboarding/applications', demoApplication(107));
  const rejected = await caseOf(first.merchant.id);
  await onboarding.decide(rejected.case.id, junior, 'reject', 'identity not established');
  assert.equal((await merchants.getMerchant(first.merchant.id))?.status, 'rejected');

  const sameIce = await pendingMerchant();
  const body = demoApplication(108, {
    company: { ...demoApplication(108).company!, ice: demoIdentifiers(107).ice },
  });
  await sameIce.client.post('/v1/onboarding/applications', body);
  const sameRib = await pendingMerchant();
  await sameRib.client.post(
    '/v1/onboarding/applications',
    demoApplication(109, { rib: demoIdentifiers(107).rib }),
  );
  await drainOutbox(platform);
  const duplicates = async (merchantId: string) =>
    (await caseOf(merchantId)).checks.find((c) => c.kind === 'duplicates');
  const iceCheck = await duplicates(sameIce.merchant.id);
  // The ICE is on a rejected merchant's application: that is a fail too.
  assert.equal(iceCheck?.result, 'fail');
  assert.match(iceCheck?.explanation ?? '', /ICE .*\(rejected\)/);
  const ribCheck = await duplicates(sameRib.merchant.id);
  assert.equal(ribCheck?.result, 'fail');
  assert.match(ribCheck?.explanation ?? '', /RIB/);
  // Between two merchants in good standing, a shared RIB is a warning.
  const twin = await pendingMerchant();
  await twin.client.post(
    '/v1/onboarding/applications',
    demoApplication(110, { rib: demoIdentifiers(108).rib }),
  );
  await drainOutbox(platform);
  assert.equal((await duplicates(twin.merchant.id))?.result, 'warn');
});

test('duplicates: an owner with the same identity document elsewhere is named; the same number of another kind is not', async () => {
  const owner = (kind: 'cin' | 'passport', number: string) => [
    {
      latin_name: 'Karim Alaoui',
      id_kind: kind,
      id_number: number,
      birth_date: '1979-06-02',
      nationality: 'MA',
      share: 100,
    },
  ];
  const first = await pendingMerchant();
  await first.client.post(
    '/v1/onboarding/applications',
    demoApplication(111, { owners: owner('cin', 'DU424242') }),
  );
  const samePerson = await pendingMerchant();
  await samePerson.client.post(
    '/v1/onboarding/applications',
    demoApplication(112, { owners: owner('cin', 'DU424242') }),
  );
  const otherDocument = await pendingMerchant();
  await otherDocument.client.post(
    '/v1/onboarding/applications',
    demoApplication(113, { owners: owner('passport', 'DU424242') }),
  );
  await drainOutbox(platform);
  const duplicates = async (merchantId: string) =>
    (await caseOf(merchantId)).checks.find((c) => c.kind === 'duplicates');
  const found = await duplicates(samePerson.merchant.id);
  assert.equal(found?.result, 'warn', found?.explanation);
  assert.match(found?.explanation ?? '', /the CIN of Karim Alaoui also on merchant/);
  assert.equal((await duplicates(otherDocument.merchant.id))?.result, 'pass');
  // Law 09-08: the number and the birth date are nowhere in clear (the explanation names the owner only),
  // and the reviewer's case file still shows them.
  assert.deepEqual(await columnsHoldingText(platform.store.db, 'DU424242'), []);
  assert.deepEqual(await columnsHoldingText(platform.store.db, '1979-06-02'), []);
  const file = await onboarding.currentFile(samePerson.merchant.id);
  assert.equal(file?.owners[0]?.id_number, 'DU424242');
  assert.equal(file?.owners[0]?.birth_date, '1979-06-02');
});

test('owners stored in clear before sealing began are read as they are, then sealed in place by one pass and found as duplicates', async () => {
  const owner = [
    {
      latin_name: 'Salma Idrissi',
      id_kind: 'passport',
      id_number: 'LG777001',
      birth_date: '1988-11-30',
      nationality: 'MA',
      share: 100,
    },
  ];
  const legacy = await pendingMerchant();
  await legacy.client.post('/v1/onboarding/applications', demoApplication(114, { owners: owner }));
  const db = platform.store.db;
  // As a version before migration 0020 left the row: number and birth date in clear, no fingerprint.
  await sql`update onboarding_owners set id_number = 'LG777001', birth_date = '1988-11-30', id_fingerprint = null
             where latin_name = 'Salma Idrissi'`.execute(db);
  assert.deepEqual(await columnsHoldingText(db, 'LG777001'), ['onboarding_owners.id_number']);
  assert.equal((await onboarding.currentFile(legacy.merchant.id))?.owners[0]?.id_number, 'LG777001');

  assert.ok((await onboarding.sealStoredPersonalData()) >= 1);
  assert.deepEqual(await columnsHoldingText(db, 'LG777001'), []);
  assert.deepEqual(await columnsHoldingText(db, '1988-11-30'), []);
  assert.equal((await onboarding.currentFile(legacy.merchant.id))?.owners[0]?.birth_date, '1988-11-30');
  // A second pass finds nothing left; the sealed legacy owner is found by a new application's duplicates check.
  assert.equal(await onboarding.sealStoredPersonalData(), 0);
  const later = await pendingMerchant();
  await later.client.post('/v1/onboarding/applications', demoApplication(115, { owners: owner }));
  await drainOutbox(platform);
  const check = (await caseOf(later.merchant.id)).checks.find((c) => c.kind === 'duplicates');
  assert.equal(check?.result, 'warn', check?.explanation);
  assert.match(
    check?.explanation ?? '',
    new RegExp(`the PASSPORT of Salma Idrissi also on merchant ${legacy.merchant.id}`),
  );
  // A finding written before, with the number in it, loses the number in the same pass.
  const written = `the PASSPORT of Salma Idrissi also on merchant ${legacy.merchant.id} (pending).`;
  await sql`update onboarding_checks set explanation = ${`PASSPORT LG777001 (Salma Idrissi) also on merchant ${legacy.merchant.id} (pending).`}
             where explanation = ${written}`.execute(db);
  assert.deepEqual(await columnsHoldingText(db, 'LG777001'), ['onboarding_checks.explanation']);
  assert.equal(await onboarding.sealStoredPersonalData(), 1);
  assert.deepEqual(await columnsHoldingText(db, 'LG777001'), []);
  const rewritten = (await caseOf(later.merchant.id)).checks.find((c) => c.kind === 'duplicates');
  assert.equal(rewritten?.explanation, written);
});

test('a re-screening hit opens a new case on the approved merchant', async () => {
  const subject = screening.watched[0];
  assert.ok(subject, 'an approved merchant is watched (earlier test)');
  await screening.raise(subject, 'Demo Shop Sanctioned');
  const cases = await onboarding.listCases({ open: true });
  const opened = cases.find(
    (c) => c.case.merchant_id === subject.merchantId && c.case.kind === 'screening_hit',
  );
  assert.ok(opened);
  assert.equal(opened.case.risk_level, 'high');
  const file = await onboarding.caseFile(opened.case.id);
  assert.equal(file?.hits[0]?.entry_name, 'Demo Shop Sanctioned');
});

test('only reviewers open cases in the console; the case page shows checks, hits and the four-eyes note', async () => {
  const reviewerSession = await consoleSession(
    baseUrl,
    'reviewer@dgssi.example',
    'demo-reviewer-2026!',
    totpNow(),
  );
  const list = await reviewerSession.get('/console/cases?lang=en');
  assert.equal(list.status, 200);
  const html = await list.text();
  assert.match(html, /Souk Digital SARL/);
  const caseId = /data-case="(cas_\w+)" data-state="\w+"><td><a [^>]+>Souk Digital SARL</.exec(html)?.[1];
  assert.ok(caseId);
  const page = await (await reviewerSession.get(`/console/cases/${caseId}?lang=fr`)).text();
  assert.match(page, /Contrôles automatiques/);
  // The page shows the owners' identity documents: the view is on the record, with its purpose.
  const reads = await audit.list({ limit: 10, action: 'data.read', targetId: caseId });
  assert.equal(reads.length, 1);
  assert.deepEqual(reads[0]?.details, { data: 'onboarding.owner_identity', purpose: 'merchant_vetting' });
  assert.equal(reads[0]?.actorType, 'user');
  const analyst = await consoleSession(baseUrl, 'analyst@dgssi.example', 'demo-analyst-2026!', totpNow());
  assert.equal((await analyst.get('/console/cases?lang=en')).status, 403);
  assert.equal((await analyst.get(`/console/cases/${caseId}`)).status, 403);
  // A decision posted without the CSRF token changes nothing.
  const forged = await reviewerSession.post(`/console/cases/${caseId}/decision`, { decision: 'reject' });
  assert.equal(forged.status, 403);
  assert.notEqual((await onboarding.caseFile(caseId))?.case.state, 'rejected');
});

test('every onboarding console form is refused without its CSRF token, and changes nothing', async () => {
  const posts = consoleRouteTable(platform.server).filter(
    (r) => r.method === 'POST' && /^\/console\/(application|cases|merchants)/.test(r.url),
  );
  // The console records every route the server registers under /console, these included.
  assert.equal(posts.length, 8, posts.map((r) => r.url).join(' '));
  const owner = await consoleSession(baseUrl, 'owner@souk-digital.example', 'demo-owner-2026!');
  const auditBefore = (await audit.list({ limit: 1 }))[0]?.seq;
  for (const route of posts) {
    const path = route.url.replace(/:(\w+)/g, 'none');
    const response = await owner.post(`${path}?lang=en`, {
      decision: 'approve',
      verdict: 'true_match',
      message: 'x',
    });
    // The upload route refuses a non-multipart body before reading it (406); the others, the missing token.
    assert.ok([403, 406].includes(response.status), `POST ${route.url} answered ${response.status}`);
  }
  assert.equal((await audit.list({ limit: 1 }))[0]?.seq, auditBefore);
});
