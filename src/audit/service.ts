import { type Kysely, sql } from 'kysely';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import { inTransaction, isUniqueViolation, type SharedDb, type SharedStore } from '../store/store.js';
import {
  type ChainedFields,
  type ChainLink,
  canonicalJson,
  chainBreak,
  chainedColumns,
  GENESIS_LINK,
  normalizeDetails,
  recordHash,
} from './chain.js';
import { csvRow } from './csv.js';
import {
  AUDIT_COLUMNS,
  type AuditEntry,
  type AuditRecord,
  type AuditTables,
  toAuditRecord,
} from './model.js';

type Db = Kysely<AuditTables>;

// Any constant will do, as long as no other advisory lock in Tijara uses it (migrations take 7_412_530).
const AUDIT_APPEND_LOCK_KEY = 7_412_531;
// Records read per query when walking the whole log: memory stays flat however long it grows.
const PAGE_SIZE = 1000;

export type ChainVerdict =
  | { ok: true; records: number }
  /** `records` counts the intact records before the broken one. */
  | { ok: false; records: number; brokenAt: { seq: bigint; id: string; reason: string } };

export interface AuditQuery {
  /** At most PAGE_SIZE (1000). */
  limit: number;
  /** Only records older than this sequence number: the next page after the last one seen. */
  before?: bigint;
  action?: string;
  actorId?: string;
  targetId?: string;
}

/** Which records the authority's export covers: `at` from (included) until (excluded). */
export interface AuditExportRange {
  from?: Date;
  until?: Date;
}

export interface AuditLog {
  /**
   * Appends a record. Pass the transaction that makes the change, so the record commits or rolls back
   * with it; appenders take turns until their transaction ends, so append last and commit soon.
   */
  append(entry: AuditEntry, db?: SharedDb): Promise<AuditRecord>;
  /** Recomputes the chain from the first record and names the first one that does not hold. */
  verify(db?: SharedDb): Promise<ChainVerdict>;
  /** Newest first. */
  list(query: AuditQuery, db?: SharedDb): Promise<AuditRecord[]>;
  /** The header, then one CSV record per audit record in sequence order, each ending in CRLF. */
  exportCsv(range?: AuditExportRange, db?: SharedDb): AsyncIterable<string>;
  /** The same records as a JSON array (the export columns as keys, details as an object), in pieces. */
  exportJson(range?: AuditExportRange, db?: SharedDb): AsyncIterable<string>;
}

/**
 * Thrown when the head read was stale (a REPEATABLE READ or SERIALIZABLE snapshot taken before another
 * appender committed): SQLSTATE 40001 makes store.transaction run the whole transaction again.
 */
class StaleChainHead extends Error {
  readonly code = '40001';
  constructor() {
    super('another audit record took this sequence number since the transaction began; retry it');
  }
}

export function createAuditLog(deps: { store: SharedStore; clock: Clock }): AuditLog {
  const { store, clock } = deps;

  async function appendIn(trx: Db, entry: AuditEntry): Promise<AuditRecord> {
    // Two appenders reading the same head would fork the chain: one at a time, until its commit.
    await sql`select pg_advisory_xact_lock(${AUDIT_APPEND_LOCK_KEY})`.execute(trx);
    const head = await trx
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const record = sealed(head ?? GENESIS_LINK, entry, clock.now());
    try {
      await trx
        .insertInto('audit_log')
        // The columns exactly as hashed, so verify reads back what was sealed.
        .values({
          ...chainedColumns(record),
          seq: record.seq,
          at: record.at,
          details: JSON.stringify(record.details),
          hash: record.hash,
        })
        .execute();
    } catch (error) {
      throw isUniqueViolation(error, 'audit_log_pkey') ? new StaleChainHead() : error;
    }
    return record;
  }

  /** Every record (in the range) in sequence order, read a page at a time. */
  async function* recordsInOrder(db: Db, range: AuditExportRange = {}): AsyncGenerator<AuditRecord> {
    let after: bigint | undefined;
    for (;;) {
      const rows = await db
        .selectFrom('audit_log')
        .selectAll()
        .$if(after !== undefined, (q) => q.where('seq', '>', after!))
        .$if(range.from !== undefined, (q) => q.where('at', '>=', range.from!))
        .$if(range.until !== undefined, (q) => q.where('at', '<', range.until!))
        .orderBy('seq')
        .limit(PAGE_SIZE)
        .execute();
      for (const row of rows) yield toAuditRecord(row);
      if (rows.length < PAGE_SIZE) return;
      after = rows.at(-1)!.seq;
    }
  }

  async function verify(db: Db = store.db): Promise<ChainVerdict> {
    let previous: ChainLink = GENESIS_LINK;
    let records = 0;
    for await (const record of recordsInOrder(db)) {
      const reason = chainBreak(previous, record);
      if (reason) return { ok: false, records, brokenAt: { seq: record.seq, id: record.id, reason } };
      previous = record;
      records += 1;
    }
    return { ok: true, records };
  }

  async function list(query: AuditQuery, db: Db = store.db): Promise<AuditRecord[]> {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .$if(query.before !== undefined, (q) => q.where('seq', '<', query.before!))
      .$if(query.action !== undefined, (q) => q.where('action', '=', query.action!))
      .$if(query.actorId !== undefined, (q) => q.where('actor_id', '=', query.actorId!))
      .$if(query.targetId !== undefined, (q) => q.where('target_id', '=', query.targetId!))
      .orderBy('seq', 'desc')
      .limit(Math.max(1, Math.min(query.limit, PAGE_SIZE)))
      .execute();
    return rows.map(toAuditRecord);
  }

  async function* exportCsv(range: AuditExportRange = {}, db: Db = store.db): AsyncGenerator<string> {
    yield csvRow([...AUDIT_COLUMNS]);
    for await (const record of recordsInOrder(db, range)) yield csvRow(csvValues(record));
  }

  async function* exportJson(range: AuditExportRange = {}, db: Db = store.db): AsyncGenerator<string> {
    let separator = '[\n';
    for await (const record of recordsInOrder(db, range)) {
      yield `${separator}${JSON.stringify(exportObject(record))}`;
      separator = ',\n';
    }
    yield separator === '[\n' ? '[]\n' : '\n]\n';
  }

  return {
    // The record must commit with the change it records: outside a transaction, open one.
    append: (entry, db) => inTransaction(store, db, (trx) => appendIn(trx, entry)),
    verify,
    list,
    exportCsv,
    exportJson,
  };
}

/** The record that follows `head`, hashed. */
function sealed(head: ChainLink, entry: AuditEntry, at: Date): AuditRecord {
  const fields: ChainedFields = {
    seq: head.seq + 1n,
    id: newId('aud', at.getTime()),
    at,
    actorType: entry.actor.type,
    actorId: entry.actor.id,
    organisationId: entry.actor.organisationId ?? null,
    action: entry.action,
    targetType: entry.target?.type ?? null,
    targetId: entry.target?.id ?? null,
    details: normalizeDetails(entry.details ?? {}),
    ip: entry.ip ?? null,
    requestId: entry.requestId ?? null,
    prevHash: head.hash,
  };
  return { ...fields, hash: recordHash(fields) };
}

/** A record as one JSON object keyed by the export columns; details stay an object. */
function exportObject(record: AuditRecord): Record<string, unknown> {
  const columns: Record<string, unknown> = { ...chainedColumns(record), hash: record.hash };
  return Object.fromEntries(AUDIT_COLUMNS.map((column) => [column, columns[column]]));
}

/** A record's export fields in AUDIT_COLUMNS order; details as canonical JSON, as hashed. */
function csvValues(record: AuditRecord): (string | null)[] {
  const columns = { ...chainedColumns(record), hash: record.hash };
  return AUDIT_COLUMNS.map((column) => {
    const value = columns[column];
    return value === null || typeof value === 'string' ? value : canonicalJson(value);
  });
}
