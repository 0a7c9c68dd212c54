import { Type } from 'typebox';
import type { AuditLog } from '../audit/service.js';
import { isCurrencyCode } from '../core/money.js';
import { Problem } from '../core/problem.js';
import { isCalendarDate } from '../core/time.js';
import { Nullable } from '../http/schemas.js';
import type { App } from '../http/server.js';
import type { LedgerService } from '../ledger/service.js';
import { callerOf } from '../merchants/auth.js';
import type { SharedDb, SharedStore } from '../store/store.js';
import type { VaultService } from '../vault/service.js';
import { paymentProblems } from './errors.js';
import { type EventLog, eventJson, type Scope } from './events.js';
import { createIdempotency, type KeyLifetime, type Outcome, outcomeOf } from './idempotency.js';
import { paymentJson, refundJson } from './model.js';
import {
  Amount,
  CancelBody,
  CaptureBody,
  ConfirmBody,
  Currency,
  EventSchema,
  Id,
  listOf,
  NewPaymentBody,
  Pagination,
  PaymentSchema,
  PaymentStatus,
  RefundBody,
  RefundSchema,
  UpdatePaymentBody,
} from './schemas.js';
import type { CardInput, PaymentMethod, PaymentService } from './service.js';
import { settlementCsv, settlementJson, settlementReport } from './settlement.js';
import { DEFAULT_ROLL_OVERLAP_HOURS, type WebhookService } from './webhooks.js';

export interface PaymentRoutesDeps {
  store: SharedStore;
  vault: Pick<VaultService, 'sealSecret' | 'openSecret'>;
  ledger: LedgerService;
  payments: PaymentService;
  events: EventLog;
  webhooks: WebhookService;
  authenticate: (request: never, reply: never) => Promise<void>;
  payPageUrl: (paymentId: string) => string;
  audit: Pick<AuditLog, 'append'>;
  /** How long Idempotency-Keys are kept (24 hours by the system clock when not given). */
  idempotencyKeys?: KeyLifetime;
}

const secured = { security: [{ secretKey: [] }] };

/**
 * A payment call may share its commit with concurrent calls (group-commit.ts), never with another
 * call on the same payment: inside one database transaction the payment's lock would not hold them apart.
 */
const paymentKey = (paymentId: string) => `payment:${paymentId}`;

function page<T extends { id: string }, J>(rows: T[], limit: number, toJson: (row: T) => J) {
  const data = rows.slice(0, limit);
  return {
    object: 'list' as const,
    data: data.map(toJson),
    has_more: rows.length > limit,
    next_cursor: rows.length > limit ? (data.at(-1)?.id ?? null) : null,
  };
}

function cardInput(card: {
  number: string;
  exp_month: number;
  exp_year: number;
  cvc: string;
  holder_name?: string;
}): CardInput {
  return {
    number: card.number,
    expMonth: card.exp_month,
    expYear: card.exp_year,
    cvc: card.cvc,
    holderName: card.holder_name ?? null,
  };
}

/** The card or the token a confirmation names: exactly one of them. */
function paymentMethodOf(body: { card?: Parameters<typeof cardInput>[0]; token?: string }): PaymentMethod {
  if ((body.card === undefined) === (body.token === undefined)) {
    throw new Problem(400, 'invalid_request', 'Invalid request', 'send either card or token');
  }
  return body.card ? { card: cardInput(body.card) } : { token: body.token! };
}

export function paymentRoutes(deps: PaymentRoutesDeps) {
  const idempotent = createIdempotency(deps.store, deps.vault, deps.idempotencyKeys);
  const toPayment = (row: Parameters<typeof paymentJson>[0]) =>
    paymentJson(row, { payPageUrl: deps.payPageUrl });
  const scopeOf = (request: Parameters<typeof callerOf>[0]): Scope => {
    const caller = callerOf(request);
    return { merchantId: caller.merchant.id, livemode: caller.livemode };
  };
  const notFound = (what: string, id: string) => paymentProblems.notFound(what, id);

  /**
   * Records in the audit trail what a key changed, in the change's own transaction (only when it
   * succeeded: a refused change changed nothing).
   */
  async function audited(
    request: Parameters<typeof callerOf>[0],
    trx: SharedDb,
    outcome: Outcome,
    action: string,
    target: (body: { id?: string } | undefined) => { type: string; id: string },
  ): Promise<Outcome> {
    if (outcome.status >= 300) return outcome;
    const caller = callerOf(request);
    await deps.audit.append(
      {
        actor: { type: 'api_key', id: caller.keyId },
        action,
        target: target(outcome.body as { id?: string } | undefined),
        details: { merchant: caller.merchant.id, livemode: caller.livemode },
        ip: request.ip,
        requestId: request.id,
      },
      trx,
    );
    return outcome;
  }

  /**
   * A change a key makes: run once per Idempotency-Key, recorded in the audit trail when it succeeds,
   * and sharing its commit with concurrent calls that need none of `group` (group-commit.ts).
   */
  function change<T>(
    request: Parameters<typeof callerOf>[0] & Parameters<typeof idempotent>[0],
    reply: Parameters<typeof idempotent>[1],
    how: {
      action: string;
      target: (body: { id?: string } | undefined) => { type: string; id: string };
      group: readonly string[];
      /** Its own lane of groups (group-commit.ts): only for calls that lock nothing others wait on. */
      lane?: string;
      toJson: (value: T) => unknown;
      status?: number;
    },
    run: (trx: SharedDb) => Promise<T | Problem>,
  ) {
    return idempotent(
      request,
      reply,
      scopeOf(request),
      async (trx) =>
        audited(
          request,
          trx,
          outcomeOf(await run(trx), request.url, how.toJson, how.status),
          how.action,
          how.target,
        ),
      { group: how.group, ...(how.lane ? { lane: how.lane } : {}) },
    );
  }

  /** A change to the one payment its path names: audited under its id, and kept apart from other calls on it. */
  function changePayment(
    request: Parameters<typeof change>[0] & { params: { id: string } },
    reply: Parameters<typeof change>[1],
    action: string,
    run: (trx: SharedDb) => Promise<Parameters<typeof toPayment>[0] | Problem>,
  ) {
    return change(
      request,
      reply,
      {
        action,
        target: () => ({ type: 'payment', id: request.params.id }),
        group: [paymentKey(request.params.id)],
        toJson: toPayment,
      },
      run,
    );
  }

  return async (app: App) => {
    app.addHook('preHandler', deps.authenticate as never);

    app.post(
      '/v1/payments',
      {
        schema: {
          tags: ['payments'],
          summary: 'Create a payment',
          ...secured,
          body: NewPaymentBody,
          response: { 201: PaymentSchema },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const body = request.body;
        const input = {
          amount: BigInt(body.amount),
          currency: body.currency,
          captureMethod: body.capture_method ?? 'automatic',
          description: body.description ?? null,
          orderReference: body.order_reference ?? null,
          customerEmail: body.customer_email ?? null,
          metadata: body.metadata ?? {},
          returnUrl: body.return_url ?? null,
        };
        const method = body.confirm ? paymentMethodOf(body) : undefined;
        if (!body.confirm && (body.card || body.token)) {
          throw new Problem(
            400,
            'invalid_request',
            'Invalid request',
            'a card or token here needs "confirm": true (or send it to /confirm later)',
          );
        }
        return change(
          request,
          reply,
          {
            action: method ? 'payment.create_and_confirm' : 'payment.create',
            target: (payment) => ({ type: 'payment', id: payment?.id ?? '' }),
            group: [],
            // A new payment and its audit record: rows nobody else locks, so creations need not wait
            // for a group of confirmations to commit. One confirmed at once locks what a confirm does.
            ...(method ? {} : { lane: 'payments.create' }),
            toJson: toPayment,
            status: 201,
          },
          (trx) =>
            method
              ? deps.payments.createAndConfirm(caller, input, method, trx)
              : deps.payments.create(caller, input, trx),
        );
      },
    );

    app.post(
      '/v1/payments/:id/confirm',
      {
        schema: {
          tags: ['payments'],
          summary: 'Confirm a payment with a card or a card token',
          ...secured,
          params: Id,
          body: ConfirmBody,
          response: { 200: PaymentSchema },
        },
      },
      async (request, reply) => {
        const method = paymentMethodOf(request.body);
        return changePayment(request, reply, 'payment.confirm', (trx) =>
          deps.payments.confirm(callerOf(request), request.params.id, method, trx),
        );
      },
    );

    app.post(
      '/v1/payments/:id/capture',
      {
        schema: {
          tags: ['payments'],
          summary: 'Capture an authorized payment, in full or in part',
          ...secured,
          params: Id,
          body: CaptureBody,
          response: { 200: PaymentSchema },
        },
      },
      async (request, reply) => {
        const amount = request.body?.amount;
        return changePayment(request, reply, 'payment.capture', (trx) =>
          deps.payments.capture(
            callerOf(request),
            request.params.id,
            amount === undefined ? undefined : BigInt(amount),
            trx,
          ),
        );
      },
    );

    app.post(
      '/v1/payments/:id/cancel',
      {
        schema: {
          tags: ['payments'],
          summary: 'Cancel a payment, releasing any hold',
          ...secured,
          params: Id,
          body: CancelBody,
          response: { 200: PaymentSchema },
        },
      },
      async (request, reply) =>
        changePayment(request, reply, 'payment.cancel', (trx) =>
          deps.payments.cancel(
            callerOf(request),
            request.params.id,
            request.body?.cancellation_reason ?? null,
            trx,
          ),
        ),
    );

    app.post(
      '/v1/payments/:id',
      {
        schema: {
          tags: ['payments'],
          summary:
            "Change a payment's description, order reference, customer e-mail, metadata, or (before authorization) amount",
          ...secured,
          params: Id,
          body: UpdatePaymentBody,
          response: { 200: PaymentSchema },
        },
      },
      async (request, reply) => {
        const body = request.body;
        // Absent: unchanged; "": cleared.
        const cleared = (text: string | undefined) => (text === undefined ? undefined : text || null);
        return changePayment(request, reply, 'payment.update', (trx) =>
          deps.payments.updateDetails(
            callerOf(request),
            request.params.id,
            {
              amount: body.amount === undefined ? undefined : BigInt(body.amount),
              description: cleared(body.description),
              orderReference: cleared(body.order_reference),
              customerEmail: cleared(body.customer_email),
              metadata: body.metadata,
            },
            trx,
          ),
        );
      },
    );

    app.get(
      '/v1/payments/:id',
      {
        schema: {
          tags: ['payments'],
          summary: 'Retrieve a payment',
          ...secured,
          params: Id,
          response: { 200: PaymentSchema },
        },
      },
      async (request) => {
        const row = await deps.payments.get(scopeOf(request), request.params.id);
        if (!row) throw notFound('payment', request.params.id);
        return toPayment(row);
      },
    );

    app.get(
      '/v1/payments',
      {
        schema: {
          tags: ['payments'],
          summary: 'List payments, newest first',
          ...secured,
          querystring: Type.Object(
            {
              ...Pagination,
              status: Type.Optional(PaymentStatus),
              order_reference: Type.Optional(Type.String({ maxLength: 100 })),
              last4: Type.Optional(Type.String({ pattern: '^[0-9]{4}$' })),
              amount: Type.Optional(Amount('exactly this amount, in minor units')),
              created_gte: Type.Optional(Type.String({ format: 'date-time' })),
              created_lt: Type.Optional(Type.String({ format: 'date-time' })),
            },
            { additionalProperties: false },
          ),
          response: { 200: listOf(PaymentSchema) },
        },
      },
      async (request) => {
        const q = request.query;
        const rows = await deps.payments.list(scopeOf(request), {
          limit: q.limit + 1,
          ...(q.starting_after ? { startingAfter: q.starting_after } : {}),
          ...(q.status ? { status: q.status } : {}),
          ...(q.order_reference ? { orderReference: q.order_reference } : {}),
          ...(q.last4 ? { last4: q.last4 } : {}),
          ...(q.amount ? { amount: BigInt(q.amount) } : {}),
          ...(q.created_gte ? { createdFrom: new Date(q.created_gte) } : {}),
          ...(q.created_lt ? { createdTo: new Date(q.created_lt) } : {}),
        });
        return page(rows, q.limit, toPayment);
      },
    );

    app.post(
      '/v1/refunds',
      {
        schema: {
          tags: ['refunds'],
          summary: 'Refund a payment, in full or in part',
          ...secured,
          body: RefundBody,
          response: { 201: RefundSchema },
        },
      },
      async (request, reply) => {
        const body = request.body;
        return change(
          request,
          reply,
          {
            action: 'payment.refund',
            target: (refund) => ({ type: 'refund', id: refund?.id ?? '' }),
            group: [paymentKey(body.payment)],
            toJson: refundJson,
            status: 201,
          },
          (trx) =>
            deps.payments.refund(
              callerOf(request),
              {
                paymentId: body.payment,
                ...(body.amount ? { amount: BigInt(body.amount) } : {}),
                reason: body.reason ?? null,
              },
              trx,
            ),
        );
      },
    );

    app.get(
      '/v1/refunds/:id',
      {
        schema: {
          tags: ['refunds'],
          summary: 'Retrieve a refund',
          ...secured,
          params: Id,
          response: { 200: RefundSchema },
        },
      },
      async (request) => {
        const row = await deps.payments.getRefund(scopeOf(request), request.params.id);
        if (!row) throw notFound('refund', request.params.id);
        return refundJson(row);
      },
    );

    app.get(
      '/v1/refunds',
      {
        schema: {
          tags: ['refunds'],
          summary: 'List refunds, newest first',
          ...secured,
          querystring: Type.Object(
            { ...Pagination, payment: Type.Optional(Type.String({ maxLength: 64 })) },
            { additionalProperties: false },
          ),
          response: { 200: listOf(RefundSchema) },
        },
      },
      async (request) => {
        const q = request.query;
        const rows = await deps.payments.listRefunds(scopeOf(request), {
          limit: q.limit + 1,
          ...(q.starting_after ? { startingAfter: q.starting_after } : {}),
          ...(q.payment ? { paymentId: q.payment } : {}),
        });
        return page(rows, q.limit, refundJson);
      },
    );

    app.get(
      '/v1/events',
      {
        schema: {
          tags: ['events'],
          summary: 'List events, newest first',
          ...secured,
          querystring: Type.Object(
            { ...Pagination, type: Type.Optional(Type.String({ maxLength: 60 })) },
            { additionalProperties: false },
          ),
          response: { 200: listOf(EventSchema) },
        },
      },
      async (request) => {
        const q = request.query;
        const rows = await deps.events.list(scopeOf(request), {
          limit: q.limit + 1,
          ...(q.starting_after ? { startingAfter: q.starting_after } : {}),
          ...(q.type ? { type: q.type } : {}),
        });
        return page(rows, q.limit, eventJson);
      },
    );

    app.get(
      '/v1/events/:id',
      {
        schema: {
          tags: ['events'],
          summary: 'Retrieve an event',
          ...secured,
          params: Id,
          response: { 200: EventSchema },
        },
      },
      async (request) => {
        const event = await deps.events.get(scopeOf(request), request.params.id);
        if (!event) throw notFound('event', request.params.id);
        return eventJson(event);
      },
    );

    app.post(
      '/v1/events/:id/redeliver',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Send an event again to its webhook endpoints (or to one)',
          ...secured,
          params: Id,
          body: Type.Union([
            Type.Object(
              { endpoint: Type.Optional(Type.String({ maxLength: 64 })) },
              { additionalProperties: false },
            ),
            Type.Null(),
          ]),
          response: { 202: Type.Object({ queued: Type.Integer() }) },
        },
      },
      async (request, reply) => {
        const endpoint = request.body?.endpoint;
        return idempotent(request, reply, scopeOf(request), async (trx) => {
          const queued = await deps.webhooks.redeliver(scopeOf(request), request.params.id, endpoint, trx);
          if (queued === undefined)
            return outcomeOf(
              notFound(endpoint ? 'event or endpoint' : 'event', request.params.id),
              request.url,
              () => null,
            );
          return audited(request, trx, { status: 202, body: { queued } }, 'event.redeliver', () => ({
            type: 'event',
            id: request.params.id,
          }));
        });
      },
    );

    const EndpointSchema = Type.Object({
      id: Type.String(),
      object: Type.Literal('webhook_endpoint'),
      url: Type.String(),
      livemode: Type.Boolean(),
      enabled_events: Type.Array(Type.String()),
      created_at: Type.String({ format: 'date-time' }),
      secret: Type.Optional(Type.String({ description: 'shown once, at creation or when rolled' })),
      previous_secret_expires_at: Type.Optional(
        Nullable(
          Type.String({
            format: 'date-time',
            description: 'when rolled: until when deliveries are also signed with the old secret',
          }),
        ),
      ),
    });
    const endpointJson = (
      e: { id: string; url: string; livemode: boolean; enabledEvents: string[]; createdAt: Date },
      secret?: string,
    ) => ({
      id: e.id,
      object: 'webhook_endpoint' as const,
      url: e.url,
      livemode: e.livemode,
      enabled_events: e.enabledEvents,
      created_at: e.createdAt.toISOString(),
      ...(secret ? { secret } : {}),
    });

    app.post(
      '/v1/webhook_endpoints',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Register a webhook endpoint; its signing secret is returned once',
          ...secured,
          body: Type.Object(
            {
              url: Type.String({ maxLength: 2000 }),
              events: Type.Optional(Type.Array(Type.String({ maxLength: 60 }), { maxItems: 20 })),
            },
            { additionalProperties: false },
          ),
          response: { 201: EndpointSchema },
        },
      },
      async (request, reply) =>
        idempotent(request, reply, scopeOf(request), async (trx) =>
          audited(
            request,
            trx,
            outcomeOf(
              await deps.webhooks.createEndpoint(scopeOf(request), request.body, trx),
              request.url,
              (created) => endpointJson(created.endpoint, created.secret),
              201,
            ),
            'webhook_endpoint.create',
            (endpoint) => ({ type: 'webhook_endpoint', id: endpoint?.id ?? '' }),
          ),
        ),
    );

    app.get(
      '/v1/webhook_endpoints',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'List webhook endpoints',
          ...secured,
          response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(EndpointSchema) }) },
        },
      },
      async (request) => ({
        object: 'list' as const,
        data: (await deps.webhooks.listEndpoints(scopeOf(request))).map((e) => endpointJson(e)),
      }),
    );

    app.delete(
      '/v1/webhook_endpoints/:id',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Remove a webhook endpoint',
          ...secured,
          params: Id,
          response: { 200: Type.Object({ id: Type.String(), deleted: Type.Boolean() }) },
        },
      },
      async (request) => {
        const removed = await deps.store.transaction(async (trx) => {
          if (!(await deps.webhooks.disableEndpoint(scopeOf(request), request.params.id, trx))) return false;
          await audited(request, trx, { status: 200, body: undefined }, 'webhook_endpoint.delete', () => ({
            type: 'webhook_endpoint',
            id: request.params.id,
          }));
          return true;
        });
        if (!removed) throw notFound('webhook endpoint', request.params.id);
        return { id: request.params.id, deleted: true };
      },
    );

    app.post(
      '/v1/webhook_endpoints/:id/roll_secret',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Give the endpoint a new signing secret, the old one signing too for a while',
          ...secured,
          params: Id,
          body: Type.Union([
            Type.Object(
              {
                expires_in_hours: Type.Optional(
                  Type.Integer({
                    minimum: 0,
                    maximum: 168,
                    description:
                      'how long deliveries also carry a signature made with the old secret (24 if not given); 0 stops it at once',
                  }),
                ),
              },
              { additionalProperties: false },
            ),
            Type.Null(),
          ]),
          response: { 200: EndpointSchema },
        },
      },
      async (request, reply) =>
        idempotent(request, reply, scopeOf(request), async (trx) => {
          const rolled = await deps.webhooks.rollSecret(
            scopeOf(request),
            request.params.id,
            request.body?.expires_in_hours ?? DEFAULT_ROLL_OVERLAP_HOURS,
            trx,
          );
          if (!rolled)
            return outcomeOf(notFound('webhook endpoint', request.params.id), request.url, () => null);
          return audited(
            request,
            trx,
            {
              status: 200,
              body: {
                ...endpointJson(rolled.endpoint, rolled.secret),
                previous_secret_expires_at: rolled.previousSecretExpiresAt?.toISOString() ?? null,
              },
            },
            'webhook_endpoint.roll_secret',
            () => ({ type: 'webhook_endpoint', id: request.params.id }),
          );
        }),
    );

    app.get(
      '/v1/webhook_endpoints/:id/deliveries',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Delivery attempts to an endpoint, newest first',
          ...secured,
          params: Id,
          querystring: Type.Object({ limit: Pagination.limit }, { additionalProperties: false }),
        },
      },
      async (request) => {
        const deliveries = await deps.webhooks.listDeliveries(
          scopeOf(request),
          request.params.id,
          request.query.limit,
        );
        if (!deliveries) throw notFound('webhook endpoint', request.params.id);
        return {
          object: 'list',
          data: deliveries.map((d) => ({
            id: d.id,
            event: d.eventId,
            attempt: d.attempt,
            status_code: d.statusCode,
            error: d.error,
            duration_ms: d.durationMs,
            succeeded: d.succeeded,
            created_at: d.createdAt.toISOString(),
          })),
        };
      },
    );

    app.get(
      '/v1/settlements/:date',
      {
        schema: {
          tags: ['settlement'],
          summary: "A day's settlement report (Moroccan calendar day), reconciled with the ledger",
          ...secured,
          params: Type.Object({ date: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }) }),
          querystring: Type.Object(
            {
              format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
              currency: Type.Optional(Currency),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => {
        const { date } = request.params;
        if (!isCalendarDate(date))
          throw new Problem(400, 'invalid_request', 'Invalid request', `${date} is not a calendar date`);
        const caller = callerOf(request);
        const currency = request.query.currency ?? caller.merchant.currency;
        if (!isCurrencyCode(currency))
          throw new Problem(400, 'invalid_request', 'Invalid request', 'unknown currency');
        const report = await settlementReport(
          { store: deps.store, ledger: deps.ledger },
          scopeOf(request),
          date,
          currency,
        );
        if (request.query.format === 'csv') {
          return reply
            .type('text/csv; charset=utf-8')
            .header(
              'content-disposition',
              `attachment; filename="settlement-${caller.merchant.id}-${date}.csv"`,
            )
            .send(settlementCsv(report));
        }
        return settlementJson(report);
      },
    );
  };
}
