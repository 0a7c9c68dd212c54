import { mkdirSync } from 'node:fs';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import { type IsolationLevel, Kysely, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { lockDataDir } from './data-dir-lock.js';
import { GroupAborted, GroupCommit } from './group-commit.js';
import { pgliteDialect } from './pglite-dialect.js';
import type { PipeliningDialect } from './pipeline.js';
import { postgresDialect } from './postgres-dialect.js';
import { holdingWritesToCommit, type StatementObserver } from './write-at-commit.js';

export { claimExclusively } from './group-commit.js';

export type StoreKind = 'pglite' | 'postgres';

export interface StoreOptions {
  /** postgres://… ; when absent the embedded PGlite is used. */
  databaseUrl?: string | undefined;
  /** PGlite data folder, or "memory". */
  dataDir?: string | undefined;
  /**
   * An in-memory PGlite starts as a copy of this data folder (PGlite's `dumpDataDir` tarball) rather
   * than from initdb: the test suites' migrated template, as PostgreSQL's copy `template` databases.
   */
  memoryTemplate?: Blob | undefined;
  /** Connections in the PostgreSQL pool. */
  poolSize?: number;
  /** Told every statement sent (tests count a request's round trips with it). */
  onStatement?: StatementObserver | undefined;
  /**
   * Told when the server drops a pooled PostgreSQL connection while it is idle (a restart, a failover,
   * an idle timeout). The pool forgets it and opens another when one is needed; without a listener
   * pg's pool would throw the error and end the process.
   */
  onConnectionLost?: ((error: Error) => void) | undefined;
  /** Whether transactions that ask for it share a commit with concurrent ones (group-commit.ts); on by default. */
  groupCommit?: boolean | undefined;
}

export interface TransactionOptions {
  isolation?: IsolationLevel;
  /** Attempts in all, the first included, when PostgreSQL reports a serialization failure or a deadlock. */
  attempts?: number;
  /**
   * Lets the transaction share one database transaction, and its commit, with concurrent ones that
   * name none of these keys (group-commit.ts): the keys name what it must have to itself. fn must
   * only touch the database, since a group that rolls back runs it again on its own.
   */
  group?: readonly string[];
  /** With `group`: the lane its groups run in (see group-commit.ts); one shared lane by default. */
  lane?: string;
}

export interface Store<DB> {
  readonly kind: StoreKind;
  readonly db: Kysely<DB>;
  /**
   * Runs fn in a transaction, and runs it again (a fresh transaction) when the database aborted it
   * because of a serialization failure or a deadlock: fn must only touch the database.
   */
  transaction<T>(fn: (trx: Transaction<DB>) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Called after any transaction rolls back, with what rolled it back: caches of rows created in it
   * must forget them.
   */
  onRollback(listener: (cause: unknown) => void): void;
  close(): Promise<void>;
}

/**
 * The one store every module shares. Each module views it through its own tables
 * (`Store<LedgerTables>`), and a transaction handed across modules travels as `SharedDb`.
 */
// biome-ignore lint/suspicious/noExplicitAny: the composition root holds every module's tables.
export type SharedStore = Store<any>;
// biome-ignore lint/suspicious/noExplicitAny: see SharedStore.
export type SharedDb = Kysely<any>;

const INT8_OID = 20;
const DATE_OID = 1082;
// Both drivers return BIGINT as bigint (money and counters never pass through a float) and DATE as
// its 'YYYY-MM-DD' text (a calendar day has no time zone to get wrong).
const parseInt8 = (text: string) => BigInt(text);
const keepText = (text: string) => text;

/**
 * In a select of one table: whether the caller's database transaction wrote the row and has not
 * committed it (in a group, any member may have). A read sees no other transaction's uncommitted
 * rows, so any other row it sees is committed: what a cache shared by every transaction may keep.
 */
export const writtenByThisTransaction = sql<boolean>`coalesce(xmin = pg_current_xact_id_if_assigned()::xid, false)`;

/** Views a transaction handed over by another module through this module's own tables. */
export function ownTables<T>(db: SharedDb | Kysely<T>): Kysely<T> {
  return db as Kysely<T>;
}

/** Runs fn in the caller's transaction when it passed one, else in a new one. */
export function inTransaction<T>(
  store: SharedStore,
  db: SharedDb | undefined,
  fn: (trx: SharedDb) => Promise<T>,
): Promise<T> {
  return db?.isTransaction ? fn(db) : store.transaction(fn);
}

export function createStore(options: StoreOptions): SharedStore {
  if (options.databaseUrl) {
    const types = {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === INT8_OID) return parseInt8;
        if (oid === DATE_OID) return keepText;
        return pg.types.getTypeParser(oid, format);
      }) as typeof pg.types.getTypeParser,
    };
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      types,
      // A connection closed takes its prepared statements and their plans with it, and its successor
      // parses and plans them all again (five times each before PostgreSQL keeps one plan): pg closes
      // an idle one after 10 s by default, so a lull in traffic cost that warm-up again.
      idleTimeoutMillis: 5 * 60_000,
      // Idle connections alone do not keep a process running (a script, a test).
      allowExitOnIdle: true,
    });
    pool.on('error', (error) => options.onConnectionLost?.(error));
    return wrap('postgres', postgresDialect(pool, types), options);
  }
  const dataDir = options.dataDir ?? 'memory';
  if (dataDir === 'memory')
    return wrap('pglite', pgliteDialect(newPGlite({ loadDataDir: options.memoryTemplate })), options);
  mkdirSync(dataDir, { recursive: true });
  // Before PGlite touches the folder: a second process's start alone (its recovery) can harm it.
  const unlock = lockDataDir(dataDir);
  try {
    return wrap('pglite', pgliteDialect(newPGlite({ dataDir })), options, unlock);
  } catch (error) {
    unlock();
    throw error;
  }
}

const newPGlite = (where: { dataDir?: string; loadDataDir?: Blob | undefined }) =>
  new PGlite({
    ...(where.dataDir ? { dataDir: where.dataDir } : {}),
    ...(where.loadDataDir ? { loadDataDir: where.loadDataDir } : {}),
    parsers: { [pgliteTypes.INT8]: parseInt8, [pgliteTypes.DATE]: keepText },
  });

const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);

export function isRetryableTransactionError(error: unknown): boolean {
  return RETRYABLE_SQLSTATES.has((error as { code?: string } | null)?.code ?? '');
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string } | null;
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

// Enough for every client of a busy API node to pay in one group, few enough to keep its pipelines small.
const GROUP_MEMBERS = 32;

function wrap<DB>(
  kind: StoreKind,
  dialect: PipeliningDialect,
  options: StoreOptions,
  afterClose: () => void = () => {},
): Store<DB> {
  // One driver for both: the pool (or PGlite's one connection) is shared by solo and grouped transactions.
  const driver = dialect.createDriver();
  const db = new Kysely<DB>({
    dialect: holdingWritesToCommit({ ...dialect, createDriver: () => driver }, options.onStatement),
  });
  const groups =
    options.groupCommit === false
      ? undefined
      : new GroupCommit(driver, {
          maxMembers: GROUP_MEMBERS,
          onStatement: options.onStatement,
        });
  const rollbackListeners: ((cause: unknown) => void)[] = [];
  const rolledBack = (cause: unknown) => {
    for (const listener of rollbackListeners) listener(cause);
  };
  return {
    kind,
    db,
    async transaction(fn, options = {}) {
      if (groups && options.group && !options.isolation) {
        try {
          const grouped = await groups.run(options.group, fn, options.lane);
          if (grouped) return grouped.value;
        } catch (error) {
          rolledBack(error);
          if (!(error instanceof GroupAborted || isRetryableTransactionError(error))) throw error;
          // The group rolled back: this transaction runs again on its own, retried as any other.
        }
      }
      const attempts = options.attempts ?? 8;
      for (let attempt = 1; ; attempt++) {
        try {
          const builder = db.transaction();
          return await (options.isolation ? builder.setIsolationLevel(options.isolation) : builder).execute(
            fn,
          );
        } catch (error) {
          rolledBack(error);
          if (attempt >= attempts || !isRetryableTransactionError(error)) throw error;
          // Jittered exponential backoff so the transactions that collided do not collide again.
          const delay = Math.min(200, 2 ** attempt) * (0.5 + Math.random());
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    },
    onRollback: (listener) => void rollbackListeners.push(listener),
    async close() {
      await db.destroy();
      afterClose();
    },
  };
}
