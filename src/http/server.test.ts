import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import formbody from '@fastify/formbody';
import { Type } from 'typebox';
import { createLogger, lazyRequestLogger } from '../core/logger.js';
import { Problem } from '../core/problem.js';
import { createServer } from './server.js';

const app = await createServer({ logger: createLogger('silent') });
await app.register(formbody);
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
// No schema: what reaches the handler is what the parsers made of the request.
let freeHandled = 0;
app.post('/v1/free/:name', async (request) => {
  freeHandled++;
  return { params: request.params, query: request.query, body: request.body };
});
app.get(
  '/v1/count',
  { schema: { querystring: Type.Object({ limit: Type.Integer({ maximum: 100 }) }) } },
  async (request) => request.query,
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

describe('values no column can take', () => {
  async function free(path: string, body: string, contentType = 'application/json') {
    const before = freeHandled;
    const response = await fetch(`${base}/v1/free/${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
    return { response, handled: freeHandled > before };
  }

  test('a NUL character is refused wherever it comes in, naming the field, before the handler runs', async () => {
    const cases: [path: string, body: string, field: string, contentType?: string][] = [
      ['ok', '{"order_reference":"A\\u0000B"}', 'body.order_reference'],
      ['ok', '{"metadata":{"note":["a","b\\u0000"]}}', 'body.metadata.note.1'],
      ['ok', '{"metadata":{"k\\u0000":"v"}}', 'body.metadata'],
      ['ok?order_reference=x%00', '{}', 'querystring.order_reference'],
      ['x%00y', '{}', 'params.name'],
      ['ok', 'oid=%00', 'body.oid', 'application/x-www-form-urlencoded'],
    ];
    for (const [path, body, field, contentType] of cases) {
      const { response, handled } = await free(path, body, contentType);
      assert.equal(response.status, 400, `${path} ${body}`);
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const problem = (await response.json()) as { code: string; errors: { field: string }[] };
      assert.equal(problem.code, 'invalid_request');
      assert.deepEqual(
        problem.errors.map((e) => e.field),
        [field],
      );
      assert.equal(handled, false, `${path} ${body} reached the handler`);
    }
  });

  test('a number coerced from text to Infinity is refused, though the schema passes it (ajv#2212)', async () => {
    for (const [path, body, field] of [
      ['/v1/count?limit=1e400', undefined, 'querystring.limit'],
      ['/v1/count?limit=-Infinity', undefined, 'querystring.limit'],
      ['/v1/echo', '{"amount":"1e400","currency":"MAD"}', 'body.amount'],
    ] as const) {
      const response = await fetch(`${base}${path}`, {
        method: body ? 'POST' : 'GET',
        ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}),
      });
      assert.equal(response.status, 400, path);
      const problem = (await response.json()) as { errors: { field: string; message: string }[] };
      assert.deepEqual(problem.errors, [{ field, message: 'must be a finite number' }]);
    }
    // What the coercion is for still works.
    assert.deepEqual(await (await fetch(`${base}/v1/count?limit=7`)).json(), { limit: 7 });
  });

  test('the text "\\u0000" (a backslash, then u0000) is not a NUL and passes', async () => {
    const { response, handled } = await free('ok', JSON.stringify({ note: '\\u0000' }));
    assert.equal(response.status, 200);
    assert.equal(handled, true);
    assert.deepEqual(((await response.json()) as { body: unknown }).body, { note: '\\u0000' });
  });

  test('a body nested as deep as the size limit allows is looked through without overflowing', async () => {
    const depth = 200_000;
    const { response } = await free('ok', `${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`);
    assert.equal(response.status, 400);
    const problem = (await response.json()) as { errors: { field: string }[] };
    // The field is named, cut short rather than echoed 400,000 characters long.
    assert.equal(problem.errors[0]!.field, `${`body${'.0'.repeat(depth)}`.slice(0, 200)}…`);
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
