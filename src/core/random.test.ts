import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomBytesPooled } from './random.js';

test('pooled random bytes: the size asked for, never handed out twice, each piece its own copy', () => {
  // 3,000 pieces of 12 bytes draw the 4 KiB pool several times over.
  const pieces = Array.from({ length: 3000 }, () => randomBytesPooled(12));
  assert.ok(pieces.every((piece) => piece.length === 12));
  assert.equal(new Set(pieces.map((piece) => piece.toString('hex'))).size, pieces.length);
  // A view of the pool would change when the pool is drawn again.
  const texts = pieces.map((piece) => piece.toString('hex'));
  randomBytesPooled(4096);
  randomBytesPooled(4096);
  assert.deepEqual(
    pieces.map((piece) => piece.toString('hex')),
    texts,
  );
  assert.throws(() => randomBytesPooled(4097), RangeError);
});
