import { createHash } from 'node:crypto';
import type { Insertable } from 'kysely';
import { sql } from 'kysely';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import { Problem } from '../core/problem.js';
import { enqueueEvent } from '../store/outbox.js';
import { ownTables, type SharedDb } from '../store/store.js';
import type { ListFormat, ParsedEntry, ParsedList } from './formats/common.js';
import { sourceOf } from './formats/index.js';
import type { EntryRow, ImportReport, ScreeningTables } from './model.js';
import type { IndexedEntry } from './name-index.js';

export const LIST_CHANGED_TOPIC = 'screening.list_changed';

/** The version of an entry: a digest of everything screening looks at. */
export function contentHash(entry: ParsedEntry): string {
  const canonical = JSON.stringify([
    entry.kind,
    entry.names.map((n) => [n.type, n.name]),
    [...entry.birthDates].sort(),
    [...entry.nationalities].sort(),
    [...entry.programs].sort(),
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export function toIndexedEntry(
  row: Pick<
    EntryRow,
    'id' | 'kind' | 'primary_name' | 'names' | 'birth_dates' | 'nationalities' | 'content_hash'
  >,
  list: IndexedEntry['list'],
): IndexedEntry {
  return {
    entryId: row.id,
    entryVersion: row.content_hash,
    list,
    kind: row.kind,
    primaryName: row.primary_name,
    names: row.names.map((n) => n.name),
    birthDates: row.birth_dates,
    nationalities: row.nationalities,
  };
}

export interface ImportInput {
  /** The list's name ("UN consolidated", "OFAC SDN"…): each name is one list with its own versions. */
  listName: string;
  format: ListFormat;
  parsed: ParsedList;
  /** The raw file(s), for the snapshot's checksum. */
  raw: string;
  fileName?: string | null;
  onProgress?: (done: number, total: number) => void;
}

export interface ImportOutcome {
  report: ImportReport;
  /** Entries to put in (or replace in) the index, and entry ids to take out. */
  upserts: IndexedEntry[];
  removals: string[];
}

const CHUNK = 500;

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Writes a parsed file as the list's next snapshot, in the caller's transaction: entries added, changed
 * (a new content hash) and removed (absent from the file), the diff rows, and an outbox event that
 * re-screens the watched subjects against what was added or changed.
 */
export async function importSnapshot(
  trx: SharedDb,
  clock: Clock,
  input: ImportInput,
): Promise<ImportOutcome | Problem> {
  const db = ownTables<ScreeningTables>(trx);
  const source = sourceOf[input.format];
  const now = clock.now();
  await db
    .insertInto('screening_lists')
    .values({ id: newId('wl'), name: input.listName, source, created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  // The lock serializes two imports of one list: versions and diffs stay in order.
  const list = await db
    .selectFrom('screening_lists')
    .selectAll()
    .where('name', '=', input.listName)
    .forUpdate()
    .executeTakeFirstOrThrow();
  if (list.source !== source) {
    return new Problem(
      409,
      'list_source_mismatch',
      'Conflict',
      `the list "${list.name}" holds ${list.source} entries; a ${input.format} file cannot update it`,
    );
  }
  const last = await db
    .selectFrom('screening_snapshots')
    .select(sql<number>`coalesce(max(version), 0)::int`.as('version'))
    .where('list_id', '=', list.id)
    .executeTakeFirstOrThrow();
  const snapshotId = newId('wls');
  const version = Number(last.version) + 1;
  const existing = new Map(
    (
      await db
        .selectFrom('screening_entries')
        .select(['id', 'external_id', 'content_hash', 'removed_in'])
        .where('list_id', '=', list.id)
        .execute()
    ).map((row) => [row.external_id, row]),
  );
  await db
    .insertInto('screening_snapshots')
    .values({
      id: snapshotId,
      list_id: list.id,
      version,
      format: input.format,
      file_name: input.fileName ?? null,
      file_sha256: createHash('sha256').update(input.raw).digest('hex'),
      imported_at: now,
      entries: input.parsed.entries.length,
      added: 0,
      changed: 0,
      removed: 0,
      skipped: input.parsed.skipped,
      rejected: JSON.stringify(input.parsed.rejected),
    })
    .execute();

  const listRef = { id: list.id, name: list.name, source: list.source };
  const changes: { entry_id: string; change: 'added' | 'changed' | 'removed' }[] = [];
  const upserts: IndexedEntry[] = [];
  type EntryInsert = Insertable<ScreeningTables['screening_entries']> & { id: string; added_in: string };
  const inserts: EntryInsert[] = [];
  const updates: EntryInsert[] = [];
  const seen = new Set<string>();
  for (const entry of input.parsed.entries) {
    seen.add(entry.externalId);
    const hash = contentHash(entry);
    const before = existing.get(entry.externalId);
    if (before && before.content_hash === hash && before.removed_in === null) continue;
    const row: EntryInsert = {
      id: before?.id ?? newId('wle'),
      list_id: list.id,
      external_id: entry.externalId,
      kind: entry.kind,
      primary_name: entry.names.find((n) => n.type === 'primary')!.name,
      names: JSON.stringify(entry.names),
      birth_dates: JSON.stringify(entry.birthDates),
      nationalities: JSON.stringify(entry.nationalities),
      programs: JSON.stringify(entry.programs),
      content_hash: hash,
      added_in: snapshotId,
      changed_in: snapshotId,
      removed_in: null,
    };
    // An entry back on the list after a removal counts as added again.
    const change = before && before.removed_in === null ? 'changed' : 'added';
    (before ? updates : inserts).push(row);
    changes.push({ entry_id: row.id, change });
    upserts.push(
      toIndexedEntry(
        {
          ...row,
          names: entry.names,
          birth_dates: entry.birthDates,
          nationalities: entry.nationalities,
        },
        listRef,
      ),
    );
  }
  const removals = [...existing.values()].filter((e) => e.removed_in === null && !seen.has(e.external_id));
  for (const r of removals) changes.push({ entry_id: r.id, change: 'removed' });

  let done = 0;
  const total = inserts.length + updates.length + removals.length;
  for (const batch of chunks(inserts)) {
    await db.insertInto('screening_entries').values(batch).execute();
    done += batch.length;
    input.onProgress?.(done, total);
  }
  for (const row of updates) {
    const { id, added_in, ...rest } = row;
    const back = changes.find((c) => c.entry_id === id)?.change === 'added';
    await db
      .updateTable('screening_entries')
      .set({ ...rest, ...(back ? { added_in } : {}) })
      .where('id', '=', id)
      .execute();
    if (++done % CHUNK === 0) input.onProgress?.(done, total);
  }
  for (const batch of chunks(removals)) {
    await db
      .updateTable('screening_entries')
      .set({ removed_in: snapshotId })
      .where(
        'id',
        'in',
        batch.map((r) => r.id),
      )
      .execute();
    done += batch.length;
    input.onProgress?.(done, total);
  }
  for (const batch of chunks(changes)) {
    await db
      .insertInto('screening_entry_changes')
      .values(batch.map((c) => ({ ...c, snapshot_id: snapshotId })))
      .execute();
  }
  const count = (kind: string) => changes.filter((c) => c.change === kind).length;
  const report: ImportReport = {
    list: listRef,
    snapshot: { id: snapshotId, version },
    entries: input.parsed.entries.length,
    added: count('added'),
    changed: count('changed'),
    removed: count('removed'),
    skipped: input.parsed.skipped,
    rejected: input.parsed.rejected,
  };
  await db
    .updateTable('screening_snapshots')
    .set({ added: report.added, changed: report.changed, removed: report.removed })
    .where('id', '=', snapshotId)
    .execute();
  if (report.added + report.changed > 0) await enqueueEvent(trx, LIST_CHANGED_TOPIC, { snapshotId });
  return { report, upserts, removals: removals.map((r) => r.id) };
}
