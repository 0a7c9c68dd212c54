import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTijara } from './support/process.js';

/** The shell blocks of one README section, in order. */
function shellBlocks(section: string): string[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf(`## ${section}`);
  const end = readme.indexOf('\n### ', start);
  return [...readme.slice(start, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

test('the README\'s "Accept a card payment" commands work as written against `tijara start`', async () => {
  const blocks = shellBlocks('Accept a card payment');
  assert.equal(blocks.length, 2);
  const tijara = await startTijara({
    TIJARA_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'tijara-readme-')), 'data'),
  });
  try {
    // The one liberty taken: the port (the test server listens on a free one, not 3000).
    const script = blocks.join('\n').replaceAll('http://127.0.0.1:3000', tijara.baseUrl);
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const out = run.stdout;
    assert.match(out, /created pay_/);
    assert.match(out, /"status":"succeeded"/);
    assert.match(out, /"fee":1975/);
    assert.match(out, /"object":"refund".*"amount":25000/);
    assert.match(out, /"amount_refunded":25000/);
    assert.match(out, /"reconciled":true/);
    assert.match(out, /time,kind,payment,refund,amount,fee,net,currency\n/);
  } finally {
    tijara.child.kill('SIGTERM');
    await tijara.exited;
  }
});
