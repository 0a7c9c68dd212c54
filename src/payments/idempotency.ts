import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Problem } from '../core/problem.js';
import { ownTables, type SharedDb, type SharedStore } from '../store/store.js';
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
 */
export function createIdempotency(store: SharedStore) {
  return async function idempotent(
    request: FastifyRequest,
    reply: FastifyReply,
    scope: Scope,
    operation: (trx: SharedDb) => Promise<Outcome>,
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
    const requestHash = createHash('sha256')
      .update(
        `${request.method} ${request.routeOptions.url} ${JSON.stringify(request.params)} ${JSON.stringify(request.body ?? null)}`,
      )
      .digest('hex');
    const outcome = await store.transaction(async (trx) => {
      if (key === undefined) return { ...(await operation(trx)), replayed: false };
      const db = ownTables<PaymentTables>(trx);
      const claimed = await db
        .insertInto('idempotency_keys')
        .values({
          merchant_id: scope.merchantId,
          livemode: scope.livemode,
          key,
          request_hash: requestHash,
          response_status: 0,
          response_body: 'null',
        })
        .onConflict((oc) => oc.columns(['merchant_id', 'livemode', 'key']).doNothing())
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
        return { status: stored.response_status, body: stored.response_body, replayed: true };
      }
      const result = await operation(trx);
      await db
        .updateTable('idempotency_keys')
        .set({ response_status: result.status, response_body: JSON.stringify(result.body) })
        .where(ownedBy(scope))
        .where('key', '=', key)
        .execute();
      return { ...result, replayed: false };
    });
    if (outcome.replayed) reply.header('idempotent-replayed', 'true');
    reply.code(outcome.status);
    if (outcome.status >= 400) reply.type('application/problem+json');
    return reply.send(outcome.body);
  };
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
