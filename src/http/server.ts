import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { newId } from '../core/ids.js';
import { type Logger, lazyRequestLogger } from '../core/logger.js';
import { Problem } from '../core/problem.js';
import { unstorableValueAt } from './unstorable-values.js';

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

const INCOMING_REQUEST_ID = /^[\w.-]{1,64}$/;

export function sendProblem(reply: import('fastify').FastifyReply, problem: Problem) {
  return reply.code(problem.status).type('application/problem+json').send(problem.toJSON(reply.request.url));
}

function toProblem(error: FastifyError): Problem {
  if (error instanceof Problem) return error;
  if (error.validation) {
    const errors = error.validation.map((v) => ({
      field: `${error.validationContext ?? 'body'}${v.instancePath.replaceAll('/', '.')}`,
      message: v.message ?? 'is invalid',
    }));
    return new Problem(
      400,
      'invalid_request',
      'Invalid request',
      errors.map((e) => `${e.field} ${e.message}`).join('; '),
      {
        errors,
      },
    );
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'body_too_large' : 'invalid_request';
    return new Problem(status, code, 'Invalid request', error.message);
  }
  return new Problem(
    500,
    'internal_error',
    'Internal error',
    'Something went wrong on our side; it has been logged.',
  );
}

/** The bare server: request ids, problem+json errors, OpenAPI. Modules add their routes as plugins. */
export async function createServer(options: { logger: Logger; bodyLimit?: number }): Promise<App> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    childLoggerFactory: (logger, bindings, childOptions) =>
      lazyRequestLogger(logger as Logger, bindings, childOptions) as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 1_048_576,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && INCOMING_REQUEST_ID.test(incoming) ? incoming : newId('req');
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // After validation, whose coercion of query strings and forms makes the numbers this looks at.
  app.addHook('preHandler', (request, _reply, done) => {
    const found =
      unstorableValueAt(request.params, 'params') ??
      unstorableValueAt(request.query, 'querystring') ??
      // A body left as text is its route's to parse and refuse in its own format (CMI's XML API).
      (typeof request.body === 'string' ? undefined : unstorableValueAt(request.body, 'body'));
    if (found === undefined) return done();
    done(
      new Problem(400, 'invalid_request', 'Invalid request', `${found.field} ${found.message}`, {
        errors: [found],
      }),
    );
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, problem);
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new Problem(404, 'route_not_found', 'Not found', `no route ${request.method} ${request.url}`),
    ),
  );

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tijara API',
        version: '1',
        description:
          'Card payments in Morocco: payments, refunds, bills, supervision. Amounts are integers in minor units.',
      },
      components: {
        securitySchemes: {
          secretKey: { type: 'http', scheme: 'bearer', description: 'sk_test_… or sk_live_…' },
        },
      },
    },
  });

  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
