import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { fetchTo } from '../core/network.js';
import { Problem } from '../core/problem.js';
import { type CallbackUrlProblem, callbackUrlProblem } from '../core/urls.js';
import { enqueueEventsSelected, exponentialBackoff, type OutboxHandler } from '../store/outbox.js';
import { ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import type { VaultService } from '../vault/service.js';
import {
  EVENT_TYPES,
  type EventLog,
  eventJson,
  ownedBy,
  type Scope,
  WEBHOOK_FANOUT_TOPIC,
} from './events.js';
import type { PaymentTables } from './model.js';
import { signWebhook } from './signature.js';
import { DELIVERY_TOPIC, wantsEvent } from './webhook-fanout.js';

/**
 * Retries double from the base delay up to 360 times it (6 hours at the default one-minute base);
 * 21 attempts then span a little over three days.
 */
export const WEBHOOK_MAX_ATTEMPTS = 21;

export interface WebhookEndpoint {
  id: string;
  url: string;
  livemode: boolean;
  enabledEvents: string[];
  createdAt: Date;
}

export interface WebhookDelivery {
  id: string;
  eventId: string;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  succeeded: boolean;
  createdAt: Date;
}

export interface WebhookService {
  createEndpoint(
    scope: Scope,
    input: { url: string; events?: string[] },
    db?: SharedDb,
  ): Promise<{ endpoint: WebhookEndpoint; secret: string } | Problem>;
  listEndpoints(scope: Scope, db?: SharedDb): Promise<WebhookEndpoint[]>;
  disableEndpoint(scope: Scope, id: string, db?: SharedDb): Promise<boolean>;
  /**
   * Gives the endpoint a new signing secret; the old one keeps signing too for `overlapHours` (0: it
   * stops at once). Undefined when the endpoint is not the caller's.
   */
  rollSecret(
    scope: Scope,
    id: string,
    overlapHours: number,
    db?: SharedDb,
  ): Promise<{ endpoint: WebhookEndpoint; secret: string; previousSecretExpiresAt: Date | null } | undefined>;
  listDeliveries(
    scope: Scope,
    endpointId: string,
    limit: number,
    db?: SharedDb,
  ): Promise<WebhookDelivery[] | undefined>;
  /** Sends an event again to one endpoint or to all that want it; returns how many deliveries were queued. */
  redeliver(
    scope: Scope,
    eventId: string,
    endpointId: string | undefined,
    db: SharedDb,
  ): Promise<number | undefined>;
  outboxHandlers: OutboxHandler[];
}

const URL_PROBLEMS: Record<CallbackUrlProblem, string> = {
  invalid_url: 'url must be an absolute http(s) URL',
  credentials_in_url: 'url must not carry credentials',
  insecure_url: 'live endpoints must use https',
  private_address: 'live endpoints must be on the public internet, not localhost or a private network',
};

/** How long a rolled secret keeps signing when the merchant does not say. */
export const DEFAULT_ROLL_OVERLAP_HOURS = 24;

const newSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;

export function createWebhookService(deps: {
  store: SharedStore;
  vault: VaultService;
  events: EventLog;
  clock: Clock;
  logger: Logger;
  retryBaseMs: number;
  timeoutMs?: number;
}): WebhookService {
  const tables = (db?: SharedDb) => ownTables<PaymentTables>(db ?? deps.store.db);
  const toEndpoint = (row: {
    id: string;
    url: string;
    livemode: boolean;
    enabled_events: string[];
    created_at: Date;
  }): WebhookEndpoint => ({
    id: row.id,
    url: row.url,
    livemode: row.livemode,
    enabledEvents: row.enabled_events,
    createdAt: row.created_at,
  });

  async function ownedEndpoint(scope: Scope, id: string, db?: SharedDb) {
    return tables(db)
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', id)
      .where(ownedBy(scope))
      .executeTakeFirst();
  }

  async function deliver(eventId: string, endpointId: string, attempt: number) {
    const db = tables();
    const event = await deps.events.byId(eventId);
    const endpoint = await db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', endpointId)
      .executeTakeFirst();
    // An endpoint removed since the event was queued no longer wants it.
    if (!event || !endpoint || endpoint.disabled_at) return;
    const body = JSON.stringify(eventJson(event));
    const secrets = [await deps.vault.openSecret(endpoint.secret_sealed)];
    if (endpoint.previous_secret_sealed && endpoint.previous_secret_expires_at! > deps.clock.now())
      secrets.push(await deps.vault.openSecret(endpoint.previous_secret_sealed));
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetchTo(endpoint.livemode)(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Tijara-Webhooks/1',
          'tijara-event-id': event.id,
          'tijara-signature': signWebhook(secrets, body, deps.clock.now()),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
      });
      statusCode = response.status;
      await response.body?.cancel();
      if (response.status < 200 || response.status >= 300)
        error = `endpoint answered HTTP ${response.status}`;
    } catch (caught) {
      error = `delivery failed: ${(caught as Error).message}`;
    }
    await db
      .insertInto('webhook_deliveries')
      .values({
        id: newId('whd'),
        event_id: event.id,
        endpoint_id: endpoint.id,
        attempt,
        status_code: statusCode,
        error,
        duration_ms: Math.round(performance.now() - started),
        succeeded: error === null,
      })
      .execute();
    if (error) throw new Error(error);
  }

  /**
   * Queues a delivery of each event to each of its merchant's enabled endpoints that asked for its
   * type, in one statement however many events: `endpointId` only to that one; `registeredBefore`
   * only to endpoints that existed when the event happened. Answers how many it queued.
   */
  function queueDeliveries(
    db: SharedDb,
    eventIds: string[],
    only: { endpointId?: string; registeredBefore?: boolean } = {},
  ) {
    if (eventIds.length === 0) return Promise.resolve(0);
    const pairs = tables(db)
      .selectFrom('events as e')
      .innerJoin('webhook_endpoints as w', (join) =>
        join.onRef('w.merchant_id', '=', 'e.merchant_id').onRef('w.livemode', '=', 'e.livemode'),
      )
      .where('e.id', 'in', eventIds)
      .where(wantsEvent(sql.ref('e.type')))
      .$if(only.endpointId !== undefined, (q) => q.where('w.id', '=', only.endpointId!))
      .$if(only.registeredBefore === true, (q) => q.whereRef('w.created_at', '<=', 'e.created_at'))
      .select(sql<unknown>`json_build_object('eventId', e.id, 'endpointId', w.id)`.as('payload'));
    return enqueueEventsSelected(db, DELIVERY_TOPIC, pairs);
  }

  return {
    async createEndpoint(scope, input, db) {
      const urlProblem = callbackUrlProblem(input.url, scope.livemode);
      if (urlProblem)
        return new Problem(400, 'invalid_webhook_url', 'Invalid webhook URL', URL_PROBLEMS[urlProblem]);
      const events = input.events && input.events.length > 0 ? input.events : ['*'];
      const unknown = events.filter((e) => e !== '*' && !(EVENT_TYPES as string[]).includes(e));
      if (unknown.length > 0) {
        return new Problem(
          400,
          'invalid_event_type',
          'Unknown event type',
          `unknown event types: ${unknown.join(', ')}`,
        );
      }
      const secret = newSecret();
      const row = await tables(db)
        .insertInto('webhook_endpoints')
        .values({
          id: newId('we'),
          merchant_id: scope.merchantId,
          livemode: scope.livemode,
          url: input.url,
          secret_sealed: await deps.vault.sealSecret(secret, db),
          enabled_events: events,
          disabled_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { endpoint: toEndpoint(row), secret };
    },

    async rollSecret(scope, id, overlapHours, db) {
      // Locked: of two rolls at once, the second keeps the first's new secret as its previous one.
      const endpoint = await tables(db)
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('id', '=', id)
        .where(ownedBy(scope))
        .where('disabled_at', 'is', null)
        .forUpdate()
        .executeTakeFirst();
      if (!endpoint) return undefined;
      const secret = newSecret();
      const expiresAt =
        overlapHours > 0 ? new Date(deps.clock.now().getTime() + overlapHours * 60 * 60 * 1000) : null;
      const row = await tables(db)
        .updateTable('webhook_endpoints')
        .set({
          secret_sealed: await deps.vault.sealSecret(secret, db),
          previous_secret_sealed: expiresAt && endpoint.secret_sealed,
          previous_secret_expires_at: expiresAt,
        })
        .where('id', '=', endpoint.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { endpoint: toEndpoint(row), secret, previousSecretExpiresAt: expiresAt };
    },

    async listEndpoints(scope, db) {
      const rows = await tables(db)
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where(ownedBy(scope))
        .where('disabled_at', 'is', null)
        .orderBy('id', 'desc')
        .execute();
      return rows.map(toEndpoint);
    },

    async disableEndpoint(scope, id, db) {
      const result = await tables(db)
        .updateTable('webhook_endpoints')
        .set({ disabled_at: deps.clock.now() })
        .where('id', '=', id)
        .where(ownedBy(scope))
        .where('disabled_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async listDeliveries(scope, endpointId, limit, db) {
      if (!(await ownedEndpoint(scope, endpointId, db))) return undefined;
      const rows = await tables(db)
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('endpoint_id', '=', endpointId)
        .orderBy('created_at', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        eventId: r.event_id,
        attempt: r.attempt,
        statusCode: r.status_code,
        error: r.error,
        durationMs: r.duration_ms,
        succeeded: r.succeeded,
        createdAt: r.created_at,
      }));
    },

    async redeliver(scope, eventId, endpointId, db) {
      const event = await tables(db)
        .selectFrom('events')
        .select('id')
        .where('id', '=', eventId)
        .where(ownedBy(scope))
        .executeTakeFirst();
      if (!event) return undefined;
      if (endpointId && !(await ownedEndpoint(scope, endpointId, db))) return undefined;
      return queueDeliveries(db ?? deps.store.db, [event.id], endpointId === undefined ? {} : { endpointId });
    },

    outboxHandlers: [
      {
        topic: WEBHOOK_FANOUT_TOPIC,
        // Events an earlier version queued for fan-out (new ones queue their deliveries as they are
        // recorded): a claimed batch in one statement. An endpoint gets the events that happen once it
        // is registered, not older ones queued late.
        async deliverAll(outboxEvents) {
          const eventIds = outboxEvents.map((e) => (e.payload as { eventId: string }).eventId);
          await queueDeliveries(deps.store.db, eventIds, { registeredBefore: true });
        },
      },
      {
        topic: DELIVERY_TOPIC,
        maxAttempts: WEBHOOK_MAX_ATTEMPTS,
        retryDelayMs: exponentialBackoff(deps.retryBaseMs, deps.retryBaseMs * 360),
        async deliver(outboxEvent) {
          const { eventId, endpointId } = outboxEvent.payload as { eventId: string; endpointId: string };
          await deliver(eventId, endpointId, outboxEvent.attempts);
        },
      },
    ],
  };
}
