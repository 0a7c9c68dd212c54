import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { demoApplication } from './seed.js';
import { normalizeDomain, parseApplication, percentToBps } from './validation.js';

const TODAY = '2026-11-24';

test('a complete application parses into clean values', () => {
  const parsed = parseApplication(
    demoApplication(1, {
      domains: ['https://Shop1.Example/', 'shop1.example'],
      expected_monthly_volume: '25 000 000',
    }),
    TODAY,
  );
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.input.domains, ['shop1.example']);
  assert.equal(parsed.input.expectedMonthlyVolume, 25_000_000n);
  assert.equal(parsed.input.owners[0]?.shareBps, 10_000);
  assert.equal(parsed.input.owners[0]?.arabicName, 'نادية بنجلون');
});

test('every wrong field is reported, with its path', () => {
  const parsed = parseApplication(
    {
      company: { name: 'x'.repeat(201) },
      owners: [
        {
          latin_name: 'A',
          id_kind: 'cin',
          id_number: 'AB1',
          birth_date: '1990-02-30',
          nationality: 'MAR',
          share: 60,
          arabic_name: 'Latin',
        },
        {
          latin_name: 'B',
          id_kind: 'passport',
          id_number: 'X12345',
          birth_date: '1990-01-01',
          nationality: 'FR',
          share: '40.5',
        },
      ],
      domains: [],
      expected_monthly_volume: -1,
      rib: '123',
    },
    TODAY,
  );
  assert.ok(!parsed.ok);
  const fields = parsed.errors.map((e) => `${e.field}:${e.code}`);
  for (const expected of [
    'company.name:too_long',
    'company.legal_form:required',
    'company.ice:required',
    'owners.0.birth_date:invalid',
    'owners.0.nationality:invalid',
    'owners.0.arabic_name:not_arabic',
    'owners:shares_over_100',
    'domains:required',
    'expected_monthly_volume:invalid',
    'rib:rib_format',
  ])
    assert.ok(fields.includes(expected), `${expected} in ${fields.join(', ')}`);
});

test('percentages become basis points exactly, never through a float', () => {
  assert.equal(percentToBps('33.33'), 3333);
  assert.equal(percentToBps(12.5), 1250);
  assert.equal(percentToBps('100'), 10_000);
  assert.equal(percentToBps('100.01'), undefined);
  assert.equal(percentToBps('1.234'), undefined);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10_000 }), (bps) => {
      const text = `${Math.floor(bps / 100)}.${String(bps % 100).padStart(2, '0')}`;
      assert.equal(percentToBps(text), bps);
    }),
  );
});

test('domains: host names only', () => {
  assert.equal(normalizeDomain('https://www.Souk.ma/boutique'), 'www.souk.ma');
  assert.equal(normalizeDomain('localhost'), undefined);
  assert.equal(normalizeDomain('127.0.0.1'), undefined);
  assert.equal(normalizeDomain('bad_domain.ma'), undefined);
});
