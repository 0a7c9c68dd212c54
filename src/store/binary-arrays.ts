/**
 * A group's writes over arrays (held-rows.ts) send each column of its members' rows as one array
 * parameter. Sent as text, PostgreSQL parses it with array_in, which scans for quotes, escapes and
 * braces and then runs every element through its type's text input (8% of PostgreSQL's CPU under the
 * payments benchmark, docs/performance.md). In PostgreSQL's binary array format it reads lengths and
 * bytes instead (array_recv), and the element types that the payment path writes have a binary form
 * that is plain bytes or a fixed-width integer.
 *
 * An array whose element type has no encoder here, or with one element an encoder does not take as
 * it is (a timestamp given as text, say), is sent as text, as before: binary is only ever a faster
 * way to send the same values.
 */

/** Writes one element's binary form at `at` in `buffer`, returning the offset after it; or -1. */
type Encoder = (value: unknown, buffer: Buffer, at: number) => number;

/** How a type's elements are written: the encoder, and the bytes an element takes. */
interface Encoding {
  readonly encode: Encoder;
  readonly widthOf: (value: unknown) => number;
}

/** An element type as PostgreSQL knows it: the OID the array's header must name, and its encoding. */
export interface ElementType {
  readonly oid: number;
  readonly encoding: Encoding | undefined;
}

/** An array parameter whose element type is known, so that it can be sent in binary. */
export class TypedArray {
  constructor(
    readonly type: ElementType,
    readonly values: readonly unknown[],
  ) {}

  /** PostgreSQL's binary array format, or undefined when an element has no binary form here. */
  binary(): Buffer | undefined {
    const { oid, encoding } = this.type;
    if (encoding === undefined) return undefined;
    const { encode, widthOf } = encoding;
    const { values } = this;
    // A one-dimensional array: dimensions, has-nulls flag, element type, length and lower bound.
    let size = 20 + 4 * values.length;
    for (const value of values) if (value !== null && value !== undefined) size += widthOf(value);
    const buffer = Buffer.allocUnsafe(size);
    let hasNulls = 0;
    let at = 20;
    for (const value of values) {
      if (value === null || value === undefined) {
        hasNulls = 1;
        at = buffer.writeInt32BE(-1, at);
        continue;
      }
      const start = at + 4;
      const end = encode(value, buffer, start);
      if (end < 0) return undefined;
      buffer.writeInt32BE(end - start, at);
      at = end;
    }
    buffer.writeInt32BE(1, 0);
    buffer.writeInt32BE(hasNulls, 4);
    buffer.writeUInt32BE(oid, 8);
    buffer.writeInt32BE(values.length, 12);
    buffer.writeInt32BE(1, 16);
    return buffer.subarray(0, at);
  }
}

const text: Encoder = (value, buffer, at) =>
  typeof value === 'string' ? at + buffer.write(value, at, 'utf8') : -1;

/** An integer column of `bytes` bytes: a bigint, or a number that is an integer, within its range. */
function integer(bytes: 2 | 4 | 8): Encoder {
  const limit = 2n ** BigInt(bytes * 8 - 1);
  return (value, buffer, at) => {
    let n: bigint;
    if (typeof value === 'bigint') n = value;
    else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
    else return -1;
    if (n < -limit || n >= limit) return -1;
    if (bytes === 8) return buffer.writeBigInt64BE(n, at);
    return bytes === 4 ? buffer.writeInt32BE(Number(n), at) : buffer.writeInt16BE(Number(n), at);
  };
}

const boolean: Encoder = (value, buffer, at) =>
  typeof value === 'boolean' ? buffer.writeUInt8(value ? 1 : 0, at) : -1;

const bytea: Encoder = (value, buffer, at) => {
  if (!ArrayBuffer.isView(value)) return -1;
  return at + Buffer.from(value.buffer, value.byteOffset, value.byteLength).copy(buffer, at);
};

/** PostgreSQL's timestamps and dates count from 2000-01-01 UTC. */
const EPOCH_2000_MS = Date.UTC(2000, 0, 1);
const DAY_MS = 86_400_000;

/** A Date, as microseconds since 2000 (a Date holds milliseconds: exact). */
const timestamptz: Encoder = (value, buffer, at) => {
  if (!(value instanceof Date)) return -1;
  const ms = value.getTime();
  if (!Number.isFinite(ms)) return -1;
  return buffer.writeBigInt64BE(BigInt(ms - EPOCH_2000_MS) * 1000n, at);
};

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A date given as 'YYYY-MM-DD', as days since 2000; one that does not exist is left to PostgreSQL. */
const date: Encoder = (value, buffer, at) => {
  const parts = typeof value === 'string' ? ISO_DATE.exec(value) : null;
  if (!parts) return -1;
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day)
    return -1;
  return buffer.writeInt32BE((ms - EPOCH_2000_MS) / DAY_MS, at);
};

const JSONB_VERSION = 1;

/** jsonb's binary form is a version byte and the text: given as text, or an object pg would stringify. */
const jsonb: Encoder = (value, buffer, at) => {
  let json: string;
  if (typeof value === 'string') json = value;
  else if (isPlainObject(value)) json = JSON.stringify(value);
  else return -1;
  buffer.writeUInt8(JSONB_VERSION, at);
  return at + 1 + buffer.write(json, at + 1, 'utf8');
};

function isPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return (prototype === Object.prototype || prototype === null) && !('toPostgres' in value);
}

/** Exact, so that a group's few kilobytes of event and audit JSON are not allocated three times over. */
const textWidth = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);

/** An object's JSON text's length: stringified once more by the encoder (a rare case, kept simple). */
const jsonWidth = (value: unknown) =>
  isPlainObject(value) ? Buffer.byteLength(JSON.stringify(value), 'utf8') : 0;

const BPCHAR = 1042;

/** The encodings by built-in type OID (fixed across PostgreSQL versions). */
const BUILT_IN: ReadonlyMap<number, Encoding> = new Map([
  [25, { encode: text, widthOf: textWidth }], // text
  [1043, { encode: text, widthOf: textWidth }], // varchar
  [BPCHAR, { encode: text, widthOf: textWidth }],
  [20, { encode: integer(8), widthOf: () => 8 }], // int8
  [23, { encode: integer(4), widthOf: () => 4 }], // int4
  [21, { encode: integer(2), widthOf: () => 2 }], // int2
  [16, { encode: boolean, widthOf: () => 1 }], // bool
  [17, { encode: bytea, widthOf: (v) => (ArrayBuffer.isView(v) ? v.byteLength : 0) }], // bytea
  [1184, { encode: timestamptz, widthOf: () => 8 }], // timestamptz
  [1082, { encode: date, widthOf: () => 4 }], // date
  [3802, { encode: jsonb, widthOf: (v) => 1 + (typeof v === 'string' ? textWidth(v) : jsonWidth(v)) }], // jsonb
]);

/** A row of pg_type as elementTypes reads it. */
export interface TypeRow {
  name: string;
  oid: number;
  /** 'b' base, 'd' domain, 'e' enum, … */
  kind: string;
  /** A domain's underlying type; 0 for others. */
  base: number;
}

/** The types' OIDs and encodings by name, as a cast writes it (format_type, and bpchar for char(n)). */
export function elementTypes(rows: readonly TypeRow[]): Map<string, ElementType> {
  const byOid = new Map(rows.map((row) => [row.oid, row]));
  // A domain's encoding is its base type's (PostgreSQL then checks the domain's constraints); an
  // enum's, text's.
  const encodingOf = (row: TypeRow | undefined, depth = 0): Encoding | undefined => {
    if (row === undefined || depth > 10) return undefined;
    if (row.kind === 'e') return BUILT_IN.get(25);
    if (row.kind === 'd') return encodingOf(byOid.get(row.base), depth + 1);
    return BUILT_IN.get(row.oid);
  };
  const types = new Map<string, ElementType>();
  for (const row of rows) types.set(row.name, { oid: row.oid, encoding: encodingOf(row) });
  const bpchar = byOid.get(BPCHAR);
  if (bpchar) types.set('bpchar', types.get(bpchar.name)!);
  return types;
}
