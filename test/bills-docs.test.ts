import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTijara } from './support/process.js';

/** The shell blocks of one section of docs/bills.md that talk to the API (not the `npx tijara` ones). */
function curlBlocks(section: string): string[] {
  const guide = readFileSync(new URL('../docs/bills.md', import.meta.url), 'utf8');
  const start = guide.indexOf(`## ${section}`);
  assert.ok(start >= 0, section);
  const end = guide.indexOf('\n## ', start + 3);
  return [...guide.slice(start, end < 0 ? undefined : end).matchAll(/```sh\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .filter((block) => block.startsWith('curl'));
}

test('the biller guide’s curl examples work as written against `tijara start`', async () => {
  const blocks = [
    ...curlBlocks('Load bills through the API'),
    ...curlBlocks('Paid bills: webhook and remittance file'),
  ];
  assert.equal(blocks.length, 3);
  const tijara = await startTijara({
    TIJARA_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'tijara-bills-docs-')), 'data'),
  });
  try {
    assert.match(
      tijara.output(),
      /blr_bouregreg, key sk_test_BouregregDemo00000000000000000001\): contract 0123456789/,
    );
    const script = blocks.join('\n').replaceAll('http://127.0.0.1:3000', tijara.baseUrl);
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const out = run.stdout;
    assert.match(out, /"external_id":"F-2026-11-5550001111","outcome":"created"/);
    assert.match(out, /"external_id":"F-2026-10-5550001111","outcome":"canceled"/);
    assert.match(out, /"object":"bill","external_id":"F-2026-11-5550001111".*"status":"open"/);
    assert.match(
      out,
      /"data":\[\{"id":"bil_[0-9a-z]+","object":"bill","description":"Eau et électricité novembre 2026".*"amount_due":41250,"fee":250\}\]/,
    );
    assert.match(
      out,
      /kind,time,reference,external_id,amount,fee,fee_payer,net,receipt_number,payment,currency\n/,
    );
    assert.match(out, /"object":"remittance".*"reconciled":true/);
  } finally {
    tijara.child.kill('SIGTERM');
    await tijara.exited;
  }
});
