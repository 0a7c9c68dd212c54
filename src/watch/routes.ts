import { type TSchema, Type } from 'typebox';
import {
  type OrganisationKeys,
  organisationCallerOf,
  organisationKeyAuthentication,
  supervisorOnly,
} from '../auth/org-keys.js';
import { Problem } from '../core/problem.js';
import { DateTime, Nullable } from '../http/schemas.js';
import type { App } from '../http/server.js';
import {
  FINDING_KINDS,
  type Incident,
  SECURITY_HEADERS,
  SITE_OWNER_KINDS,
  SITE_STATUSES,
  type SiteCheck,
  type WatchedSite,
} from './model.js';
import type { WatchRequester, WatchService } from './service.js';

const secured = {
  security: [{ secretKey: [] }],
  description:
    'Authorization: Bearer ok_test_… or ok_live_… (an organisation key of the supervising authority)',
};

const Status = Type.Enum(SITE_STATUSES);
const FindingSchema = Type.Object({ kind: Type.Enum(FINDING_KINDS), detail: Type.String() });

const SiteSchema = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('watched_site'),
    url: Type.String(),
    label: Type.String(),
    owner: Type.Object({ kind: Type.Enum(SITE_OWNER_KINDS), id: Nullable(Type.String()) }),
    enabled: Type.Boolean(),
    every_minutes: Type.Integer(),
    status: Status,
    findings: Type.Array(FindingSchema, { description: "the latest check's findings" }),
    last_checked_at: Nullable(DateTime),
    next_check_at: DateTime,
    baseline_at: Nullable(DateTime),
    created_at: DateTime,
  },
  { $id: 'WatchedSite' },
);

const CheckSchema = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('site_check'),
    site: Type.String(),
    checked_at: DateTime,
    status: Type.Enum(['down', 'defaced', 'at_risk', 'up']),
    http_status: Nullable(Type.Integer()),
    response_ms: Nullable(Type.Integer()),
    final_url: Nullable(Type.String()),
    tls: Nullable(
      Type.Object({
        authorized: Type.Boolean(),
        error: Nullable(Type.String()),
        valid_to: Nullable(DateTime),
        issuer: Nullable(Type.String()),
        protocol: Nullable(Type.String()),
      }),
    ),
    missing_headers: Type.Array(Type.Enum(SECURITY_HEADERS)),
    similarity: Nullable(
      Type.Number({ description: "share of the accepted content's wording still there, 0–1" }),
    ),
    findings: Type.Array(FindingSchema),
  },
  { $id: 'SiteCheck' },
);

const IncidentSchema = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('site_incident'),
    site: Type.String(),
    kind: Type.Enum(['down', 'defaced', 'at_risk']),
    opened_at: DateTime,
    closed_at: Nullable(DateTime),
    findings: Type.Array(FindingSchema),
  },
  { $id: 'SiteIncident' },
);

const iso = (date: Date | null) => date?.toISOString() ?? null;

function siteJson(site: WatchedSite) {
  return {
    id: site.id,
    object: 'watched_site' as const,
    url: site.url,
    label: site.label,
    owner: { kind: site.ownerKind, id: site.ownerId },
    enabled: site.enabled,
    every_minutes: site.everyMinutes,
    status: site.status,
    findings: site.findings,
    last_checked_at: iso(site.lastCheckedAt),
    next_check_at: site.nextCheckAt.toISOString(),
    baseline_at: iso(site.baselineAt),
    created_at: site.createdAt.toISOString(),
  };
}

function checkJson(check: SiteCheck) {
  return {
    id: check.id,
    object: 'site_check' as const,
    site: check.siteId,
    checked_at: check.checkedAt.toISOString(),
    status: check.status,
    http_status: check.httpStatus,
    response_ms: check.responseMs,
    final_url: check.finalUrl,
    tls: check.tls && {
      authorized: check.tls.authorized,
      error: check.tls.error,
      valid_to: iso(check.tls.validTo),
      issuer: check.tls.issuer,
      protocol: check.tls.protocol,
    },
    missing_headers: check.missingHeaders,
    similarity: check.similarity,
    findings: check.findings,
  };
}

function incidentJson(incident: Incident) {
  return {
    id: incident.id,
    object: 'site_incident' as const,
    site: incident.siteId,
    kind: incident.kind,
    opened_at: incident.openedAt.toISOString(),
    closed_at: iso(incident.closedAt),
    findings: incident.findings,
  };
}

const SiteParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const list = <T extends TSchema>(item: T) =>
  Type.Object({ object: Type.Literal('list'), data: Type.Array(item) });

/** Web-site monitoring for the supervising authority: the sites, their checks and incidents. */
export function watchRoutes(deps: { watch: WatchService; organisationKeys: OrganisationKeys }) {
  return async (app: App) => {
    const forSupervisor = organisationKeyAuthentication(deps.organisationKeys, supervisorOnly);
    const requester = (request: Parameters<typeof organisationCallerOf>[0]): WatchRequester => {
      const caller = organisationCallerOf(request);
      return {
        actor: { type: 'api_key', id: caller.keyId, organisationId: caller.organisation.id },
        ip: request.ip,
        requestId: request.id,
      };
    };
    const settled = <T, J>(outcome: T | Problem, json: (value: T) => J): J => {
      if (outcome instanceof Problem) throw outcome;
      return json(outcome);
    };

    app.get(
      '/v1/watch/sites',
      {
        preHandler: forSupervisor,
        schema: {
          tags: ['watch'],
          summary: 'Watched web sites (merchants, billers, public services), by label',
          ...secured,
          querystring: Type.Object(
            {
              status: Type.Optional(Status),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 500 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: list(SiteSchema) },
        },
      },
      async (request) => {
        const { status, limit } = request.query;
        const sites = await deps.watch.listSites({ ...(status ? { status } : {}), limit: limit ?? 500 });
        return { object: 'list' as const, data: sites.map(siteJson) };
      },
    );

    app.post(
      '/v1/watch/sites',
      {
        preHandler: forSupervisor,
        schema: {
          tags: ['watch'],
          summary: 'Watch a web site: it is checked at once, then every `every_minutes`',
          ...secured,
          body: Type.Object(
            {
              url: Type.String({ minLength: 1, maxLength: 2048 }),
              label: Type.String({ minLength: 1, maxLength: 200 }),
              owner_kind: Type.Enum(SITE_OWNER_KINDS),
              owner_id: Type.Optional(Type.String({ maxLength: 64 })),
              every_minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
            },
            { additionalProperties: false },
          ),
          response: { 201: SiteSchema },
        },
      },
      async (request, reply) => {
        const { url, label, owner_kind, owner_id, every_minutes } = request.body;
        const outcome = await deps.watch.addSite(
          { url, label, ownerKind: owner_kind, ownerId: owner_id ?? null, everyMinutes: every_minutes },
          requester(request),
        );
        const json = settled(outcome, siteJson);
        return reply.code(201).send(json);
      },
    );

    app.get(
      '/v1/watch/sites/:id',
      {
        preHandler: forSupervisor,
        schema: {
          tags: ['watch'],
          summary: 'One watched site',
          ...secured,
          params: SiteParams,
          response: { 200: SiteSchema },
        },
      },
      async (request) => {
        const site = await deps.watch.getSite(request.params.id);
        if (!site)
          throw new Problem(404, 'not_found', 'Not found', `site ${request.params.id} does not exist`);
        return siteJson(site);
      },
    );

    app.get(
      '/v1/watch/sites/:id/checks',
      {
        preHandler: forSupervisor,
        schema: {
          tags: ['watch'],
          summary: "A site's latest checks, newest first (kept 30 days)",
          ...secured,
          params: SiteParams,
          querystring: Type.Object(
            { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 20 })) },
            { additionalProperties: false },
          ),
          response: { 200: list(CheckSchema) },
        },
      },
      async (request) => {
        const checks = await deps.watch.recentChecks(request.params.id, request.query.limit ?? 20);
        return { object: 'list' as const, data: checks.map(checkJson) };
      },
    );

    app.get(
      '/v1/watch/incidents',
      {
        preHandler: forSupervisor,
        schema: {
          tags: ['watch'],
          summary: 'Incidents (a site down, defaced or at risk), newest first',
          ...secured,
          querystring: Type.Object(
            {
              site: Type.Optional(Type.String({ maxLength: 64 })),
              open: Type.Optional(Type.Boolean()),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: list(IncidentSchema) },
        },
      },
      async (request) => {
        const { site, open, limit } = request.query;
        const incidents = await deps.watch.listIncidents({
          ...(site ? { siteId: site } : {}),
          ...(open ? { open } : {}),
          limit: limit ?? 100,
        });
        return { object: 'list' as const, data: incidents.map(incidentJson) };
      },
    );

    app.post(
      '/v1/watch/sites/:id/check',
      {
        preHandler: forSupervisor,
        schema: {
          tags: ['watch'],
          summary: 'Check a site now, whatever its schedule',
          ...secured,
          params: SiteParams,
          response: { 200: CheckSchema },
        },
      },
      async (request) => settled(await deps.watch.checkNow(request.params.id), checkJson),
    );

    app.post(
      '/v1/watch/sites/:id/accept_content',
      {
        preHandler: forSupervisor,
        schema: {
          tags: ['watch'],
          summary: "Take the site's latest page as the content later checks compare with (after a redesign)",
          ...secured,
          params: SiteParams,
          response: { 200: SiteSchema },
        },
      },
      async (request) =>
        settled(await deps.watch.acceptContent(request.params.id, requester(request)), siteJson),
    );

    for (const [verb, enabled] of [
      ['pause', false],
      ['resume', true],
    ] as const)
      app.post(
        `/v1/watch/sites/:id/${verb}`,
        {
          preHandler: forSupervisor,
          schema: {
            tags: ['watch'],
            summary: enabled ? "Resume a site's checks" : "Pause a site's checks",
            ...secured,
            params: SiteParams,
            response: { 200: SiteSchema },
          },
        },
        async (request) =>
          settled(await deps.watch.setEnabled(request.params.id, enabled, requester(request)), siteJson),
      );
  };
}
