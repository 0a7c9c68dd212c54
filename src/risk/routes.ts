import { Type } from 'typebox';
import {
  type OrganisationKeys,
  organisationCallerOf,
  organisationKeyAuthentication,
  supervisorOnly,
} from '../auth/org-keys.js';
import { Problem } from '../core/problem.js';
import type { App } from '../http/server.js';
import type { RiskAlert, RiskService } from './service.js';

const secured = {
  security: [{ secretKey: [] }],
  description:
    'Authorization: Bearer ok_test_… or ok_live_… (an organisation key of the supervising authority)',
};

const Status = Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')]);
const Rule = Type.Union([
  Type.Literal('card_testing'),
  Type.Literal('decline_spike'),
  Type.Literal('card_across_merchants'),
]);

const AlertSchema = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('risk_alert'),
    rule: Rule,
    subject: Type.Object({
      kind: Type.Union([Type.Literal('merchant'), Type.Literal('card')]),
      id: Type.String({ description: 'a merchant id, or a card as BIN…last4' }),
    }),
    severity: Type.Union([Type.Literal('medium'), Type.Literal('high')]),
    status: Status,
    evidence: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String()]), {
      description: 'the figures of the latest window in which the rule fired',
    }),
    first_seen_at: Type.String({ format: 'date-time' }),
    last_seen_at: Type.String({ format: 'date-time' }),
    review: Type.Union([
      Type.Object({
        at: Type.String({ format: 'date-time' }),
        by: Type.Union([Type.String(), Type.Null()]),
        note: Type.Union([Type.String(), Type.Null()]),
      }),
      Type.Null(),
    ]),
  },
  { $id: 'RiskAlert' },
);

function alertJson(alert: RiskAlert) {
  return {
    id: alert.id,
    object: 'risk_alert' as const,
    rule: alert.rule,
    subject: { kind: alert.subjectKind, id: alert.subject },
    severity: alert.severity,
    status: alert.status,
    evidence: alert.evidence,
    first_seen_at: alert.firstSeenAt.toISOString(),
    last_seen_at: alert.lastSeenAt.toISOString(),
    review: alert.review && {
      at: alert.review.at.toISOString(),
      by: alert.review.by,
      note: alert.review.note,
    },
  };
}

/** Transaction monitoring for the supervising authority: the alerts, and their review. */
export function riskRoutes(deps: { risk: RiskService; organisationKeys: OrganisationKeys }) {
  return async (app: App) => {
    const forSupervisor = organisationKeyAuthentication(deps.organisationKeys, supervisorOnly);

    app.get(
      '/v1/risk/alerts',
      {
        preHandler: forSupervisor,
        schema: {
          tags: ['risk'],
          summary:
            'Alerts of transaction monitoring (card testing, decline spikes, a card tried across merchants), latest first',
          ...secured,
          querystring: Type.Object(
            {
              status: Type.Optional(Status),
              rule: Type.Optional(Rule),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(AlertSchema) }) },
        },
      },
      async (request) => {
        const { status, rule, limit } = request.query;
        const alerts = await deps.risk.listAlerts({
          ...(status ? { status } : {}),
          ...(rule ? { rule } : {}),
          limit: limit ?? 100,
        });
        return { object: 'list' as const, data: alerts.map(alertJson) };
      },
    );

    app.post(
      '/v1/risk/alerts/:id/review',
      {
        preHandler: forSupervisor,
        schema: {
          tags: ['risk'],
          summary: 'Acknowledge an alert (being looked at) or resolve it (the next firing raises a new one)',
          ...secured,
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          body: Type.Object(
            {
              decision: Type.Union([Type.Literal('acknowledged'), Type.Literal('resolved')]),
              note: Type.Optional(Type.String({ maxLength: 2000 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: AlertSchema },
        },
      },
      async (request) => {
        const caller = organisationCallerOf(request);
        const outcome = await deps.risk.reviewAlert(request.params.id, {
          decision: request.body.decision,
          note: request.body.note ?? null,
          reviewer: caller.keyId,
          actor: { type: 'api_key', id: caller.keyId, organisationId: caller.organisation.id },
        });
        if (outcome instanceof Problem) throw outcome;
        return alertJson(outcome);
      },
    );
  };
}
