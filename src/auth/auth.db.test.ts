import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { verify } from '@node-rs/argon2';
import { sql } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import { testStore } from '../../test/support/store.js';
import { manualClock } from '../core/clock.js';
import { hasPrefix } from '../core/ids.js';
import { lockDuration } from './credentials.js';
import { AuthError, isAuthError } from './errors.js';
import type { Organisation, OrganisationKind, User } from './model.js';
import { DEMO_TOTP_SECRET, demoPassword, seedDemoAccounts } from './seed.js';
import { createAuthService, type NewSession, type SignInResult } from './service.js';

const store = await testStore();
const clock = manualClock(new Date('2026-11-24T09:00:00Z'));
// A reversible stand-in for the vault's sealSecret/openSecret (the vault has its own tests).
const SEALED = 'sealed:';
const auth = createAuthService({
  store,
  clock,
  seal: async (secret) => SEALED + Buffer.from(secret).toString('base64'),
  open: async (sealed) => {
    assert.ok(sealed.startsWith(SEALED), 'opens only what it sealed');
    return Buffer.from(sealed.slice(SEALED.length), 'base64').toString();
  },
});

const PASSWORD = 'cèdre-de-l-atlas-2026';
const MINUTE = 60_000;
let unique = 0;

function ok<T>(value: T | AuthError): T {
  assert.ok(!isAuthError(value), `expected a value, got ${String(value)}`);
  return value as T;
}

async function newOrganisation(kind: OrganisationKind): Promise<Organisation> {
  unique += 1;
  return ok(
    await auth.createOrganisation({
      kind,
      name: `${kind} ${unique}`,
      ...(kind === 'merchant' ? { merchantId: `mer_test${unique}` } : {}),
      ...(kind === 'bank' ? { bankId: `bnk_test${unique}` } : {}),
    }),
  );
}

/** A person of a new organisation; with `password: false` no argon2 hash is spent (an invited person). */
async function newPerson(
  kind: OrganisationKind,
  role: string,
  options: { password?: boolean; organisation?: Organisation; totpSecret?: string } = {},
) {
  const organisation = options.organisation ?? (await newOrganisation(kind));
  unique += 1;
  const email = `person${unique}@example.ma`;
  const user = ok(
    await auth.createUser({
      organisationId: organisation.id,
      email,
      name: `Person ${unique}`,
      role,
      ...(options.password === false ? {} : { password: PASSWORD }),
      ...(options.totpSecret ? { totpSecret: options.totpSecret } : {}),
    }),
  );
  return { user, organisation, email };
}

const signIn = (email: string, password = PASSWORD, totp?: string) =>
  auth.signIn({ email, password, totp, ip: '196.200.1.10', userAgent: 'node:test' });

function assertSignedIn(result: SignInResult): asserts result is Extract<SignInResult, { ok: true }> {
  assert.equal(result.ok, true, `sign-in refused: ${result.ok ? '' : result.reason}`);
}

async function session(email: string): Promise<NewSession> {
  const result = await signIn(email);
  assertSignedIn(result);
  return result.session;
}

const codeNow = (secret: string) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: clock.now().getTime() });

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function userColumns(id: string) {
  const { rows } = await sql<Record<string, unknown>>`select * from users where id = ${id}`.execute(store.db);
  return rows[0]!;
}

describe('accounts', () => {
  test('passwords are stored as argon2id hashes that verify', async () => {
    const { user } = await newPerson('merchant', 'owner');
    assert.ok(hasPrefix(user.id, 'usr'));
    const stored = await userColumns(user.id);
    const hash = String(stored.password_hash);
    assert.match(hash, /^\$argon2id\$/);
    assert.ok(!JSON.stringify(stored).includes(PASSWORD));
    assert.equal(await verify(hash, PASSWORD), true);
    assert.equal(await verify(hash, `${PASSWORD}x`), false);
  });

  test('weak passwords, bad emails, duplicate emails and roles of another kind are refused', async () => {
    const merchant = await newOrganisation('merchant');
    const attempt = (fields: { email?: string; role?: string; password?: string }) =>
      auth.createUser({
        organisationId: merchant.id,
        email: fields.email ?? 'new.person@example.ma',
        name: 'Amina Benali',
        role: fields.role ?? 'accountant',
        password: fields.password ?? PASSWORD,
      });
    assert.equal(await attempt({ password: 'short-pass1' }), AuthError.PasswordTooShort);
    assert.equal(await attempt({ password: '123456789012345' }), AuthError.PasswordOnlyDigits);
    assert.equal(await attempt({ email: 'not an email' }), AuthError.InvalidEmail);
    assert.equal(await attempt({ role: 'admin' }), AuthError.RoleNotAllowed);
    assert.equal(await attempt({ role: 'operator' }), AuthError.RoleNotAllowed);

    const { user } = await newPerson('merchant', 'owner', { password: false, organisation: merchant });
    assert.equal(await attempt({ email: `  ${user.email.toUpperCase()} ` }), AuthError.EmailTaken);
    const invited = ok(
      await auth.createUser({
        organisationId: merchant.id,
        email: '  Hicham.Tazi@Example.MA ',
        name: 'Hicham Tazi',
        role: 'developer',
      }),
    );
    assert.equal(invited.email, 'hicham.tazi@example.ma');
    assert.equal(invited.hasPassword, false);
    assert.deepEqual(
      (await auth.listUsers(merchant.id)).map((u) => u.email).sort(),
      [user.email, invited.email].sort(),
    );
  });

  test('organisations: a merchant names its merchant, a bank its issuer, and each exists once', async () => {
    assert.equal(
      await auth.createOrganisation({ kind: 'merchant', name: 'Sans id' }),
      AuthError.InvalidOrganisation,
    );
    assert.equal(
      await auth.createOrganisation({ kind: 'authority', name: 'Avec banque', bankId: 'bnk_x' }),
      AuthError.InvalidOrganisation,
    );
    const bank = ok(
      await auth.createOrganisation({ kind: 'bank', name: 'Banque du Rif', bankId: 'bnk_rif_t' }),
    );
    assert.ok(hasPrefix(bank.id, 'org'));
    assert.equal(
      await auth.createOrganisation({ kind: 'bank', name: 'Autre nom', bankId: 'bnk_rif_t' }),
      AuthError.OrganisationExists,
    );
    assert.deepEqual(await auth.getOrganisation(bank.id), bank);
    assert.ok((await auth.listOrganisations('bank')).some((o) => o.id === bank.id));
  });
});

describe('sign-in', () => {
  test('the right password opens a session; a wrong one and an unknown email get the same answer', async () => {
    const { user, email } = await newPerson('merchant', 'developer');
    const result = await signIn(` ${email.toUpperCase()}`);
    assertSignedIn(result);
    assert.equal(result.user.id, user.id);
    assert.equal(result.organisation.id, user.organisationId);
    assert.match(result.session.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(result.session.expiresAt.getTime(), clock.now().getTime() + 12 * 60 * MINUTE);
    assert.deepEqual(result.user.lastSignInAt, clock.now());

    assert.deepEqual(await signIn(email, 'wrong-password-123'), { ok: false, reason: 'invalid_credentials' });
    assert.deepEqual(await signIn('nobody@example.ma'), { ok: false, reason: 'invalid_credentials' });
    assert.deepEqual(await signIn('not an email'), { ok: false, reason: 'invalid_credentials' });
  });

  test('five failures lock the account, longer after each further failure; success resets the count', async () => {
    const { user, email } = await newPerson('merchant', 'accountant');
    for (let i = 0; i < 5; i++)
      assert.deepEqual(await signIn(email, 'wrong-password-123'), {
        ok: false,
        reason: 'invalid_credentials',
      });
    assert.deepEqual(await signIn(email), { ok: false, reason: 'locked', retryAfterMs: MINUTE });

    clock.advance(MINUTE);
    // The sixth failure locks for twice as long.
    assert.deepEqual(await signIn(email, 'wrong-password-123'), { ok: false, reason: 'invalid_credentials' });
    assert.deepEqual(await signIn(email), { ok: false, reason: 'locked', retryAfterMs: 2 * MINUTE });

    clock.advance(2 * MINUTE);
    assertSignedIn(await signIn(email));
    const after = await auth.getUser(user.id);
    assert.equal(after?.failedAttempts, 0);
    assert.equal(after?.lockedUntil, null);
  });

  test('the backoff doubles from one minute and stops at an hour', () => {
    assert.deepEqual([4, 5, 6, 7, 11, 12, 40].map(lockDuration), [
      0,
      MINUTE,
      2 * MINUTE,
      4 * MINUTE,
      60 * MINUTE,
      60 * MINUTE,
      60 * MINUTE,
    ]);
  });

  test('a disabled account is refused, and its sessions end', async () => {
    const { user, email } = await newPerson('operator', 'admin');
    const { token } = await session(email);
    ok(await auth.disableUser(user.id));
    assert.equal(await auth.authenticateSession(token), undefined);
    assert.deepEqual(await signIn(email), { ok: false, reason: 'disabled' });
    assert.deepEqual(await signIn(email, 'wrong-password-123'), { ok: false, reason: 'invalid_credentials' });
  });
});

describe('TOTP', () => {
  test('an authority user must enrol an authenticator, then signs in with its codes', async () => {
    const { user, email } = await newPerson('authority', 'reviewer');
    const first = await signIn(email);
    assert.equal(first.ok, false);
    assert.ok(!first.ok && first.reason === 'totp_enrolment_required');
    assert.equal((await auth.enrolmentUser(first.enrolmentToken))?.id, user.id);
    assert.deepEqual(await signIn(email, 'wrong-password-123'), { ok: false, reason: 'invalid_credentials' });

    assert.equal(await auth.confirmTotp(user.id, '123456'), AuthError.TotpNotStarted);
    const { secret, otpauthUri } = ok(await auth.startTotpEnrolment(user.id));
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.ok(otpauthUri.startsWith('otpauth://totp/Tijara:'));
    assert.ok(otpauthUri.includes(`secret=${secret}`));
    const stored = await userColumns(user.id);
    assert.equal(stored.totp_enabled, false);
    assert.ok(!JSON.stringify(stored).includes(secret), 'the secret is stored sealed');

    const wrongCode = codeNow(secret) === '000000' ? '000001' : '000000';
    assert.equal(await auth.confirmTotp(user.id, wrongCode), AuthError.TotpInvalid);
    assert.equal(ok(await auth.confirmTotp(user.id, codeNow(secret))).totpEnabled, true);
    assert.equal(
      await auth.enrolmentUser(first.enrolmentToken),
      undefined,
      'the enrolment link ends with it',
    );

    assert.deepEqual(await signIn(email), { ok: false, reason: 'totp_required' });
    assert.deepEqual(await signIn(email, PASSWORD, wrongCode), { ok: false, reason: 'totp_invalid' });
    assert.equal((await auth.getUser(user.id))?.failedAttempts, 2, 'a wrong code counts as a failure');
    clock.advance(30_000);
    const code = codeNow(secret);
    assertSignedIn(await signIn(email, PASSWORD, code));
    // The same code again, within its window: refused.
    assert.deepEqual(await signIn(email, PASSWORD, code), { ok: false, reason: 'totp_invalid' });
    assert.equal(await auth.verifyTotp(user, code), false);
    clock.advance(30_000);
    assert.equal(await auth.verifyTotp(user, codeNow(secret)), true);
  });

  test('a merchant may turn TOTP on, and then needs it too', async () => {
    const secret = new Secret({ size: 20 }).base32;
    const { email } = await newPerson('merchant', 'owner', { totpSecret: secret });
    assert.deepEqual(await signIn(email), { ok: false, reason: 'totp_required' });
    assertSignedIn(await signIn(email, PASSWORD, codeNow(secret)));
  });
});

describe('sessions', () => {
  test('a session authenticates, slides with activity, and ends after 30 idle minutes', async () => {
    const { user, email } = await newPerson('merchant', 'owner');
    const { token, csrfToken } = await session(email);
    const opened = await auth.authenticateSession(token);
    assert.equal(opened?.user.id, user.id);
    assert.equal(opened?.organisation.id, user.organisationId);
    assert.equal(opened?.session.csrfToken, csrfToken);

    const lastSeen = async () =>
      (
        await sql<{
          last_seen_at: Date;
        }>`select last_seen_at from sessions where id = ${sha256(token)}`.execute(store.db)
      ).rows[0]?.last_seen_at.getTime();
    const signedInAt = clock.now().getTime();
    clock.advance(30_000);
    assert.ok(await auth.authenticateSession(token));
    assert.equal(await lastSeen(), signedInAt, 'no write within the minute');
    clock.advance(29 * MINUTE);
    assert.ok(await auth.authenticateSession(token), 'still active 29 minutes after the last request');
    assert.equal(await lastSeen(), clock.now().getTime());
    clock.advance(29 * MINUTE);
    assert.ok(await auth.authenticateSession(token), 'the idle timeout slides');
    clock.advance(30 * MINUTE);
    assert.equal(await auth.authenticateSession(token), undefined);
  });

  test('a session ends after 12 hours however active', async () => {
    const { email } = await newPerson('merchant', 'developer');
    const { token } = await session(email);
    for (let minutes = 20; minutes < 12 * 60; minutes += 20) {
      clock.advance(20 * MINUTE);
      assert.ok(await auth.authenticateSession(token), `active after ${minutes} minutes`);
    }
    clock.advance(20 * MINUTE);
    assert.equal(await auth.authenticateSession(token), undefined);
  });

  test('the token is kept only as its SHA-256; sign-out and a password change end sessions', async () => {
    const { user, email } = await newPerson('merchant', 'accountant');
    const one = await session(email);
    const two = await session(email);
    const { rows } = await sql<
      Record<string, unknown>
    >`select * from sessions where user_id = ${user.id}`.execute(store.db);
    assert.deepEqual(rows.map((r) => r.id).sort(), [sha256(one.token), sha256(two.token)].sort());
    const everything = JSON.stringify(rows);
    for (const secret of [one.token, two.token, one.csrfToken, two.csrfToken])
      assert.ok(!everything.includes(secret));

    assert.equal(await auth.signOut(one.token), true);
    assert.equal(await auth.signOut(one.token), false);
    assert.equal(await auth.authenticateSession(one.token), undefined);
    assert.ok(await auth.authenticateSession(two.token));

    ok(await auth.setPassword(user.id, 'un-autre-mot-de-passe'));
    assert.equal(await auth.authenticateSession(two.token), undefined);
    assert.equal(await auth.revokeAllSessions(user.id), 0);
    assertSignedIn(await signIn(email, 'un-autre-mot-de-passe'));
  });

  test('a session ended over a day ago is deleted with the address it came from; others stay', async () => {
    const { user, email } = await newPerson('merchant', 'developer');
    const signedOut = await session(email);
    assert.equal(await auth.signOut(signedOut.token), true);
    const live = await session(email);
    const ids = async () =>
      (await sql<{ id: string }>`select id from sessions where user_id = ${user.id}`.execute(store.db)).rows
        .map((r) => r.id)
        .sort();
    clock.advance(20 * MINUTE);
    assert.ok(await auth.authenticateSession(live.token));
    await auth.deleteEndedSessions();
    assert.equal((await ids()).length, 2, 'signed out 20 minutes ago: kept for now');
    for (let hours = 0; hours < 24; hours++) {
      clock.advance(60 * MINUTE);
      // Kept alive by its use until its 12 hours are up; then it ends too.
      await auth.authenticateSession(live.token);
    }
    await auth.deleteEndedSessions();
    assert.deepEqual(await ids(), [sha256(live.token)], 'signed out over a day ago: gone');
    clock.advance(24 * 60 * MINUTE);
    await auth.deleteEndedSessions();
    assert.deepEqual(await ids(), [], 'expired over a day ago: gone');
  });

  test('the CSRF check takes the session’s token and refuses any other', async () => {
    const { email } = await newPerson('merchant', 'owner');
    const mine = await auth.authenticateSession((await session(email)).token);
    const other = await auth.authenticateSession((await session(email)).token);
    assert.ok(mine && other);
    assert.equal(auth.checkCsrf(mine.session, mine.session.csrfToken), true);
    assert.equal(auth.checkCsrf(mine.session, other.session.csrfToken), false);
    assert.equal(auth.checkCsrf(mine.session, mine.session.csrfToken.slice(1)), false);
    assert.equal(auth.checkCsrf(mine.session, undefined), false);
    assert.equal(auth.checkCsrf(mine.session, ''), false);
  });
});

describe('one-time links', () => {
  test('an invitation sets the password once, and only once', async () => {
    const { user, email } = await newPerson('merchant', 'developer', { password: false });
    assert.deepEqual(await signIn(email, PASSWORD), { ok: false, reason: 'invalid_credentials' });
    const { token, expiresAt } = ok(await auth.createOneTimeLink(user.id, 'invitation', 60 * MINUTE));
    assert.equal(expiresAt.getTime(), clock.now().getTime() + 60 * MINUTE);
    const { rows } = await sql<{ token_hash: string }>`
      select token_hash from one_time_links where user_id = ${user.id}`.execute(store.db);
    assert.deepEqual(rows, [{ token_hash: sha256(token) }]);

    assert.equal((await auth.linkUser(token, 'invitation'))?.id, user.id);
    assert.equal(await auth.useOneTimeLink(token, 'password_reset', PASSWORD), AuthError.InvalidLink);
    assert.equal(await auth.useOneTimeLink(token, 'invitation', 'court'), AuthError.PasswordTooShort);
    const accepted = ok(await auth.useOneTimeLink(token, 'invitation', PASSWORD));
    assert.equal(accepted.hasPassword, true);
    assert.equal(
      await auth.useOneTimeLink(token, 'invitation', 'encore-un-mot-de-passe'),
      AuthError.InvalidLink,
    );
    assertSignedIn(await signIn(email));
  });

  test('a password-reset link does not work after it expires', async () => {
    const { user } = await newPerson('merchant', 'owner', { password: false });
    const { token } = ok(await auth.createOneTimeLink(user.id, 'password_reset', 10 * MINUTE));
    clock.advance(10 * MINUTE);
    assert.equal(await auth.linkUser(token, 'password_reset'), undefined);
    assert.equal(await auth.useOneTimeLink(token, 'password_reset', PASSWORD), AuthError.InvalidLink);
    assert.equal(
      await auth.createOneTimeLink('usr_missing', 'password_reset', MINUTE),
      AuthError.UnknownUser,
    );
  });
});

describe('permissions', () => {
  test('merchant and bank roles hold their own permissions only', async () => {
    const merchant = await newOrganisation('merchant');
    const person = async (role: string) =>
      (await newPerson('merchant', role, { password: false, organisation: merchant })).user;
    const [owner, developer, accountant] = [
      await person('owner'),
      await person('developer'),
      await person('accountant'),
    ];
    assert.equal(auth.can(accountant, merchant, 'payments.read'), true);
    assert.equal(auth.can(accountant, merchant, 'settlements.read'), true);
    assert.equal(auth.can(accountant, merchant, 'payments.refund'), false);
    assert.equal(auth.can(developer, merchant, 'keys.manage'), true);
    assert.equal(auth.can(developer, merchant, 'settlements.read'), false);
    assert.equal(auth.can(owner, merchant, 'payments.refund'), true);
    assert.equal(auth.can(owner, merchant, 'cards.block'), false);
    // A person acts only for their own organisation.
    assert.equal(auth.can(owner, await newOrganisation('merchant'), 'payments.read'), false);

    const { user: operator, organisation: bank } = await newPerson('bank', 'operator', { password: false });
    assert.equal(auth.can(operator, bank, 'cards.block'), true);
    assert.equal(auth.can(operator, bank, 'payments.read'), false);
  });

  test('an authority holds its permissions only while it supervises', async () => {
    const { user: reviewer, organisation: first } = await newPerson('authority', 'reviewer', {
      password: false,
    });
    const { user: senior, organisation: second } = await newPerson('authority', 'senior_reviewer', {
      password: false,
    });
    ok(await auth.handOverSupervision(first.id));
    const reload = async (o: Organisation) => (await auth.getOrganisation(o.id))!;
    assert.equal((await auth.supervisingOrganisation())?.id, first.id);
    assert.equal(auth.can(reviewer, await reload(first), 'merchants.review'), true);
    assert.equal(auth.can(reviewer, await reload(first), 'merchants.approve_high_risk'), false);
    assert.equal(auth.can(senior, await reload(second), 'merchants.review'), false);

    const handOver = ok(await auth.handOverSupervision(second.id));
    assert.equal(handOver.from?.id, first.id);
    assert.equal(handOver.to.id, second.id);
    assert.deepEqual(handOver.since, clock.now());
    assert.equal(auth.can(reviewer, await reload(first), 'merchants.review'), false);
    assert.equal(auth.can(senior, await reload(second), 'merchants.approve_high_risk'), true);
    assert.equal((await auth.supervisingOrganisation())?.id, second.id);

    assert.equal(
      await auth.handOverSupervision((await newOrganisation('bank')).id),
      AuthError.NotAnAuthority,
    );
    assert.equal(await auth.handOverSupervision('org_missing'), AuthError.UnknownOrganisation);
  });

  test('a disabled user holds no permission', async () => {
    const { user, organisation } = await newPerson('operator', 'admin', { password: false });
    assert.equal(auth.can(user, organisation, 'supervision.handover'), true);
    const disabled: User = ok(await auth.disableUser(user.id));
    assert.equal(auth.can(disabled, organisation, 'supervision.handover'), false);
  });
});

describe('demo accounts', () => {
  test('seeding twice creates nothing twice; DGSSI supervises; demo people sign in', async () => {
    // The tests above handed supervision around: the seed takes it only when nobody holds it.
    await sql`delete from supervision`.execute(store.db);
    const count = async () =>
      (
        await sql<{ organisations: number; users: number }>`
          select (select count(*)::int from organisations) as organisations,
                 (select count(*)::int from users) as users`.execute(store.db)
      ).rows[0];
    const before = await count();
    const merchantIds = { 'Atlas Voyages': 'mer_atlasvoyagesdemo' };
    const lines = await seedDemoAccounts(auth, { merchantIds });
    const once = await count();
    assert.deepEqual(once, { organisations: before!.organisations + 4, users: before!.users + 9 });
    assert.deepEqual(await seedDemoAccounts(auth, { merchantIds }), lines);
    assert.deepEqual(await count(), once);

    const supervising = await auth.supervisingOrganisation();
    assert.equal(supervising?.name, "Direction Générale de la Sécurité des Systèmes d'Information");
    assert.ok(lines.some((l) => l.includes('dpo@dgssi.example') && l.includes(DEMO_TOTP_SECRET)));
    assert.ok(lines.some((l) => l.includes('owner@atlas-voyages.example') && !l.includes('TOTP')));

    assertSignedIn(await signIn('owner@atlas-voyages.example', demoPassword('owner')));
    const analyst = await signIn('analyst@dgssi.example', demoPassword('analyst'), codeNow(DEMO_TOTP_SECRET));
    assertSignedIn(analyst);
    assert.equal(auth.can(analyst.user, analyst.organisation, 'audit.read'), true);
  });
});
