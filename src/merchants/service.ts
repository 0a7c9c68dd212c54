import { createHash, randomBytes } from 'node:crypto';
import { newId } from '../core/ids.js';
import type { CurrencyCode, MinorUnits } from '../core/money.js';
import { ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import {
  type ApiKey,
  HOLDING_DATA,
  type Merchant,
  type MerchantStatus,
  type MerchantTables,
  toMerchant,
} from './model.js';

export interface NewMerchant {
  id?: string;
  name: string;
  country?: string;
  currency?: CurrencyCode;
  sector?: string;
  website?: string | null;
  feeBps?: number;
  feeFixed?: MinorUnits;
  status?: MerchantStatus;
}

/** Who is calling, from a secret key. */
export interface MerchantCaller {
  merchant: Merchant;
  livemode: boolean;
  keyId: string;
}

export interface MerchantService {
  createMerchant(input: NewMerchant, db?: SharedDb): Promise<Merchant>;
  getMerchant(id: string, db?: SharedDb): Promise<Merchant | undefined>;
  /** Each merchant's sector, by id (statistics group payments by it); unknown ids are left out. */
  sectorsOf(ids: readonly string[], db?: SharedDb): Promise<Map<string, string>>;
  setStatus(id: string, status: MerchantStatus, db?: SharedDb): Promise<void>;
  /**
   * Merchants by name that may hold people's data, those a person may address a request about it to:
   * active ones, and suspended ones (the authority's data protection officer answers in their place).
   */
  merchantsHoldingData(): Promise<{ id: string; name: string }[]>;
  /** The web sites active merchants gave (the supervising authority watches them). */
  websites(): Promise<{ merchantId: string; name: string; website: string }[]>;
  /** Creates a secret key; the returned `secret` is the only time it exists in clear. */
  createApiKey(
    merchantId: string,
    livemode: boolean,
    options?: { label?: string; secret?: string },
    db?: SharedDb,
  ): Promise<{ apiKey: ApiKey; secret: string }>;
  listApiKeys(merchantId: string, db?: SharedDb): Promise<ApiKey[]>;
  revokeApiKey(merchantId: string, keyId: string, db?: SharedDb): Promise<boolean>;
  authenticate(secret: string): Promise<MerchantCaller | undefined>;
}

const SECRET_KEY = /^sk_(test|live)_[A-Za-z0-9]{24,64}$/;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function newSecret(livemode: boolean): string {
  // 32 base62-ish characters from 24 random bytes: about 190 bits.
  const body = randomBytes(24).toString('base64').replace(/[+/=]/g, '').slice(0, 32).padEnd(32, '0');
  return `sk_${livemode ? 'live' : 'test'}_${body}`;
}

/**
 * How long a process trusts what it read about a secret key. Every API request authenticates, and
 * the lookup was a round trip of its own (two statements per payment). This process
 * forgets at once what it changes (a revoked key, a suspended merchant); another process, such as
 * a second API node, sees the change within this long.
 */
export const KEY_CACHE_MS = 2_000;
const KEY_CACHE_SIZE = 10_000;

export function createMerchantService(deps: { store: SharedStore; now?: () => number }): MerchantService {
  const tables = (db?: SharedDb) => ownTables<MerchantTables>(db ?? deps.store.db);
  const now = deps.now ?? Date.now;
  // By secret hash; only keys that exist are remembered, so unknown keys cannot fill it.
  const callers = new Map<string, { caller: MerchantCaller; until: number }>();
  const forgetMerchant = (merchantId: string) => {
    for (const [hash, entry] of callers) if (entry.caller.merchant.id === merchantId) callers.delete(hash);
  };

  const toApiKey = (row: {
    id: string;
    merchant_id: string;
    livemode: boolean;
    hint: string;
    label: string | null;
    created_at: Date;
    revoked_at: Date | null;
  }): ApiKey => ({
    id: row.id,
    merchantId: row.merchant_id,
    livemode: row.livemode,
    hint: row.hint,
    label: row.label,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  });

  return {
    async createMerchant(input, db) {
      const row = await tables(db)
        .insertInto('merchants')
        .values({
          id: input.id ?? newId('mer'),
          name: input.name,
          country: input.country ?? 'MA',
          currency: input.currency ?? 'MAD',
          ...(input.sector ? { sector: input.sector } : {}),
          website: input.website ?? null,
          ...(input.feeBps === undefined ? {} : { fee_bps: input.feeBps }),
          ...(input.feeFixed === undefined ? {} : { fee_fixed: input.feeFixed }),
          ...(input.status ? { status: input.status } : {}),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toMerchant(row);
    },

    async getMerchant(id, db) {
      const row = await tables(db)
        .selectFrom('merchants')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toMerchant(row);
    },

    async sectorsOf(ids, db) {
      if (ids.length === 0) return new Map();
      const rows = await tables(db)
        .selectFrom('merchants')
        .select(['id', 'sector'])
        .where('id', 'in', [...ids])
        .execute();
      return new Map(rows.map((r) => [r.id, r.sector]));
    },

    merchantsHoldingData: () =>
      tables()
        .selectFrom('merchants')
        .select(['id', 'name'])
        .where('status', 'in', HOLDING_DATA)
        .orderBy('name')
        .execute(),

    async websites() {
      const rows = await tables()
        .selectFrom('merchants')
        .select(['id', 'name', 'website'])
        .where('status', '=', 'active')
        .where('website', 'is not', null)
        .orderBy('id')
        .execute();
      return rows.map((row) => ({ merchantId: row.id, name: row.name, website: row.website! }));
    },

    async setStatus(id, status, db) {
      await tables(db).updateTable('merchants').set({ status }).where('id', '=', id).execute();
      forgetMerchant(id);
    },

    async createApiKey(merchantId, livemode, options = {}, db) {
      const secret = options.secret ?? newSecret(livemode);
      if (!SECRET_KEY.test(secret) || secret.startsWith('sk_live_') !== livemode) {
        throw new Error('a secret key is sk_test_… or sk_live_… followed by 24 to 64 letters and digits');
      }
      // The gate of onboarding: live keys exist only for approved (active) merchants.
      if (livemode) {
        const merchant = await tables(db)
          .selectFrom('merchants')
          .select('status')
          .where('id', '=', merchantId)
          .executeTakeFirst();
        if (merchant?.status !== 'active') throw new Error('live keys exist only for approved merchants');
      }
      const row = await tables(db)
        .insertInto('merchant_api_keys')
        .values({
          id: newId('key'),
          merchant_id: merchantId,
          livemode,
          secret_hash: hashSecret(secret),
          hint: `${secret.slice(0, 8)}…${secret.slice(-4)}`,
          label: options.label ?? null,
          revoked_at: null,
          last_used_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { apiKey: toApiKey(row), secret };
    },

    async listApiKeys(merchantId, db) {
      const rows = await tables(db)
        .selectFrom('merchant_api_keys')
        .selectAll()
        .where('merchant_id', '=', merchantId)
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map(toApiKey);
    },

    async revokeApiKey(merchantId, keyId, db) {
      const result = await tables(db)
        .updateTable('merchant_api_keys')
        .set({ revoked_at: new Date() })
        .where('id', '=', keyId)
        .where('merchant_id', '=', merchantId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      forgetMerchant(merchantId);
      return result.numUpdatedRows > 0n;
    },

    async authenticate(secret) {
      if (!SECRET_KEY.test(secret)) return undefined;
      const hash = hashSecret(secret);
      const known = callers.get(hash);
      if (known && known.until > now()) return known.caller;
      const row = await tables()
        .selectFrom('merchant_api_keys as k')
        .innerJoin('merchants as m', 'm.id', 'k.merchant_id')
        .selectAll('m')
        .select(['k.id as key_id', 'k.livemode'])
        .where('k.secret_hash', '=', hash)
        .where('k.revoked_at', 'is', null)
        .executeTakeFirst();
      callers.delete(hash);
      if (!row) return undefined;
      const caller = { merchant: toMerchant(row), livemode: row.livemode, keyId: row.key_id };
      if (callers.size >= KEY_CACHE_SIZE) callers.delete(callers.keys().next().value!);
      callers.set(hash, { caller, until: now() + KEY_CACHE_MS });
      return caller;
    },
  };
}
