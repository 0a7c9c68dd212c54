import { sql } from 'kysely';
import type { AuditActor } from '../audit/model.js';
import type { AuditLog } from '../audit/service.js';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { Problem, problems } from '../core/problem.js';
import { moroccanDate } from '../core/time.js';
import { claimPeriod } from '../store/meta.js';
import type { OutboxHandler } from '../store/outbox.js';
import { inTransaction, ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import { personalData, RESEAL_BATCH, resealInBatches } from '../vault/personal-data.js';
import type { VaultService } from '../vault/service.js';
import { type ImportInput, importSnapshot, LIST_CHANGED_TOPIC, toIndexedEntry } from './lists.js';
import type {
  HitRecord,
  HitRow,
  HitStatus,
  ImportReport,
  RescreenReport,
  ScreeningTables,
  SnapshotRow,
  SubjectRow,
} from './model.js';
import { NameIndex } from './name-index.js';
import type { ScreeningHit, ScreeningPort, ScreeningQuery, ScreeningSubject } from './port.js';

export interface ScreeningDeps {
  store: SharedStore;
  clock: Clock;
  logger?: Logger;
  /** How often a search checks the database for snapshots imported by another process. */
  freshnessMs?: number;
  audit: Pick<AuditLog, 'append'>;
  /** Seals a watched person's birth date at rest (law 09-08); re-screening opens it in memory. */
  vault: Pick<VaultService, 'sealSecret' | 'openSecret'>;
}

/** A list file to import, parsed: see lists.ts. */
export type ListImport = ImportInput;

export interface HitReview {
  decision: 'true_match' | 'false_positive';
  /** Who decided (a user id or an organisation key id). */
  reviewer: string;
  note?: string | null;
  /** How the audit trail names who decided; the review is recorded in its transaction. */
  actor: AuditActor;
}

export interface ScreeningService extends ScreeningPort {
  /** Builds the in-memory index from the database (at start; searches call it when needed). */
  load(): Promise<void>;
  /**
   * Seals in place the birth dates of watched subjects stored in clear before sealing began (law
   * 09-08). Safe to run twice, or on two processes at once. Returns how many it sealed.
   */
  sealStoredPersonalData(): Promise<number>;
  importList(input: ListImport): Promise<ImportReport | Problem>;
  /** Screens every watched subject against the entries a snapshot added or changed. */
  rescreenSnapshot(snapshotId: string): Promise<RescreenReport>;
  /** Screens every watched subject against the whole index (the scheduled pass). */
  rescreenAll(): Promise<RescreenReport>;
  /** The daily pass: rescreenAll, unless another process already ran it today (Moroccan date). */
  rescreenIfDue(): Promise<RescreenReport | undefined>;
  /** Asks rescreenIfDue every `everyMs` (workers only); returns the function that stops it. */
  startScheduledRescreen(everyMs: number): () => void;
  listHits(filter?: { status?: HitStatus; merchantId?: string; limit?: number }): Promise<HitRecord[]>;
  reviewHit(hitId: string, review: HitReview): Promise<HitRecord | Problem>;
  listSnapshots(listName?: string): Promise<SnapshotRow[]>;
  snapshotDiff(snapshotId: string): Promise<{ added: string[]; changed: string[]; removed: string[] }>;
  readonly index: NameIndex;
  readonly outboxHandlers: OutboxHandler[];
}

const SUBJECT_PAGE = 2000;

function subjectOf(row: SubjectRow): ScreeningSubject {
  return {
    reference: row.reference,
    kind: row.kind,
    name: row.name,
    alternateName: row.alternate_name,
    birthDate: row.birth_date,
    nationality: row.nationality,
    merchantId: row.merchant_id,
  };
}

function queryOf(subject: ScreeningSubject): ScreeningQuery {
  return {
    name: subject.name,
    alternateName: subject.alternateName ?? null,
    kind: subject.kind,
    birthDate: subject.birthDate ?? null,
    nationality: subject.nationality ?? null,
    limit: 20,
  };
}

export function createScreeningService(deps: ScreeningDeps): ScreeningService {
  const { store, clock } = deps;
  const tables = (db?: SharedDb) => ownTables<ScreeningTables>(db ?? store.db);
  const personal = personalData(deps.vault);
  /** A watched subject as matching needs it: its birth date opened. */
  const openSubject = async (row: SubjectRow, db?: SharedDb): Promise<ScreeningSubject> => ({
    ...subjectOf(row),
    birthDate: await personal.open(row.birth_date, db),
  });
  const freshnessMs = deps.freshnessMs ?? 1000;
  let index = new NameIndex();
  // The newest snapshot the index reflects, and when the database was last asked for a newer one.
  let loadedThrough: string | null | undefined;
  let checkedAt = 0;
  let loading: Promise<void> | undefined;
  const listeners: ((subject: ScreeningSubject, hit: ScreeningHit) => Promise<void>)[] = [];

  async function latestSnapshot(): Promise<string | null> {
    const row = await tables()
      .selectFrom('screening_snapshots')
      .select(sql<string | null>`max(id)`.as('id'))
      .executeTakeFirst();
    return row?.id ?? null;
  }

  function liveEntries(db = tables()) {
    return db
      .selectFrom('screening_entries as e')
      .innerJoin('screening_lists as l', 'l.id', 'e.list_id')
      .select([
        'e.id',
        'e.kind',
        'e.primary_name',
        'e.names',
        'e.birth_dates',
        'e.nationalities',
        'e.content_hash',
        'l.id as list_id',
        'l.name as list_name',
        'l.source',
      ])
      .where('e.removed_in', 'is', null);
  }

  type LiveRow = Awaited<ReturnType<ReturnType<typeof liveEntries>['execute']>>[number];
  const indexed = (row: LiveRow) =>
    toIndexedEntry(row, { id: row.list_id, name: row.list_name, source: row.source });

  async function load(): Promise<void> {
    const through = await latestSnapshot();
    const fresh = new NameIndex();
    for (const row of await liveEntries().execute()) fresh.upsert(indexed(row));
    index = fresh;
    loadedThrough = through;
    checkedAt = Date.now();
  }

  /** Applies snapshots imported since the index was built (by this process or another one). */
  async function catchUp(): Promise<void> {
    const through = await latestSnapshot();
    if (through === loadedThrough) return;
    if (!loadedThrough) return load();
    const changed = await tables()
      .selectFrom('screening_entry_changes as c')
      .innerJoin('screening_snapshots as s', 's.id', 'c.snapshot_id')
      .select('c.entry_id')
      .where('s.id', '>', loadedThrough)
      .execute();
    const ids = [...new Set(changed.map((c) => c.entry_id))];
    for (const id of ids) index.remove(id);
    for (let i = 0; i < ids.length; i += 1000) {
      const rows = await liveEntries()
        .where('e.id', 'in', ids.slice(i, i + 1000))
        .execute();
      for (const row of rows) index.upsert(indexed(row));
    }
    loadedThrough = through;
  }

  async function current(): Promise<NameIndex> {
    if (loadedThrough === undefined || Date.now() - checkedAt >= freshnessMs) {
      checkedAt = Date.now();
      loading ??= (loadedThrough === undefined ? load() : catchUp()).finally(() => {
        loading = undefined;
      });
    }
    if (loading) await loading;
    return index;
  }

  async function record(
    subject: ScreeningSubject,
    hits: ScreeningHit[],
    options: { notified: boolean },
    db?: SharedDb,
  ): Promise<HitRow[]> {
    if (hits.length === 0) return [];
    const now = clock.now();
    return (
      tables(db)
        .insertInto('screening_hits')
        .values(
          hits.map((hit) => ({
            id: newId('sh'),
            subject_kind: subject.kind,
            subject_reference: subject.reference,
            entry_id: hit.entryId,
            entry_version: hit.entryVersion,
            score: hit.score,
            matched_name: hit.matchedName,
            explanation: JSON.stringify(hit.explanation),
            found_at: now,
            notified_at: options.notified ? now : null,
            reviewed_at: null,
          })),
        )
        // The same entry version was seen before (and perhaps cleared): nothing new.
        .onConflict((oc) =>
          oc.columns(['subject_kind', 'subject_reference', 'entry_id', 'entry_version']).doNothing(),
        )
        .returningAll()
        .execute()
    );
  }

  async function hitRecords(rows: HitRow[]): Promise<HitRecord[]> {
    if (rows.length === 0) return [];
    const entries = await liveEntriesAny(rows.map((r) => r.entry_id));
    const subjects = await tables()
      .selectFrom('screening_subjects')
      .selectAll()
      .where(
        sql<boolean>`(kind, reference) in (${sql.join(
          rows.map((r) => sql`(${r.subject_kind}, ${r.subject_reference})`),
        )})`,
      )
      .execute();
    return rows.map((row) => {
      const entry = entries.get(row.entry_id)!;
      const subject = subjects.find(
        (s) => s.kind === row.subject_kind && s.reference === row.subject_reference,
      )!;
      return {
        id: row.id,
        status: row.status,
        subject: {
          kind: subject.kind,
          reference: subject.reference,
          name: subject.name,
          merchantId: subject.merchant_id,
        },
        hit: {
          entryId: row.entry_id,
          entryVersion: row.entry_version,
          list: entry.list,
          name: entry.primaryName,
          matchedName: row.matched_name,
          score: row.score,
          explanation: row.explanation,
        },
        foundAt: row.found_at,
        reviewedAt: row.reviewed_at,
        reviewedBy: row.reviewed_by,
        reviewNote: row.review_note,
      };
    });
  }

  /** Entries by id, removed ones included (a hit outlives its entry's removal). */
  async function liveEntriesAny(ids: string[]) {
    const rows = await tables()
      .selectFrom('screening_entries as e')
      .innerJoin('screening_lists as l', 'l.id', 'e.list_id')
      .select(['e.id', 'e.primary_name', 'l.id as list_id', 'l.name as list_name', 'l.source'])
      .where('e.id', 'in', [...new Set(ids)])
      .execute();
    return new Map(
      rows.map((r) => [
        r.id,
        { primaryName: r.primary_name, list: { id: r.list_id, name: r.list_name, source: r.source } },
      ]),
    );
  }

  /** Runs the listeners for hits not yet notified; each is marked once its listeners succeeded. */
  async function notifyPending(): Promise<void> {
    for (;;) {
      const rows = await tables()
        .selectFrom('screening_hits')
        .selectAll()
        .where('notified_at', 'is', null)
        .orderBy('found_at')
        .limit(200)
        .execute();
      if (rows.length === 0) return;
      for (const record of await hitRecords(rows)) {
        const subjectRow = await tables()
          .selectFrom('screening_subjects')
          .selectAll()
          .where('kind', '=', record.subject.kind)
          .where('reference', '=', record.subject.reference)
          .executeTakeFirstOrThrow();
        const subject = await openSubject(subjectRow);
        for (const listener of listeners) await listener(subject, record.hit);
        await tables()
          .updateTable('screening_hits')
          .set({ notified_at: clock.now() })
          .where('id', '=', record.id)
          .execute();
      }
    }
  }

  /** Screens every watched subject, page by page, against an index; records and notifies new hits. */
  async function rescreenAgainst(against: NameIndex): Promise<RescreenReport> {
    let subjects = 0;
    let newHits = 0;
    let after: { kind: string; reference: string } | undefined;
    if (against.size > 0) {
      for (;;) {
        let page = tables().selectFrom('screening_subjects').selectAll();
        if (after) {
          const { kind, reference } = after;
          page = page.where(sql<boolean>`(kind, reference) > (${kind}, ${reference})`);
        }
        const rows = await page.orderBy('kind').orderBy('reference').limit(SUBJECT_PAGE).execute();
        if (rows.length === 0) break;
        subjects += rows.length;
        await store.transaction(async (trx) => {
          for (const row of rows) {
            const subject = await openSubject(row, trx);
            newHits += (await record(subject, against.search(queryOf(subject)), { notified: false }, trx))
              .length;
          }
        });
        const last = rows.at(-1)!;
        after = { kind: last.kind, reference: last.reference };
      }
    }
    await notifyPending();
    return { subjects, entries: against.size, newHits };
  }

  const service: ScreeningService = {
    async sealStoredPersonalData() {
      let sealed = 0;
      await resealInBatches(
        { kind: '', reference: '' },
        (after) =>
          tables()
            .selectFrom('screening_subjects')
            .select(['kind', 'reference', 'birth_date'])
            .where(sql<boolean>`(kind, reference) > (${after.kind}, ${after.reference})`)
            .where('birth_date', 'is not', null)
            .where('birth_date', 'not like', 'v1.%')
            .orderBy('kind')
            .orderBy('reference')
            .limit(RESEAL_BATCH)
            .execute(),
        (row) => ({ kind: row.kind, reference: row.reference }),
        async (row) => {
          const changed = await tables()
            .updateTable('screening_subjects')
            .set({ birth_date: await personal.seal(row.birth_date) })
            .where('kind', '=', row.kind)
            .where('reference', '=', row.reference)
            .where('birth_date', '=', row.birth_date)
            .executeTakeFirst();
          sealed += Number(changed.numUpdatedRows);
        },
      );
      return sealed;
    },

    get index() {
      return index;
    },

    load: () => load(),

    async search(query) {
      const name = query.name?.trim() ?? '';
      if (!name && !query.alternateName?.trim()) return [];
      return (await current()).search({ ...query, limit: Math.min(Math.max(1, query.limit ?? 10), 100) });
    },

    async watch(subjects) {
      const now = clock.now();
      const live = await current();
      await store.transaction(async (trx) => {
        for (const subject of subjects) {
          const values = {
            merchant_id: subject.merchantId,
            name: subject.name,
            alternate_name: subject.alternateName ?? null,
            birth_date: await personal.seal(subject.birthDate ?? null, trx),
            nationality: subject.nationality?.toUpperCase() ?? null,
            updated_at: now,
          };
          await tables(trx)
            .insertInto('screening_subjects')
            .values({ kind: subject.kind, reference: subject.reference, watched_since: now, ...values })
            .onConflict((oc) => oc.columns(['kind', 'reference']).doUpdateSet(values))
            .execute();
          // What matches today was before the reviewers who approved the merchant: recorded, so that it
          // is not news to a later re-screening, but not announced again.
          await record(subject, live.search(queryOf(subject)), { notified: true }, trx);
        }
      });
    },

    onNewHit(listener) {
      listeners.push(listener);
    },

    async importList(input) {
      const outcome = await store.transaction((trx) => importSnapshot(trx, clock, input));
      if (outcome instanceof Problem) return outcome;
      // This process sees its own import at once; others catch up on their next search.
      await current();
      for (const id of outcome.removals) index.remove(id);
      for (const entry of outcome.upserts) index.upsert(entry);
      deps.logger?.info(
        {
          list: outcome.report.list.name,
          version: outcome.report.snapshot.version,
          added: outcome.report.added,
        },
        'watchlist imported',
      );
      return outcome.report;
    },

    async rescreenSnapshot(snapshotId) {
      await current();
      const rows = await liveEntries()
        .innerJoin('screening_entry_changes as c', 'c.entry_id', 'e.id')
        .where('c.snapshot_id', '=', snapshotId)
        .where('c.change', 'in', ['added', 'changed'])
        .execute();
      const changed = new NameIndex();
      for (const row of rows) changed.upsert(indexed(row));
      return rescreenAgainst(changed);
    },

    async rescreenAll() {
      return rescreenAgainst(await current());
    },

    async rescreenIfDue() {
      // However many workers run, one of them makes the day's pass.
      if (!(await claimPeriod(store.db, 'screening.daily_rescreen', moroccanDate(clock.now()))))
        return undefined;
      return service.rescreenAll();
    },

    startScheduledRescreen(everyMs) {
      const timer = setInterval(() => {
        service.rescreenIfDue().then(
          (report) => report && deps.logger?.info(report, 'scheduled re-screening'),
          (error) => deps.logger?.error({ err: error }, 'scheduled re-screening failed'),
        );
      }, everyMs);
      timer.unref();
      return () => clearInterval(timer);
    },

    async listHits(filter = {}) {
      let query = tables()
        .selectFrom('screening_hits as h')
        .innerJoin('screening_subjects as s', (join) =>
          join.onRef('s.kind', '=', 'h.subject_kind').onRef('s.reference', '=', 'h.subject_reference'),
        )
        .selectAll('h');
      if (filter.status) query = query.where('h.status', '=', filter.status);
      if (filter.merchantId) query = query.where('s.merchant_id', '=', filter.merchantId);
      const rows = await query
        .orderBy('h.found_at', 'desc')
        .orderBy('h.id', 'desc')
        .limit(Math.min(filter.limit ?? 100, 500))
        .execute();
      return hitRecords(rows);
    },

    async reviewHit(hitId, review) {
      const row = await inTransaction(store, undefined, async (trx) => {
        const reviewed = await tables(trx)
          .updateTable('screening_hits')
          .set({
            status: review.decision,
            reviewed_at: clock.now(),
            reviewed_by: review.reviewer,
            review_note: review.note ?? null,
          })
          .where('id', '=', hitId)
          .returningAll()
          .executeTakeFirst();
        if (reviewed) {
          await deps.audit.append(
            {
              actor: review.actor,
              action: `screening.hit.${review.decision}`,
              target: { type: 'screening_hit', id: hitId },
              details: { entry: reviewed.entry_id, note: review.note ?? null },
            },
            trx,
          );
        }
        return reviewed;
      });
      if (!row) return problems.notFound(`hit ${hitId}`);
      return (await hitRecords([row]))[0]!;
    },

    listSnapshots(listName) {
      let query = tables()
        .selectFrom('screening_snapshots as s')
        .innerJoin('screening_lists as l', 'l.id', 's.list_id')
        .selectAll('s');
      if (listName) query = query.where('l.name', '=', listName);
      return query.orderBy('s.id', 'desc').limit(200).execute();
    },

    async snapshotDiff(snapshotId) {
      const rows = await tables()
        .selectFrom('screening_entry_changes as c')
        .innerJoin('screening_entries as e', 'e.id', 'c.entry_id')
        .select(['c.change', 'e.external_id'])
        .where('c.snapshot_id', '=', snapshotId)
        .orderBy('e.external_id')
        .execute();
      const of = (change: string) => rows.filter((r) => r.change === change).map((r) => r.external_id);
      return { added: of('added'), changed: of('changed'), removed: of('removed') };
    },

    outboxHandlers: [
      {
        topic: LIST_CHANGED_TOPIC,
        async deliver(event) {
          const { snapshotId } = event.payload as { snapshotId: string };
          const report = await service.rescreenSnapshot(snapshotId);
          deps.logger?.info({ snapshotId, ...report }, 're-screening after a list change');
        },
      },
    ],
  };
  return service;
}
