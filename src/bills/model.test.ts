import assert from 'node:assert/strict';
import { test } from 'node:test';
import { billsOrderReference } from './model.js';

test("a bill payment's order reference lists its bills' ids, or the first and how many more past 100 characters", () => {
  assert.equal(billsOrderReference(['INV-1']), 'INV-1');
  assert.equal(billsOrderReference(['INV-1', 'INV-2', 'INV-3']), 'INV-1,INV-2,INV-3');
  const many = Array.from({ length: 12 }, (_, i) => `INVOICE-2026-${String(i).padStart(4, '0')}`);
  assert.equal(billsOrderReference(many), 'INVOICE-2026-0000 +11');
  assert.equal(billsOrderReference(['X'.repeat(64), 'Y'.repeat(64)]), `${'X'.repeat(64)} +1`);
});
