import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { checkUrlCommand } from './cli.js';

const server = http.createServer((_, response) =>
  response
    .writeHead(200, { 'content-type': 'text/html', 'referrer-policy': 'no-referrer' })
    .end('<p>bienvenue</p>'),
);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
after(() => server.close());
const port = (server.address() as AddressInfo).port;
const network = { timeoutMs: 2_000, hosts: { 'portail.test': '127.0.0.1' } };

async function run(url: string) {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk) => {
    text += chunk;
  });
  const code = await checkUrlCommand(url, network, out, new Date());
  return { code, text };
}

test('`tijara watch check` prints what a visit finds, and fails unless the site is up', async () => {
  const plain = await run(`http://portail.test:${port}/`);
  assert.equal(plain.code, 1);
  assert.match(plain.text, new RegExp(`^http://portail.test:${port}/: at_risk\n`));
  assert.match(plain.text, /answered 200 in \d+ ms/);
  assert.match(plain.text, /no_tls: the page is served over plain HTTP/);
  assert.match(plain.text, /missing_header: content-security-policy/);
  assert.doesNotMatch(plain.text, /referrer-policy/);

  const internal = await run(`http://127.0.0.1:${port}/`);
  assert.equal(internal.code, 1);
  assert.match(internal.text, /down\n {2}unreachable: .*not a public address/);

  const bad = await run('ftp://portail.test/');
  assert.equal(bad.code, 2);
  assert.match(bad.text, /only http:\/\/ and https:\/\//);
});
