import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createServer } from '../http/server.js';
import { bearerCaller } from './bearer.js';
import { createLogger } from './logger.js';

test('bearerCaller: the caller of a known secret; 401 with its challenge without a key or with an unknown one', async () => {
  const app = await createServer({ logger: createLogger('silent') });
  const callers = new Map([['sk_test_known', { name: 'Atlas' }]]);
  app.get('/whoami', async (request, reply) => {
    const caller = await bearerCaller(request, reply, async (secret) => callers.get(secret), {
      expected: 'sk_test_…',
      unknown: 'this secret key does not exist',
    });
    return { name: caller.name };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  after(() => app.close());
  const { port } = app.server.address() as { port: number };
  const call = (authorization?: string) =>
    fetch(`http://127.0.0.1:${port}/whoami`, authorization ? { headers: { authorization } } : {});

  const known = await call('Bearer sk_test_known');
  assert.equal(known.status, 200);
  assert.deepEqual(await known.json(), { name: 'Atlas' });

  for (const header of [undefined, 'Basic sk_test_known', 'Bearer']) {
    const missing = await call(header);
    assert.equal(missing.status, 401, String(header));
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
    const problem = (await missing.json()) as { code: string; detail: string };
    assert.equal(problem.code, 'unauthenticated');
    assert.equal(problem.detail, 'send Authorization: Bearer sk_test_…');
  }

  const unknown = await call('bearer sk_test_other');
  assert.equal(unknown.status, 401);
  assert.equal(unknown.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
  const problem = (await unknown.json()) as { code: string; detail: string };
  assert.equal(problem.code, 'invalid_api_key');
  assert.equal(problem.detail, 'this secret key does not exist');
});
