import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Type } from 'typebox';
import { createLogger } from '../core/logger.js';
import { Problem } from '../core/problem.js';
import { createServer } from './server.js';

const app = await createServer({ logger: createLogger('silent') });
app.post(
  '/v1/echo',
  {
    schema: {
      body: Type.Object(
        { amount: Type.Integer({ minimum: 1 }), currency: Type.String() },
        { additionalProperties: false },
      ),
    },
  },
  async (request) => request.body,
);
app.get('/v1/teapot', async () => {
  throw new Problem(418, 'teapot', 'I am a teapot', 'short and stout');
});
app.get('/v1/crash', async () => {
  throw new Error('secret internals');
});
await app.listen({ port: 0, host: '127.0.0.1' });
after(() => app.close());
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

async function post(body: string) {
  return fetch(`${base}/v1/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
}

describe('http errors', () => {
  test('schema violations are problem+json listing each field', async () => {
    const response = await post(JSON.stringify({ amount: 1.5, extra: true }));
    assert.equal(response.status, 400);
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const problem = (await response.json()) as { code: string; errors: { field: string }[] };
    assert.equal(problem.code, 'invalid_request');
    assert.ok(problem.errors.length >= 2, JSON.stringify(problem));
  });

  test('malformed JSON is a 400 problem', async () => {
    const response = await post('{"amount":');
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { code: string }).code, 'invalid_request');
  });

  test('a Problem keeps its status and code; an unexpected error hides its internals', async () => {
    const teapot = await fetch(`${base}/v1/teapot`);
    assert.equal(teapot.status, 418);
    assert.equal(((await teapot.json()) as { code: string }).code, 'teapot');
    const crash = await fetch(`${base}/v1/crash`);
    assert.equal(crash.status, 500);
    const text = await crash.text();
    assert.doesNotMatch(text, /secret internals/);
    assert.match(text, /internal_error/);
  });

  test('a valid body passes', async () => {
    const response = await post(JSON.stringify({ amount: 100, currency: 'MAD' }));
    assert.deepEqual(await response.json(), { amount: 100, currency: 'MAD' });
  });
});
