import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { moroccanDate } from '../src/core/time.js';
import { tijaraBin } from './support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'tijara-bills-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const dataDir = join(dir, 'data');

function tijara(...args: string[]) {
  const result = spawnSync(process.execPath, [tijaraBin, ...args, '--data-dir', dataDir], {
    env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('tijara bills import: good lines in, bad lines listed with their number, twice changes nothing; remittance prints', () => {
  assert.equal(tijara('seed').code, 0);
  const file = join(dir, 'bills.csv');
  writeFileSync(
    file,
    [
      'external_id,contract,amount,period,due_date,description',
      'CLI-1,1111100000,120.00,Octobre 2026,2026-11-20,Eau octobre',
      'CLI-2,11111,50.00,Octobre 2026,,contract too short',
      'CLI-3,1111100000,abc,,,',
      'CLI-4,1111100001,75.50,Novembre 2026,2026-12-20,Eau novembre',
    ].join('\n'),
  );
  const first = tijara('bills', 'import', file, '--biller', 'blr_bouregreg');
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stdout, /4 line\(s\): 2 created, 0 updated, 0 canceled, 0 unchanged, 2 rejected/);
  assert.match(first.stderr, new RegExp(`${file}:3: rejected: reference.contract must match`));
  assert.match(first.stderr, new RegExp(`${file}:4: rejected: amount "abc"`));
  assert.match(first.stderr, /\[#+\] 100%\s+4\/4 lines/);

  const second = tijara('bills', 'import', file, '--biller', 'blr_bouregreg');
  assert.match(second.stdout, /0 created, 0 updated, 0 canceled, 2 unchanged/);

  const remittance = tijara(
    'bills',
    'remittance',
    '--biller',
    'blr_bouregreg',
    '--date',
    moroccanDate(new Date()),
  );
  assert.equal(remittance.code, 0, remittance.stderr);
  assert.match(
    remittance.stdout,
    /^kind,time,reference,external_id,amount,fee,fee_payer,net,receipt_number,payment,currency\n/,
  );
  assert.match(remittance.stdout, /reconciled/);
});
