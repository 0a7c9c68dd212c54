import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Type } from 'typebox';
import { createLogger, lazyRequestLogger } from '../core/logger.js';
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

describe("a request's logger", () => {
  test('becomes a pino child only when something is logged at a level in force, and only once', () => {
    const lines: string[] = [];
    const parent = createLogger('warn', { write: (line: string) => lines.push(line) });
    let children = 0;
    const child = parent.child.bind(parent);
    parent.child = ((...args: Parameters<typeof child>) => {
      children++;
      return child(...args);
    }) as typeof parent.child;
    const log = lazyRequestLogger(parent, { reqId: 'r1' }, {});
    log.info('below the level');
    log.debug('below too');
    assert.equal(children, 0);
    assert.equal(log.level, 'warn');
    log.warn('one');
    log.error('two');
    assert.equal(children, 1);
    assert.deepEqual(
      lines
        .map((line) => JSON.parse(line) as { reqId: string; msg: string })
        .map(({ reqId, msg }) => ({ reqId, msg })),
      [
        { reqId: 'r1', msg: 'one' },
        { reqId: 'r1', msg: 'two' },
      ],
    );
    // A route's own level: pino's child at once, with that level.
    assert.equal(lazyRequestLogger(parent, { reqId: 'r2' }, { level: 'debug' }).level, 'debug');
    assert.equal(children, 2);
  });

  test('writes nothing below the level in force; what it writes carries the request id and is redacted', async () => {
    const lines: Record<string, unknown>[] = [];
    const logged = await createServer({
      logger: createLogger('warn', { write: (line: string) => lines.push(JSON.parse(line)) }),
    });
    logged.get('/quiet', async (request) => {
      request.log.info({ note: 'below the level' }, 'not written');
      return { ok: true };
    });
    logged.get('/loud', async (request) => {
      request.log.info('not written either');
      request.log.warn({ password: 'hunter2', card: '4111 1111 1111 1111' }, 'written');
      return { ok: true };
    });
    logged.get('/crash', async () => {
      throw new Error('boom');
    });
    await logged.listen({ port: 0, host: '127.0.0.1' });
    try {
      const at = `http://127.0.0.1:${(logged.server.address() as { port: number }).port}`;
      await fetch(`${at}/quiet`);
      assert.equal(lines.length, 0);
      const loud = await fetch(`${at}/loud`, { headers: { 'x-request-id': 'req_loud_1' } });
      assert.equal(loud.headers.get('x-request-id'), 'req_loud_1');
      assert.equal(lines.length, 1, JSON.stringify(lines));
      assert.equal(lines[0]!.reqId, 'req_loud_1');
      assert.equal(lines[0]!.msg, 'written');
      assert.equal(lines[0]!.password, '[redacted]');
      assert.equal(lines[0]!.card, '[pan …1111]');
      const crash = await fetch(`${at}/crash`);
      assert.equal(crash.status, 500);
      const failed = lines.find((line) => line.msg === 'request failed');
      assert.equal(failed?.reqId, crash.headers.get('x-request-id'));
    } finally {
      await logged.close();
    }
  });
});
