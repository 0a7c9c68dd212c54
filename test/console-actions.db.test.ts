import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, describe, test } from 'node:test';
import * as OTPAuth from 'otpauth';
import { isAuthError } from '../src/auth/errors.js';
import { demoPassword } from '../src/auth/seed.js';
import { ConsoleClient, demoCode } from './console-client.js';
import { card, demoKeys, testPlatform } from './support/platform.js';
import { linkIn } from './support/smtp.js';

const { platform, baseUrl, api } = await testPlatform();
const { audit, auth } = platform.services;
const atlas = api(demoKeys.atlas);

async function paidPayment(orderReference: string, amount = 100_000) {
  const created = await atlas.post<{ id: string }>('/v1/payments', {
    amount,
    currency: 'MAD',
    order_reference: orderReference,
    customer_email: 'amina@example.ma',
  });
  await atlas.post(`/v1/payments/${created.body.id}/confirm`, { card: card('4111111111111111') });
  return created.body.id;
}

async function recordsOf(action: string) {
  return audit.list({ limit: 1000, action });
}

const signIn = (email: string, password: string, code?: string) =>
  new ConsoleClient(baseUrl).signedIn(email, password, code);

/**
 * The latest mail to `email` once the outbox has sent what waits (no mail server is set, so mails stay
 * in the demo mailbox), and the path of the link it carries.
 */
async function mailTo(email: string) {
  while ((await platform.outbox.runOnce()) > 0);
  const mail = platform.services.mailbox!.mails().find((kept) => kept.to === email);
  assert.ok(mail, `a mail to ${email}`);
  const link = linkIn(mail.text);
  assert.equal(link.origin, baseUrl);
  return { ...mail, path: link.pathname + link.search };
}

describe('merchant console actions', () => {
  test('a payment shows its timeline; the owner refunds part of it, audited, and cannot refund more than is left', async () => {
    const paymentId = await paidPayment('ACT-1');
    const owner = await signIn('owner@atlas-voyages.example', demoPassword('owner'));
    const page = await owner.get(`/console/payments/${paymentId}?lang=en`);
    assert.equal(page.status, 200);
    assert.match(page.text, /data-event="payment.succeeded"/);
    assert.match(page.text, /data-movement="capture"/);
    // The customer's email is masked until a purpose is given, and that read is recorded.
    assert.match(page.text, /id="customer-email">a•••@example.ma</);
    assert.doesNotMatch(page.text, /amina@example.ma/);
    const revealed = await owner.get(`/console/payments/${paymentId}?lang=en&purpose=dispute`);
    assert.match(revealed.text, /id="customer-email">amina@example.ma</);
    const [read] = await recordsOf('data.read');
    assert.equal(read?.targetId, paymentId);
    assert.deepEqual(read?.details, { data: 'payment.customer_email', purpose: 'dispute' });

    const refunded = await owner.submit(`/console/payments/${paymentId}/refund?lang=en`, {
      amount: '250.00',
      reason: 'seat changed',
    });
    assert.equal(refunded.status, 303);
    const after = await owner.get(refunded.location!);
    assert.match(after.text, /id="refund-done"/);
    assert.match(after.text, /data-movement="refund"/);
    assert.match(after.text, /data-event="refund.succeeded"/);
    const [record] = await recordsOf('payment.refund');
    assert.equal(record?.actorType, 'user');
    assert.deepEqual(record?.details, { payment: paymentId, amount: '25000', currency: 'MAD' });

    const tooMuch = await owner.submit(`/console/payments/${paymentId}/refund?lang=en`, { amount: '900.00' });
    assert.match(
      (await owner.get(tooMuch.location!)).text,
      /id="refund-error"[^>]*>Refund refused: amount_too_large/,
    );
    const api = await atlas.get<{ amount_refunded: number }>(`/v1/payments/${paymentId}`);
    assert.equal(api.body.amount_refunded, 25_000);
    assert.equal((await recordsOf('payment.refund')).length, 1);
  });

  test('the owner captures part of one hold and releases another, audited; the accountant may do neither', async () => {
    const hold = async (orderReference: string) => {
      const created = await atlas.post<{ id: string }>('/v1/payments', {
        amount: 50_000,
        currency: 'MAD',
        order_reference: orderReference,
        capture_method: 'manual',
      });
      await atlas.post(`/v1/payments/${created.body.id}/confirm`, { card: card('4111111111111111') });
      return created.body.id;
    };
    const deposit = await hold('ACT-HOLD-1');
    const booking = await hold('ACT-HOLD-2');
    const status = async (id: string) =>
      (await atlas.get<{ status: string; amount_captured: number }>(`/v1/payments/${id}`)).body;

    const accountant = await signIn('accountant@atlas-voyages.example', demoPassword('accountant'));
    assert.doesNotMatch((await accountant.get(`/console/payments/${deposit}?lang=en`)).text, /\/capture\?/);
    assert.equal((await accountant.submit(`/console/payments/${deposit}/capture`, {})).status, 403);
    await accountant.get(`/console/payments/${deposit}?lang=en`);
    assert.equal((await accountant.submit(`/console/payments/${deposit}/release`, {})).status, 403);

    const owner = await signIn('owner@atlas-voyages.example', demoPassword('owner'));
    const page = await owner.get(`/console/payments/${deposit}?lang=en`);
    assert.match(page.text, /Held on the card: [^<]*500\.00/);
    const tooMuch = await owner.submit(`/console/payments/${deposit}/capture?lang=en`, { amount: '600.00' });
    assert.match((await owner.get(tooMuch.location!)).text, /id="hold-error"[^>]*>Refused: amount_too_large/);
    const captured = await owner.submit(`/console/payments/${deposit}/capture?lang=en`, { amount: '350.00' });
    assert.equal(captured.status, 303);
    assert.match((await owner.get(captured.location!)).text, /id="hold-done"[^>]*>Captured\./);
    assert.deepEqual(await status(deposit), {
      ...(await status(deposit)),
      status: 'succeeded',
      amount_captured: 35_000,
    });
    assert.equal((await recordsOf('payment.capture'))[0]?.targetId, deposit);

    await owner.get(`/console/payments/${booking}?lang=en`);
    const released = await owner.submit(`/console/payments/${booking}/release?lang=en`);
    assert.match((await owner.get(released.location!)).text, /id="hold-done"/);
    assert.equal((await status(booking)).status, 'canceled');
    assert.equal((await recordsOf('payment.cancel'))[0]?.targetId, booking);
    // Once captured or released, the page offers neither again.
    assert.doesNotMatch((await owner.get(`/console/payments/${booking}?lang=en`)).text, /\/release\?/);
  });

  test('an accountant reads payments and settlements but may not refund or manage keys', async () => {
    const paymentId = await paidPayment('ACT-2');
    const accountant = await signIn('accountant@atlas-voyages.example', demoPassword('accountant'));
    assert.equal((await accountant.get(`/console/payments/${paymentId}?lang=en`)).status, 200);
    assert.doesNotMatch(accountant.last!.text, /\/refund\?/);
    assert.equal((await accountant.submit(`/console/payments/${paymentId}/refund`, {})).status, 403);
    assert.equal((await accountant.get('/console/keys')).status, 403);
    assert.equal((await accountant.get('/console/webhooks')).status, 403);
    const report = await accountant.get('/console/settlements?lang=en');
    assert.equal(report.status, 200);
    assert.match(report.text, /id="settlement-reconciled">yes</);
    assert.match(report.text, new RegExp(paymentId));
    const csv = await accountant.get('/console/settlements?format=csv');
    assert.match(csv.contentType, /text\/csv/);
    assert.match(csv.text, new RegExp(`capture,${paymentId},,1000.00,16.00,984.00,MAD`));
  });

  test('a developer creates a test key (shown once, works on the API), then revokes it; both audited', async () => {
    const developer = await signIn('developer@atlas-voyages.example', demoPassword('developer'));
    await developer.get('/console/keys?lang=en');
    assert.match(developer.last!.text, /Live keys need an approved merchant/);
    const created = await developer.submit('/console/keys?lang=en', { label: 'shop server' });
    assert.equal(created.status, 201);
    const secret = /id="key-secret">(sk_test_[A-Za-z0-9]+)</.exec(created.text)?.[1];
    assert.ok(secret);
    assert.equal((await api(secret).get('/v1/payments')).status, 200);
    const listed = await developer.get('/console/keys?lang=en');
    assert.ok(!listed.text.includes(secret), 'the secret is shown only once');
    assert.ok(listed.text.includes(`${secret.slice(0, 8)}…${secret.slice(-4)}`));
    const keyId = (await recordsOf('api_key.create'))[0]?.targetId;
    assert.ok(keyId);
    const revoked = await developer.submit(`/console/keys/${keyId}/revoke?lang=en`);
    assert.equal(revoked.status, 303);
    assert.equal((await api(secret).get('/v1/payments')).status, 401);
    const [record] = await recordsOf('api_key.revoke');
    assert.equal(record?.targetId, keyId);
    assert.equal(record?.actorId, (await auth.findUserByEmail('developer@atlas-voyages.example'))?.id);
  });

  test('the key form posted twice (a refresh, a double click) makes one key, and says so', async () => {
    const developer = await signIn('developer@atlas-voyages.example', demoPassword('developer'));
    const page = await developer.get('/console/keys?lang=en');
    const once = /name="once" value="([^"]+)"/.exec(page.text)?.[1];
    assert.ok(once, 'the form carries a one-time token');
    const before = (await recordsOf('api_key.create')).length;
    const first = await developer.submit('/console/keys?lang=en', { label: 'twice', once });
    assert.equal(first.status, 201);
    const again = await developer.post('/console/keys?lang=en', {
      csrf: developer.csrf(),
      label: 'twice',
      once,
    });
    assert.equal(again.status, 409);
    assert.match(again.text, /This form was already sent/);
    assert.doesNotMatch(again.text, /id="key-secret"/);
    assert.equal((await recordsOf('api_key.create')).length, before + 1);
    // A fresh page is a fresh token: another key may be made on purpose.
    const fresh = /name="once" value="([^"]+)"/.exec(again.text)?.[1];
    assert.ok(fresh && fresh !== once);
    assert.equal((await developer.submit('/console/keys?lang=en', { once: fresh })).status, 201);
  });

  test('a developer adds a webhook endpoint, sees its deliveries, replays one and disables it; audited', async () => {
    const received: string[] = [];
    const receiver = createServer((request, response) => {
      received.push(String(request.headers['tijara-event-id']));
      response.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    after(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
    const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;

    // Events of earlier payments go out before this endpoint exists.
    while ((await platform.outbox.runOnce()) > 0);
    const developer = await signIn('developer@atlas-voyages.example', demoPassword('developer'));
    await developer.get('/console/webhooks?lang=en');
    const bad = await developer.submit('/console/webhooks?lang=en', { url: 'not a url' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /id="endpoint-error"/);
    const created = await developer.submit('/console/webhooks?lang=en', {
      url,
      events: ['payment.succeeded'],
    });
    assert.equal(created.status, 200);
    assert.match(created.text, /id="endpoint-secret">whsec_/);
    const endpointId = (await recordsOf('webhook_endpoint.create'))[0]?.targetId;
    assert.ok(endpointId);

    await paidPayment('ACT-3');
    for (let i = 0; i < 50 && received.length === 0; i++) {
      await platform.outbox.runOnce();
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(received.length, 1);
    const deliveries = await developer.get(`/console/webhooks/${endpointId}?lang=en`);
    const deliveryId = /data-delivery="([^"]+)"/.exec(deliveries.text)?.[1];
    assert.ok(deliveryId);
    assert.match(deliveries.text, /delivered \(HTTP 200\)/);
    const replayed = await developer.submit(
      `/console/webhooks/${endpointId}/deliveries/${deliveryId}/replay?lang=en`,
    );
    assert.equal(replayed.status, 303);
    assert.match((await developer.get(replayed.location!)).text, /Queued 1 delivery/);
    for (let i = 0; i < 50 && received.length < 2; i++) {
      await platform.outbox.runOnce();
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(received.length, 2);
    assert.equal(received[0], received[1], 'the same event, sent again');
    assert.equal((await recordsOf('webhook.replay'))[0]?.targetId, received[0]);

    // A new signing secret, shown once; the old one signs too for a day.
    await developer.get('/console/webhooks?lang=en');
    const rolled = await developer.submit(`/console/webhooks/${endpointId}/roll-secret?lang=en`);
    assert.equal(rolled.status, 200);
    const newSecret = /id="endpoint-secret">(whsec_[^<]+)</.exec(rolled.text)?.[1];
    assert.ok(newSecret);
    assert.match(rolled.text, /The old secret signs deliveries too until/);
    assert.equal((await recordsOf('webhook_endpoint.roll_secret'))[0]?.targetId, endpointId);
    // Another merchant's endpoint is a 404: console-tenancy.db.test.ts tries every console route.

    await developer.get('/console/webhooks?lang=en');
    assert.equal((await developer.submit(`/console/webhooks/${endpointId}/disable?lang=en`)).status, 303);
    assert.doesNotMatch((await developer.get('/console/webhooks?lang=en')).text, new RegExp(endpointId));
    assert.equal((await recordsOf('webhook_endpoint.disable'))[0]?.targetId, endpointId);
  });
});

describe('operator and authority console actions', () => {
  test('an admin invites a merchant developer, who gets a one-time link by mail; the link sets a password once', async () => {
    const admin = await signIn('admin@tijara.example', demoPassword('admin'));
    const atlasOrg = (await auth.listOrganisations('merchant'))[0]!;
    await admin.get(`/console/organisations/${atlasOrg.id}?lang=en`);
    const invited = await admin.submit(`/console/organisations/${atlasOrg.id}/invitations?lang=en`, {
      name: 'Youssef Amrani',
      email: 'youssef@atlas-voyages.example',
      role: 'developer',
    });
    assert.equal(invited.status, 201);
    assert.match(
      invited.text,
      /id="link-mailed">An invitation went by mail to youssef@atlas-voyages.example: its link works for 7 days/,
    );
    // The administrator never holds the link: only its owner's mailbox does.
    assert.doesNotMatch(invited.text, /\/console\/invitation\//);
    assert.equal((await recordsOf('user.invite'))[0]?.details.email, 'youssef@atlas-voyages.example');

    const mail = await mailTo('youssef@atlas-voyages.example');
    assert.equal(mail.subject, 'Your account on the Tijara console');
    assert.match(mail.text, /^Hello Youssef Amrani,/);
    assert.match(mail.text, /for Atlas Voyages: you will sign in as youssef@atlas-voyages.example/);
    assert.match(mail.text, /within 7 days/);
    assert.match(mail.path, /^\/console\/invitation\/[A-Za-z0-9_-]{43}\?lang=en$/);
    const person = new ConsoleClient(baseUrl);
    const path = mail.path.replace(/\?.*/, '');
    assert.match((await person.get(`${path}?lang=en`)).text, /Hello Youssef Amrani/);
    const differ = await person.submit(`${path}?lang=en`, {
      password: 'choisi-par-youssef',
      repeat: 'other-one-here',
    });
    assert.equal(differ.status, 400);
    const set = await person.submit(`${path}?lang=en`, {
      password: 'choisi-par-youssef',
      repeat: 'choisi-par-youssef',
    });
    assert.equal(set.status, 303);
    assert.match(set.location!, /sign-in.*notice=password_set/);
    assert.equal((await person.get(`${path}?lang=en`)).status, 404, 'a link serves once');
    await person.signedIn('youssef@atlas-voyages.example', 'choisi-par-youssef');
    assert.equal((await recordsOf('user.invitation.accept')).length, 1);
  });

  test('a bank person invited sets a password, then enrols an authenticator before signing in', async () => {
    const admin = await signIn('admin@tijara.example', demoPassword('admin'));
    const bank = (await auth.listOrganisations('bank'))[0]!;
    await admin.get(`/console/organisations/${bank.id}?lang=en`);
    const invited = await admin.submit(`/console/organisations/${bank.id}/invitations?lang=en`, {
      name: 'Imane Kettani',
      email: 'imane@banque-atlas.example',
      role: 'operator',
    });
    assert.equal(invited.status, 201);
    const path = (await mailTo('imane@banque-atlas.example')).path.replace(/\?.*/, '');
    const person = new ConsoleClient(baseUrl);
    await person.get(`${path}?lang=en`);
    const set = await person.submit(`${path}?lang=en`, {
      password: 'imane-choisit-2026',
      repeat: 'imane-choisit-2026',
    });
    assert.equal(set.status, 303);
    assert.match(set.location!, /^\/console\/enrol\//);
    const enrol = await person.get(set.location!);
    const secret = /id="totp-secret">([A-Z2-7]+)</.exec(enrol.text)?.[1];
    assert.ok(secret);
    assert.match(enrol.text, /id="totp-uri">otpauth:\/\/totp\/Tijara:imane%40banque-atlas.example\?/);
    assert.match(enrol.text, /<img src="data:image\/png;base64,/);
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
    const wrong = await person.submit(set.location!, {
      code: '000000' === totp.generate() ? '111111' : '000000',
    });
    assert.equal(wrong.status, 400);
    const confirmed = await person.submit(set.location!, { code: totp.generate() });
    assert.equal(confirmed.status, 303);
    assert.match(confirmed.location!, /notice=enrolled/);
    // Without a code, refused; with the next one, in.
    assert.match(
      (await person.signIn('imane@banque-atlas.example', 'imane-choisit-2026')).text,
      /6-digit code/,
    );
    await person.signedIn(
      'imane@banque-atlas.example',
      'imane-choisit-2026',
      totp.generate({ timestamp: Date.now() + 30_000 }),
    );
    assert.match(person.last!.text, /Imane Kettani \(operator\)/);
    assert.equal((await recordsOf('user.totp.enrol')).length, 1);
  });

  test('a link mail that leaves after its person chose a password, or was disabled, carries no link', async () => {
    const bank = (await auth.listOrganisations('bank'))[0]!;
    const person = await auth.createUser({
      organisationId: bank.id,
      email: 'tardif@banque-atlas.example',
      name: 'Tardif',
      role: 'operator',
      password: 'deja-choisi-2026',
    });
    assert.ok(!isAuthError(person));
    const { linkMail, mailbox } = platform.services;
    const mailsTo = () => mailbox!.mails().filter((mail) => mail.to === person.email).length;
    const send = async (purpose: 'invitation' | 'password_reset') => {
      await platform.store.transaction((trx) =>
        linkMail.queue(trx, { userId: person.id, purpose, locale: 'fr' }),
      );
      while ((await platform.outbox.runOnce()) > 0);
    };
    await send('invitation');
    assert.equal(mailsTo(), 0, 'an invitation already accepted');
    await send('password_reset');
    assert.equal(mailsTo(), 1);
    await auth.disableUser(person.id);
    await send('password_reset');
    assert.equal(mailsTo(), 1, 'a disabled person');
  });

  test('a bank person with a password but no authenticator is sent to enrol one at sign-in', async () => {
    const bank = (await auth.listOrganisations('bank'))[0]!;
    const created = await auth.createUser({
      organisationId: bank.id,
      email: 'sans.totp@banque-atlas.example',
      name: 'Sans Totp',
      role: 'operator',
      password: 'mot-de-passe-2026',
    });
    assert.ok(!isAuthError(created));
    const person = new ConsoleClient(baseUrl);
    const answer = await person.signIn('sans.totp@banque-atlas.example', 'mot-de-passe-2026');
    assert.equal(answer.status, 303);
    assert.match(answer.location!, /^\/console\/enrol\/[A-Za-z0-9_-]{43}\?lang=en$/);
    assert.match((await person.get(answer.location!)).text, /id="totp-secret">[A-Z2-7]+</);
  });

  test('an admin disables a person (their session ends at once) and has a password reset link mailed to them', async () => {
    const admin = await signIn('admin@tijara.example', demoPassword('admin'));
    const accountant = await signIn('accountant@atlas-voyages.example', demoPassword('accountant'));
    const user = (await auth.findUserByEmail('accountant@atlas-voyages.example'))!;
    await admin.get(`/console/organisations/${user.organisationId}?lang=en`);
    const reset = await admin.submit(`/console/users/${user.id}/password-reset?lang=en`);
    assert.equal(reset.status, 202);
    assert.match(
      reset.text,
      /id="link-mailed">A link to choose a new password went by mail to accountant@atlas-voyages.example/,
    );
    assert.doesNotMatch(reset.text, /\/console\/password-reset\//);
    const mail = await mailTo(user.email);
    assert.equal(mail.subject, 'Your Tijara console password');
    assert.match(mail.text, /by you on the sign-in page or by an administrator of Tijara/);
    const path = mail.path;
    assert.match(path, /^\/console\/password-reset\/[A-Za-z0-9_-]{43}\?lang=en$/);
    const person = new ConsoleClient(baseUrl);
    await person.get(path);
    assert.equal(
      (await person.submit(path, { password: 'nouveau-mot-2026', repeat: 'nouveau-mot-2026' })).status,
      303,
    );
    assert.equal((await person.signIn(user.email, demoPassword('accountant'))).status, 401);
    // A new password ends the sessions open with the old one.
    assert.equal((await accountant.get('/console/payments')).status, 303);
    const again = await signIn(user.email, 'nouveau-mot-2026');

    await admin.get(`/console/organisations/${user.organisationId}?lang=en`);
    assert.equal((await admin.submit(`/console/users/${user.id}/disable?lang=en`)).status, 303);
    assert.equal((await again.get('/console/payments')).status, 303, 'signed out at once');
    assert.equal((await new ConsoleClient(baseUrl).signIn(user.email, 'nouveau-mot-2026')).status, 401);
    assert.equal((await recordsOf('user.disable'))[0]?.targetId, user.id);
    assert.equal((await recordsOf('user.password_reset.issue'))[0]?.targetId, user.id);
    const self = (await auth.findUserByEmail('admin@tijara.example'))!;
    await admin.get(`/console/organisations/${self.organisationId}?lang=en`);
    assert.equal((await admin.submit(`/console/users/${self.id}/disable`)).status, 409);
  });

  test('the analyst exports the audit trail as CSV and JSON; the export is itself recorded', async () => {
    const analyst = await signIn('analyst@dgssi.example', demoPassword('analyst'), demoCode());
    const csv = await analyst.get('/console/audit/export?format=csv');
    assert.equal(csv.status, 200);
    assert.match(csv.contentType, /text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    assert.equal(
      lines[0],
      'seq,id,at,actor_type,actor_id,organisation_id,action,target_type,target_id,details,ip,request_id,prev_hash,hash',
    );
    assert.match(lines.at(-1)!, /,audit\.export,/);
    const json = await analyst.get('/console/audit/export?format=json');
    const records = JSON.parse(json.text) as { seq: string; action: string; details: unknown }[];
    assert.equal(records.at(-1)?.action, 'audit.export');
    assert.equal(records.length, lines.length);
    assert.deepEqual(await audit.verify(), { ok: true, records: records.length });
    const page = await analyst.get('/console/audit?lang=en&action=audit.export');
    assert.match(page.text, /data-action="audit.export"/);
    assert.doesNotMatch(page.text, /data-action="session.sign_in"/, 'filtered by action');
    // A day not in the calendar is refused before anything is recorded or read (it once broke the
    // download off halfway, after recording the export).
    const exportsBefore = (await recordsOf('audit.export')).length;
    for (const range of ['from=2026-13-45', 'until=0000-01-01', 'from=2026-02-30&format=json']) {
      const refused = await analyst.get(`/console/audit/export?${range}&lang=en`);
      assert.equal(refused.status, 400, range);
      assert.match(refused.text, /That day is not in the calendar/);
    }
    assert.equal((await recordsOf('audit.export')).length, exportsBefore);
  });

  test('an admin hands supervision to another authority: the previous one loses access at once; audited', async () => {
    const second = await auth.createOrganisation({ kind: 'authority', name: 'Autorité de relève' });
    assert.ok(!isAuthError(second));
    const dgssi = (await auth.supervisingOrganisation())!;
    const dpo = await signIn('dpo@dgssi.example', demoPassword('dpo'), demoCode());
    assert.equal((await dpo.get('/console/audit?lang=en')).status, 200);

    const admin = await signIn('admin@tijara.example', demoPassword('admin'));
    await admin.get('/console/supervision?lang=en');
    const handed = await admin.submit('/console/supervision?lang=en', { organisation: second.id });
    assert.equal(handed.status, 200);
    assert.match(handed.text, /id="supervising">Autorité de relève</);
    assert.equal((await dpo.get('/console/audit?lang=en')).status, 403, 'no longer supervising');
    assert.equal((await dpo.get('/console/organisations?lang=en')).status, 403);
    const [record] = await recordsOf('supervision.handover');
    assert.equal(record?.details.from, dgssi.id);
    assert.equal(record?.details.to, second.id);

    await admin.get('/console/supervision?lang=en');
    await admin.submit('/console/supervision?lang=en', { organisation: dgssi.id });
    assert.equal((await dpo.get('/console/audit?lang=en')).status, 200);
    assert.equal((await admin.submit('/console/supervision', { organisation: 'org_none' })).status, 404);
  });

  test("a bank operator's card look-up records the read of the card's details with its purpose", async () => {
    const operator = await signIn('operator@banque-atlas.example', demoPassword('operator'), demoCode());
    const page = await operator.get('/console/cards?lang=en&last4=1111&purpose=fraud_check');
    assert.match(page.text, /data-card=/);
    const [read] = (await recordsOf('data.read')).filter((r) => r.details.data === 'card.details');
    assert.equal(read?.details.purpose, 'fraud_check');
    assert.equal(read?.details.last4, '1111');
  });
});
