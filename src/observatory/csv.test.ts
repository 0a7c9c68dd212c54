import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { packageRoot } from '../core/paths.js';
import { openDataCsv, parseFiguresCsv } from './csv.js';
import { publish } from './figures.js';

const header = 'quarter,dimension,key,payments,volume_mad,refunds,refunded_mad,merchants';

test('a series is read with its amounts in centimes, comments and extra columns ignored', () => {
  const parsed = parseFiguresCsv(
    [
      '# published by the previous observatory',
      `${header},note`,
      '2026-Q3,all,all,10,1250.50,1,20,',
      '2026-Q3,card_origin,moroccan,7,1000.25,1,20,,cards issued in Morocco',
      '2026-Q3,card_origin,foreign,3,250.25,0,0,',
    ].join('\n'),
  );
  assert.ok('lines' in parsed, 'errors' in parsed ? parsed.errors.join('\n') : '');
  assert.deepEqual(parsed.lines[0], {
    quarter: '2026-Q3',
    dimension: 'all',
    key: 'all',
    payments: 10,
    volume: 125_050n,
    refunds: 1,
    refunded: 2_000n,
    merchants: null,
  });
  assert.equal(parsed.lines[1]!.volume, 100_025n);
});

test('every error is given with its line, and one rejects the file', () => {
  const parsed = parseFiguresCsv(
    [
      header,
      '2026-Q5,all,all,10,100,,,',
      '2026-Q3,sector,bakery,1,1,,,',
      '2026-Q3,all,all,ten,100,,,',
      '2026-Q3,all,all,10,100.001,,,',
      '2026-Q2,all,all,10,100,,,',
      '2026-Q2,all,all,10,100,,,',
      '2026-Q1,all,all,10,100,,,',
      '2026-Q1,sector,travel,9,100,,,',
      '2026-Q4,sector,travel,9,100,,,',
    ].join('\n'),
  );
  assert.ok('errors' in parsed);
  assert.deepEqual(parsed.errors, [
    'line 2: quarter "2026-Q5" is not like 2026-Q3',
    'line 3: key "bakery" is not one of retail, travel, airline, car_rental, hospitality, bills, taxes, public_services, other for sector',
    'line 4: payments "ten" is not a whole number',
    'line 5: volume_mad "100.001" is not an amount in MAD like 1250.50',
    'line 7: 2026-Q2 all all appears twice',
    '2026-Q1: the sector lines add up to 9 payments and 100.00 MAD, the "all" line says 10 and 100.00',
    '2026-Q4: no "all" line (the whole market)',
  ]);
  assert.deepEqual(parseFiguresCsv('quarter,key\n2026-Q1,all\n'), {
    errors: ['the header line lacks the column(s) dimension, payments, volume_mad'],
  });
  assert.deepEqual(parseFiguresCsv(`${header}\n`), { errors: ['no figures in the file'] });
});

test('the open data reads back as the series it was made from', () => {
  const demo = parseFiguresCsv(readFileSync(`${packageRoot}/demo/observatory-history.csv`, 'utf8'));
  assert.ok('lines' in demo, 'errors' in demo ? demo.errors.join('\n') : '');
  const published = publish(demo.lines, new Map());
  const csv = openDataCsv(published);
  assert.match(
    csv.split('\n')[0]!,
    /^quarter,source,provisional,dimension,key,payments,volume_mad,average_basket_mad/,
  );
  const again = parseFiguresCsv(csv);
  assert.ok('lines' in again, 'errors' in again ? again.errors.join('\n') : '');
  const key = (l: { quarter: string; dimension: string; key: string }) =>
    `${l.quarter}/${l.dimension}/${l.key}`;
  const sorted = <T extends { quarter: string; dimension: string; key: string }>(lines: T[]) =>
    [...lines].sort((a, b) => key(a).localeCompare(key(b)));
  assert.deepEqual(sorted(again.lines), sorted(demo.lines));
});
