import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AuditLog } from '../audit/service.js';
import { Problem } from '../core/problem.js';
import { isCalendarDate } from '../core/time.js';
import { type App, sendProblem } from '../http/server.js';
import { callerOf } from '../merchants/auth.js';
import { isUniqueViolation, type SharedStore } from '../store/store.js';
import { billProblems } from './errors.js';
import { type Biller, billerJson, billJson, publicBillJson } from './model.js';
import { remittanceCsv, remittanceJson } from './remittance.js';
import type { BillInput, BillService } from './service.js';

export interface BillRoutesDeps {
  store: SharedStore;
  bills: BillService;
  authenticate: (request: never, reply: never) => Promise<void>;
  audit: Pick<AuditLog, 'append'>;
}

const secured = { security: [{ secretKey: [] }] };
const BillerParams = Type.Object({ id: Type.String({ pattern: '^blr_[0-9a-z_]{1,40}$' }) });
const Amount = Type.Integer({ minimum: 1, maximum: 99_999_999_999, description: 'centimes' });
const ReferenceValues = Type.Record(Type.String({ maxLength: 32 }), Type.String({ maxLength: 64 }), {
  maxProperties: 8,
  description: 'the biller reference fields by name, e.g. {"contract": "0123456789"}',
});
const BillItem = Type.Object(
  {
    external_id: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'your id of the bill: loading is idempotent by it',
    }),
    reference: ReferenceValues,
    amount: Amount,
    late_fee: Type.Optional(Type.Integer({ minimum: 0, maximum: 99_999_999_999 })),
    period: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Null()])),
    due_date: Type.Optional(
      Type.Union([Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }), Type.Null()]),
    ),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('canceled')])),
  },
  { additionalProperties: false },
);

/** The client a lookup is counted against. */
export function clientOf(request: FastifyRequest): string {
  return request.ip;
}

/** Counts a lookup; sends 429 with Retry-After (and returns true) when the client is over its limit. */
export function refuseOverLimit(bills: BillService, request: FastifyRequest, reply: FastifyReply): boolean {
  const wait = bills.takeLookup(clientOf(request));
  if (wait === undefined) return false;
  reply.header('retry-after', String(wait));
  return true;
}

/** The biller API: bills loaded by billers (their merchant's secret key), public lookup, remittance files. */
export function billRoutes(deps: BillRoutesDeps) {
  const { bills } = deps;

  async function billerOr404(id: string): Promise<Biller> {
    const biller = await bills.getBiller(id);
    if (!biller) throw billProblems.billerNotFound(id);
    return biller;
  }

  /** A key only ever reaches its own biller, in its own mode; anything else does not exist for it. */
  async function ownBiller(request: FastifyRequest, id: string): Promise<Biller> {
    const caller = callerOf(request);
    const biller = await bills.getBiller(id);
    if (!biller || biller.merchantId !== caller.merchant.id || biller.livemode !== caller.livemode)
      throw billProblems.billerNotFound(id);
    return biller;
  }

  return async (app: App) => {
    app.get(
      '/v1/billers',
      { schema: { tags: ['bills'], summary: 'Billers consumers can pay (public)' } },
      async () => ({ object: 'list', data: (await bills.listBillers()).map(billerJson) }),
    );

    app.get(
      '/v1/billers/:id',
      {
        schema: {
          tags: ['bills'],
          summary: 'A biller: its reference fields and fee schedule (public)',
          params: BillerParams,
        },
      },
      async (request) => billerJson(await billerOr404(request.params.id)),
    );

    app.get(
      '/v1/billers/:id/bills',
      {
        schema: {
          tags: ['bills'],
          summary: 'Outstanding bills of one reference (public, rate-limited per client)',
          description: 'Pass each reference field as a query parameter, e.g. ?contract=0123456789.',
          params: BillerParams,
          querystring: Type.Record(Type.String({ maxLength: 32 }), Type.String({ maxLength: 64 }), {
            maxProperties: 8,
          }),
        },
      },
      async (request, reply) => {
        if (refuseOverLimit(bills, request, reply)) {
          const wait = Number(reply.getHeader('retry-after'));
          return sendProblem(reply, billProblems.tooManyLookups(wait));
        }
        const biller = await billerOr404(request.params.id);
        const found = await bills.lookup(biller, request.query);
        if (found instanceof Problem) throw found;
        return {
          object: 'list',
          biller: biller.id,
          data: found.map(({ bill, fee }) => publicBillJson(bill, fee)),
        };
      },
    );

    app.post(
      '/v1/billers/:id/bills',
      {
        preHandler: deps.authenticate as never,
        schema: {
          tags: ['bills'],
          summary:
            'Load, update or cancel bills (batch of up to 500; idempotent by external_id; all or nothing)',
          ...secured,
          params: BillerParams,
          body: Type.Object(
            { bills: Type.Array(BillItem, { minItems: 1, maxItems: 500 }) },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => {
        const biller = await ownBiller(request, request.params.id);
        const inputs: BillInput[] = request.body.bills.map((b) => ({
          externalId: b.external_id,
          reference: b.reference,
          amount: BigInt(b.amount),
          lateFee: BigInt(b.late_fee ?? 0),
          period: b.period ?? null,
          dueDate: b.due_date ?? null,
          description: b.description ?? null,
          status: b.status ?? 'open',
        }));
        const load = () =>
          deps.store.transaction(async (trx) => {
            const loaded = await bills.loadBills(biller, inputs, 'all', trx);
            if (loaded instanceof Problem) return loaded;
            // Who changed which bills, in the same transaction: counted by outcome, the bills are in the batch.
            const counts: Record<string, number> = {};
            for (const o of loaded) counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
            const caller = callerOf(request);
            await deps.audit.append(
              {
                actor: { type: 'api_key', id: caller.keyId },
                action: 'bills.load',
                target: { type: 'biller', id: biller.id },
                details: counts,
                ip: request.ip,
                requestId: request.id,
              },
              trx,
            );
            return loaded;
          });
        // Two batches bringing the same new bill at once: the later insert loses the unique race, and
        // its batch, run again, finds the bill there and compares with it like any replay.
        const outcomes = await load().catch((error: unknown) => {
          if (isUniqueViolation(error)) return load();
          throw error;
        });
        if (outcomes instanceof Problem) throw outcomes;
        return {
          object: 'list',
          data: outcomes.map((o) =>
            o.outcome === 'rejected'
              ? { external_id: o.externalId, outcome: o.outcome, errors: o.errors }
              : { external_id: o.externalId, outcome: o.outcome, bill: billJson(o.bill) },
          ),
        };
      },
    );

    app.get(
      '/v1/billers/:id/bills/:external_id',
      {
        preHandler: deps.authenticate as never,
        schema: {
          tags: ['bills'],
          summary: 'One of your bills, by your id',
          ...secured,
          params: Type.Object({
            id: BillerParams.properties.id,
            external_id: Type.String({ maxLength: 64 }),
          }),
        },
      },
      async (request) => {
        const biller = await ownBiller(request, request.params.id);
        const bill = await bills.getBill(biller, request.params.external_id);
        if (!bill) throw billProblems.billNotFound(request.params.external_id);
        return billJson(bill);
      },
    );

    app.get(
      '/v1/billers/:id/remittances/:date',
      {
        preHandler: deps.authenticate as never,
        schema: {
          tags: ['bills'],
          summary:
            "A day's remittance file (Moroccan calendar day): every bill paid, reconciled with the ledger",
          ...secured,
          params: Type.Object({
            id: BillerParams.properties.id,
            date: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }),
          }),
          querystring: Type.Object(
            { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])) },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => {
        const { id, date } = request.params;
        if (!isCalendarDate(date))
          throw new Problem(400, 'invalid_request', 'Invalid request', `${date} is not a calendar date`);
        const biller = await ownBiller(request, id);
        const report = await bills.remittance(biller, date);
        if (request.query.format === 'csv') {
          return reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="remittance-${biller.id}-${date}.csv"`)
            .send(remittanceCsv(report));
        }
        return remittanceJson(report);
      },
    );
  };
}
