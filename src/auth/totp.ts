import { Secret, TOTP } from 'otpauth';

// RFC 6238 as authenticator apps expect it: SHA-1, 6 digits, 30-second steps.
const PERIOD_SECONDS = 30;
/** Steps accepted either side of now, for a phone clock a little off. */
const WINDOW = 1;
// RFC 4226 asks for at least 128 bits; new secrets get the recommended 160.
const MIN_SECRET_BYTES = 16;
const NEW_SECRET_BYTES = 20;

export function newTotpSecret(): string {
  return new Secret({ size: NEW_SECRET_BYTES }).base32;
}

/** The secret in canonical base32 (upper case, no spaces or padding), or undefined when it is not one. */
export function canonicalTotpSecret(secret: string): string | undefined {
  const text = secret.replace(/[\s=]/g, '').toUpperCase();
  if (!/^[A-Z2-7]+$/.test(text)) return undefined;
  return Secret.fromBase32(text).bytes.length >= MIN_SECRET_BYTES ? text : undefined;
}

/** The otpauth:// URI an authenticator app reads from a QR code. */
export function otpauthUri(secret: string, accountName: string): string {
  return new TOTP({
    issuer: 'Tijara',
    label: accountName,
    secret: Secret.fromBase32(secret),
    period: PERIOD_SECONDS,
  }).toString();
}

/** The time step the code belongs to when it is right at `at` (within the window), else undefined. */
export function totpStep(secret: string, code: string, at: Date): number | undefined {
  const token = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(token)) return undefined;
  const timestamp = at.getTime();
  const delta = TOTP.validate({
    token,
    secret: Secret.fromBase32(secret),
    period: PERIOD_SECONDS,
    timestamp,
    window: WINDOW,
  });
  return delta === null ? undefined : TOTP.counter({ period: PERIOD_SECONDS, timestamp }) + delta;
}
