import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { type OrganisationKeys, organisationKeyAuthentication, supervisorOnly } from '../auth/org-keys.js';
import { Problem } from '../core/problem.js';
import { DateTime, Nullable } from '../http/schemas.js';
import type { App } from '../http/server.js';
import { callerOf } from '../merchants/auth.js';
import type { MerchantService } from '../merchants/service.js';
import { createIdempotency, type KeyLifetime, outcomeOf } from '../payments/idempotency.js';
import type { SharedStore } from '../store/store.js';
import type { VaultService } from '../vault/service.js';
import { type PrivacyRequest, REQUEST_KINDS } from './model.js';
import { figuresByMerchant } from './oversight.js';
import type { PrivacyActor, PrivacyService } from './service.js';

const secretKey = { security: [{ secretKey: [] }] };

const RequestSchema = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('privacy_request'),
    livemode: Type.Boolean(),
    kind: Type.Enum(REQUEST_KINDS),
    email: Type.String(),
    corrected_email: Nullable(Type.String()),
    note: Nullable(Type.String()),
    channel: Type.Enum(['merchant', 'online'], {
      description: 'recorded by the merchant, or sent by the person on the public form (/privacy/request)',
    }),
    status: Type.Enum(['open', 'answered']),
    received_at: DateTime,
    due_at: DateTime,
    answered_at: Nullable(DateTime),
    records: Nullable(Type.Integer()),
    answer: Nullable(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          'access: the payments found (amounts in centimes), the buyer fields their CMI orders keep (cmi_orders) and every reading of the e-mail with its purpose; rectification: corrected_payments and corrected_cmi_orders (order ids); objection: erased_from and erased_cmi_orders',
      }),
    ),
  },
  { $id: 'PrivacyRequest' },
);

function requestJson(request: PrivacyRequest) {
  return {
    id: request.id,
    object: 'privacy_request' as const,
    livemode: request.livemode,
    kind: request.kind,
    email: request.email,
    corrected_email: request.correctedEmail,
    note: request.note,
    channel: request.channel,
    status: request.status,
    received_at: request.receivedAt.toISOString(),
    due_at: request.dueAt.toISOString(),
    answered_at: request.answeredAt?.toISOString() ?? null,
    records: request.records,
    answer: request.answer as Record<string, unknown> | null,
  };
}

const byKey = (request: FastifyRequest): PrivacyActor => ({
  actor: { type: 'api_key', id: callerOf(request).keyId },
  ip: request.ip,
  requestId: request.id,
});
const scopeOf = (request: FastifyRequest) => {
  const caller = callerOf(request);
  return { merchantId: caller.merchant.id, livemode: caller.livemode };
};

export interface PrivacyRoutesDeps {
  privacy: PrivacyService;
  merchants: Pick<MerchantService, 'getMerchant'>;
  store: SharedStore;
  vault: Pick<VaultService, 'sealSecret' | 'openSecret'>;
  authenticate: unknown;
  organisationKeys: OrganisationKeys;
  idempotencyKeys?: KeyLifetime;
}

/**
 * Law 09-08 for merchants, the controllers of their customers' data: the requests people make to
 * see, correct or object to it, answered by Tijara from the payments. And for the supervising
 * authority, whether they are answered in time.
 */
export function privacyRoutes(deps: PrivacyRoutesDeps) {
  const idempotent = createIdempotency(deps.store, deps.vault as VaultService, deps.idempotencyKeys);

  return async (app: App) => {
    app.register(async (merchantApi: App) => {
      merchantApi.addHook('preHandler', deps.authenticate as never);

      merchantApi.post(
        '/v1/privacy_requests',
        {
          schema: {
            tags: ['privacy'],
            summary: "Record a person's request to see, correct or object to their data; due in 30 days",
            ...secretKey,
            body: Type.Object(
              {
                kind: Type.Enum(REQUEST_KINDS),
                email: Type.String({
                  minLength: 3,
                  maxLength: 254,
                  description: 'the address their payments carry',
                }),
                corrected_email: Type.Optional(
                  Type.String({ maxLength: 254, description: 'rectification only' }),
                ),
                note: Type.Optional(Type.String({ maxLength: 2000 })),
                received_at: Type.Optional(
                  Type.String({ format: 'date-time', description: 'now when absent' }),
                ),
              },
              { additionalProperties: false },
            ),
            response: { 201: RequestSchema },
          },
        },
        async (request, reply) => {
          const body = request.body;
          return idempotent(request, reply, scopeOf(request), async (trx) =>
            outcomeOf(
              await deps.privacy.fileRequest(
                callerOf(request),
                {
                  kind: body.kind,
                  email: body.email,
                  correctedEmail: body.corrected_email ?? null,
                  note: body.note ?? null,
                  ...(body.received_at ? { receivedAt: new Date(body.received_at) } : {}),
                },
                byKey(request),
                trx,
              ),
              request.url,
              requestJson,
              201,
            ),
          );
        },
      );

      merchantApi.post(
        '/v1/privacy_requests/:id/answer',
        {
          schema: {
            tags: ['privacy'],
            summary:
              "Answer a request from the payments: the person's data and its readings (access), the address corrected (rectification) or erased (objection)",
            ...secretKey,
            params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
            response: { 200: RequestSchema },
          },
        },
        async (request, reply) => {
          // The long read first, outside the transaction the answer commits in (PrivacyService.prescan).
          const prescan = await deps.privacy.prescan(callerOf(request), request.params.id);
          return idempotent(request, reply, scopeOf(request), async (trx) =>
            outcomeOf(
              await deps.privacy.answerRequest(
                callerOf(request),
                request.params.id,
                byKey(request),
                trx,
                prescan,
              ),
              request.url,
              requestJson,
            ),
          );
        },
      );

      merchantApi.get(
        '/v1/privacy_requests',
        {
          schema: {
            tags: ['privacy'],
            summary: "The merchant's privacy requests, newest first",
            ...secretKey,
            querystring: Type.Object(
              {
                status: Type.Optional(Type.Enum(['open', 'answered'])),
                limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 100 })),
              },
              { additionalProperties: false },
            ),
            response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(RequestSchema) }) },
          },
        },
        async (request) => {
          const { status, limit } = request.query;
          const requests = await deps.privacy.listRequests(scopeOf(request), {
            ...(status ? { status } : {}),
            limit: limit ?? 100,
          });
          return { object: 'list' as const, data: requests.map(requestJson) };
        },
      );

      merchantApi.get(
        '/v1/privacy_requests/:id',
        {
          schema: {
            tags: ['privacy'],
            summary: 'One privacy request, with its answer',
            ...secretKey,
            params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
            response: { 200: RequestSchema },
          },
        },
        async (request) => {
          const found = await deps.privacy.getRequest(scopeOf(request), request.params.id);
          if (!found)
            throw new Problem(
              404,
              'not_found',
              'Not found',
              `privacy request ${request.params.id} does not exist`,
            );
          return requestJson(found);
        },
      );
    });

    app.get(
      '/v1/privacy/figures',
      {
        preHandler: organisationKeyAuthentication(deps.organisationKeys, supervisorOnly),
        schema: {
          tags: ['privacy'],
          summary:
            "Each merchant's live privacy requests: open, overdue, answered, answered late (no personal data)",
          security: [{ secretKey: [] }],
          description: 'Authorization: Bearer ok_… (an organisation key of the supervising authority)',
          response: {
            200: Type.Object({
              object: Type.Literal('list'),
              data: Type.Array(
                Type.Object({
                  merchant: Type.Object({
                    id: Type.String(),
                    name: Nullable(Type.String()),
                    console_closed: Type.Boolean({
                      description:
                        'suspended or rejected: its people cannot answer, the data protection officer answers in its console in their place',
                    }),
                  }),
                  open: Type.Integer(),
                  overdue: Type.Integer(),
                  answered: Type.Integer(),
                  answered_late: Type.Integer(),
                  next_due_at: Nullable(DateTime),
                }),
              ),
            }),
          },
        },
      },
      async () => {
        const data = (await figuresByMerchant(deps.privacy, deps.merchants)).map((row) => ({
          merchant: { id: row.merchantId, name: row.name ?? null, console_closed: row.closed },
          open: row.open,
          overdue: row.overdue,
          answered: row.answered,
          answered_late: row.answeredLate,
          next_due_at: row.nextDueAt?.toISOString() ?? null,
        }));
        return { object: 'list' as const, data };
      },
    );
  };
}
