import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { bearerCaller } from '../core/bearer.js';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import { Problem } from '../core/problem.js';
import { hashSecret } from '../merchants/service.js';
import { ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import type { AuthTables, OrganisationKind } from './model.js';

/** API keys of organisations (`ok_live_…`, `ok_test_…`) for supervision APIs; kept as SHA-256. */
export interface OrganisationKeyTables {
  organisation_keys: {
    id: string;
    organisation_id: string;
    livemode: boolean;
    secret_hash: string;
    hint: string;
    label: string | null;
    created_at: Date;
    revoked_at: Date | null;
  };
}

export interface OrganisationKey {
  id: string;
  organisationId: string;
  livemode: boolean;
  hint: string;
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Who is calling with an organisation key. */
export interface OrganisationCaller {
  keyId: string;
  livemode: boolean;
  organisation: { id: string; kind: OrganisationKind; name: string; supervising: boolean };
}

export interface OrganisationKeys {
  /** Creates a key; the returned secret is the only time it exists in clear. */
  create(
    organisationId: string,
    livemode: boolean,
    options?: { label?: string; secret?: string },
    db?: SharedDb,
  ): Promise<{ key: OrganisationKey; secret: string }>;
  list(organisationId: string, db?: SharedDb): Promise<OrganisationKey[]>;
  revoke(organisationId: string, keyId: string, db?: SharedDb): Promise<boolean>;
  authenticate(secret: string): Promise<OrganisationCaller | undefined>;
}

const ORGANISATION_KEY = /^ok_(test|live)_[A-Za-z0-9]{24,64}$/;

function newSecret(livemode: boolean): string {
  const body = randomBytes(24).toString('base64').replace(/[+/=]/g, '').slice(0, 32).padEnd(32, '0');
  return `ok_${livemode ? 'live' : 'test'}_${body}`;
}

type Tables = OrganisationKeyTables & AuthTables;

function toKey(row: OrganisationKeyTables['organisation_keys']): OrganisationKey {
  return {
    id: row.id,
    organisationId: row.organisation_id,
    livemode: row.livemode,
    hint: row.hint,
    label: row.label,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

export function createOrganisationKeys(deps: { store: SharedStore; clock: Clock }): OrganisationKeys {
  const tables = (db?: SharedDb) => ownTables<Tables>(db ?? deps.store.db);
  return {
    async create(organisationId, livemode, options = {}, db) {
      const secret = options.secret ?? newSecret(livemode);
      if (!ORGANISATION_KEY.test(secret) || secret.startsWith('ok_live_') !== livemode) {
        throw new Error(
          'an organisation key is ok_test_… or ok_live_… followed by 24 to 64 letters and digits',
        );
      }
      const row = await tables(db)
        .insertInto('organisation_keys')
        .values({
          id: newId('okey'),
          organisation_id: organisationId,
          livemode,
          secret_hash: hashSecret(secret),
          hint: `${secret.slice(0, 8)}…${secret.slice(-4)}`,
          label: options.label ?? null,
          created_at: deps.clock.now(),
          revoked_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { key: toKey(row), secret };
    },

    async list(organisationId, db) {
      const rows = await tables(db)
        .selectFrom('organisation_keys')
        .selectAll()
        .where('organisation_id', '=', organisationId)
        .orderBy('created_at')
        .execute();
      return rows.map(toKey);
    },

    async revoke(organisationId, keyId, db) {
      const result = await tables(db)
        .updateTable('organisation_keys')
        .set({ revoked_at: deps.clock.now() })
        .where('id', '=', keyId)
        .where('organisation_id', '=', organisationId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async authenticate(secret) {
      if (!ORGANISATION_KEY.test(secret)) return undefined;
      const row = await tables()
        .selectFrom('organisation_keys as k')
        .innerJoin('organisations as o', 'o.id', 'k.organisation_id')
        .select([
          'k.id',
          'k.livemode',
          'o.id as organisation_id',
          'o.kind',
          'o.name',
          sql<boolean>`exists (select 1 from supervision s where s.organisation_id = o.id)`.as('supervising'),
        ])
        .where('k.secret_hash', '=', hashSecret(secret))
        .where('k.revoked_at', 'is', null)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        keyId: row.id,
        livemode: row.livemode,
        organisation: {
          id: row.organisation_id,
          kind: row.kind,
          name: row.name,
          supervising: row.supervising,
        },
      };
    },
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The organisation an `ok_…` key authenticated; set on supervision API routes. */
    organisationCaller?: OrganisationCaller;
  }
}

/** Banks, and the authority that supervises the platform today. */
export const banksAndSupervisor = (caller: OrganisationCaller) =>
  caller.organisation.kind === 'bank' ||
  (caller.organisation.kind === 'authority' && caller.organisation.supervising);

/** The supervising authority only. */
export const supervisorOnly = (caller: OrganisationCaller) =>
  caller.organisation.kind === 'authority' && caller.organisation.supervising;

/**
 * A preHandler for `Authorization: Bearer ok_…`: 401 without a valid key, 403 for an organisation the
 * route is not for.
 */
export function organisationKeyAuthentication(
  keys: OrganisationKeys,
  allowed: (caller: OrganisationCaller) => boolean,
) {
  return async function authenticateOrganisation(request: FastifyRequest, reply: FastifyReply) {
    const caller = await bearerCaller(request, reply, (secret) => keys.authenticate(secret), {
      expected: 'ok_…',
      unknown: 'this organisation key does not exist or was revoked',
    });
    if (!allowed(caller)) {
      throw new Problem(
        403,
        'organisation_not_allowed',
        'Forbidden',
        `a ${caller.organisation.kind} organisation may not use this API`,
      );
    }
    request.organisationCaller = caller;
  };
}

export function organisationCallerOf(request: FastifyRequest): OrganisationCaller {
  if (!request.organisationCaller) throw new Error('route reached without organisation authentication');
  return request.organisationCaller;
}
