import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { AuthError } from './errors.js';

const MIN_PASSWORD_LENGTH = 12;
// argon2 hashes whatever it is given; a cap keeps a megabyte "password" from costing the server.
const MAX_PASSWORD_LENGTH = 256;

/** Why a password is refused, if it is. */
export function passwordProblem(password: string): AuthError | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return AuthError.PasswordTooShort;
  if (length > MAX_PASSWORD_LENGTH) return AuthError.PasswordTooLong;
  if (/^\d+$/.test(password)) return AuthError.PasswordOnlyDigits;
  return undefined;
}

/** argon2id with the library's defaults (19 MiB, 2 passes: OWASP's recommended minimum). */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// Verified against when there is no real hash, so an unknown email costs what a known one does.
let dummyHash: Promise<string> | undefined;

/** Whether the password matches; with no hash (unknown email, invitation pending) it spends the same time and says no. */
export async function passwordMatches(passwordHash: string | null, password: string): Promise<boolean> {
  if (passwordHash === null || [...password].length > MAX_PASSWORD_LENGTH) {
    dummyHash ??= hash(randomBytes(16).toString('base64url'));
    await verify(await dummyHash, password.slice(0, MAX_PASSWORD_LENGTH)).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}

/** A bearer token: 32 random bytes, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** What the database keeps of a token: its SHA-256, enough for a 256-bit random value. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A session's CSRF token, derived from its secret token: a database reader cannot compute it. */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('tijara-csrf').digest('base64url');
}

/** Compares two secrets in a time that does not depend on where they differ. */
export function sameSecret(a: string, b: string): boolean {
  // Comparing digests gives equal lengths, and hides the secret's length too.
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export const LOCK_AFTER_FAILURES = 5;
const FIRST_LOCK_MS = 60_000;
const LONGEST_LOCK_MS = 3_600_000;

/** How long an account stays locked after this many consecutive failures: 1 min at 5, doubling, at most 1 h. */
export function lockDuration(failures: number): number {
  if (failures < LOCK_AFTER_FAILURES) return 0;
  return Math.min(FIRST_LOCK_MS * 2 ** (failures - LOCK_AFTER_FAILURES), LONGEST_LOCK_MS);
}
