import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvField, csvRow } from './csv.js';

test('CSV fields are quoted only when they must be, with quotes doubled', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField(null), '');
  assert.equal(csvField(''), '');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('line\nbreak'), '"line\nbreak"');
  assert.equal(csvField('cr\rhere'), '"cr\rhere"');
  assert.equal(csvRow(['1', 'a,"b"\nc', null]), '1,"a,""b""\nc",\r\n');
});
