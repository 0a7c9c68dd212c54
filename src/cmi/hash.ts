import { createHash, timingSafeEqual } from 'node:crypto';

/** Fields that are never signed (compared in lower case). */
const UNSIGNED_FIELDS = new Set(['hash', 'encoding']);

/** CMI's escaping: a backslash is doubled and a pipe gets one, so a bare `|` only ever separates values. */
function escapeHashValue(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('|', '\\|');
}

const isDigit = (code: number) => code >= 48 && code <= 57;
// ASCII only, like PHP's toupper: a non-ASCII letter must not change the length of a name.
const upperAscii = (code: number) => (code >= 97 && code <= 122 ? code - 32 : code);

function digitRunEnd(text: string, from: number): number {
  let end = from;
  while (end < text.length && isDigit(text.charCodeAt(end))) end++;
  return end;
}

/** Two runs of digits by the number they write ("9" before "10"). */
function compareDigitRuns(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The order CMI's plugins sign fields in: PHP's `natcasesort`, i.e. letters compared as upper case
 * (so `_` sorts after the letters) and runs of digits by their value (`item9` before `item10`).
 * For ordinary field names this is simply a case-insensitive sort.
 */
export function compareFieldNames(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      const endA = digitRunEnd(a, i);
      const endB = digitRunEnd(b, j);
      const byValue = compareDigitRuns(a.slice(i, endA), b.slice(j, endB));
      if (byValue !== 0) return byValue;
      i = endA;
      j = endB;
      continue;
    }
    const difference = upperAscii(a.charCodeAt(i)) - upperAscii(b.charCodeAt(j));
    if (difference !== 0) return difference;
    i++;
    j++;
  }
  return a.length - i - (b.length - j);
}

/** The text CMI's "ver3" hash is taken of: signed values in name order, then the store key, joined by `|`. */
export function cmiHashPlaintext(fields: Record<string, string>, storeKey: string): string {
  const names = Object.keys(fields)
    .filter((name) => !UNSIGNED_FIELDS.has(name.toLowerCase()))
    .sort(compareFieldNames);
  return [...names.map((name) => escapeHashValue(fields[name] ?? '')), escapeHashValue(storeKey)].join('|');
}

/** CMI's "ver3" hash: base64 of the SHA-512 digest of the plaintext above (UTF-8). */
export function cmiHash(fields: Record<string, string>, storeKey: string): string {
  return createHash('sha512').update(cmiHashPlaintext(fields, storeKey), 'utf8').digest('base64');
}

/** The fields without their signature, whatever the case of its name. */
export function withoutHash<T extends Record<string, string>>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([name]) => name.toLowerCase() !== 'hash')) as T;
}

/** The HASH a message carries, whatever the case of its name. */
export function hashFieldOf(fields: Record<string, string>): string | undefined {
  const name = Object.keys(fields).find((n) => n.toLowerCase() === 'hash');
  return name === undefined ? undefined : fields[name];
}

/** Whether the message's HASH is the one its fields and the store key give (compared in constant time). */
export function verifyCmiHash(fields: Record<string, string>, storeKey: string): boolean {
  const given = hashFieldOf(fields);
  if (given === undefined) return false;
  // The base64 texts are compared as they are: decoding first would accept stray characters.
  const expected = Buffer.from(cmiHash(fields, storeKey), 'utf8');
  const received = Buffer.from(given, 'utf8');
  return received.length === expected.length && timingSafeEqual(received, expected);
}
