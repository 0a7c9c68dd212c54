import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareValue } from 'pg/lib/utils.js';
import { parameterValue } from './array-literal.js';

test("arrays are written exactly as pg's prepareValue writes them, and other values are left to it", () => {
  const values: unknown[] = [
    ['plain', 'with "quotes"', 'back\\slash', '', 'comma, brace } and {', 'NULL', 'تجارة'],
    [1, -2.5, 9_007_199_254_740_993n, true, false],
    [null, undefined, 'after nulls'],
    [Buffer.from([0, 1, 254, 255]), new Uint8Array([7, 92, 34])],
    [new Date(Date.UTC(2027, 2, 1, 10, 0, 5, 123))],
    [{ a: 1, quote: 'x"y', nested: { list: [1, null] } }, '{"already":"json"}'],
    [
      ['nested', 'arrays'],
      ['of "text"', null],
    ],
    [],
    'a string',
    42n,
    null,
    Buffer.from([1, 2]),
    { an: 'object' },
  ];
  for (const value of values)
    assert.deepEqual(
      parameterValue(value),
      prepareValue(value),
      JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)),
    );
});
