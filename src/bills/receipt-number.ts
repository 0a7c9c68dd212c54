import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Crockford base32 without I, L, O, U: read aloud and typed back without ambiguity.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function base32(bytes: Buffer, length: number): string {
  let value = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

const SHAPE =
  /^R-([0-9A-HJKMNP-TV-Z]{4})-([0-9A-HJKMNP-TV-Z]{4})-([0-9A-HJKMNP-TV-Z]{4})-([0-9A-HJKMNP-TV-Z]{6})$/;

/**
 * Receipt numbers `R-XXXX-XXXX-XXXX-TTTTTT`: 60 random bits (unguessable), then 30 bits of an
 * HMAC-SHA256 tag under Tijara's receipt key, so a made-up number is refused before any look-up.
 */
export function createReceiptNumbers(key: Buffer) {
  const tagOf = (body: string) =>
    base32(createHmac('sha256', key).update(`receipt:${body}`).digest().subarray(0, 4), 6);
  return {
    issue(): string {
      const body = base32(randomBytes(8), 12);
      return `R-${body.slice(0, 4)}-${body.slice(4, 8)}-${body.slice(8)}-${tagOf(body)}`;
    },
    /** True when the number is well formed and its tag is ours (it may still not exist). */
    isSigned(number: string): boolean {
      const match = SHAPE.exec(number.trim().toUpperCase());
      if (!match) return false;
      const body = `${match[1]}${match[2]}${match[3]}`;
      return timingSafeEqual(Buffer.from(tagOf(body)), Buffer.from(match[4]!));
    },
  };
}

export type ReceiptNumbers = ReturnType<typeof createReceiptNumbers>;

export function normalizeReceiptNumber(number: string): string {
  return number.trim().toUpperCase();
}
