import { type Generated, type Kysely, sql } from 'kysely';
import { type CardBrand, cardBrand, panDisplay, validatePan } from '../core/card.js';
import { newId } from '../core/ids.js';
import { ownTables, type SharedDb, type SharedStore, writtenByThisTransaction } from '../store/store.js';
import { holdInsert } from '../store/write-at-commit.js';
import { hmacHex, newKey, open, seal } from './cipher.js';
import { findMasterKey, type Keyring } from './keyring.js';
import { RESEAL_BATCH, resealInBatches } from './reseal.js';

export type KeyPurpose = 'data' | 'fingerprint';

export interface VaultTables {
  vault_keys: {
    id: string;
    purpose: KeyPurpose;
    master_key_id: string;
    /** iv ‖ tag ‖ encrypted key (see cipher.ts). */
    wrapped_key: Uint8Array;
    created_at: Generated<Date>;
    retired_at: Date | null;
  };
  vault_cards: {
    token: string;
    fingerprint: string;
    bin: string;
    last4: string;
    brand: CardBrand;
    exp_month: number;
    exp_year: number;
    /** The name on the card, as typed on the payment page: sealed like every personal datum (law 09-08). */
    holder_name: string | null;
    key_id: string;
    /** iv ‖ tag ‖ encrypted PAN, authenticated with the token. */
    ciphertext: Uint8Array;
    created_at: Generated<Date>;
  };
}

/** What may be known of a card without decrypting it. */
export interface StoredCard {
  token: string;
  fingerprint: string;
  bin: string;
  last4: string;
  brand: CardBrand;
  expMonth: number;
  expYear: number;
  holderName: string | null;
}

/** A card to keep. There is no CVV here on purpose: the vault never accepts one. */
export interface NewCard {
  pan: string;
  expMonth: number;
  expYear: number;
  holderName?: string | null;
}

export interface VaultService {
  /** Encrypts and stores a PAN that the caller has validated (digits only); returns its token. */
  storeCard(card: NewCard, db?: SharedDb): Promise<StoredCard>;
  getCard(token: string, db?: SharedDb): Promise<StoredCard | undefined>;
  /** The PAN in clear, for the authorization path only; never log it. */
  revealPan(token: string, db?: SharedDb): Promise<string | undefined>;
  /**
   * HMAC-SHA256 (hex) of the PAN under the fingerprint key; stable across master-key rotation.
   * Pass the caller's transaction if one is open: the first call may have to read or create the key.
   */
  fingerprint(pan: string, db?: SharedDb): Promise<string>;
  /** Seals a short secret (webhook signing secrets, CMI store keys) so it can be stored and read back. Returns an opaque string. */
  sealSecret(plaintext: string, db?: SharedDb): Promise<string>;
  openSecret(sealed: string, db?: SharedDb): Promise<string>;
  /**
   * Seals in place the holder names an earlier version kept in clear beside the encrypted PAN. Safe to
   * run twice, or on two processes at once; returns how many cards it read.
   */
  sealStoredHolderNames(): Promise<number>;
  /** Starts a new data key for new records, and re-wraps under the current master key every key still wrapped by a previous one. */
  rotate(db?: SharedDb): Promise<{ dataKeyId: string; rewrapped: number }>;
}

type Db = Kysely<VaultTables>;
type KeyRow = Pick<VaultTables['vault_keys'], 'id' | 'purpose' | 'master_key_id' | 'wrapped_key'>;
/** A key as keyInUse reads it: with whether the caller's transaction wrote it and has not committed. */
type KeyInUse = KeyRow & { uncommitted: boolean };
type CardRow = Omit<VaultTables['vault_cards'], 'key_id' | 'ciphertext' | 'created_at'>;

interface VaultKey {
  id: string;
  key: Buffer;
}

const SECRET_VERSION = 'v1';
const SEALED_SECRET = /^v1\.(dk_[0-9a-z]+)\.([A-Za-z0-9_-]+)$/;

/** Whether a stored string is a value sealSecret made (rather than a clear one). */
export const isSealedSecret = (value: string): boolean => SEALED_SECRET.test(value);
// Another node's rotation reaches this one within this time; until then it keeps encrypting with the
// key it knows, which stays valid (a retired data key still decrypts).
const DATA_KEY_REFRESH_MS = 5 * 60_000;
// The same for every node rotating one database, and used by no other advisory lock in Tijara (it was the
// audit sealer's, so a rotation held up the sealing of the audit trail until it ended).
const ROTATION_LOCK_KEY = 7_412_532;

/** Authenticated with each key so a wrapped key moved to another row, or given another purpose, does not open. */
const wrappingContext = (row: Pick<KeyRow, 'id' | 'purpose'>) => `vault_keys:${row.id}:${row.purpose}`;
// Secrets and cards never share a context (a card's is its `tok_…` token), so one cannot pass for the other.
const SECRET_CONTEXT = 'secret:v1';

export function createVaultService(deps: { store: SharedStore; keyring: Keyring }): VaultService {
  const { store, keyring } = deps;
  const tables = (db: SharedDb | undefined): Db => ownTables<VaultTables>(db ?? store.db);

  // Key material never changes once made (rotation re-wraps it), so a key unwrapped once is good for good.
  const unwrapped = new Map<string, Buffer>();
  // Which key is in use for each purpose, and until when to believe it without asking the database.
  const inUse = new Map<KeyPurpose, { id: string; until: number }>();
  // A key is marked in use only once committed: a key still uncommitted in a caller's transaction (in a
  // group, perhaps another member's) may yet roll back, and another transaction's card would name a
  // key that does not exist. The database says which rows the caller's transaction wrote.
  store.onRollback(() => inUse.clear());

  function unwrap(row: KeyRow): Buffer {
    const known = unwrapped.get(row.id);
    if (known) return known;
    const master = findMasterKey(keyring, row.master_key_id);
    if (!master) {
      throw new Error(
        `vault key ${row.id} is wrapped by master key ${row.master_key_id}, which is not configured ` +
          `(the current master key is ${keyring.current.id}): set TIJARA_PREVIOUS_MASTER_KEY to it, ` +
          'then run `tijara keys rotate`',
      );
    }
    const key = openOrExplain(master.key, row.wrapped_key, wrappingContext(row), `vault key ${row.id}`);
    unwrapped.set(row.id, key);
    return key;
  }

  function wrap(id: string, purpose: KeyPurpose, key: Buffer) {
    return {
      master_key_id: keyring.current.id,
      wrapped_key: seal(keyring.current.key, key, wrappingContext({ id, purpose })),
    };
  }

  async function createKey(db: Db, purpose: KeyPurpose): Promise<KeyInUse | undefined> {
    const id = newId('dk');
    const key = newKey();
    const row = await db
      .insertInto('vault_keys')
      .values({ id, purpose, ...wrap(id, purpose, key) })
      // Another process created the key in use first (vault_keys_one_in_use): theirs is the one.
      .onConflict((oc) => oc.doNothing())
      .returning([
        'id',
        'purpose',
        'master_key_id',
        'wrapped_key',
        writtenByThisTransaction.as('uncommitted'),
      ])
      .executeTakeFirst();
    if (row) unwrapped.set(id, key);
    return row;
  }

  function findKeyInUse(db: Db, purpose: KeyPurpose): Promise<KeyInUse | undefined> {
    return db
      .selectFrom('vault_keys')
      .select(['id', 'purpose', 'master_key_id', 'wrapped_key', writtenByThisTransaction.as('uncommitted')])
      .where('purpose', '=', purpose)
      .where('retired_at', 'is', null)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
  }

  /** The key in use for a purpose, created on first need; no SQL at all while the cached answer holds. */
  async function keyInUse(db: Db, purpose: KeyPurpose): Promise<VaultKey> {
    const cached = inUse.get(purpose);
    const known = cached && cached.until > Date.now() && unwrapped.get(cached.id);
    if (cached && known) return { id: cached.id, key: known };
    const row =
      (await findKeyInUse(db, purpose)) ??
      (await createKey(db, purpose)) ??
      (await findKeyInUse(db, purpose));
    if (!row) throw new Error(`vault: no ${purpose} key could be read or created`);
    const key = unwrap(row);
    // Outside a transaction the statement that created it has committed it by now.
    if (!row.uncommitted || !db.isTransaction) {
      // The fingerprint key never changes: a card must keep its fingerprint for ever.
      const until = purpose === 'fingerprint' ? Number.POSITIVE_INFINITY : Date.now() + DATA_KEY_REFRESH_MS;
      inUse.set(purpose, { id: row.id, until });
    }
    return { id: row.id, key };
  }

  async function keyById(db: Db, id: string): Promise<Buffer> {
    const known = unwrapped.get(id);
    if (known) return known;
    const row = await db
      .selectFrom('vault_keys')
      .select(['id', 'purpose', 'master_key_id', 'wrapped_key'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new Error(`vault key ${id} does not exist`);
    return unwrap(row);
  }

  async function fingerprint(pan: string, db?: SharedDb): Promise<string> {
    const { key } = await keyInUse(tables(db), 'fingerprint');
    return hmacHex(key, pan);
  }

  async function storeCard(card: NewCard, dbArg?: SharedDb): Promise<StoredCard> {
    // A programming error, not a user's: callers validate first. The PAN stays out of the message.
    const problem = validatePan(card.pan);
    if (problem) throw new Error(`vault: storeCard needs a validated PAN (${problem})`);
    const db = tables(dbArg);
    const dataKey = await keyInUse(db, 'data');
    const token = newId('tok');
    const row: CardRow = {
      token,
      fingerprint: await fingerprint(card.pan, db),
      ...panDisplay(card.pan),
      brand: cardBrand(card.pan),
      exp_month: card.expMonth,
      exp_year: card.expYear,
      holder_name: card.holderName || null,
    };
    await holdInsert(db, 'vault_cards', {
      ...row,
      holder_name: row.holder_name && (await sealSecret(row.holder_name, dbArg)),
      key_id: dataKey.id,
      ciphertext: seal(dataKey.key, Buffer.from(card.pan, 'utf8'), token),
    });
    return toStoredCard(row);
  }

  async function revealPan(token: string, db?: SharedDb): Promise<string | undefined> {
    const row = await tables(db)
      .selectFrom('vault_cards as c')
      .innerJoin('vault_keys as k', 'k.id', 'c.key_id')
      .select(['c.ciphertext', 'k.id', 'k.purpose', 'k.master_key_id', 'k.wrapped_key'])
      .where('c.token', '=', token)
      .executeTakeFirst();
    if (!row) return undefined;
    const pan = openOrExplain(
      unwrap(row),
      row.ciphertext,
      token,
      `card ${token}`,
      'its ciphertext was altered or moved from another card',
    );
    return pan.toString('utf8');
  }

  async function sealSecret(plaintext: string, db?: SharedDb): Promise<string> {
    const { id, key } = await keyInUse(tables(db), 'data');
    const sealed = seal(key, Buffer.from(plaintext, 'utf8'), SECRET_CONTEXT);
    return `${SECRET_VERSION}.${id}.${sealed.toString('base64url')}`;
  }

  async function openSecret(sealed: string, db?: SharedDb): Promise<string> {
    const parts = SEALED_SECRET.exec(sealed);
    if (!parts) throw new Error('vault: not a sealed secret');
    const [, keyId, body] = parts as unknown as [string, string, string];
    const key = await keyById(tables(db), keyId);
    return openOrExplain(key, Buffer.from(body, 'base64url'), SECRET_CONTEXT, 'sealed secret').toString(
      'utf8',
    );
  }

  /** A holder name as stored: sealed, or in clear if stored before sealing began. */
  const openHolderName = async (stored: string | null, db?: SharedDb) =>
    stored !== null && isSealedSecret(stored) ? openSecret(stored, db) : stored;

  async function rotateIn(db: Db): Promise<{ dataKeyId: string; rewrapped: number }> {
    await sql`select pg_advisory_xact_lock(${ROTATION_LOCK_KEY})`.execute(db);
    const stale = await db
      .selectFrom('vault_keys')
      .select(['id', 'purpose', 'master_key_id', 'wrapped_key'])
      .where('master_key_id', '<>', keyring.current.id)
      .orderBy('id')
      .forUpdate()
      .execute();
    for (const row of stale) {
      await db
        .updateTable('vault_keys')
        .set(wrap(row.id, row.purpose, unwrap(row)))
        .where('id', '=', row.id)
        .execute();
    }
    await db
      .updateTable('vault_keys')
      .set({ retired_at: sql`now()` })
      .where('purpose', '=', 'data')
      .where('retired_at', 'is', null)
      .execute();
    const dataKey = await createKey(db, 'data');
    if (!dataKey) throw new Error('vault: the new data key conflicted with another');
    return { dataKeyId: dataKey.id, rewrapped: stale.length };
  }

  return {
    storeCard,
    async getCard(token, db) {
      const row = await tables(db)
        .selectFrom('vault_cards')
        .select(['token', 'fingerprint', 'bin', 'last4', 'brand', 'exp_month', 'exp_year', 'holder_name'])
        .where('token', '=', token)
        .executeTakeFirst();
      if (!row) return undefined;
      return toStoredCard({ ...row, holder_name: await openHolderName(row.holder_name, db) });
    },
    revealPan,
    fingerprint,
    sealSecret,
    openSecret,
    sealStoredHolderNames: () =>
      resealInBatches(
        '',
        (after) =>
          tables(undefined)
            .selectFrom('vault_cards')
            .select(['token', 'holder_name'])
            .where('token', '>', after)
            .where('holder_name', 'is not', null)
            .orderBy('token')
            .limit(RESEAL_BATCH)
            .execute(),
        (card) => card.token,
        async (card) => {
          if (card.holder_name === null || isSealedSecret(card.holder_name)) return;
          await tables(undefined)
            .updateTable('vault_cards')
            .set({ holder_name: await sealSecret(card.holder_name) })
            .where('token', '=', card.token)
            .where('holder_name', '=', card.holder_name)
            .execute();
        },
      ),
    async rotate(db) {
      const result = db
        ? await rotateIn(tables(db))
        : await store.transaction((trx) => rotateIn(tables(trx)));
      inUse.delete('data');
      return result;
    },
  };
}

/** Decrypts, or throws an error that says what failed to authenticate (GCM's own message says nothing useful). */
function openOrExplain(
  key: Buffer,
  sealed: Uint8Array,
  context: string,
  what: string,
  likelyCause = 'it was altered',
): Buffer {
  try {
    return open(key, sealed, context);
  } catch (cause) {
    throw new Error(`vault: ${what} failed authentication: ${likelyCause}`, { cause });
  }
}

function toStoredCard(row: CardRow): StoredCard {
  return {
    token: row.token,
    fingerprint: row.fingerprint,
    bin: row.bin,
    last4: row.last4,
    brand: row.brand,
    expMonth: row.exp_month,
    expYear: row.exp_year,
    holderName: row.holder_name,
  };
}
