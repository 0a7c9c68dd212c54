import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { demoPassword } from '../src/auth/seed.js';
import { createPasswordResetMail } from '../src/console/forgotten-password.js';
import { systemClock } from '../src/core/clock.js';
import { ConsoleClient } from './console-client.js';
import { testPlatform } from './support/platform.js';
import { linkIn, smtpReceiver } from './support/smtp.js';

// "Forgot your password?" in the console: a reset link mailed, through a real SMTP server, to the
// account's own address; the page answers the same for any address.
const mailServer = await smtpReceiver();
after(() => mailServer.close());
const { platform, baseUrl } = await testPlatform({ config: { smtpUrl: mailServer.url } });
const { auth, audit } = platform.services;

async function deliver() {
  while ((await platform.outbox.runOnce()) > 0);
}

/** Asks for a link from the sign-in page's link, as a person does. */
async function ask(email: string, person = new ConsoleClient(baseUrl)) {
  const signIn = await person.get('/console/sign-in?lang=fr');
  assert.match(signIn.text, /href="\/console\/password\/forgot\?lang=fr">Mot de passe oublié \?</);
  const page = await person.get('/console/password/forgot?lang=fr');
  assert.equal(page.status, 200);
  return person.submit('/console/password/forgot?lang=fr', { email });
}

const requests = async (userId: string) =>
  audit.list({ limit: 10, action: 'user.password_reset.request', targetId: userId });

test('a person who forgot their password gets a link by mail, chooses a new one and signs in with it', async () => {
  const email = 'accountant@atlas-voyages.example';
  const user = (await auth.findUserByEmail(email))!;
  const person = new ConsoleClient(baseUrl);
  const asked = await ask(email.toUpperCase(), person);
  assert.equal(asked.status, 303);
  const answer = await person.get(asked.location!);
  assert.match(
    answer.text,
    /Si un compte se connecte avec cette adresse, un lien .* Il sert une fois, pendant 24 heures/,
  );

  await deliver();
  const mail = mailServer.received.find((received) => received.to.includes(email));
  assert.ok(mail, 'mailed to the account’s own address');
  assert.equal(mail.subject, 'Votre mot de passe de la console Tijara');
  const link = linkIn(mail.text);
  assert.match(link.pathname, /^\/console\/password-reset\/[A-Za-z0-9_-]{43}$/);
  const [record] = await requests(user.id);
  assert.deepEqual([record?.actorType, record?.actorId], ['system', 'password_reset_form']);
  assert.ok(record?.ip);

  const chooser = new ConsoleClient(baseUrl);
  assert.equal((await chooser.get(link.pathname + link.search)).status, 200);
  const path = `${link.pathname}?lang=fr`;
  assert.equal(
    (await chooser.submit(path, { password: 'oublie-puis-retrouve', repeat: 'oublie-puis-retrouve' })).status,
    303,
  );
  assert.equal((await new ConsoleClient(baseUrl).signIn(email, demoPassword('accountant'))).status, 401);
  assert.equal((await new ConsoleClient(baseUrl).signIn(email, 'oublie-puis-retrouve')).status, 303);
  assert.equal((await chooser.get(link.pathname)).status, 404, 'the link works once');
});

test('an address with no account, or a disabled one: the same answer, and no mail', async () => {
  mailServer.received.length = 0;
  const disabled = (await auth.findUserByEmail('developer@atlas-voyages.example'))!;
  await auth.disableUser(disabled.id);
  for (const email of ['personne@example.ma', disabled.email]) {
    const person = new ConsoleClient(baseUrl);
    const asked = await ask(email, person);
    assert.equal(asked.status, 303);
    assert.match((await person.get(asked.location!)).text, /Si un compte se connecte avec cette adresse/);
  }
  await deliver();
  assert.deepEqual(mailServer.received, []);
  assert.deepEqual(await requests(disabled.id), []);
});

test('one account gets three mails an hour at most; one connection ten requests; a forged form none', async () => {
  mailServer.received.length = 0;
  const email = 'owner@atlas-voyages.example';
  for (let i = 0; i < 5; i++) assert.equal((await ask(email)).status, 303);
  await deliver();
  assert.equal(mailServer.received.filter((mail) => mail.to.includes(email)).length, 3);
  // Counted from the audit trail, so another API node on the database keeps the same count.
  const otherNode = createPasswordResetMail({
    ...platform.services,
    store: platform.store,
    clock: systemClock,
  });
  await otherNode.request(email, 'fr', { ip: '192.0.2.7', requestId: 'req-other-node' });
  const owner = (await auth.findUserByEmail(email))!;
  assert.equal((await requests(owner.id)).length, 3);

  const forged = await fetch(`${baseUrl}/console/password/forgot?lang=fr`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email }),
  });
  assert.equal(forged.status, 403);

  let limited: { status: number; text: string } | undefined;
  for (let i = 0; i < 12 && !limited; i++) {
    const answer = await ask(`flood${i}@example.ma`);
    if (answer.status === 429) limited = answer;
  }
  assert.ok(limited, 'the flood is stopped');
  assert.match(limited.text, /Trop de demandes depuis votre connexion/);
});
