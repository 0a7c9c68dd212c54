import type { ColumnType, Selectable } from 'kysely';

export type ActorType = 'user' | 'api_key' | 'system';

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export type JsonObject = { [key: string]: JsonValue };

/** What an action's record says, before the chain numbers and hashes it. */
interface RecordColumns {
  id: string;
  at: Date;
  actor_type: ActorType;
  actor_id: string;
  organisation_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: ColumnType<JsonObject, string, never>;
  ip: string | null;
  request_id: string | null;
}

export interface AuditTables {
  audit_log: RecordColumns & { seq: bigint; prev_hash: string; hash: string };
  /** Records written with their change, waiting for the sealer to chain them (see migration 0017). */
  audit_pending: RecordColumns;
}

export type AuditRow = Selectable<AuditTables['audit_log']>;
export type PendingRow = Selectable<AuditTables['audit_pending']>;

/** Who acted: a person, an API key, or Tijara itself (a worker, a scheduled job). */
export interface AuditActor {
  type: ActorType;
  id: string;
  organisationId?: string | null;
}

/** What a caller records; the log adds the sequence number, id, time and hashes. */
export interface AuditEntry {
  actor: AuditActor;
  /** `domain.verb`, e.g. 'payment.refund', 'card.international.grant', 'data.read'. */
  action: string;
  target?: { type: string; id: string };
  /** Any JSON-able object; bigints are kept as decimal strings, dates as ISO strings. */
  details?: Record<string, unknown>;
  ip?: string | null;
  requestId?: string | null;
}

export interface AuditRecord {
  seq: bigint;
  id: string;
  at: Date;
  actorType: ActorType;
  actorId: string;
  organisationId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: JsonObject;
  ip: string | null;
  requestId: string | null;
  /** The hash of record seq - 1, or GENESIS_HASH for the first. */
  prevHash: string;
  hash: string;
}

/** The columns of the authority's export, in order; also the field names the hash is computed over. */
export const AUDIT_COLUMNS = [
  'seq',
  'id',
  'at',
  'actor_type',
  'actor_id',
  'organisation_id',
  'action',
  'target_type',
  'target_id',
  'details',
  'ip',
  'request_id',
  'prev_hash',
  'hash',
] as const;

export type AuditColumn = (typeof AUDIT_COLUMNS)[number];

export function toAuditRecord(row: AuditRow): AuditRecord {
  return {
    seq: row.seq,
    id: row.id,
    at: row.at,
    actorType: row.actor_type,
    actorId: row.actor_id,
    organisationId: row.organisation_id,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    details: row.details,
    ip: row.ip,
    requestId: row.request_id,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
