import { randomBytesPooled } from './random.js';

// Crockford base32: sortable as text, no ambiguous letters.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** 48 bits of milliseconds as 10 characters (exact: a double holds integers to 2^53). */
function encodeTime(now: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[now % 32] + out;
    now = Math.floor(now / 32);
  }
  return out;
}

/** 80 bits as 16 characters, 5 bits each. */
function encodeRandom(value: bigint): string {
  let out = '';
  for (let i = 0; i < 16; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

const RANDOM_LIMIT = 1n << 80n;
let lastTime = -1;
let lastRandom = 0n;

/**
 * The random part of an id made at `now`. Within one millisecond the ids a process makes still sort in
 * the order it made them (a list "by creation" and its cursor need that): the next one is the last plus
 * a random step of up to 40 bits, so it stays hard to guess.
 */
function randomPart(now: number): bigint {
  if (now === lastTime) {
    const step = randomBytesPooled(5);
    const next = lastRandom + ((BigInt(step[0]!) << 32n) | BigInt(step.readUInt32BE(1))) + 1n;
    if (next < RANDOM_LIMIT) {
      lastRandom = next;
      return next;
    }
  }
  const bytes = randomBytesPooled(10);
  lastTime = now;
  lastRandom = (bytes.readBigUInt64BE(0) << 16n) | BigInt(bytes.readUInt16BE(8));
  return lastRandom;
}

/**
 * A prefixed, time-sortable id (`pay_01jc…`): 48 bits of milliseconds then 80 random bits, the ULID
 * layout, so ids sort by creation time and need no coordination between nodes.
 */
export function newId(prefix: string, now: number = Date.now()): string {
  return `${prefix}_${encodeTime(now)}${encodeRandom(randomPart(now))}`;
}

export function hasPrefix(id: string, prefix: string): boolean {
  return new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`).test(id);
}
