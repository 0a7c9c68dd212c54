import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { Problem } from '../core/problem.js';
import { ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import { holdUpdate } from '../store/write-at-commit.js';
import type { VaultService } from '../vault/service.js';
import { ownedBy, type Scope } from './events.js';
import type { PaymentTables } from './model.js';

export interface Outcome {
  status: number;
  body: unknown;
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Runs a mutating call once per Idempotency-Key. The key is claimed in the same transaction as the
 * work, so a concurrent request with the same key waits on it and then gets the stored response; a
 * crash rolls both back, and a retry then runs the call afresh. Same key with another body: 409.
 *
 * A stored response is sealed whole by the vault: it may carry personal data (a customer's e-mail,
 * an applicant's identity) that law 09-08 wants encrypted at rest. Its jsonb holds `{ "sealed": … }`.
 */
export function createIdempotency(
  store: SharedStore,
  vault: AnswerVault,
  keys: KeyLifetime = DEFAULT_KEY_LIFETIME,
) {
  return async function idempotent(
    request: FastifyRequest,
    reply: FastifyReply,
    scope: Scope,
    operation: (trx: SharedDb) => Promise<Outcome>,
    /**
     * The objects the call must have to itself, when it may share its commit with concurrent calls
     * (store.ts, group-commit.ts); its Idempotency-Key is added to them.
     */
    options: { group?: readonly string[]; lane?: string } = {},
  ): Promise<FastifyReply> {
    const key = request.headers['idempotency-key'];
    if (key !== undefined && (typeof key !== 'string' || !KEY.test(key))) {
      throw new Problem(
        400,
        'invalid_idempotency_key',
        'Invalid Idempotency-Key',
        'use 1 to 255 printable ASCII characters, e.g. a UUID',
      );
    }
    const grouping = options.group && {
      group: [
        ...options.group,
        ...(key === undefined ? [] : [`idempotency:${scope.merchantId}:${scope.livemode}:${key}`]),
      ],
      ...(options.lane ? { lane: options.lane } : {}),
    };
    const outcome = await store.transaction(async (trx) => {
      if (key === undefined) return { ...(await operation(trx)), replayed: false };
      const requestHash = createHash('sha256')
        .update(
          `${request.method} ${request.routeOptions.url} ${JSON.stringify(request.params)} ${JSON.stringify(request.body ?? null)}`,
        )
        .digest('hex');
      const db = ownTables<PaymentTables>(trx);
      const now = keys.now();
      const fresh = { request_hash: requestHash, response_status: 0, response_body: 'null', created_at: now };
      // A lapsed key, not yet deleted by the workers, is claimed afresh as if it were new.
      const claimed = await db
        .insertInto('idempotency_keys')
        .values({ merchant_id: scope.merchantId, livemode: scope.livemode, key, ...fresh })
        .onConflict((oc) =>
          oc
            .columns(['merchant_id', 'livemode', 'key'])
            .doUpdateSet(fresh)
            .where('idempotency_keys.created_at', '<=', lapsedBefore(keys, now)),
        )
        .returning('key')
        .executeTakeFirst();
      if (!claimed) {
        const stored = await db
          .selectFrom('idempotency_keys')
          .selectAll()
          .where(ownedBy(scope))
          .where('key', '=', key)
          .executeTakeFirstOrThrow();
        if (stored.request_hash !== requestHash) {
          throw new Problem(
            409,
            'idempotency_key_reused',
            'Idempotency-Key reused',
            'this key was used with another request; use a new key',
          );
        }
        const body = await openAnswer(vault, stored.response_body);
        return { status: stored.response_status, body, replayed: true };
      }
      const result = await operation(trx);
      // The key's row is this transaction's own, so the answer can go out with the commit.
      const sealed = await sealAnswer(vault, result.body, trx);
      await holdUpdate(
        db,
        'idempotency_keys',
        { response_status: result.status, response_body: sealed },
        { merchant_id: scope.merchantId, livemode: scope.livemode, key },
      );
      return { ...result, replayed: false };
    }, grouping);
    if (outcome.replayed) reply.header('idempotent-replayed', 'true');
    reply.code(outcome.status);
    if (outcome.status >= 400) reply.type('application/problem+json');
    return reply.send(outcome.body);
  };
}

type AnswerVault = Pick<VaultService, 'sealSecret' | 'openSecret'>;

/** How long a key and its answer are kept (TIJARA_IDEMPOTENCY_HOURS), by which clock. */
export interface KeyLifetime {
  now: () => Date;
  keepMs: number;
}

export const DEFAULT_KEY_LIFETIME: KeyLifetime = { now: () => new Date(), keepMs: 24 * 60 * 60 * 1000 };

/** Keys claimed at or before this moment have lapsed. */
const lapsedBefore = (keys: KeyLifetime, now = keys.now()) => new Date(now.getTime() - keys.keepMs);

/** Lapsed keys are deleted this many at a time, a statement (and so a transaction) each batch. */
const PURGE_BATCH = 5_000;

/**
 * Deletes the keys that have lapsed, with their stored answers (and the console forms' one-time
 * tokens, which share the table): what the workers run every few minutes. Says how many.
 */
export async function purgeLapsedKeys(store: SharedStore, keys: KeyLifetime): Promise<number> {
  const before = lapsedBefore(keys);
  let purged = 0;
  for (;;) {
    const { rows } = await sql<{ deleted: number }>`
      with lapsed as (
        select merchant_id, livemode, key from idempotency_keys where created_at <= ${before} limit ${PURGE_BATCH}
      ), deleted as (
        delete from idempotency_keys k using lapsed
         where (k.merchant_id, k.livemode, k.key) = (lapsed.merchant_id, lapsed.livemode, lapsed.key)
           and k.created_at <= ${before}
        returning 1
      )
      select count(*)::int as deleted from deleted`.execute(store.db);
    const deleted = Number(rows[0]?.deleted ?? 0);
    purged += deleted;
    if (deleted < PURGE_BATCH) return purged;
  }
}

/** A stored answer as its jsonb column holds it: `{ "sealed": … }`, the whole body sealed by the vault. */
export async function sealAnswer(vault: AnswerVault, body: unknown, db?: SharedDb): Promise<string> {
  return JSON.stringify({ sealed: await vault.sealSecret(JSON.stringify(body ?? null), db) });
}

/** The body of a stored answer; one stored before answers were sealed reads as it is. */
async function openAnswer(vault: AnswerVault, stored: unknown): Promise<unknown> {
  const sealed =
    typeof stored === 'object' && stored !== null && Object.keys(stored).length === 1
      ? (stored as { sealed?: unknown }).sealed
      : undefined;
  return typeof sealed === 'string' ? JSON.parse(await vault.openSecret(sealed)) : stored;
}

/** A service result as a response: a Problem keeps its status, anything else is serialized by `toJson`. */
export function outcomeOf<T>(
  result: T | Problem,
  instance: string,
  toJson: (value: T) => unknown,
  status = 200,
): Outcome {
  return result instanceof Problem
    ? { status: result.status, body: result.toJSON(instance) }
    : { status, body: toJson(result) };
}

/**
 * A console form that creates something (an API key) carries a one-time token; its POST claims the
 * token in the caller's transaction, through the same table as Idempotency-Key. A second POST of the
 * same form (a refresh, a double click) finds it claimed and creates nothing. Tokens share the
 * merchant's key space under a `form:` prefix.
 */
export const formOnce = {
  /** A fresh token for a form. */
  issue: () => randomBytes(16).toString('base64url'),
  pattern: /^[A-Za-z0-9_-]{22}$/,
  /** True the first time `token` is claimed for this form in this scope; false ever after. */
  async claim(db: SharedDb, scope: Scope, form: string, token: string): Promise<boolean> {
    const claimed = await ownTables<PaymentTables>(db)
      .insertInto('idempotency_keys')
      .values({
        merchant_id: scope.merchantId,
        livemode: scope.livemode,
        key: `form:${form}:${token}`,
        request_hash: createHash('sha256').update(`form ${form}`).digest('hex'),
        response_status: 204,
        response_body: 'null',
      })
      .onConflict((oc) => oc.columns(['merchant_id', 'livemode', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    return claimed !== undefined;
  },
};
