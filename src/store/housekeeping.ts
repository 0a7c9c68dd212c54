import { setImmediate as turnOfTheEventLoop } from 'node:timers/promises';
import { CompiledQuery } from 'kysely';
import type { SharedStore } from './store.js';

const THRESHOLD = 50;
const VACUUM_SCALE = 0.2;
const ANALYZE_SCALE = 0.1;
/** Since PostgreSQL 13 autovacuum also vacuums a table for its inserts: 1,000 and a fifth of its rows. */
const INSERT_THRESHOLD = 1000;
const INSERT_SCALE = 0.2;

// PGlite's one backend is this process's: its counts are flushed on asking, and read fresh.
const FLUSH_STATISTICS = CompiledQuery.raw('select pg_stat_force_next_flush(), pg_stat_clear_snapshot()');
const TABLE_STATISTICS = CompiledQuery.raw(
  `select schemaname as schema, relname as name, n_live_tup as live, n_dead_tup as dead,
          n_mod_since_analyze as changed, n_ins_since_vacuum as inserted
     from pg_stat_user_tables order by schemaname, relname`,
);

interface TableStatistics {
  schema: string;
  name: string;
  live: number | bigint;
  dead: number | bigint;
  changed: number | bigint;
  inserted: number | bigint;
}

/** `vacuum (analyze)`, `analyze` or nothing, for a table with these counts. */
export function upkeepOf(counts: {
  live: number;
  dead: number;
  changed: number;
  inserted: number;
}): string | undefined {
  if (counts.dead > THRESHOLD + VACUUM_SCALE * counts.live) return 'vacuum (analyze)';
  if (counts.inserted > INSERT_THRESHOLD + INSERT_SCALE * counts.live) return 'vacuum (analyze)';
  if (counts.changed > THRESHOLD + ANALYZE_SCALE * counts.live) return 'analyze';
  return undefined;
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * What PostgreSQL's autovacuum does, for PGlite, which has none. Without it a PGlite table is never
 * analyzed, so every statement keeps the plan made when its tables were empty, however large they
 * grow (docs/performance.md, "Plans that read every payment"); and the rows an update or a delete
 * leaves behind (the sealed audit records, above all) stay in the table and its indexes for good.
 * Each table past autovacuum's default thresholds is vacuumed and analyzed (a fifth of its rows dead,
 * and 50 more; or a fifth of them inserted since it last was vacuumed, and 1,000 more, which keeps an
 * insert-only table's visibility map current) or analyzed (a tenth of them changed since it last
 * was). Says what it did, a line a table. On PostgreSQL it does nothing: the server's autovacuum does
 * it there.
 */
export async function tidyTables(store: SharedStore): Promise<string[]> {
  if (store.kind !== 'pglite') return [];
  await store.db.executeQuery(FLUSH_STATISTICS);
  const { rows } = await store.db.executeQuery<TableStatistics>(TABLE_STATISTICS);
  const statements: string[] = [];
  for (const row of rows) {
    const due = upkeepOf({
      live: Number(row.live),
      dead: Number(row.dead),
      changed: Number(row.changed),
      inserted: Number(row.inserted),
    });
    if (due) statements.push(`${due} ${quoted(row.schema)}.${quoted(row.name)}`);
  }
  return oneTableAtATime(store, statements);
}

/**
 * Runs each statement outside any transaction, as VACUUM must be (PGlite runs it between two others).
 * PGlite runs in this thread, and awaiting one statement after another never lets the event loop read
 * a socket: under the payments benchmark a pass of twelve tables (100–300 ms each) held every request
 * for 1.5 s once a minute (docs/performance.md). Requests get a turn before each statement.
 */
async function oneTableAtATime(store: SharedStore, statements: string[]): Promise<string[]> {
  for (const statement of statements) {
    await turnOfTheEventLoop();
    await store.db.executeQuery(CompiledQuery.raw(statement));
  }
  return statements;
}

/**
 * Tables (with their TOAST) whose oldest unfrozen transaction id is older than the bound, system
 * catalogs included. `$1` null reads the bound from `autovacuum_freeze_max_age`, as autovacuum does.
 */
const FREEZE_DUE = `select n.nspname as schema, c.relname as name
     from pg_class c
     join pg_namespace n on n.oid = c.relnamespace
     left join pg_class toast on toast.oid = c.reltoastrelid
    where c.relkind in ('r', 'm')
      and greatest(age(c.relfrozenxid), coalesce(age(toast.relfrozenxid), 0))
          > coalesce($1::integer, current_setting('autovacuum_freeze_max_age')::integer)
    order by n.nspname, c.relname`;

/**
 * What autovacuum does against transaction id wraparound, for PGlite: a table none of the thresholds
 * above ever vacuums (insert-only, like the audit log and the ledger, or a catalog) keeps its oldest
 * transaction id, and PostgreSQL stops taking writes before ids wrap around, about two billion
 * transactions on. Each table past the bound is frozen, one at a time; a pass is rare (every 200
 * million transactions by default) and its first is the longest. Says what it did. On PostgreSQL it
 * does nothing: autovacuum does it there, whatever its other settings.
 */
export async function freezeWhenDue(store: SharedStore, maxAge?: number): Promise<string[]> {
  if (store.kind !== 'pglite') return [];
  const { rows } = await store.db.executeQuery<{ schema: string; name: string }>(
    CompiledQuery.raw(FREEZE_DUE, [maxAge ?? null]),
  );
  return oneTableAtATime(
    store,
    rows.map((row) => `vacuum (freeze) ${quoted(row.schema)}.${quoted(row.name)}`),
  );
}

/** WAL since the last checkpoint's redo point, and how far a crash would have to replay. */
const WAL_SINCE_CHECKPOINT = CompiledQuery.raw(
  'select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), redo_lsn)::bigint as bytes from pg_control_checkpoint()',
);
const CHECKPOINT = CompiledQuery.raw('checkpoint');

/**
 * Enough WAL to replay in well under a second after a crash, and a few segments for the next
 * checkpoint to recycle rather than create.
 */
const CHECKPOINT_AFTER_BYTES = 64 * 1024 * 1024;

/**
 * A checkpoint once WAL since the last one passes `afterBytes`, for PGlite, whose single-user
 * PostgreSQL has no checkpointer and never asks for one while it runs. Without it the WAL directory
 * only grows (about 12 MB a second under the payments benchmark, measured past 1.5 GB and max_wal_size),
 * every new segment is created afresh, and a restart after a crash replays all of it: 3.3 s for 770
 * MB against 0.3 s with checkpoints (docs/performance.md). After a checkpoint PostgreSQL recycles the
 * segments it no longer needs. Says what it did. On PostgreSQL it does nothing: its checkpointer does it.
 */
export async function checkpointWhenDue(
  store: SharedStore,
  afterBytes = CHECKPOINT_AFTER_BYTES,
): Promise<string[]> {
  if (store.kind !== 'pglite') return [];
  const { rows } = await store.db.executeQuery<{ bytes: bigint | number }>(WAL_SINCE_CHECKPOINT);
  if (Number(rows[0]!.bytes) < afterBytes) return [];
  await turnOfTheEventLoop();
  await store.db.executeQuery(CHECKPOINT);
  return ['checkpoint'];
}

/**
 * PGlite's stand-in for PostgreSQL's background upkeep (autovacuum and the checkpointer): one pass.
 * Each duty runs whether or not the one before failed, so that a table that cannot be analyzed does
 * not leave the WAL to grow; `failed` hears of each failure. `bounds` are for tests.
 */
export async function upkeep(
  store: SharedStore,
  failed: (duty: string, error: unknown) => void,
  bounds: { checkpointAfterBytes?: number; freezeMaxAge?: number } = {},
): Promise<string[]> {
  const duties: [string, () => Promise<string[]>][] = [
    ['vacuum and analyze', () => tidyTables(store)],
    ['freeze', () => freezeWhenDue(store, bounds.freezeMaxAge)],
    ['checkpoint', () => checkpointWhenDue(store, bounds.checkpointAfterBytes)],
  ];
  const done: string[] = [];
  for (const [duty, run] of duties) {
    try {
      done.push(...(await run()));
    } catch (error) {
      failed(duty, error);
    }
  }
  return done;
}
