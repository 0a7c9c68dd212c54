import type { ColumnType, Selectable } from 'kysely';
import type { ParsedName, RejectedRecord } from './formats/common.js';
import type { ScreeningHit } from './port.js';

type Json<T> = ColumnType<T, string, string>;
export type ListSource = ScreeningHit['list']['source'];
export type HitStatus = 'open' | 'true_match' | 'false_positive';

export interface ScreeningTables {
  screening_lists: { id: string; name: string; source: ListSource; created_at: Date };
  screening_snapshots: {
    id: string;
    list_id: string;
    version: number;
    format: string;
    file_name: string | null;
    file_sha256: string;
    imported_at: Date;
    entries: number;
    added: number;
    changed: number;
    removed: number;
    skipped: number;
    rejected: Json<RejectedRecord[]>;
  };
  screening_entries: {
    id: string;
    list_id: string;
    external_id: string;
    kind: 'person' | 'organisation';
    primary_name: string;
    names: Json<ParsedName[]>;
    birth_dates: Json<string[]>;
    nationalities: Json<string[]>;
    programs: Json<string[]>;
    content_hash: string;
    added_in: string;
    changed_in: string;
    removed_in: string | null;
  };
  screening_entry_changes: { snapshot_id: string; entry_id: string; change: 'added' | 'changed' | 'removed' };
  screening_subjects: {
    kind: 'person' | 'organisation';
    reference: string;
    merchant_id: string;
    name: string;
    alternate_name: string | null;
    birth_date: string | null;
    nationality: string | null;
    watched_since: Date;
    updated_at: Date;
  };
  screening_hits: {
    id: string;
    subject_kind: 'person' | 'organisation';
    subject_reference: string;
    entry_id: string;
    entry_version: string;
    score: number;
    matched_name: string;
    explanation: Json<string[]>;
    status: ColumnType<HitStatus, HitStatus | undefined, HitStatus>;
    found_at: Date;
    notified_at: Date | null;
    reviewed_at: Date | null;
    reviewed_by: string | null;
    review_note: string | null;
  };
}

export type EntryRow = Selectable<ScreeningTables['screening_entries']>;
export type SubjectRow = Selectable<ScreeningTables['screening_subjects']>;
export type HitRow = Selectable<ScreeningTables['screening_hits']>;
export type SnapshotRow = Selectable<ScreeningTables['screening_snapshots']>;

/** A recorded hit on a watched subject, as reviewers see it. */
export interface HitRecord {
  id: string;
  status: HitStatus;
  subject: { kind: 'person' | 'organisation'; reference: string; name: string; merchantId: string };
  hit: ScreeningHit;
  foundAt: Date;
  reviewedAt: Date | null;
  reviewedBy: string | null;
  reviewNote: string | null;
}

/** What an import did: the snapshot, its diff counts, and every record it refused. */
export interface ImportReport {
  list: { id: string; name: string; source: ListSource };
  snapshot: { id: string; version: number };
  entries: number;
  added: number;
  changed: number;
  removed: number;
  skipped: number;
  rejected: RejectedRecord[];
}

export interface RescreenReport {
  subjects: number;
  entries: number;
  newHits: number;
}
