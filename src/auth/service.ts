import { type Kysely, sql, type UpdateObject } from 'kysely';
import type { Clock } from '../core/clock.js';
import { normaliseEmail } from '../core/email.js';
import { newId } from '../core/ids.js';
import { inTransaction, ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import {
  csrfTokenFor,
  hashPassword,
  lockDuration,
  newToken,
  passwordMatches,
  passwordProblem,
  sameSecret,
  TOKEN_SHAPE,
  tokenDigest,
} from './credentials.js';
import { AuthError } from './errors.js';
import {
  type AuthTables,
  type LinkPurpose,
  type Organisation,
  type OrganisationKind,
  organisationKinds,
  type PasswordLinkPurpose,
  roleAllowed,
  type Session,
  type SessionRow,
  toOrganisation,
  toSession,
  totpRequiredKinds,
  toUser,
  type User,
  type UserRow,
} from './model.js';
import { can } from './permissions.js';
import { canonicalTotpSecret, newTotpSecret, otpauthUri, totpStep } from './totp.js';

type Db = Kysely<AuthTables>;

export interface NewOrganisation {
  kind: OrganisationKind;
  name: string;
  /** Required for a merchant organisation, refused for the others. */
  merchantId?: string;
  /** Required for a bank (its switch issuer id, e.g. 'bnk_atlas'), refused for the others. */
  bankId?: string;
}

export interface NewUser {
  organisationId: string;
  email: string;
  name: string;
  role: string;
  /** Without one the person is invited: send them an 'invitation' link to choose it. */
  password?: string;
  /**
   * A base32 TOTP secret already on the person's authenticator, enabled at once. For demo accounts
   * and imports only: people enrol through startTotpEnrolment and confirmTotp.
   */
  totpSecret?: string;
}

export interface SupervisionHandOver {
  /** The authority that supervised before (null the first time). */
  from: Organisation | null;
  to: Organisation;
  since: Date;
}

export interface TotpEnrolment {
  /** Base32, to type into an authenticator app; shown once. */
  secret: string;
  /** The same as an otpauth:// URI, for a QR code. */
  otpauthUri: string;
}

export interface SignInAttempt {
  email: string;
  password: string;
  /** The 6-digit code of the authenticator, when the person has one. */
  totp?: string | undefined;
  ip: string | null;
  userAgent: string | null;
}

/** What a new session hands to the browser: the token goes in an HttpOnly cookie, never in the database. */
export interface NewSession {
  token: string;
  csrfToken: string;
  /** The absolute expiry (an idle session ends sooner). */
  expiresAt: Date;
}

export type SignInResult =
  | { ok: true; session: NewSession; user: User; organisation: Organisation }
  | { ok: false; reason: 'invalid_credentials' | 'totp_required' | 'totp_invalid' | 'disabled' }
  | { ok: false; reason: 'locked'; retryAfterMs: number }
  /** The password was right but this role needs an authenticator: enrol with `enrolmentToken` (see enrolmentUser). */
  | { ok: false; reason: 'totp_enrolment_required'; enrolmentToken: string };

export type SignInFailure = Extract<SignInResult, { ok: false }>;

export interface AuthenticatedSession {
  user: User;
  organisation: Organisation;
  session: Session;
}

export interface AuthService {
  createOrganisation(input: NewOrganisation, db?: SharedDb): Promise<Organisation | AuthError>;
  getOrganisation(id: string, db?: SharedDb): Promise<Organisation | undefined>;
  listOrganisations(kind?: OrganisationKind, db?: SharedDb): Promise<Organisation[]>;
  /** The authority that holds the supervising role now. */
  supervisingOrganisation(db?: SharedDb): Promise<Organisation | undefined>;
  /** Moves the supervising role to another authority; the caller audits the returned from/to. */
  handOverSupervision(toOrganisationId: string, db?: SharedDb): Promise<SupervisionHandOver | AuthError>;

  createUser(input: NewUser, db?: SharedDb): Promise<User | AuthError>;
  getUser(id: string, db?: SharedDb): Promise<User | undefined>;
  findUserByEmail(email: string, db?: SharedDb): Promise<User | undefined>;
  listUsers(organisationId: string, db?: SharedDb): Promise<User[]>;
  /** Sets a new password, clears any lock and signs the person out everywhere. */
  setPassword(userId: string, password: string, db?: SharedDb): Promise<User | AuthError>;
  /** Disables the account and ends its sessions. */
  disableUser(userId: string, db?: SharedDb): Promise<User | AuthError>;

  /** An invitation, password-reset or authenticator-enrolment link token, returned this once (only its SHA-256 is kept). */
  createOneTimeLink(
    userId: string,
    purpose: LinkPurpose,
    ttlMs: number,
    db?: SharedDb,
  ): Promise<{ token: string; expiresAt: Date } | AuthError>;
  /** The person a valid (unused, unexpired) link is for, to greet them before they choose a password. */
  linkUser(token: string, purpose: LinkPurpose): Promise<User | undefined>;
  /** Uses the link once to set the password; also ends the user's other password links and sessions. */
  useOneTimeLink(
    token: string,
    purpose: PasswordLinkPurpose,
    newPassword: string,
    db?: SharedDb,
  ): Promise<User | AuthError>;

  /** A new secret for the user's authenticator; stored sealed, and enabled only by confirmTotp. */
  startTotpEnrolment(userId: string, db?: SharedDb): Promise<TotpEnrolment | AuthError>;
  /** Enables the enrolled secret when the code is right (replacing any previous one). */
  confirmTotp(userId: string, code: string, db?: SharedDb): Promise<User | AuthError>;
  /** Whether the code is right now (±1 step) and was not used before. */
  verifyTotp(user: Pick<User, 'id'>, code: string): Promise<boolean>;
  /** The user a sign-in's enrolmentToken is for, while their TOTP is not enabled yet. */
  enrolmentUser(enrolmentToken: string): Promise<User | undefined>;

  signIn(attempt: SignInAttempt): Promise<SignInResult>;
  /** The session a cookie's token opens, or undefined when it is unknown, revoked, idle or too old. */
  authenticateSession(token: string): Promise<AuthenticatedSession | undefined>;
  signOut(token: string): Promise<boolean>;
  /** Ends every session of the user; returns how many were open. */
  revokeAllSessions(userId: string, db?: SharedDb): Promise<number>;
  /** Whether a submitted form carries this session's CSRF token. */
  checkCsrf(session: Pick<Session, 'csrfToken'>, token: string | undefined): boolean;
  /**
   * Law 09-08: deletes sessions that ended (expired, idle or signed out) over a day ago, with the
   * address and browser they were opened from; the audit trail keeps the sign-ins. Says how many.
   */
  deleteEndedSessions(): Promise<number>;
  can: typeof can;
}

export const SESSION_IDLE_MS = 30 * 60_000;
/** How long an ended session's row is kept: a day, for whoever looks into last night's sign-ins. */
export const ENDED_SESSION_KEPT_MS = 24 * 3_600_000;
export const SESSION_ABSOLUTE_MS = 12 * 3_600_000;
// Refreshing last_seen_at at most this often spares a write per request; idle expiry is late by at most this.
const SESSION_TOUCH_MS = 60_000;
const ENROLMENT_LINK_MS = 15 * 60_000;
const USER_AGENT_MAX = 512;

export function createAuthService(deps: {
  store: SharedStore;
  clock: Clock;
  seal: (secret: string, db?: SharedDb) => Promise<string>;
  open: (sealed: string, db?: SharedDb) => Promise<string>;
}): AuthService {
  const { store, clock } = deps;
  const tables = (db?: SharedDb): Db => ownTables<AuthTables>(db ?? store.db);

  // ---- organisations and supervision

  const organisationsWithRole = (db?: SharedDb) =>
    tables(db)
      .selectFrom('organisations as o')
      .leftJoin('supervision as s', 's.organisation_id', 'o.id')
      .selectAll('o')
      .select(sql<boolean>`s.organisation_id is not null`.as('supervising'));

  async function getOrganisation(id: string, db?: SharedDb): Promise<Organisation | undefined> {
    const row = await organisationsWithRole(db).where('o.id', '=', id).executeTakeFirst();
    return row && toOrganisation(row);
  }

  async function createOrganisation(input: NewOrganisation, db?: SharedDb) {
    const name = input.name.trim();
    if (!name) return AuthError.InvalidName;
    if (!organisationKinds.includes(input.kind)) return AuthError.InvalidOrganisation;
    const merchantId = input.merchantId?.trim() || null;
    const bankId = input.bankId?.trim() || null;
    if (
      (input.kind === 'merchant') !== (merchantId !== null) ||
      (input.kind === 'bank') !== (bankId !== null)
    )
      return AuthError.InvalidOrganisation;
    const row = await tables(db)
      .insertInto('organisations')
      .values({
        id: newId('org', clock.now().getTime()),
        kind: input.kind,
        name,
        merchant_id: merchantId,
        bank_id: bankId,
        created_at: clock.now(),
      })
      // Any unique index (one per merchant, per bank, per authority name) makes it a duplicate.
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    return row ? toOrganisation({ ...row, supervising: false }) : AuthError.OrganisationExists;
  }

  async function handOverSupervision(toOrganisationId: string, db?: SharedDb) {
    return inTransaction(store, db, async (trx): Promise<SupervisionHandOver | AuthError> => {
      const to = await getOrganisation(toOrganisationId, trx);
      if (!to) return AuthError.UnknownOrganisation;
      if (to.kind !== 'authority') return AuthError.NotAnAuthority;
      const current = await tables(trx).selectFrom('supervision').selectAll().forUpdate().executeTakeFirst();
      if (current?.organisation_id === to.id) return { from: to, to, since: current.since };
      const from = current ? await getOrganisation(current.organisation_id, trx) : undefined;
      const since = clock.now();
      await tables(trx)
        .insertInto('supervision')
        .values({ id: true, organisation_id: to.id, since })
        .onConflict((oc) => oc.column('id').doUpdateSet({ organisation_id: to.id, since }))
        .execute();
      return {
        from: from ? { ...from, supervising: false } : null,
        to: { ...to, supervising: true },
        since,
      };
    });
  }

  // ---- users

  const userRow = (id: string, db?: SharedDb) =>
    tables(db).selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

  async function createUser(input: NewUser, db?: SharedDb): Promise<User | AuthError> {
    const email = normaliseEmail(input.email);
    if (!email) return AuthError.InvalidEmail;
    const name = input.name.trim();
    if (!name) return AuthError.InvalidName;
    const refusedPassword = input.password === undefined ? undefined : passwordProblem(input.password);
    if (refusedPassword) return refusedPassword;
    const totpSecret = input.totpSecret === undefined ? undefined : canonicalTotpSecret(input.totpSecret);
    if (input.totpSecret !== undefined && !totpSecret) return AuthError.InvalidTotpSecret;
    const organisation = await getOrganisation(input.organisationId, db);
    if (!organisation) return AuthError.UnknownOrganisation;
    if (!roleAllowed(organisation.kind, input.role)) return AuthError.RoleNotAllowed;
    const row = await tables(db)
      .insertInto('users')
      .values({
        id: newId('usr', clock.now().getTime()),
        organisation_id: organisation.id,
        email,
        name,
        role: input.role,
        password_hash: input.password === undefined ? null : await hashPassword(input.password),
        totp_secret_sealed: totpSecret ? await deps.seal(totpSecret, db) : null,
        totp_pending_sealed: null,
        totp_enabled: totpSecret !== undefined,
        totp_last_step: null,
        failed_attempts: 0,
        locked_until: null,
        disabled_at: null,
        created_at: clock.now(),
        last_sign_in_at: null,
      })
      .onConflict((oc) => oc.column('email').doNothing())
      .returningAll()
      .executeTakeFirst();
    return row ? toUser(row) : AuthError.EmailTaken;
  }

  /** Ends the user's open sessions as of now. */
  async function revokeSessions(db: SharedDb, userId: string): Promise<number> {
    const result = await tables(db)
      .updateTable('sessions')
      .set({ revoked_at: clock.now() })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** A new password: the count of failures and any lock go with the old one. */
  const passwordChange = (passwordHash: string) => ({
    password_hash: passwordHash,
    failed_attempts: 0,
    locked_until: null,
  });

  /** Changes the user and ends every session they hold: whoever was signed in must prove it again. */
  async function changeUserAndSignOut(
    trx: SharedDb,
    userId: string,
    changes: UpdateObject<AuthTables, 'users'>,
    options: { unlessDisabled?: boolean } = {},
  ): Promise<UserRow | undefined> {
    const row = await tables(trx)
      .updateTable('users')
      .set(changes)
      .where('id', '=', userId)
      .$if(options.unlessDisabled === true, (q) => q.where('disabled_at', 'is', null))
      .returningAll()
      .executeTakeFirst();
    if (row) await revokeSessions(trx, userId);
    return row;
  }

  async function setPassword(userId: string, password: string, db?: SharedDb) {
    const refused = passwordProblem(password);
    if (refused) return refused;
    const passwordHash = await hashPassword(password);
    const row = await inTransaction(store, db, (trx) =>
      changeUserAndSignOut(trx, userId, passwordChange(passwordHash)),
    );
    return row ? toUser(row) : AuthError.UnknownUser;
  }

  async function disableUser(userId: string, db?: SharedDb) {
    const row = await inTransaction(store, db, (trx) =>
      changeUserAndSignOut(trx, userId, { disabled_at: sql`coalesce(disabled_at, ${clock.now()})` }),
    );
    return row ? toUser(row) : AuthError.UnknownUser;
  }

  // ---- one-time links

  async function issueLink(userId: string, purpose: LinkPurpose, ttlMs: number, db?: SharedDb) {
    if (!(ttlMs > 0)) throw new Error('a one-time link needs a positive lifetime');
    const token = newToken();
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + ttlMs);
    await tables(db)
      .insertInto('one_time_links')
      .values({
        token_hash: tokenDigest(token),
        purpose,
        user_id: userId,
        expires_at: expiresAt,
        used_at: null,
        created_at: now,
      })
      .execute();
    return { token, expiresAt };
  }

  /** The user of a link that is still good; disabled users have none. */
  async function validLinkUser(
    token: string,
    purpose: LinkPurpose,
    db?: SharedDb,
  ): Promise<UserRow | undefined> {
    if (!TOKEN_SHAPE.test(token)) return undefined;
    return tables(db)
      .selectFrom('one_time_links as l')
      .innerJoin('users as u', 'u.id', 'l.user_id')
      .selectAll('u')
      .where('l.token_hash', '=', tokenDigest(token))
      .where('l.purpose', '=', purpose)
      .where('l.used_at', 'is', null)
      .where('l.expires_at', '>', clock.now())
      .where('u.disabled_at', 'is', null)
      .executeTakeFirst();
  }

  async function useOneTimeLink(
    token: string,
    purpose: PasswordLinkPurpose,
    newPassword: string,
    db?: SharedDb,
  ) {
    const refused = passwordProblem(newPassword);
    if (refused) return refused;
    // Looked at first so a made-up token costs no argon2 hash; used for real below, atomically.
    if (!(await validLinkUser(token, purpose, db))) return AuthError.InvalidLink;
    const passwordHash = await hashPassword(newPassword);
    return inTransaction(store, db, async (trx): Promise<User | AuthError> => {
      const now = clock.now();
      const link = await tables(trx)
        .updateTable('one_time_links')
        .set({ used_at: now })
        .where('token_hash', '=', tokenDigest(token))
        .where('purpose', '=', purpose)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('user_id')
        .executeTakeFirst();
      if (!link) return AuthError.InvalidLink;
      const row = await changeUserAndSignOut(trx, link.user_id, passwordChange(passwordHash), {
        unlessDisabled: true,
      });
      if (!row) return AuthError.InvalidLink;
      // An older invitation or reset email must not set the password again.
      await tables(trx)
        .updateTable('one_time_links')
        .set({ used_at: now })
        .where('user_id', '=', row.id)
        .where('purpose', 'in', ['invitation', 'password_reset'])
        .where('used_at', 'is', null)
        .execute();
      return toUser(row);
    });
  }

  // ---- TOTP

  /**
   * Whether the code is right for the user's enabled secret. The step is recorded in the statement
   * that checks it was not used, so one code cannot serve twice, even in two requests at once.
   */
  async function acceptTotp(row: UserRow, code: string): Promise<boolean> {
    if (!row.totp_enabled || !row.totp_secret_sealed) return false;
    const step = totpStep(await deps.open(row.totp_secret_sealed), code, clock.now());
    if (step === undefined) return false;
    const recorded = await tables()
      .updateTable('users')
      .set({ totp_last_step: step })
      .where('id', '=', row.id)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst();
    return recorded.numUpdatedRows > 0n;
  }

  async function startTotpEnrolment(userId: string, db?: SharedDb) {
    const secret = newTotpSecret();
    const row = await tables(db)
      .updateTable('users')
      .set({ totp_pending_sealed: await deps.seal(secret, db) })
      .where('id', '=', userId)
      .returning('email')
      .executeTakeFirst();
    return row ? { secret, otpauthUri: otpauthUri(secret, row.email) } : AuthError.UnknownUser;
  }

  async function confirmTotp(userId: string, code: string, db?: SharedDb) {
    const row = await userRow(userId, db);
    if (!row) return AuthError.UnknownUser;
    const pending = row.totp_pending_sealed;
    if (!pending) return AuthError.TotpNotStarted;
    const step = totpStep(await deps.open(pending, db), code, clock.now());
    if (step === undefined) return AuthError.TotpInvalid;
    const enabled = await tables(db)
      .updateTable('users')
      .set({
        totp_secret_sealed: pending,
        totp_pending_sealed: null,
        totp_enabled: true,
        totp_last_step: step,
      })
      .where('id', '=', userId)
      // Another enrolment started meanwhile: this code was for a secret no longer pending.
      .where('totp_pending_sealed', '=', pending)
      .returningAll()
      .executeTakeFirst();
    return enabled ? toUser(enabled) : AuthError.TotpNotStarted;
  }

  // ---- sign-in and sessions

  async function recordFailure(userId: string): Promise<void> {
    await store.transaction(async (trx) => {
      const { failed_attempts } = await tables(trx)
        .updateTable('users')
        .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
        .where('id', '=', userId)
        .returning('failed_attempts')
        .executeTakeFirstOrThrow();
      const lockMs = lockDuration(failed_attempts);
      if (lockMs > 0) {
        await tables(trx)
          .updateTable('users')
          .set({ locked_until: new Date(clock.now().getTime() + lockMs) })
          .where('id', '=', userId)
          .execute();
      }
    });
  }

  /** Undefined when the second factor is satisfied (or not needed), else why the sign-in stops. */
  async function secondFactorRefusal(
    row: UserRow,
    organisation: Organisation,
    code: string | undefined,
  ): Promise<SignInFailure | undefined> {
    if (!row.totp_enabled) {
      if (!totpRequiredKinds.includes(organisation.kind)) return undefined;
      const { token } = await issueLink(row.id, 'totp_enrolment', ENROLMENT_LINK_MS);
      return { ok: false, reason: 'totp_enrolment_required', enrolmentToken: token };
    }
    if (!code?.trim()) return { ok: false, reason: 'totp_required' };
    if (await acceptTotp(row, code)) return undefined;
    await recordFailure(row.id);
    return { ok: false, reason: 'totp_invalid' };
  }

  async function openSession(row: UserRow, attempt: SignInAttempt) {
    const token = newToken();
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + SESSION_ABSOLUTE_MS);
    const user = await store.transaction(async (trx) => {
      await tables(trx)
        .insertInto('sessions')
        .values({
          id: tokenDigest(token),
          user_id: row.id,
          created_at: now,
          last_seen_at: now,
          expires_at: expiresAt,
          revoked_at: null,
          ip: attempt.ip,
          user_agent: attempt.userAgent?.slice(0, USER_AGENT_MAX) ?? null,
        })
        .execute();
      return tables(trx)
        .updateTable('users')
        .set({ failed_attempts: 0, locked_until: null, last_sign_in_at: now })
        .where('id', '=', row.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    });
    return { session: { token, csrfToken: csrfTokenFor(token), expiresAt }, user: toUser(user) };
  }

  const invalidCredentials: SignInFailure = { ok: false, reason: 'invalid_credentials' };

  async function signIn(attempt: SignInAttempt): Promise<SignInResult> {
    const email = normaliseEmail(attempt.email);
    const row = email
      ? await tables().selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst()
      : undefined;
    // An unknown email spends an argon2 verification too: timing must not tell which emails exist.
    if (!row) {
      await passwordMatches(null, attempt.password);
      return invalidCredentials;
    }
    const now = clock.now().getTime();
    const lockedUntil = row.locked_until?.getTime() ?? 0;
    if (lockedUntil > now) return { ok: false, reason: 'locked', retryAfterMs: lockedUntil - now };
    if (!(await passwordMatches(row.password_hash, attempt.password))) {
      await recordFailure(row.id);
      return invalidCredentials;
    }
    // Told only to someone who knows the password.
    if (row.disabled_at) return { ok: false, reason: 'disabled' };
    const organisation = await getOrganisation(row.organisation_id);
    if (!organisation) throw new Error(`user ${row.id} has no organisation`);
    const refusal = await secondFactorRefusal(row, organisation, attempt.totp);
    if (refusal) return refusal;
    return { ok: true, ...(await openSession(row, attempt)), organisation };
  }

  async function authenticateSession(token: string): Promise<AuthenticatedSession | undefined> {
    if (!TOKEN_SHAPE.test(token)) return undefined;
    const now = clock.now();
    const row: SessionRow | undefined = await tables()
      .selectFrom('sessions')
      .selectAll()
      .where('id', '=', tokenDigest(token))
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where('last_seen_at', '>', new Date(now.getTime() - SESSION_IDLE_MS))
      .executeTakeFirst();
    if (!row) return undefined;
    const user = await userRow(row.user_id);
    if (!user || user.disabled_at) return undefined;
    const organisation = await getOrganisation(user.organisation_id);
    if (!organisation) return undefined;
    if (now.getTime() - row.last_seen_at.getTime() >= SESSION_TOUCH_MS) {
      await tables()
        .updateTable('sessions')
        .set({ last_seen_at: now })
        .where('id', '=', row.id)
        .where('last_seen_at', '<', now)
        .execute();
      row.last_seen_at = now;
    }
    return { user: toUser(user), organisation, session: toSession(row, csrfTokenFor(token)) };
  }

  async function deleteEndedSessions(): Promise<number> {
    const now = clock.now().getTime();
    const endedBefore = new Date(now - ENDED_SESSION_KEPT_MS);
    const result = await tables()
      .deleteFrom('sessions')
      .where((eb) =>
        eb.or([
          eb('expires_at', '<', endedBefore),
          eb('revoked_at', '<', endedBefore),
          eb('last_seen_at', '<', new Date(now - ENDED_SESSION_KEPT_MS - SESSION_IDLE_MS)),
        ]),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  return {
    deleteEndedSessions,
    createOrganisation,
    getOrganisation,
    async listOrganisations(kind, db) {
      const rows = await organisationsWithRole(db)
        .$if(kind !== undefined, (q) => q.where('o.kind', '=', kind!))
        .orderBy('o.id')
        .execute();
      return rows.map(toOrganisation);
    },
    async supervisingOrganisation(db) {
      const row = await organisationsWithRole(db).where('s.id', '=', true).executeTakeFirst();
      return row && toOrganisation(row);
    },
    handOverSupervision,

    createUser,
    async getUser(id, db) {
      const row = await userRow(id, db);
      return row && toUser(row);
    },
    async findUserByEmail(email, db) {
      const normal = normaliseEmail(email);
      if (!normal) return undefined;
      const row = await tables(db)
        .selectFrom('users')
        .selectAll()
        .where('email', '=', normal)
        .executeTakeFirst();
      return row && toUser(row);
    },
    async listUsers(organisationId, db) {
      const rows = await tables(db)
        .selectFrom('users')
        .selectAll()
        .where('organisation_id', '=', organisationId)
        .orderBy('id')
        .execute();
      return rows.map(toUser);
    },
    setPassword,
    disableUser,

    async createOneTimeLink(userId, purpose, ttlMs, db) {
      if (!(await userRow(userId, db))) return AuthError.UnknownUser;
      return issueLink(userId, purpose, ttlMs, db);
    },
    async linkUser(token, purpose) {
      const row = await validLinkUser(token, purpose);
      return row && toUser(row);
    },
    useOneTimeLink,

    startTotpEnrolment,
    confirmTotp,
    async verifyTotp(user, code) {
      const row = await userRow(user.id);
      return row ? acceptTotp(row, code) : false;
    },
    async enrolmentUser(enrolmentToken) {
      const row = await validLinkUser(enrolmentToken, 'totp_enrolment');
      return row && !row.totp_enabled ? toUser(row) : undefined;
    },

    signIn,
    authenticateSession,
    async signOut(token) {
      if (!TOKEN_SHAPE.test(token)) return false;
      const result = await tables()
        .updateTable('sessions')
        .set({ revoked_at: clock.now() })
        .where('id', '=', tokenDigest(token))
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    revokeAllSessions: (userId, db) => revokeSessions(db ?? store.db, userId),
    checkCsrf: (session, token) => typeof token === 'string' && sameSecret(session.csrfToken, token),
    can,
  };
}
