import { randomFillSync } from 'node:crypto';

// Crockford base32: sortable as text, no ambiguous letters.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

// Random bytes drawn 4 KiB at a time: one system call per ~400 ids rather than one per id.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomChunk(size: number): Buffer {
  if (poolOffset + size > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += size;
  return pool.subarray(poolOffset - size, poolOffset);
}

/** 48 bits of milliseconds as 10 characters (exact: a double holds integers to 2^53). */
function encodeTime(now: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[now % 32] + out;
    now = Math.floor(now / 32);
  }
  return out;
}

/** 80 random bits as 16 characters: each 5 bytes make 8 characters of 5 bits. */
function encodeRandom(bytes: Buffer): string {
  let out = '';
  for (let half = 0; half < 10; half += 5) {
    // 40 bits: the high byte times 2^32 plus the low four bytes, exact in a double.
    let value = bytes[half]! * 2 ** 32 + bytes.readUInt32BE(half + 1);
    let chars = '';
    for (let i = 0; i < 8; i++) {
      chars = ALPHABET[value % 32] + chars;
      value = Math.floor(value / 32);
    }
    out += chars;
  }
  return out;
}

/**
 * A prefixed, time-sortable id (`pay_01jc…`): 48 bits of milliseconds then 80 random bits,
 * the ULID layout, so ids sort by creation time and need no coordination between nodes.
 */
export function newId(prefix: string, now: number = Date.now()): string {
  return `${prefix}_${encodeTime(now)}${encodeRandom(randomChunk(10))}`;
}

export function hasPrefix(id: string, prefix: string): boolean {
  return new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`).test(id);
}
