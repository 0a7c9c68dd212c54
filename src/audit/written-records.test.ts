import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PendingRow } from './model.js';
import { type PendingRecord, WrittenRecords } from './written-records.js';

function record(id: string, overrides: Partial<PendingRow> = {}): PendingRecord {
  return {
    row: {
      id,
      at: new Date('2026-12-06T08:00:00Z'),
      actor_type: 'api_key',
      actor_id: 'key_1',
      organisation_id: 'mer_1',
      action: 'payment.create',
      target_type: 'payment',
      target_id: 'pay_1',
      details: {},
      ip: null,
      request_id: null,
      ...overrides,
    },
    details: '{}',
  };
}

describe('written audit records', () => {
  test('a remembered record is handed out until it is forgotten (sealed)', () => {
    const written = new WrittenRecords();
    written.remember(record('aud_1'));
    assert.equal(written.get('aud_1')?.row.id, 'aud_1');
    written.forget(['aud_1']);
    assert.equal(written.has('aud_1'), false);
  });

  test('past the count, the oldest go first', () => {
    const written = new WrittenRecords({ maxRecords: 3, maxAgeMs: 60_000 }, () => 0);
    for (const id of ['aud_1', 'aud_2', 'aud_3', 'aud_4']) written.remember(record(id));
    assert.equal(written.size, 3);
    assert.equal(written.has('aud_1'), false);
    assert.equal(written.has('aud_4'), true);
  });

  test('records left unsealed too long (sealed by another process, or rolled back) go', () => {
    let now = 0;
    const written = new WrittenRecords({ maxRecords: 100, maxAgeMs: 1000 }, () => now);
    written.remember(record('aud_old'));
    now = 900;
    written.remember(record('aud_recent'));
    now = 1500;
    written.remember(record('aud_new'));
    assert.equal(written.has('aud_old'), false);
    assert.equal(written.has('aud_recent'), true);
    assert.equal(written.has('aud_new'), true);
  });

  test('a record with a text the driver would change (a lone surrogate) is not remembered', () => {
    const written = new WrittenRecords();
    written.remember(record('aud_1', { actor_id: 'key_\ud800' }));
    assert.equal(written.has('aud_1'), false);
  });
});
