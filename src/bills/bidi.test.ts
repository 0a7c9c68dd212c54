import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasArabic, visualRuns } from './bidi.js';

test('digits inside Arabic stay a left-to-right run, in their own order', () => {
  const runs = visualRuns('رقم الوصل 12345', 'rtl');
  // Drawn left to right: the number first (it ends the Arabic sentence), then the Arabic words.
  assert.deepEqual(runs, [
    { text: '12345', rtl: false },
    { text: 'رقم الوصل ', rtl: true },
  ]);
});

test('an amount with its Arabic currency keeps its digits and separators in order', () => {
  const runs = visualRuns('المجموع 1.234,50 د.م.', 'rtl');
  const amount = runs.find((r) => !r.rtl && /\d/.test(r.text));
  assert.equal(amount?.text.trim(), '1.234,50');
  // Visual order: currency (logically last) on the left, the label on the right.
  assert.ok(runs.at(-1)!.text.includes('المجموع'));
  assert.ok(hasArabic(runs[0]!.text));
});

test('a Latin line in an Arabic paragraph is one run; French stays a single run', () => {
  assert.deepEqual(visualRuns('R-7K3M-9QX2-HC4P-A8D3F2', 'rtl'), [
    { text: 'R-7K3M-9QX2-HC4P-A8D3F2', rtl: false },
  ]);
  assert.deepEqual(visualRuns('Reçu n° 42 (copie)', 'ltr'), [{ text: 'Reçu n° 42 (copie)', rtl: false }]);
  assert.ok(!hasArabic('Reçu'));
});
