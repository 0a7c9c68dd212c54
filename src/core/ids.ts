import { randomBytes } from 'node:crypto';

// Crockford base32: sortable as text, no ambiguous letters.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function encodeBase32(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/**
 * A prefixed, time-sortable id (`pay_01jc…`): 48 bits of milliseconds then 80 random bits,
 * the ULID layout, so ids sort by creation time and need no coordination between nodes.
 */
export function newId(prefix: string, now: number = Date.now()): string {
  const time = encodeBase32(BigInt(now), 10);
  const random = encodeBase32(BigInt(`0x${randomBytes(10).toString('hex')}`), 16);
  return `${prefix}_${time}${random}`;
}

export function hasPrefix(id: string, prefix: string): boolean {
  return new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`).test(id);
}
