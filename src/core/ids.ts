import { randomBytesPooled } from './random.js';

// Crockford base32: sortable as text, no ambiguous letters.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

// Two letters for each 10 bits: an id is a few lookups, in plain numbers. (With BigInt arithmetic,
// a heap allocation a letter, making ids was 2% of the server's time under the payments benchmark.)
const PAIRS = Array.from({ length: 1024 }, (_, bits) => `${ALPHABET[bits >> 5]}${ALPHABET[bits & 31]}`);
const TWO_20 = 2 ** 20;
const TWO_40 = 2 ** 40;

/** 40 bits as 8 letters. */
function encode40(value: number): string {
  const high = Math.floor(value / TWO_20);
  const low = value % TWO_20;
  return `${PAIRS[high >> 10]}${PAIRS[high & 1023]}${PAIRS[low >> 10]}${PAIRS[low & 1023]}`;
}

/** 48 bits of milliseconds as 10 letters (exact: a double holds integers to 2^53). */
function encodeTime(now: number): string {
  return `${PAIRS[Math.floor(now / TWO_40)]}${encode40(now % TWO_40)}`;
}

// The last id's random part: 80 bits, as two numbers of 40.
let lastTime = -1;
let lastHigh = 0;
let lastLow = 0;

/**
 * The random part of an id made at `now`, as 16 letters. Within one millisecond the ids a process
 * makes still sort in the order it made them (a list "by creation" and its cursor need that): the
 * next one is the last plus a random step of up to 40 bits, so it stays hard to guess.
 */
function randomPart(now: number): string {
  if (now === lastTime) {
    const step = randomBytesPooled(5).readUIntBE(0, 5) + 1;
    const sum = lastLow + step;
    const high = lastHigh + (sum >= TWO_40 ? 1 : 0);
    if (high < TWO_40) {
      lastHigh = high;
      lastLow = sum % TWO_40;
      return encode40(lastHigh) + encode40(lastLow);
    }
  }
  const bytes = randomBytesPooled(10);
  lastTime = now;
  lastHigh = bytes.readUIntBE(0, 5);
  lastLow = bytes.readUIntBE(5, 5);
  return encode40(lastHigh) + encode40(lastLow);
}

/**
 * A prefixed, time-sortable id (`pay_01jc…`): 48 bits of milliseconds then 80 random bits, the ULID
 * layout, so ids sort by creation time and need no coordination between nodes.
 */
export function newId(prefix: string, now: number = Date.now()): string {
  return `${prefix}_${encodeTime(now)}${randomPart(now)}`;
}

export function hasPrefix(id: string, prefix: string): boolean {
  return new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`).test(id);
}
