import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ParsedBills, parseBillsCsv, progressBar } from './import.js';
import type { Biller } from './model.js';

const treasury: Biller = {
  id: 'blr_t',
  merchantId: 'mer_t',
  livemode: false,
  category: 'treasury',
  name: { ar: 'الخزينة', fr: 'Trésorerie', en: 'Treasury' },
  referenceFields: [
    { name: 'notice', pattern: '^[0-9]{12}$', label: { ar: 'رقم', fr: 'Avis', en: 'Notice' } },
    { name: 'year', pattern: '^20[0-9]{2}$', label: { ar: 'السنة', fr: 'Année', en: 'Year' } },
  ],
  fee: { fixed: 0n, bps: 0, payer: 'biller' },
  partialPayment: false,
  maxBillsPerPayment: 5,
  webhookUrl: null,
};

test('one column per reference field; amounts in dirhams become centimes exactly', () => {
  const parsed = parseBillsCsv(
    '\ufeffexternal_id,notice,year,amount,late_fee,status\nTH-1,202600001234,2026,1234.50,12.3,open\nTH-2,202600001234,2026,0.07,,canceled\n',
    treasury,
  ) as ParsedBills;
  assert.deepEqual(parsed.rejected, []);
  assert.deepEqual(
    parsed.bills.map((b) => [b.line, b.input.reference, b.input.amount, b.input.lateFee, b.input.status]),
    [
      [2, { notice: '202600001234', year: '2026' }, 123_450n, 1_230n, 'open'],
      [3, { notice: '202600001234', year: '2026' }, 7n, 0n, 'canceled'],
    ],
  );
});

test('a quoted field spanning lines keeps the following line numbers right', () => {
  const parsed = parseBillsCsv(
    'external_id,notice,year,amount,description\nA,202600001234,2026,1.00,"two\nlines"\nB,202600001234,2026,-1,x\n',
    treasury,
  ) as ParsedBills;
  assert.equal(parsed.bills[0]!.input.description, 'two\nlines');
  assert.deepEqual(
    parsed.rejected.map((r) => r.line),
    [4],
  );
});

test('a line with a NUL character is rejected by number, and the others load', () => {
  const parsed = parseBillsCsv(
    'external_id,notice,year,amount,description\nTH-1,202600001234,2026,10.00,ok\nTH-2,202600001234,2026,10.00,a\u0000b\n',
    treasury,
  ) as ParsedBills;
  assert.deepEqual(
    parsed.bills.map((b) => b.line),
    [2],
  );
  assert.deepEqual(parsed.rejected, [{ line: 3, reason: 'a field holds the NUL character (U+0000)' }]);
});

test('header problems refuse the file; broken CSV says so', () => {
  assert.deepEqual(parseBillsCsv('', treasury), { error: 'the file is empty' });
  assert.match(
    (parseBillsCsv('external_id,notice,year,amount,colour\n', treasury) as { error: string }).error,
    /colour/,
  );
  assert.match(
    (parseBillsCsv('external_id,notice,year,amount\n"A,1', treasury) as { error: string }).error,
    /not valid CSV/,
  );
});

test('the progress bar', () => {
  assert.equal(progressBar(5, 10, 10), '[#####.....]  50%  5/10 lines');
  assert.equal(progressBar(0, 0, 4), '[####] 100%  0/0 lines');
});
