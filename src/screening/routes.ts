import { Type } from 'typebox';
import {
  banksAndSupervisor,
  type OrganisationKeys,
  organisationCallerOf,
  organisationKeyAuthentication,
  supervisorOnly,
} from '../auth/org-keys.js';
import { Problem } from '../core/problem.js';
import { Nullable } from '../http/schemas.js';
import type { App } from '../http/server.js';
import type { HitRecord } from './model.js';
import type { ScreeningHit } from './port.js';
import type { ScreeningService } from './service.js';

export interface ScreeningRoutesDeps {
  screening: ScreeningService;
  organisationKeys: OrganisationKeys;
}

const secured = {
  security: [{ secretKey: [] }],
  description:
    'Authorization: Bearer ok_test_… or ok_live_… (an organisation key of a bank or the authority)',
};

const HitSchema = Type.Object(
  {
    entry_id: Type.String(),
    entry_version: Type.String({ description: 'changes when the list entry changes' }),
    list: Type.Object({
      id: Type.String(),
      name: Type.String(),
      source: Type.Union([
        Type.Literal('un'),
        Type.Literal('ofac'),
        Type.Literal('opensanctions'),
        Type.Literal('national'),
      ]),
    }),
    name: Type.String({ description: "the entry's primary name" }),
    matched_name: Type.String({ description: 'the name or alias of the entry that matched best' }),
    score: Type.Number({ minimum: 0, maximum: 1 }),
    explanation: Type.Array(Type.String(), { description: 'which parts matched and how' }),
  },
  { $id: 'ScreeningHit' },
);

const SearchBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 300, description: 'in Latin or Arabic script' }),
    alternate_name: Type.Optional(
      Type.String({ maxLength: 300, description: 'the same name in the other script' }),
    ),
    kind: Type.Optional(Type.Union([Type.Literal('person'), Type.Literal('organisation')])),
    birth_date: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' })),
    nationality: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
  },
  { additionalProperties: false },
);

const HitRecordSchema = Type.Object({
  id: Type.String(),
  object: Type.Literal('screening_hit'),
  status: Type.Union([Type.Literal('open'), Type.Literal('true_match'), Type.Literal('false_positive')]),
  subject: Type.Object({
    kind: Type.String(),
    reference: Type.String(),
    name: Type.String(),
    merchant_id: Type.String(),
  }),
  hit: HitSchema,
  found_at: Type.String({ format: 'date-time' }),
  reviewed_at: Nullable(Type.String({ format: 'date-time' })),
  reviewed_by: Nullable(Type.String()),
  review_note: Nullable(Type.String()),
});

export function hitJson(hit: ScreeningHit) {
  return {
    entry_id: hit.entryId,
    entry_version: hit.entryVersion,
    list: hit.list,
    name: hit.name,
    matched_name: hit.matchedName,
    score: hit.score,
    explanation: hit.explanation,
  };
}

function hitRecordJson(record: HitRecord) {
  return {
    id: record.id,
    object: 'screening_hit' as const,
    status: record.status,
    subject: {
      kind: record.subject.kind,
      reference: record.subject.reference,
      name: record.subject.name,
      merchant_id: record.subject.merchantId,
    },
    hit: hitJson(record.hit),
    found_at: record.foundAt.toISOString(),
    reviewed_at: record.reviewedAt?.toISOString() ?? null,
    reviewed_by: record.reviewedBy,
    review_note: record.reviewNote,
  };
}

/** The screening API: search for banks and the authority; hit review and list history for the authority. */
export function screeningRoutes(deps: ScreeningRoutesDeps) {
  const forBanksAndSupervisor = organisationKeyAuthentication(deps.organisationKeys, banksAndSupervisor);
  const forSupervisor = organisationKeyAuthentication(deps.organisationKeys, supervisorOnly);

  return async (app: App) => {
    app.post(
      '/v1/screening/search',
      {
        preHandler: forBanksAndSupervisor,
        schema: {
          tags: ['screening'],
          summary: 'Search the watchlists for a name, ranked, with the reasons of each hit',
          ...secured,
          body: SearchBody,
          response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(HitSchema) }) },
        },
      },
      async (request) => {
        const body = request.body;
        const hits = await deps.screening.search({
          name: body.name,
          alternateName: body.alternate_name ?? null,
          ...(body.kind ? { kind: body.kind } : {}),
          birthDate: body.birth_date ?? null,
          nationality: body.nationality?.toUpperCase() ?? null,
          limit: body.limit ?? 10,
        });
        return { object: 'list' as const, data: hits.map(hitJson) };
      },
    );

    app.get(
      '/v1/screening/hits',
      {
        preHandler: forSupervisor,
        schema: {
          tags: ['screening'],
          summary: 'Hits found by re-screening watched merchants and people',
          ...secured,
          querystring: Type.Object({
            status: Type.Optional(
              Type.Union([Type.Literal('open'), Type.Literal('true_match'), Type.Literal('false_positive')]),
            ),
            merchant: Type.Optional(Type.String()),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
          }),
          response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(HitRecordSchema) }) },
        },
      },
      async (request) => {
        const { status, merchant, limit } = request.query;
        const records = await deps.screening.listHits({
          ...(status ? { status } : {}),
          ...(merchant ? { merchantId: merchant } : {}),
          limit: limit ?? 100,
        });
        return { object: 'list' as const, data: records.map(hitRecordJson) };
      },
    );

    app.post(
      '/v1/screening/hits/:id/review',
      {
        preHandler: forSupervisor,
        schema: {
          tags: ['screening'],
          summary:
            'Mark a hit a true match or a false positive (a cleared hit returns only if the entry changes)',
          ...secured,
          params: Type.Object({ id: Type.String() }),
          body: Type.Object(
            {
              decision: Type.Union([Type.Literal('true_match'), Type.Literal('false_positive')]),
              note: Type.Optional(Type.String({ maxLength: 2000 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: HitRecordSchema },
        },
      },
      async (request) => {
        const caller = organisationCallerOf(request);
        const outcome = await deps.screening.reviewHit(request.params.id, {
          decision: request.body.decision,
          reviewer: caller.keyId,
          note: request.body.note ?? null,
          actor: { type: 'api_key', id: caller.keyId, organisationId: caller.organisation.id },
        });
        if (outcome instanceof Problem) throw outcome;
        return hitRecordJson(outcome);
      },
    );

    app.get(
      '/v1/screening/snapshots/:id/diff',
      {
        preHandler: forSupervisor,
        schema: {
          tags: ['screening'],
          summary: 'What a list import added, changed and removed (list ids of the entries)',
          ...secured,
          params: Type.Object({ id: Type.String() }),
          response: {
            200: Type.Object({
              added: Type.Array(Type.String()),
              changed: Type.Array(Type.String()),
              removed: Type.Array(Type.String()),
            }),
          },
        },
      },
      async (request) => deps.screening.snapshotDiff(request.params.id),
    );
  };
}
