import { type ColumnType, type Generated, type Selectable, sql, type Updateable } from 'kysely';
import type { AuditActor } from '../audit/model.js';
import type { AuditLog } from '../audit/service.js';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { Problem, problems } from '../core/problem.js';
import { repeatEvery } from '../core/schedule.js';
import type { SiteCheckConfig } from '../core/site-client.js';
import { inTransaction, ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import { assess } from './assess.js';
import {
  type Finding,
  type Incident,
  type IncidentKind,
  SITE_OWNER_KINDS,
  type SiteCheck,
  type SiteOwnerKind,
  type SiteStatus,
  type TlsReport,
  type WatchedSite,
} from './model.js';
import { type Probe, probeSite } from './probe.js';

export interface NewSite {
  url: string;
  label: string;
  ownerKind: SiteOwnerKind;
  ownerId?: string | null;
  /** Minutes between checks, 1–1440; DEFAULT_EVERY_MINUTES when absent. */
  everyMinutes?: number;
}

/** Who asks for a change, for the audit trail. */
export interface WatchRequester {
  actor: AuditActor;
  ip?: string | null;
  requestId?: string | null;
}

export interface WatchService {
  /** Adds a site to watch (audited); 409 site_watched when its URL is watched already. */
  addSite(input: NewSite, by: WatchRequester, db?: SharedDb): Promise<WatchedSite | Problem>;
  listSites(filter?: { status?: SiteStatus; limit?: number }): Promise<WatchedSite[]>;
  getSite(id: string, db?: SharedDb): Promise<WatchedSite | undefined>;
  /** The site's latest checks, newest first. */
  recentChecks(siteId: string, limit?: number): Promise<SiteCheck[]>;
  /** Incidents, newest first: the site's when given, else every site's; only open ones when asked. */
  listIncidents(filter?: { siteId?: string; open?: boolean; limit?: number }): Promise<Incident[]>;
  /** Checks the site now, whatever its schedule; a paused site too. */
  checkNow(id: string): Promise<SiteCheck | Problem>;
  /**
   * Takes the content of the site's latest answer as what later checks compare with (after a
   * redesign the authority has looked at), audited; the site's status follows at its next check.
   */
  acceptContent(id: string, by: WatchRequester): Promise<WatchedSite | Problem>;
  /** Pauses or resumes a site's checks (audited). A paused site's open incident stays open. */
  setEnabled(id: string, enabled: boolean, by: WatchRequester): Promise<WatchedSite | Problem>;
  /** Checks every site whose time has come; returns how many it checked. Safe on several processes. */
  checkDueSites(): Promise<number>;
  /** Watches the web sites merchants and billers gave, not watched yet; returns how many it added. */
  watchRegisteredSites(): Promise<number>;
  /** Both of the above now, then every `everyMs`; the stop function waits for a running pass. */
  startScheduledChecks(everyMs: number): () => Promise<void>;
}

interface WatchTables {
  watch_sites: {
    id: string;
    url: string;
    label: string;
    owner_kind: string;
    owner_id: string | null;
    enabled: Generated<boolean>;
    every_minutes: number;
    status: Generated<string>;
    findings: ColumnType<Finding[], string | undefined, string>;
    last_checked_at: Date | null;
    next_check_at: Date;
    baseline_text: string | null;
    baseline_at: Date | null;
    latest_text: string | null;
    created_at: Date;
  };
  watch_checks: {
    id: string;
    site_id: string;
    checked_at: Date;
    status: string;
    http_status: number | null;
    response_ms: number | null;
    final_url: string | null;
    tls: ColumnType<StoredTls | null, string | null, string | null>;
    missing_headers: string[];
    similarity: number | null;
    findings: ColumnType<Finding[], string, string>;
  };
  watch_incidents: {
    id: string;
    site_id: string;
    kind: string;
    opened_at: Date;
    closed_at: Date | null;
    findings: ColumnType<Finding[], string, string>;
  };
}

/** A TLS report as jsonb keeps it: dates as ISO strings. */
type StoredTls = Omit<TlsReport, 'validTo'> & { validTo: string | null };

/** Minutes between two checks of a site unless it says otherwise. */
export const DEFAULT_EVERY_MINUTES = 5;
/** Checks are kept this long; incidents for good. */
export const CHECK_RETENTION_DAYS = 30;
/** Sites one pass claims at a time, and how many of them it visits at once. */
const CLAIM_BATCH = 20;
const PARALLEL_VISITS = 4;
const PURGE_BATCH = 5_000;
const MAX_URL = 2048;

export interface WatchDeps {
  store: SharedStore;
  audit: Pick<AuditLog, 'append'>;
  clock: Clock;
  /** How checks reach the sites (timeouts, trusted CAs, fixed addresses): the platform's outbound settings. */
  network: SiteCheckConfig;
  /** The web sites merchants and billers registered, to be watched without anyone adding them. */
  registeredSites?: () => Promise<NewSite[]>;
  logger?: Logger;
}

function siteOf(row: Selectable<WatchTables['watch_sites']>): WatchedSite {
  return {
    id: row.id,
    url: row.url,
    label: row.label,
    ownerKind: row.owner_kind as SiteOwnerKind,
    ownerId: row.owner_id,
    enabled: row.enabled,
    everyMinutes: row.every_minutes,
    status: row.status as SiteStatus,
    findings: row.findings,
    lastCheckedAt: row.last_checked_at,
    nextCheckAt: row.next_check_at,
    baselineAt: row.baseline_at,
    createdAt: row.created_at,
  };
}

function checkOf(row: Selectable<WatchTables['watch_checks']>): SiteCheck {
  const tls = row.tls && { ...row.tls, validTo: row.tls.validTo === null ? null : new Date(row.tls.validTo) };
  return {
    id: row.id,
    siteId: row.site_id,
    checkedAt: row.checked_at,
    status: row.status as SiteCheck['status'],
    httpStatus: row.http_status,
    responseMs: row.response_ms,
    finalUrl: row.final_url,
    tls,
    missingHeaders: row.missing_headers as SiteCheck['missingHeaders'],
    similarity: row.similarity,
    findings: row.findings,
  };
}

function incidentOf(row: Selectable<WatchTables['watch_incidents']>): Incident {
  return {
    id: row.id,
    siteId: row.site_id,
    kind: row.kind as IncidentKind,
    openedAt: row.opened_at,
    closedAt: row.closed_at,
    findings: row.findings,
  };
}

/** The site's URL as it is stored, or why it cannot be watched. */
export function watchableUrl(raw: string): string | Problem {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return problems.badRequest(`url: "${raw}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return problems.badRequest('url: only http:// and https:// sites can be watched');
  if (url.username || url.password) return problems.badRequest('url: must not carry a user name or password');
  url.hash = '';
  if (url.href.length > MAX_URL) return problems.badRequest(`url: at most ${MAX_URL} characters`);
  return url.href;
}

function validSite(input: NewSite): Problem | undefined {
  const label = input.label.trim();
  if (label.length === 0 || label.length > 200) return problems.badRequest('label: 1 to 200 characters');
  if (!SITE_OWNER_KINDS.includes(input.ownerKind))
    return problems.badRequest(`owner_kind: one of ${SITE_OWNER_KINDS.join(', ')}`);
  const every = input.everyMinutes ?? DEFAULT_EVERY_MINUTES;
  if (!Number.isInteger(every) || every < 1 || every > 1440)
    return problems.badRequest('every_minutes: a whole number from 1 to 1440');
  return undefined;
}

/** A new site's row: checked at once, then every `everyMinutes`. */
function newSiteRow(input: NewSite, url: string, now: Date) {
  return {
    id: newId('wst', now.getTime()),
    url,
    label: input.label.trim(),
    owner_kind: input.ownerKind,
    owner_id: input.ownerId ?? null,
    every_minutes: input.everyMinutes ?? DEFAULT_EVERY_MINUTES,
    next_check_at: now,
    created_at: now,
  };
}

/** Runs `task` over the items, at most `width` at a time. */
async function eachAtMost<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
}

export function createWatchService(deps: WatchDeps): WatchService {
  const { store, clock } = deps;
  const tables = (db?: SharedDb) => ownTables<WatchTables>(db ?? store.db);

  /** Writes a check's outcome: the check, the site's state, and the incident it opens or closes. */
  async function record(siteId: string, probe: Probe, checkedAt: Date): Promise<SiteCheck | undefined> {
    return store.transaction(async (trx) => {
      const site = await tables(trx)
        .selectFrom('watch_sites')
        .select(['id', 'url', 'status', 'baseline_text'])
        .where('id', '=', siteId)
        .forUpdate()
        .executeTakeFirst();
      if (!site) return undefined; // removed meanwhile
      const outcome = assess(probe, site.baseline_text, checkedAt);
      const tls: StoredTls | null = probe.tls && {
        ...probe.tls,
        validTo: probe.tls.validTo?.toISOString() ?? null,
      };
      const row = await tables(trx)
        .insertInto('watch_checks')
        .values({
          id: newId('wck', checkedAt.getTime()),
          site_id: siteId,
          checked_at: checkedAt,
          status: outcome.status,
          http_status: probe.answered ? probe.status : null,
          response_ms: probe.responseMs,
          final_url: probe.answered ? probe.finalUrl : null,
          tls: tls && JSON.stringify(tls),
          missing_headers: outcome.missingHeaders,
          similarity: outcome.similarity,
          findings: JSON.stringify(outcome.findings),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      // The first page a site answers with is what later ones are compared with, until the authority
      // accepts another.
      const firstContent = site.baseline_text === null && outcome.text !== null;
      await tables(trx)
        .updateTable('watch_sites')
        .set({
          status: outcome.status,
          findings: JSON.stringify(outcome.findings),
          last_checked_at: checkedAt,
          // From this check on, whether the scheduler or a person asked for it.
          next_check_at: sql<Date>`${checkedAt}::timestamptz + every_minutes * interval '1 minute'`,
          ...(outcome.text !== null ? { latest_text: outcome.text } : {}),
          ...(firstContent ? { baseline_text: outcome.text, baseline_at: checkedAt } : {}),
        })
        .where('id', '=', siteId)
        .execute();
      await followIncident(trx, site, outcome.status, outcome.findings, checkedAt);
      return checkOf(row);
    });
  }

  /** Opens an incident when a site goes bad, closes it when the site is up, replaces it when the trouble changes. */
  async function followIncident(
    trx: SharedDb,
    site: { id: string; url: string },
    status: SiteCheck['status'],
    findings: Finding[],
    at: Date,
  ) {
    const open = await tables(trx)
      .selectFrom('watch_incidents')
      .select(['id', 'kind'])
      .where('site_id', '=', site.id)
      .where('closed_at', 'is', null)
      .executeTakeFirst();
    if (open?.kind === status) return;
    if (open) {
      await tables(trx)
        .updateTable('watch_incidents')
        .set({ closed_at: at })
        .where('id', '=', open.id)
        .execute();
      deps.logger?.info(
        { site: site.id, url: site.url, incident: open.id, kind: open.kind },
        'site incident closed',
      );
    }
    if (status === 'up') return;
    const id = newId('win', at.getTime());
    await tables(trx)
      .insertInto('watch_incidents')
      .values({ id, site_id: site.id, kind: status, opened_at: at, findings: JSON.stringify(findings) })
      .execute();
    deps.logger?.warn({ site: site.id, url: site.url, incident: id, kind: status }, 'site incident opened');
  }

  async function check(site: { id: string; url: string }): Promise<SiteCheck | undefined> {
    const probe = await probeSite(site.url, deps.network);
    return record(site.id, probe, clock.now());
  }

  /** Claims up to a batch of due sites, moving each one's next check on, so no other process takes them. */
  async function claimDue(now: Date) {
    const { rows } = await sql<{ id: string; url: string }>`
      update watch_sites set next_check_at = ${now}::timestamptz + every_minutes * interval '1 minute'
      where id in (
        select id from watch_sites where enabled and next_check_at <= ${now}
        order by next_check_at limit ${CLAIM_BATCH} for update skip locked
      )
      returning id, url`.execute(store.db);
    return rows;
  }

  async function purgeOldChecks(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - CHECK_RETENTION_DAYS * 86_400_000);
    let purged = 0;
    for (;;) {
      const { numDeletedRows } = await tables()
        .deleteFrom('watch_checks')
        .where('id', 'in', (q) =>
          q.selectFrom('watch_checks').select('id').where('checked_at', '<', cutoff).limit(PURGE_BATCH),
        )
        .executeTakeFirst();
      purged += Number(numDeletedRows);
      if (Number(numDeletedRows) < PURGE_BATCH) return purged;
    }
  }

  async function audited<T extends { id: string }>(
    action: string,
    by: WatchRequester,
    trx: SharedDb,
    site: T,
    details: Record<string, unknown> = {},
  ) {
    await deps.audit.append(
      {
        actor: by.actor,
        action,
        target: { type: 'watched_site', id: site.id },
        details,
        ip: by.ip ?? null,
        requestId: by.requestId ?? null,
      },
      trx,
    );
  }

  /** Changes one site under its lock, audited; 404 when there is no such site. */
  async function changeSite(
    id: string,
    action: string,
    by: WatchRequester,
    change: (
      site: Selectable<WatchTables['watch_sites']>,
      trx: SharedDb,
    ) => Promise<Problem | Partial<Updateable<WatchTables['watch_sites']>>>,
  ): Promise<WatchedSite | Problem> {
    return store.transaction(async (trx) => {
      const site = await tables(trx)
        .selectFrom('watch_sites')
        .selectAll()
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!site) return problems.notFound(`site ${id}`);
      const values = await change(site, trx);
      if (values instanceof Problem) return values;
      const row = await tables(trx)
        .updateTable('watch_sites')
        .set(values)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await audited(action, by, trx, row, { url: row.url });
      return siteOf(row);
    });
  }

  const service: WatchService = {
    async addSite(input, by, db) {
      const url = watchableUrl(input.url);
      if (url instanceof Problem) return url;
      const invalid = validSite(input);
      if (invalid) return invalid;
      return inTransaction(store, db, async (trx) => {
        const now = clock.now();
        const row = await tables(trx)
          .insertInto('watch_sites')
          .values(newSiteRow(input, url, now))
          .onConflict((oc) => oc.column('url').doNothing())
          .returningAll()
          .executeTakeFirst();
        if (!row) return problems.conflict('site_watched', `${url} is watched already`);
        await audited('watch.site.add', by, trx, row, {
          url,
          owner_kind: row.owner_kind,
          owner_id: row.owner_id,
        });
        return siteOf(row);
      });
    },

    async listSites(filter = {}) {
      const rows = await tables()
        .selectFrom('watch_sites')
        .selectAll()
        .$if(filter.status !== undefined, (q) => q.where('status', '=', filter.status!))
        .orderBy('label')
        .orderBy('id')
        .limit(filter.limit ?? 500)
        .execute();
      return rows.map(siteOf);
    },

    async getSite(id, db) {
      const row = await tables(db)
        .selectFrom('watch_sites')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row && siteOf(row);
    },

    async recentChecks(siteId, limit = 20) {
      const rows = await tables()
        .selectFrom('watch_checks')
        .selectAll()
        .where('site_id', '=', siteId)
        .orderBy('checked_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(checkOf);
    },

    async listIncidents(filter = {}) {
      const rows = await tables()
        .selectFrom('watch_incidents')
        .selectAll()
        .$if(filter.siteId !== undefined, (q) => q.where('site_id', '=', filter.siteId!))
        .$if(filter.open === true, (q) => q.where('closed_at', 'is', null))
        .orderBy('opened_at', 'desc')
        .orderBy('id', 'desc')
        .limit(filter.limit ?? 100)
        .execute();
      return rows.map(incidentOf);
    },

    async checkNow(id) {
      const site = await service.getSite(id);
      if (!site) return problems.notFound(`site ${id}`);
      const outcome = await check(site);
      return outcome ?? problems.notFound(`site ${id}`);
    },

    acceptContent(id, by) {
      return changeSite(id, 'watch.site.accept_content', by, async (site) => {
        if (site.latest_text === null)
          return problems.conflict('no_content', `site ${id} has not answered with a page yet`);
        // Checked again at once, so its status reflects the content just accepted.
        return { baseline_text: site.latest_text, baseline_at: clock.now(), next_check_at: clock.now() };
      });
    },

    setEnabled(id, enabled, by) {
      return changeSite(id, enabled ? 'watch.site.resume' : 'watch.site.pause', by, async () => ({
        enabled,
        ...(enabled ? { next_check_at: clock.now() } : {}),
      }));
    },

    async checkDueSites() {
      let checked = 0;
      for (;;) {
        const due = await claimDue(clock.now());
        await eachAtMost(due, PARALLEL_VISITS, async (site) => {
          try {
            await check(site);
            checked++;
          } catch (error) {
            // One site's failure to be recorded must not stop the others' checks.
            deps.logger?.error({ err: error, site: site.id }, 'recording a site check failed');
          }
        });
        if (due.length < CLAIM_BATCH) return checked;
      }
    },

    async watchRegisteredSites() {
      const registered = (await deps.registeredSites?.()) ?? [];
      let added = 0;
      const now = clock.now();
      for (const site of registered) {
        const url = watchableUrl(site.url);
        if (url instanceof Problem || validSite(site)) continue; // a website field no check could visit
        const inserted = await tables()
          .insertInto('watch_sites')
          .values(newSiteRow(site, url, now))
          .onConflict((oc) => oc.column('url').doNothing())
          .returning('id')
          .executeTakeFirst();
        if (inserted) added++;
      }
      return added;
    },

    startScheduledChecks(everyMs) {
      return repeatEvery(everyMs, async () => {
        try {
          const added = await service.watchRegisteredSites();
          if (added > 0) deps.logger?.info({ added }, 'registered web sites now watched');
          await service.checkDueSites();
          const purged = await purgeOldChecks(clock.now());
          if (purged > 0) deps.logger?.info({ purged }, 'old site checks deleted');
        } catch (error) {
          deps.logger?.error({ err: error }, 'site checks failed');
        }
      });
    },
  };
  return service;
}
