import { panDisplay } from '../core/card.js';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { CurrencyCode, MinorUnits } from '../core/money.js';
import type { ResponseCode } from '../core/response-codes.js';
import type { IssuerService } from '../issuer/service.js';
import { enqueueEvent, type OutboxHandler } from '../store/outbox.js';
import { ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import { holdInsert } from '../store/write-at-commit.js';
import { convertToMad, proportionalMad, type RateLine } from './fx.js';
import { builtinIssuerLink, type IssuerLink } from './links.js';
import type { BinRoute, Issuer, SwitchTables } from './model.js';
import { rateOn, saveRates } from './rates.js';
import { authorizationTraffic } from './traffic.js';

export interface AuthorizationRequest {
  /** Unique per attempt; the issuer sees it and reversals name it. */
  reference: string;
  pan: string;
  expMonth: number;
  expYear: number;
  amount: MinorUnits;
  currency: CurrencyCode;
  merchant: { id: string; country: string };
  /** Capture at once (a sale) instead of placing a hold. */
  capture: boolean;
  /** The 3-D Secure outcome, when the cardholder went through it. */
  threeDSecure?: { status: 'authenticated' | 'attempted' | 'failed'; eci: string } | null;
}

export interface AuthorizationResult {
  /** The switch's id for this authorization, to capture, release or refund it. */
  id: string;
  approved: boolean;
  responseCode: ResponseCode;
  authCode: string | null;
  issuerId: string | null;
  cardCountry: string | null;
  international: boolean;
  amountMad: MinorUnits | null;
}

export interface SwitchService {
  registerIssuer(
    issuer: {
      id: string;
      name: string;
      country: string;
      timeoutMs?: number;
      simulatedLatencyMs?: number;
      available?: boolean;
    },
    db?: SharedDb,
  ): Promise<void>;
  setIssuerAvailability(issuerId: string, available: boolean, db?: SharedDb): Promise<void>;
  listIssuers(db?: SharedDb): Promise<Issuer[]>;
  addBinRange(route: BinRoute, db?: SharedDb): Promise<void>;
  /** The longest BIN prefix that matches, from memory. */
  route(pan: string): BinRoute | undefined;
  /** Reloads issuers and BIN ranges (after a change made by another node). */
  reload(db?: SharedDb): Promise<void>;

  setRates(rates: RateLine[], db?: SharedDb): Promise<number>;
  /** The reference rate of the day (the latest published on or before it). */
  rateOn(currency: string, at: Date, db?: SharedDb): Promise<bigint | undefined>;

  authorize(request: AuthorizationRequest, db: SharedDb): Promise<AuthorizationResult>;
  capture(authorizationId: string, amount: MinorUnits, db: SharedDb): Promise<void>;
  release(authorizationId: string, db: SharedDb): Promise<void>;
  refund(authorizationId: string, amount: MinorUnits, db: SharedDb): Promise<void>;
  /** The journal of a period added up per merchant and, if asked, per card (transaction monitoring's source). */
  traffic(
    period: Parameters<typeof authorizationTraffic>[1],
    db?: SharedDb,
  ): ReturnType<typeof authorizationTraffic>;

  outboxHandlers: OutboxHandler[];
}

const REVERSAL_TOPIC = 'switch.reversal';

class IssuerTimeout extends Error {}

export function createSwitchService(deps: {
  store: SharedStore;
  issuer: IssuerService;
  clock: Clock;
  logger: Logger;
}): SwitchService {
  const { clock, logger } = deps;
  const tables = (db?: SharedDb) => ownTables<SwitchTables>(db ?? deps.store.db);
  let routes: BinRoute[] = [];
  const issuers = new Map<string, Issuer>();
  const links = new Map<string, IssuerLink>();

  function linkFor(issuerId: string): IssuerLink {
    let link = links.get(issuerId);
    if (!link) {
      link = builtinIssuerLink(deps.issuer, issuerId, () => issuers.get(issuerId)?.simulatedLatencyMs ?? 0);
      links.set(issuerId, link);
    }
    return link;
  }

  async function reload(db?: SharedDb) {
    const issuerRows = await tables(db).selectFrom('switch_issuers').selectAll().execute();
    issuers.clear();
    for (const row of issuerRows) {
      issuers.set(row.id, {
        id: row.id,
        name: row.name,
        country: row.country,
        available: row.available,
        timeoutMs: row.timeout_ms,
        simulatedLatencyMs: row.simulated_latency_ms,
      });
    }
    const rows = await tables(db).selectFrom('switch_bin_ranges').selectAll().execute();
    // Longest prefix first, so the first match is the most specific.
    routes = rows
      .map((r) => ({ prefix: r.prefix, issuerId: r.issuer_id, brand: r.brand, country: r.country }))
      .sort((a, b) => b.prefix.length - a.prefix.length);
  }

  function route(pan: string) {
    return routes.find((r) => pan.startsWith(r.prefix));
  }

  /** Waits for the issuer at most its timeout; a late answer is still awaited so it can be reversed in turn. */
  async function askIssuer(issuer: Issuer, message: Parameters<IssuerLink['authorize']>[0], db: SharedDb) {
    const answer = linkFor(issuer.id).authorize(message, db);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new IssuerTimeout()), issuer.timeoutMs);
    });
    try {
      return await Promise.race([answer, timeout]);
    } catch (error) {
      if (!(error instanceof IssuerTimeout)) throw error;
      logger.warn(
        { issuerId: issuer.id, reference: message.reference },
        'issuer did not answer in time; reversing',
      );
      await answer.catch(() => undefined);
      await linkFor(issuer.id).reverse(message.reference, db);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  async function record(
    db: SharedDb,
    request: AuthorizationRequest,
    outcome: Omit<AuthorizationResult, 'id' | 'approved'> & { fxRateMicro: bigint | null },
  ): Promise<AuthorizationResult> {
    const id = newId('sau');
    const { bin, last4 } = panDisplay(request.pan);
    const approved = outcome.responseCode === '00';
    // The network's journal line: nothing reads it back in this transaction, so it goes with the commit.
    await holdInsert(tables(db), 'switch_authorizations', {
      id,
      reference: request.reference,
      issuer_id: outcome.issuerId,
      bin,
      last4,
      merchant_id: request.merchant.id,
      merchant_country: request.merchant.country,
      amount: request.amount,
      currency: request.currency,
      amount_mad: outcome.amountMad,
      fx_rate_micro: outcome.fxRateMicro,
      international: outcome.international,
      response_code: outcome.responseCode,
      auth_code: outcome.authCode,
      status: approved ? (request.capture ? 'captured' : 'approved') : 'declined',
      captured: approved && request.capture ? request.amount : 0n,
      three_d_secure: request.threeDSecure?.status ?? null,
      eci: request.threeDSecure?.eci ?? null,
    });
    const { fxRateMicro: _, ...result } = outcome;
    return { id, approved, ...result };
  }

  async function loadAuthorization(id: string, db: SharedDb) {
    const row = await tables(db)
      .selectFrom('switch_authorizations')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!row?.issuer_id || row.amount_mad === null) throw new Error(`no approved authorization ${id}`);
    return { ...row, issuer_id: row.issuer_id, amount_mad: row.amount_mad };
  }

  return {
    async registerIssuer(issuer, db) {
      await tables(db)
        .insertInto('switch_issuers')
        .values({
          id: issuer.id,
          name: issuer.name,
          country: issuer.country,
          ...(issuer.timeoutMs === undefined ? {} : { timeout_ms: issuer.timeoutMs }),
          ...(issuer.simulatedLatencyMs === undefined
            ? {}
            : { simulated_latency_ms: issuer.simulatedLatencyMs }),
          ...(issuer.available === undefined ? {} : { available: issuer.available }),
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      await reload(db);
    },

    async setIssuerAvailability(issuerId, available, db) {
      await tables(db).updateTable('switch_issuers').set({ available }).where('id', '=', issuerId).execute();
      await reload(db);
    },

    async listIssuers(db) {
      await reload(db);
      return [...issuers.values()];
    },

    async addBinRange(binRoute, db) {
      await tables(db)
        .insertInto('switch_bin_ranges')
        .values({
          prefix: binRoute.prefix,
          issuer_id: binRoute.issuerId,
          brand: binRoute.brand,
          country: binRoute.country,
        })
        .onConflict((oc) => oc.column('prefix').doNothing())
        .execute();
      await reload(db);
    },

    route,
    reload,

    setRates: (rates, db) => saveRates(db ?? deps.store.db, rates),
    rateOn: (currency, at, db) => rateOn(db ?? deps.store.db, currency, at),

    async authorize(request, db) {
      const now = clock.now();
      const binRoute = route(request.pan);
      const issuer = binRoute && issuers.get(binRoute.issuerId);
      const base = {
        authCode: null,
        issuerId: issuer?.id ?? null,
        cardCountry: binRoute?.country ?? null,
        fxRateMicro: null,
      };
      if (!binRoute || !issuer) {
        return record(db, request, { ...base, responseCode: '14', international: false, amountMad: null });
      }
      // Network rule: a Moroccan card paying a merchant abroad is an international payment.
      const international = binRoute.country === 'MA' && request.merchant.country !== 'MA';

      let amountMad = request.amount;
      let fxRateMicro: bigint | null = null;
      if (request.currency !== 'MAD') {
        const rate = await rateOn(db, request.currency, now);
        if (rate === undefined) {
          logger.error({ currency: request.currency }, 'no reference rate for the currency; declining');
          return record(db, request, { ...base, responseCode: '96', international, amountMad: null });
        }
        fxRateMicro = rate;
        amountMad = convertToMad(request.amount, rate);
      }
      const decline = (responseCode: ResponseCode) =>
        record(db, request, { ...base, responseCode, international, amountMad, fxRateMicro });

      if (!issuer.available) {
        // The bank is unreachable: answer 91, and send a reversal in case the request reached it after all.
        await enqueueEvent(db, REVERSAL_TOPIC, { issuerId: issuer.id, reference: request.reference });
        return decline('91');
      }
      if (international) {
        // Applied before the issuer: domestic-only cards never reach it for a merchant abroad.
        const profile = await linkFor(issuer.id).cardProfile(request.pan, now, db);
        if (!profile) return decline('14');
        if (!profile.internationalEnabled) return decline('57');
        if (amountMad > profile.allowanceLeft) return decline('61');
      }
      const answer = await askIssuer(
        issuer,
        {
          reference: request.reference,
          pan: request.pan,
          expMonth: request.expMonth,
          expYear: request.expYear,
          amount: amountMad,
          capture: request.capture,
          international,
          // An attempted authentication (ECI 06) counts, as it does for liability shift.
          authenticated: request.threeDSecure != null && request.threeDSecure.status !== 'failed',
        },
        db,
      );
      if (!answer) return decline('91');
      return record(db, request, {
        ...base,
        responseCode: answer.code,
        authCode: answer.authCode ?? null,
        international,
        amountMad,
        fxRateMicro,
      });
    },

    async capture(authorizationId, amount, db) {
      const auth = await loadAuthorization(authorizationId, db);
      if (auth.status !== 'approved')
        throw new Error(`authorization ${authorizationId} is ${auth.status}, not capturable`);
      await linkFor(auth.issuer_id).capture(
        auth.reference,
        proportionalMad(amount, auth.amount, auth.amount_mad),
        db,
      );
      await tables(db)
        .updateTable('switch_authorizations')
        .set({ status: 'captured', captured: amount })
        .where('id', '=', auth.id)
        .execute();
    },

    async release(authorizationId, db) {
      const auth = await loadAuthorization(authorizationId, db);
      if (auth.status !== 'approved')
        throw new Error(`authorization ${authorizationId} is ${auth.status}, not releasable`);
      await linkFor(auth.issuer_id).release(auth.reference, db);
      await tables(db)
        .updateTable('switch_authorizations')
        .set({ status: 'released' })
        .where('id', '=', auth.id)
        .execute();
    },

    async refund(authorizationId, amount, db) {
      const auth = await loadAuthorization(authorizationId, db);
      if (auth.status !== 'captured')
        throw new Error(`authorization ${authorizationId} is ${auth.status}, not refundable`);
      if (auth.refunded + amount > auth.captured)
        throw new Error(`refund exceeds the captured amount of ${authorizationId}`);
      // The MAD refunded so far and after this refund, so rounding never drifts across partial refunds.
      const capturedMad = proportionalMad(auth.captured, auth.amount, auth.amount_mad);
      const before = proportionalMad(auth.refunded, auth.captured, capturedMad);
      const after = proportionalMad(auth.refunded + amount, auth.captured, capturedMad);
      await linkFor(auth.issuer_id).refund(auth.reference, after - before, db);
      await tables(db)
        .updateTable('switch_authorizations')
        .set({ refunded: auth.refunded + amount })
        .where('id', '=', auth.id)
        .execute();
    },

    traffic(period, db) {
      return authorizationTraffic(db ?? deps.store.db, period);
    },

    outboxHandlers: [
      {
        topic: REVERSAL_TOPIC,
        // A reversal waits for the bank to come back; give up only after a day of tries.
        maxAttempts: 30,
        async deliver(event) {
          const { issuerId, reference } = event.payload as { issuerId: string; reference: string };
          await reload();
          if (!issuers.get(issuerId)?.available) throw new Error(`issuer ${issuerId} still unavailable`);
          await deps.store.transaction((trx) => linkFor(issuerId).reverse(reference, trx));
        },
      },
    ],
  };
}
