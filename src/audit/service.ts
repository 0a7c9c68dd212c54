import { type Kysely, sql } from 'kysely';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import { ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import { holdInsert } from '../store/write-at-commit.js';
import {
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
  type PendingRow,
  toAuditRecord,
} from './model.js';
import { type PendingRecord, WrittenRecords } from './written-records.js';

type Db = Kysely<AuditTables>;

// Any constant will do, as long as no other advisory lock in Tijara uses it (migrations take 7_412_530).
const AUDIT_SEAL_LOCK_KEY = 7_412_531;
// Pending records chained per sealing transaction.
const SEAL_BATCH = 500;
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
  /** Records about any of these targets. */
  targetIds?: readonly string[];
}

/** Which records the authority's export covers: `at` from (included) until (excluded). */
export interface AuditExportRange {
  from?: Date;
  until?: Date;
}

export interface AuditLog {
  /**
   * Records an action. Pass the transaction that makes the change, so the record commits or rolls back
   * with it; it waits for no one, and is chained by the next seal. Outside a transaction it is sealed
   * at once. Resolves with the record's id.
   */
  append(entry: AuditEntry, db?: SharedDb): Promise<string>;
  /**
   * Chains every committed pending record: numbered and hashed after the last one, oldest id first.
   * Runs on a timer in every process (startSealing) and before every read; returns how many it sealed.
   */
  seal(): Promise<number>;
  /** Seals every `everyMs`; the returned function stops it and waits for a seal under way. */
  startSealing(everyMs: number, onError: (error: unknown) => void): () => Promise<void>;
  /**
   * Recomputes the chain from the first record and names the first one that does not hold.
   * Like list and the exports, it seals first unless handed a transaction (which sees what is sealed).
   */
  verify(db?: SharedDb): Promise<ChainVerdict>;
  /** Newest first. */
  list(query: AuditQuery, db?: SharedDb): Promise<AuditRecord[]>;
  /** The header, then one CSV record per audit record in sequence order, each ending in CRLF. */
  exportCsv(range?: AuditExportRange, db?: SharedDb): AsyncIterable<string>;
  /** The same records as a JSON array (the export columns as keys, details as an object), in pieces. */
  exportJson(range?: AuditExportRange, db?: SharedDb): AsyncIterable<string>;
}

export function createAuditLog(deps: { store: SharedStore; clock: Clock }): AuditLog {
  const { store, clock } = deps;
  const written = new WrittenRecords();
  let lastSealFoundRecords = false;

  async function insertPending(db: Db, entry: AuditEntry): Promise<string> {
    const at = clock.now();
    const id = newId('aud', at.getTime());
    const details = normalizeDetails(entry.details ?? {});
    const row: PendingRow = {
      id,
      at,
      actor_type: entry.actor.type,
      actor_id: entry.actor.id,
      organisation_id: entry.actor.organisationId ?? null,
      action: entry.action,
      target_type: entry.target?.type ?? null,
      target_id: entry.target?.id ?? null,
      details,
      ip: entry.ip ?? null,
      request_id: entry.requestId ?? null,
    };
    const record = { row, details: canonicalJson(details) };
    // Nothing reads a pending record in the transaction that wrote it: it goes out with the commit.
    await holdInsert(db, 'audit_pending', { ...row, details: record.details });
    written.remember(record);
    return id;
  }

  /** One batch: under the lock, so two sealers never chain onto the same head. */
  async function sealBatch(trx: Db): Promise<number> {
    await sql`select pg_advisory_xact_lock(${AUDIT_SEAL_LOCK_KEY})`.execute(trx);
    // Read after the lock (READ COMMITTED: a fresh snapshot), so a batch sealed meanwhile is gone.
    // The batch's ids and the chain's head in one round trip.
    const { rows } = await sql<{ ids: string[]; seq: bigint | null; hash: string | null }>`
      select array(select id from audit_pending order by id limit ${SEAL_BATCH}) as ids,
             (select seq from audit_log order by seq desc limit 1) as seq,
             (select hash from audit_log order by seq desc limit 1) as hash`.execute(trx);
    const { ids, seq, hash } = rows[0]!;
    if (ids.length === 0) return 0;
    const pending = await pendingRecords(trx, ids);
    let link: ChainLink = seq === null || hash === null ? GENESIS_LINK : { seq, hash };
    const first = link.seq + 1n;
    const prevHashes: string[] = [];
    const hashes = pending.map((record) => {
      prevHashes.push(link.hash);
      link = { seq: link.seq + 1n, hash: sealedHash(link, record) };
      return link.hash;
    });
    // The records move within the database: only their ids and hashes are sent, the same statement
    // text whatever the batch size (one prepared statement). The columns copied are the ones hashed.
    const moved = await sql`
      with chained as (
        select * from unnest(${sql.val(ids)}::text[], ${sql.val(prevHashes)}::text[],
                             ${sql.val(hashes)}::text[]) with ordinality as c (id, prev_hash, hash, n)
      ), moved as (
        -- By the ids' index: a join would plan for the table's size, and PGlite never vacuums it.
        delete from audit_pending where id = any(${sql.val(ids)}::text[]) returning *
      )
      insert into audit_log (seq, id, at, actor_type, actor_id, organisation_id, action, target_type,
                             target_id, details, ip, request_id, prev_hash, hash)
      select ${first.toString()}::bigint + c.n - 1, m.id, m.at, m.actor_type, m.actor_id,
             m.organisation_id, m.action, m.target_type, m.target_id, m.details, m.ip, m.request_id,
             c.prev_hash, c.hash
        from moved m join chained c on c.id = m.id`.execute(trx);
    // Under the lock no one else removes a pending record; were one gone, the chain would have a gap.
    if (moved.numAffectedRows !== BigInt(ids.length))
      throw new Error(`sealing moved ${moved.numAffectedRows} of ${ids.length} pending audit records`);
    written.forget(ids);
    return ids.length;
  }

  /** The pending records with these ids, in their order: as this process wrote them, or read back. */
  async function pendingRecords(trx: Db, ids: string[]): Promise<PendingRecord[]> {
    const missing = ids.filter((id) => !written.has(id));
    const read = new Map<string, PendingRecord>();
    if (missing.length > 0) {
      const rows = await trx
        .selectFrom('audit_pending')
        .selectAll()
        .where('id', '=', sql<string>`any(${sql.val(missing)}::text[])`)
        .execute();
      for (const row of rows) read.set(row.id, { row, details: canonicalJson(row.details) });
    }
    return ids.map((id) => {
      const record = written.get(id) ?? read.get(id);
      if (!record) throw new Error(`pending audit record ${id} vanished while sealing`);
      return record;
    });
  }

  async function seal(): Promise<number> {
    // The timer and every read call this: when nothing waits, one cheap read instead of a locked
    // transaction. While the last seal found records, more are likely: no need to look first.
    if (!lastSealFoundRecords) {
      // By the index: the table's pages are mostly deleted records until it is vacuumed.
      const waiting = await ownTables<AuditTables>(store.db)
        .selectFrom('audit_pending')
        .select('id')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      if (!waiting) return 0;
    }
    let total = 0;
    for (;;) {
      const sealedNow = await store.transaction((trx) => sealBatch(ownTables<AuditTables>(trx)));
      total += sealedNow;
      if (sealedNow < SEAL_BATCH) {
        lastSealFoundRecords = total > 0;
        return total;
      }
    }
  }

  /** What readers see: everything committed so far, once sealed; a caller's transaction is read as is. */
  async function readable(db: Db | undefined): Promise<Db> {
    if (db?.isTransaction) return db;
    await seal();
    return db ?? store.db;
  }

  function startSealing(everyMs: number, onError: (error: unknown) => void) {
    let running: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      running = running.then(() => seal().catch(onError));
    }, everyMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await running;
    };
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

  async function verify(db?: Db): Promise<ChainVerdict> {
    let previous: ChainLink = GENESIS_LINK;
    let records = 0;
    for await (const record of recordsInOrder(await readable(db))) {
      const reason = chainBreak(previous, record);
      if (reason) return { ok: false, records, brokenAt: { seq: record.seq, id: record.id, reason } };
      previous = record;
      records += 1;
    }
    return { ok: true, records };
  }

  async function list(query: AuditQuery, db?: Db): Promise<AuditRecord[]> {
    const rows = await (await readable(db))
      .selectFrom('audit_log')
      .selectAll()
      .$if(query.before !== undefined, (q) => q.where('seq', '<', query.before!))
      .$if(query.action !== undefined, (q) => q.where('action', '=', query.action!))
      .$if(query.actorId !== undefined, (q) => q.where('actor_id', '=', query.actorId!))
      .$if(query.targetId !== undefined, (q) => q.where('target_id', '=', query.targetId!))
      .$if(query.targetIds !== undefined, (q) =>
        query.targetIds!.length === 0
          ? q.where(sql<boolean>`false`)
          : q.where('target_id', 'in', [...query.targetIds!]),
      )
      .orderBy('seq', 'desc')
      .limit(Math.max(1, Math.min(query.limit, PAGE_SIZE)))
      .execute();
    return rows.map(toAuditRecord);
  }

  async function* exportCsv(range: AuditExportRange = {}, db?: Db): AsyncGenerator<string> {
    const source = await readable(db);
    yield csvRow([...AUDIT_COLUMNS]);
    for await (const record of recordsInOrder(source, range)) yield csvRow(csvValues(record));
  }

  async function* exportJson(range: AuditExportRange = {}, db?: Db): AsyncGenerator<string> {
    const source = await readable(db);
    let separator = '[\n';
    for await (const record of recordsInOrder(source, range)) {
      yield `${separator}${JSON.stringify(exportObject(record))}`;
      separator = ',\n';
    }
    yield separator === '[\n' ? '[]\n' : '\n]\n';
  }

  return {
    async append(entry, db) {
      if (db?.isTransaction) return insertPending(db, entry);
      const id = await insertPending(store.db, entry);
      await seal();
      return id;
    },
    seal,
    startSealing,
    verify,
    list,
    exportCsv,
    exportJson,
  };
}

/** The hash of the pending record as the one that follows `head`. */
function sealedHash(head: ChainLink, { row, details }: PendingRecord): string {
  const fields = toAuditRecord({ ...row, seq: head.seq + 1n, prev_hash: head.hash, hash: '' });
  return recordHash(fields, details);
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
