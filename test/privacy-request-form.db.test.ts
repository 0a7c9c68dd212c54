import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { demoKeys, testPlatform } from './support/platform.js';

// Law 09-08's rights, exercised by the person: /privacy/request sends the shop a request about their
// data, over real HTTP, as a browser posts the form.
const { platform, baseUrl } = await testPlatform();
const { privacy, merchants, audit } = platform.services;
const atlas = (await merchants.authenticate(demoKeys.atlas))!.merchant;
const atlasLive = { merchantId: atlas.id, livemode: true };

/** The form page, its cookie and its token, as a browser gets them. */
async function openForm(lang = 'fr') {
  const page = await fetch(`${baseUrl}/privacy/request?lang=${lang}`);
  assert.equal(page.status, 200);
  const html = await page.text();
  const cookie = /tijara_form=([^;]+); Path=\/privacy/.exec(page.headers.get('set-cookie') ?? '')?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  assert.ok(cookie && csrf === cookie, 'the form carries the token of its cookie');
  return { html, cookie, csrf };
}

async function send(form: Record<string, string>, token?: { cookie: string; csrf: string }) {
  const { cookie, csrf } = token ?? (await openForm());
  const response = await fetch(`${baseUrl}/privacy/request?lang=fr`, {
    method: 'POST',
    headers: { cookie: `tijara_form=${cookie}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, ...form }),
    redirect: 'manual',
  });
  return { status: response.status, location: response.headers.get('location'), html: await response.text() };
}

const liveRequests = async () => (await privacy.listRequests(atlasLive)).length;

describe('a person sends a shop a request about their data', () => {
  test('the form lists the shops that may take payments, not applicants', async () => {
    const { html } = await openForm();
    assert.match(html, /<option value="[^"]+">Atlas Voyages<\/option>/);
    assert.doesNotMatch(html, /Souk Digital/, 'an applicant is not a shop yet');
  });

  test('sent: it is in the shop’s live requests, marked as sent online, due on the same terms, audited', async () => {
    const before = await liveRequests();
    const sent = await send({
      shop: atlas.id,
      kind: 'rectification',
      email: 'ghita@example.ma',
      corrected_email: 'ghita.alami@example.ma',
      note: 'Mon nouveau nom',
    });
    assert.equal(sent.status, 303, sent.html);
    const location = new URL(sent.location!, baseUrl);
    const id = location.searchParams.get('sent')!;
    const page = await (await fetch(location)).text();
    assert.match(page, new RegExp(`Votre demande ${id} est parvenue à Atlas Voyages`));
    assert.doesNotMatch(page, /ghita/, 'nothing of the person is shown back');

    assert.equal(await liveRequests(), before + 1);
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
  });

  test('one connection may send a few requests an hour, not a flood', async () => {
    const before = await liveRequests();
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
    assert.equal(await liveRequests(), before + answered);
  });
});
