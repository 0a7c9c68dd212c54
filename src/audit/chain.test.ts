import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  type ChainedFields,
  canonicalJson,
  chainBreak,
  chainedColumns,
  GENESIS_HASH,
  GENESIS_LINK,
  hashedColumns,
  normalizeDetails,
  recordHash,
} from './chain.js';
import type { AuditRecord } from './model.js';

const fields: ChainedFields = {
  seq: 7n,
  id: 'aud_01jq0000000000000000000000',
  at: new Date('2025-03-01T09:00:00.123Z'),
  actorType: 'user',
  actorId: 'usr_supervisor',
  organisationId: 'org_authority',
  action: 'card.international.grant',
  targetType: 'card',
  targetId: 'card_123',
  details: { allowance: '10000000', reason: { code: 'travel', note: 'Umrah' } },
  ip: '196.200.1.1',
  requestId: 'req_1',
  prevHash: 'a'.repeat(64),
};

function sealedRecord(f: ChainedFields): AuditRecord {
  return { ...f, hash: recordHash(f) };
}

/** The same object with its keys in reverse order, at every depth. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v)]),
  );
}

describe('canonical JSON', () => {
  test('sorts keys at every depth and writes bigints and dates as strings', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [2n, { z: null, y: true }], c: new Date(0) }, skipped: undefined }),
      '{"a":{"c":"1970-01-01T00:00:00.000Z","d":["2",{"y":true,"z":null}]},"b":1}',
    );
  });

  test('key order never changes the text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assert.equal(canonicalJson(reverseKeys(value)), canonicalJson(value));
      }),
    );
  });

  test('a value read back from its canonical text has the same text (what jsonb storage relies on)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        assert.equal(canonicalJson(JSON.parse(text)), text);
      }),
    );
  });

  test('refuses what JSON cannot hold', () => {
    assert.throws(() => canonicalJson({ f: () => 1 }), TypeError);
  });
});

describe('record hash', () => {
  test('the hashed text is the canonical JSON of the record’s columns, whatever they hold', () => {
    const text = fc.option(fc.string({ unit: 'binary' }), { nil: null });
    const record = fc.record({
      seq: fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }),
      id: fc.string(),
      at: fc.date({ min: new Date(0), max: new Date('2999-12-31T00:00:00Z'), noInvalidDate: true }),
      actorType: fc.constantFrom('user' as const, 'api_key' as const, 'system' as const),
      actorId: fc.string({ unit: 'binary' }),
      organisationId: text,
      action: fc.string(),
      targetType: text,
      targetId: text,
      details: fc.dictionary(fc.string(), fc.jsonValue()).map((value) => normalizeDetails(value)),
      ip: text,
      requestId: text,
      prevHash: fc.stringMatching(/^[0-9a-f]{64}$/),
    });
    fc.assert(
      fc.property(record, (r) => {
        const details = canonicalJson(r.details);
        assert.equal(hashedColumns(r, details), canonicalJson(chainedColumns(r)));
      }),
    );
  });

  test('the genesis hash is 64 zeros', () => {
    assert.match(GENESIS_HASH, /^0{64}$/);
  });

  test('key order in details does not change the hash', () => {
    const reordered = { ...fields, details: reverseKeys(fields.details) as ChainedFields['details'] };
    assert.notDeepEqual(Object.keys(reordered.details), Object.keys(fields.details));
    assert.equal(recordHash(reordered), recordHash(fields));
  });

  test('the hash ignores a hash already on the record', () => {
    assert.equal(recordHash({ ...fields, hash: 'f'.repeat(64) } as AuditRecord), recordHash(fields));
  });

  const changes: [string, Partial<ChainedFields>][] = [
    ['seq', { seq: 8n }],
    ['id', { id: 'aud_01jq0000000000000000000001' }],
    ['at (one millisecond)', { at: new Date('2025-03-01T09:00:00.124Z') }],
    ['actor type', { actorType: 'api_key' }],
    ['actor id', { actorId: 'usr_other' }],
    ['organisation (to none)', { organisationId: null }],
    ['action', { action: 'card.international.revoke' }],
    ['target type (to none)', { targetType: null }],
    ['target id', { targetId: 'card_124' }],
    ['a nested detail', { details: { allowance: '10000000', reason: { code: 'travel', note: 'Hajj' } } }],
    ['a detail number as text', { details: { ...fields.details, allowance: 10000000 } }],
    ['ip (to empty)', { ip: '' }],
    ['request id', { requestId: 'req_2' }],
    ['prev_hash', { prevHash: 'b'.repeat(64) }],
  ];
  for (const [name, change] of changes) {
    test(`changing the ${name} changes the hash`, () => {
      assert.notEqual(recordHash({ ...fields, ...change }), recordHash(fields));
    });
  }

  test('details are stored as they are hashed: bigints and dates become strings', () => {
    assert.deepEqual(normalizeDetails({ amount: 25_000n, at: new Date(0), gone: undefined }), {
      amount: '25000',
      at: '1970-01-01T00:00:00.000Z',
    });
  });
});

describe('chain links', () => {
  const first = sealedRecord({ ...fields, seq: 1n, prevHash: GENESIS_HASH });
  const second = sealedRecord({ ...fields, seq: 2n, id: 'aud_2', prevHash: first.hash });

  test('a record follows the one before it', () => {
    assert.equal(chainBreak(GENESIS_LINK, first), undefined);
    assert.equal(chainBreak(first, second), undefined);
  });

  test('a gap, a wrong prev_hash and a changed field are each named', () => {
    assert.equal(chainBreak(GENESIS_LINK, second), 'record #1 is missing');
    assert.equal(chainBreak(GENESIS_LINK, { ...second, seq: 4n }), 'records #1 to #3 are missing');
    assert.match(chainBreak(GENESIS_LINK, { ...first, prevHash: 'c'.repeat(64) }) ?? '', /genesis/);
    assert.match(chainBreak({ seq: 1n, hash: 'd'.repeat(64) }, second) ?? '', /not the hash of record #1/);
    assert.match(chainBreak(first, { ...second, action: 'card.block' }) ?? '', /hash mismatch/);
  });
});
