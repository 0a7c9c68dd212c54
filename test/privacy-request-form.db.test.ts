import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { Problem } from '../src/core/problem.js';
import { demoKeys, testPlatform } from './support/platform.js';
import { publicPrivacyForm } from './support/privacy-form.js';
import { linkIn, smtpReceiver } from './support/smtp.js';

// Law 09-08's rights, exercised by the person: /privacy/request sends the shop a request about their
// data, over real HTTP, as a browser posts the form; it reaches the shop once the person confirms
// from the link mailed to them, through a real SMTP server.
const mailServer = await smtpReceiver();
after(() => mailServer.close());
const { platform, baseUrl } = await testPlatform({ config: { smtpUrl: mailServer.url } });
const { privacy, merchants, audit } = platform.services;
const atlas = (await merchants.authenticate(demoKeys.atlas))!.merchant;
const atlasLive = { merchantId: atlas.id, livemode: true };

const people = publicPrivacyForm(baseUrl, 'fr');

/** The form page, its cookie and its token, as a browser gets them. */
async function openForm() {
  const page = await people.open();
  assert.equal(page.status, 200);
  assert.ok(page.cookie && page.csrf === page.cookie, 'the form carries the token of its cookie');
  return page;
}
const send = people.send;

/** Lets the outbox send what is due now, the mails among it. */
async function deliver() {
  while ((await platform.outbox.runOnce()) > 0);
}

const pendingCount = async () =>
  Number(
    (await sql<{ n: string }>`select count(*) as n from privacy_pending_requests`.execute(platform.store.db))
      .rows[0]!.n,
  );
const liveRequests = async () => (await privacy.listRequests(atlasLive)).length;

describe('a person sends a shop a request about their data', () => {
  test('the form lists the shops that may take payments, not applicants', async () => {
    const { html } = await openForm();
    assert.match(html, /<option value="[^"]+">Atlas Voyages<\/option>/);
    assert.doesNotMatch(html, /Souk Digital/, 'an applicant is not a shop yet');
  });

  test('sent: nothing reaches the shop until the person confirms from the mailed link', async () => {
    const before = await liveRequests();
    const sent = await send({
      shop: atlas.id,
      kind: 'rectification',
      email: 'ghita@example.ma',
      corrected_email: 'ghita.alami@example.ma',
      note: 'Mon nouveau nom',
    });
    assert.equal(sent.status, 303, sent.html);
    const mailed = await (await fetch(new URL(sent.location!, baseUrl))).text();
    assert.match(mailed, /Ouvrez-le dans les 24 heures pour envoyer votre demande à Atlas Voyages/);
    assert.doesNotMatch(mailed, /ghita/, 'nothing of the person is shown back');
    assert.equal(await liveRequests(), before, 'the shop has nothing yet');
    const { rows: pending } = await sql<{ subject_email: string; note: string }>`
      select subject_email, note from privacy_pending_requests`.execute(platform.store.db);
    assert.equal(pending.length, 1);
    assert.doesNotMatch(JSON.stringify(pending), /ghita|nouveau/i, 'sealed while it waits');

    await deliver();
    const mail = mailServer.received.find((received) => received.to.includes('ghita@example.ma'));
    assert.ok(mail, 'the mail went to the address given');
    assert.equal(mail.subject, 'Confirmez votre demande à Atlas Voyages');
    assert.match(mail.text, /« Corriger mon adresse e-mail »/);
    const link = linkIn(mail.text);
    assert.equal(link.origin, baseUrl);

    // Opening the link (as a mail program looking for danger would) sends nothing.
    const page = await people.open(link.pathname + link.search);
    assert.equal(page.status, 200);
    assert.match(page.html, /Votre adresse est confirmée\. Envoyez votre demande à Atlas Voyages/);
    assert.equal(await liveRequests(), before);

    const confirmed = await people.confirm(link);
    assert.equal(confirmed.status, 303, confirmed.html);
    const location = new URL(confirmed.location!, baseUrl);
    const id = location.searchParams.get('sent')!;
    const done = await (await fetch(location)).text();
    assert.match(done, new RegExp(`Votre demande ${id} est parvenue à Atlas Voyages`));
    assert.doesNotMatch(done, /ghita/, 'nothing of the person is shown back');

    assert.equal(await liveRequests(), before + 1);
    assert.equal(await pendingCount(), 0, 'it waits no more');
    const filed = (await privacy.getRequest(atlasLive, id))!;
    assert.deepEqual(
      [filed.kind, filed.channel, filed.email, filed.correctedEmail, filed.note, filed.status],
      ['rectification', 'online', 'ghita@example.ma', 'ghita.alami@example.ma', 'Mon nouveau nom', 'open'],
    );
    assert.equal(filed.dueAt.getTime() - filed.receivedAt.getTime(), 30 * 86_400_000);
    const { rows } = await sql<{ subject_email: string }>`
      select subject_email from privacy_requests where id = ${id}`.execute(platform.store.db);
    assert.doesNotMatch(rows[0]!.subject_email, /ghita/, 'sealed like every request');
    const [record] = await audit.list({ limit: 1, action: 'privacy.request.file', targetId: id });
    assert.deepEqual([record?.actorType, record?.actorId], ['system', 'privacy_request_form']);
    assert.ok(record?.ip);

    // Whoever answers the shop's requests is told, with nothing of the person in the mail.
    await deliver();
    const notices = mailServer.received.filter((received) =>
      received.subject.includes('données d’un client'),
    );
    assert.deepEqual(
      notices.map((notice) => notice.to),
      [['owner@atlas-voyages.example']],
      'the owner, the one role that answers requests',
    );
    assert.equal(notices[0]!.subject, 'Une demande sur les données d’un client : Atlas Voyages');
    assert.match(notices[0]!.text, /une demande sur ses données \(Rectification\)/);
    assert.equal(linkIn(notices[0]!.text).pathname, `/console/privacy/${id}`);
    assert.doesNotMatch(notices[0]!.text, /ghita/i);
  });

  test('a link works once, with its own token, within its hours', async () => {
    const before = await liveRequests();
    mailServer.received.length = 0;
    await send({ shop: atlas.id, kind: 'objection', email: 'nadia@example.ma' });
    await send({ shop: atlas.id, kind: 'access', email: 'omar@example.ma' });
    await deliver();
    const linkTo = (email: string) =>
      linkIn(mailServer.received.find((mail) => mail.to.includes(email))!.text);
    const nadias = linkTo('nadia@example.ma');
    const omars = linkTo('omar@example.ma');

    const forged = new URL(nadias);
    forged.searchParams.set('token', omars.searchParams.get('token')!);
    const made = [
      forged,
      new URL(`${baseUrl}/privacy/request/confirm?id=dsrp_none&token=x&lang=fr`),
      new URL(`${baseUrl}/privacy/request/confirm?id=${nadias.searchParams.get('id')}&lang=fr`),
    ];
    for (const wrong of made) {
      const refused = await people.confirm(wrong);
      assert.equal(refused.status, 404);
      assert.match(refused.html, /Ce lien ne fonctionne plus/);
    }
    // Pressing the button with another request's token, past its page, is refused the same way.
    const page = await people.open(nadias.pathname + nadias.search);
    const swapped = await fetch(`${baseUrl}/privacy/request/confirm?lang=fr`, {
      method: 'POST',
      headers: { cookie: `tijara_form=${page.cookie}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        csrf: page.csrf!,
        id: nadias.searchParams.get('id')!,
        token: omars.searchParams.get('token')!,
      }),
      redirect: 'manual',
    });
    assert.equal(swapped.status, 404);
    assert.equal(await liveRequests(), before, 'no wrong link sent anything');

    assert.equal((await people.confirm(nadias)).status, 303);
    const again = await people.confirm(nadias);
    assert.equal(again.status, 404, 'a link is spent by its use');
    assert.equal(await liveRequests(), before + 1);

    // Omar never confirms: past its hours his link is refused, and the workers delete his request.
    await sql`update privacy_pending_requests set expires_at = now() - interval '1 second'`.execute(
      platform.store.db,
    );
    assert.equal((await people.confirm(omars)).status, 404);
    assert.equal(await platform.services.requestConfirmation.deleteExpired(), 1);
    assert.equal(await pendingCount(), 0);
    assert.equal(await liveRequests(), before + 1);
  });

  test('a mail server that refuses for a while: the mail is sent again, and its new link works', async () => {
    await deliver(); // what earlier tests queued (the shop's notices) goes first
    mailServer.received.length = 0;
    mailServer.refuseNext(1);
    await send({ shop: atlas.id, kind: 'access', email: 'yassine@example.ma' });
    await deliver();
    assert.equal(mailServer.received.length, 0, 'refused once');
    const { rows } = await sql<{ attempts: number; last_error: string }>`
      select attempts, last_error from outbox_events
      where topic = 'privacy.confirmation_mail' and delivered_at is null`.execute(platform.store.db);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.attempts, 1);
    assert.match(rows[0]!.last_error, /Try again later/);
    // Its next attempt is due in a minute; the test does not wait for it.
    await sql`update outbox_events set available_at = now() where topic = 'privacy.confirmation_mail'
      and delivered_at is null`.execute(platform.store.db);
    await deliver();
    assert.equal(mailServer.received.length, 1);
    const before = await liveRequests();
    assert.equal((await people.confirm(linkIn(mailServer.received[0]!.text))).status, 303);
    assert.equal(await liveRequests(), before + 1);
  });

  test('refused: without the form’s token, a bad address, a shop not in the list; nothing is recorded', async () => {
    const before = await liveRequests();
    const forged = await fetch(`${baseUrl}/privacy/request?lang=fr`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ shop: atlas.id, kind: 'access', email: 'a@example.ma' }),
    });
    assert.equal(forged.status, 403);

    const badEmail = await send({ shop: atlas.id, kind: 'access', email: 'pas-une-adresse', note: 'gardée' });
    assert.equal(badEmail.status, 400);
    assert.match(badEmail.html, /role="alert"[^>]*>Donnez l’adresse e-mail avec laquelle vous avez payé\./);
    assert.match(badEmail.html, /id="email"[^>]*aria-invalid="true"/);
    assert.match(badEmail.html, />gardée<\/textarea>/, 'what was typed comes back');

    const souk = (await merchants.authenticate('sk_test_SoukDigitalDemo00000000000000004'))?.merchant;
    for (const shop of ['mer_unknown', souk?.id ?? 'mer_none']) {
      const refused = await send({ shop, kind: 'access', email: 'a@example.ma' });
      assert.equal(refused.status, 400);
      assert.match(refused.html, /Choisissez un commerçant de la liste\./);
    }
    assert.equal(await liveRequests(), before);
    assert.equal(await pendingCount(), 0, 'nothing waits either');
  });

  test('a week before a request falls due, whoever answers it is reminded by mail, once', async () => {
    await deliver();
    mailServer.received.length = 0;
    const file = async (email: string, daysAgo: number) => {
      const filed = await privacy.fileRequest(
        { merchant: atlas, livemode: true },
        { kind: 'access', email, receivedAt: new Date(Date.now() - daysAgo * 86_400_000) },
        { actor: { type: 'system', id: 'test' } },
      );
      assert.ok(!(filed instanceof Problem));
      return filed;
    };
    const dueSoon = await file('reda@example.ma', 25);
    await file('sanae@example.ma', 10); // due in twenty days: not yet
    const answered = await file('hamza@example.ma', 26);
    assert.ok(
      !(
        (await privacy.answerRequest({ merchant: atlas, livemode: true }, answered.id, {
          actor: { type: 'system', id: 'test' },
        })) instanceof Problem
      ),
    );

    const { requestNotices } = platform.services;
    assert.equal(await requestNotices.remindDueSoon(), 1);
    assert.equal(await requestNotices.remindDueSoon(), 0, 'once');
    await deliver();
    assert.deepEqual(
      mailServer.received.map((mail) => [mail.to, mail.subject.replace(/le .* :/, 'le … :')]),
      [
        [
          ['owner@atlas-voyages.example'],
          'Échéance le … : une demande sur les données d’un client chez Atlas Voyages',
        ],
      ],
    );
    assert.equal(linkIn(mailServer.received[0]!.text).pathname, `/console/privacy/${dueSoon.id}`);
    assert.doesNotMatch(mailServer.received[0]!.text, /reda/);
  });

  test('one connection may send a few requests an hour, not a flood', async () => {
    const before = await pendingCount();
    let answered = 0;
    let limited: { status: number; html: string } | undefined;
    for (let i = 0; i < 30 && !limited; i++) {
      const sent = await send({ shop: atlas.id, kind: 'access', email: `flood${i}@example.ma` });
      if (sent.status === 429) limited = sent;
      else answered++;
    }
    assert.ok(limited, 'the flood is stopped');
    assert.match(limited.html, /Trop de demandes depuis votre connexion/);
    // Twenty an hour from one connection, the refused ones above included.
    assert.ok(answered < 20, `${answered} more went through`);
    assert.equal(await pendingCount(), before + answered);
  });
});
