import { prepareValue } from 'pg/lib/utils.js';
import { TypedArray } from './binary-arrays.js';

/**
 * A parameter's value as pg sends it (prepareValue), with arrays written here: pg escapes every
 * element of an array with two regular expressions, and a group's writes over arrays (held-rows.ts)
 * send a few hundred elements a statement, most of them needing no escape at all. An array whose
 * element type is known goes in binary (a Buffer, which pg sends as such) when its values allow.
 */
export function parameterValue(value: unknown): ReturnType<typeof prepareValue> {
  if (value instanceof TypedArray) return value.binary() ?? arrayLiteral(value.values);
  return Array.isArray(value) ? arrayLiteral(value) : prepareValue(value);
}

/** PostgreSQL's text form of an array, exactly as pg's own arrayString writes it. */
function arrayLiteral(values: readonly unknown[]): string {
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) literal += ',';
    const item = values[i];
    if (item === null || item === undefined) literal += 'NULL';
    else if (Array.isArray(item)) literal += arrayLiteral(item);
    else if (ArrayBuffer.isView(item))
      literal += `\\\\x${Buffer.from(item.buffer, item.byteOffset, item.byteLength).toString('hex')}`;
    else literal += quoted(typeof item === 'string' ? item : String(prepareValue(item)));
  }
  return `${literal}}`;
}

function quoted(text: string): string {
  if (!text.includes('\\') && !text.includes('"')) return `"${text}"`;
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
