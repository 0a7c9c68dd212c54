import { Type } from 'typebox';
import { Problem } from '../core/problem.js';
import { migrationStatus } from '../store/migrations.js';
import type { SharedStore } from '../store/store.js';
import { type App, sendProblem } from './server.js';

export function healthRoutes(store: SharedStore) {
  return async (app: App) => {
    app.get(
      '/v1/health',
      {
        schema: {
          summary: 'The process is alive',
          tags: ['platform'],
          response: { 200: Type.Object({ status: Type.Literal('ok') }) },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/v1/ready',
      {
        schema: {
          summary: 'The database answers and its schema is current',
          tags: ['platform'],
          response: {
            200: Type.Object({
              status: Type.Literal('ready'),
              database: Type.String(),
              migrations: Type.Integer(),
            }),
          },
        },
      },
      async (_request, reply) => {
        let status: Awaited<ReturnType<typeof migrationStatus>>;
        try {
          status = await migrationStatus(store);
        } catch (error) {
          reply.log.warn({ err: error }, 'readiness check: database unreachable');
          return sendProblem(
            reply,
            new Problem(503, 'database_unavailable', 'Not ready', 'the database does not answer'),
          );
        }
        if (status.pending.length > 0) {
          return sendProblem(
            reply,
            new Problem(
              503,
              'migrations_pending',
              'Not ready',
              `pending migrations: ${status.pending.join(', ')}`,
            ),
          );
        }
        return { status: 'ready' as const, database: store.kind, migrations: status.applied.length };
      },
    );
  };
}
