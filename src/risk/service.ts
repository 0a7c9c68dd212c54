import { type ColumnType, type Selectable, sql } from 'kysely';
import type { AuditActor } from '../audit/model.js';
import type { AuditLog } from '../audit/service.js';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { type Problem, problems } from '../core/problem.js';
import { repeatEvery } from '../core/schedule.js';
import { inTransaction, ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import type { SwitchService } from '../switch/service.js';
import {
  cardAcrossMerchants,
  cardTesting,
  DEFAULT_THRESHOLDS,
  declineSpike,
  type Finding,
  type Rule,
  type Severity,
  type Thresholds,
} from './rules.js';

interface RiskTables {
  risk_alerts: {
    id: string;
    rule: string;
    subject_kind: string;
    subject: string;
    severity: string;
    status: string;
    evidence: ColumnType<Record<string, number | string>, string, string>;
    first_seen_at: Date;
    last_seen_at: Date;
    reviewed_at: Date | null;
    reviewed_by: string | null;
    review_note: string | null;
  };
}

export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

export interface RiskAlert {
  id: string;
  rule: Rule;
  subjectKind: 'merchant' | 'card';
  subject: string;
  severity: Severity;
  status: AlertStatus;
  evidence: Record<string, number | string>;
  firstSeenAt: Date;
  lastSeenAt: Date;
  review: { at: Date; by: string | null; note: string | null } | null;
}

export interface AlertReview {
  decision: 'acknowledged' | 'resolved';
  note?: string | null;
  reviewer: string;
  actor: AuditActor;
  /** Where the review came from, for the audit trail. */
  ip?: string | null;
  requestId?: string | null;
}

export interface ScanReport {
  /** Alerts raised by this scan. */
  raised: RiskAlert[];
  /** Alerts not resolved yet whose rule fired again. */
  updated: number;
}

export interface RiskService {
  /** Reads the recent windows of the network's journal and raises or refreshes alerts. */
  scan(): Promise<ScanReport>;
  /** Scans now, then every `everyMs`; the stop function waits for a running scan. */
  startScheduledScan(everyMs: number): () => Promise<void>;
  listAlerts(filter?: { status?: AlertStatus; rule?: Rule; limit?: number }): Promise<RiskAlert[]>;
  getAlert(id: string, db?: SharedDb): Promise<RiskAlert | undefined>;
  /** Acknowledges or resolves an alert, audited, in the caller's transaction when it passes one. */
  reviewAlert(id: string, review: AlertReview, db?: SharedDb): Promise<RiskAlert | Problem>;
}

export interface RiskDeps {
  store: SharedStore;
  switch: Pick<SwitchService, 'traffic'>;
  audit: Pick<AuditLog, 'append'>;
  clock: Clock;
  logger?: Logger;
  thresholds?: Thresholds;
}

// Scans of every process take turns, so two never raise the same alert twice. No other advisory lock
// in Tijara uses this constant.
const SCAN_LOCK_KEY = 7_412_534;

function alertOf(row: Selectable<RiskTables['risk_alerts']>): RiskAlert {
  return {
    id: row.id,
    rule: row.rule as Rule,
    subjectKind: row.subject_kind as RiskAlert['subjectKind'],
    subject: row.subject,
    severity: row.severity as Severity,
    status: row.status as AlertStatus,
    evidence: row.evidence,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    review: row.reviewed_at ? { at: row.reviewed_at, by: row.reviewed_by, note: row.review_note } : null,
  };
}

export function createRiskService(deps: RiskDeps): RiskService {
  const { store, clock } = deps;
  const thresholds = deps.thresholds ?? DEFAULT_THRESHOLDS;
  const tables = (db?: SharedDb) => ownTables<RiskTables>(db ?? store.db);

  async function findings(now: Date): Promise<Finding[]> {
    const since = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
    // Only the merchants and cards the rules could name: each wants at least these figures.
    const short = await deps.switch.traffic({
      start: since(thresholds.cardTesting.windowMinutes),
      end: now,
      merchants: {
        minAttempts: thresholds.cardTesting.attempts,
        minDeclinedShare: thresholds.cardTesting.declineShare,
      },
    });
    const long = await deps.switch.traffic({
      start: since(
        Math.max(thresholds.declineSpike.windowMinutes, thresholds.cardAcrossMerchants.windowMinutes),
      ),
      end: now,
      merchants: {
        minAttempts: thresholds.declineSpike.attempts,
        minDeclinedShare: thresholds.declineSpike.declineShare,
      },
      cards: {
        minMerchants: thresholds.cardAcrossMerchants.merchants,
        minDeclined: thresholds.cardAcrossMerchants.declined,
      },
    });
    return [
      ...cardTesting(short.merchants, thresholds.cardTesting),
      ...declineSpike(long.merchants, thresholds.declineSpike),
      ...cardAcrossMerchants(long.cards, thresholds.cardAcrossMerchants),
    ];
  }

  /** Raises the finding's alert, or refreshes the one not resolved yet; says which it did. */
  async function record(finding: Finding, now: Date, db: SharedDb) {
    const row = await tables(db)
      .insertInto('risk_alerts')
      .values({
        id: newId('ral'),
        rule: finding.rule,
        subject_kind: finding.subjectKind,
        subject: finding.subject,
        severity: finding.severity,
        status: 'open',
        evidence: JSON.stringify(finding.evidence),
        first_seen_at: now,
        last_seen_at: now,
      })
      .onConflict((oc) =>
        oc
          .columns(['rule', 'subject'])
          // The index's own predicate, as a literal: a parameter would not let PostgreSQL match the index.
          .where(sql<boolean>`status <> 'resolved'`)
          .doUpdateSet((eb) => ({
            evidence: eb.ref('excluded.evidence'),
            last_seen_at: eb.ref('excluded.last_seen_at'),
          })),
      )
      // xmax is 0 on a row this statement inserted, and set on one it updated.
      .returningAll()
      .returning(sql<boolean>`xmax = 0`.as('inserted'))
      .executeTakeFirstOrThrow();
    return { alert: alertOf(row), raised: row.inserted };
  }

  const service: RiskService = {
    async scan() {
      const now = clock.now();
      const found = await findings(now);
      const report: ScanReport = { raised: [], updated: 0 };
      if (found.length === 0) return report;
      await inTransaction(store, undefined, async (trx) => {
        await sql`select pg_advisory_xact_lock(${SCAN_LOCK_KEY})`.execute(trx);
        for (const finding of found) {
          const { alert, raised } = await record(finding, now, trx);
          if (raised) report.raised.push(alert);
          else report.updated += 1;
        }
      });
      for (const alert of report.raised)
        deps.logger?.warn({ alert: alert.id, rule: alert.rule, subject: alert.subject }, 'risk alert raised');
      return report;
    },

    startScheduledScan(everyMs) {
      return repeatEvery(everyMs, () =>
        service.scan().then(
          () => undefined,
          (error) => deps.logger?.error({ err: error }, 'transaction monitoring scan failed'),
        ),
      );
    },

    async listAlerts(filter = {}) {
      const rows = await tables()
        .selectFrom('risk_alerts')
        .selectAll()
        .$if(filter.status !== undefined, (q) => q.where('status', '=', filter.status!))
        .$if(filter.rule !== undefined, (q) => q.where('rule', '=', filter.rule!))
        .orderBy('last_seen_at', 'desc')
        .orderBy('id', 'desc')
        .limit(filter.limit ?? 100)
        .execute();
      return rows.map(alertOf);
    },

    async getAlert(id, db) {
      const row = await tables(db)
        .selectFrom('risk_alerts')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row && alertOf(row);
    },

    async reviewAlert(id, review, db) {
      return inTransaction(store, db, async (trx) => {
        const current = await tables(trx)
          .selectFrom('risk_alerts')
          .selectAll()
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirst();
        if (!current) return problems.notFound(`alert ${id}`);
        if (current.status === 'resolved')
          return problems.conflict(
            'alert_resolved',
            `alert ${id} is resolved; a new firing raises a new alert`,
          );
        const row = await tables(trx)
          .updateTable('risk_alerts')
          .set({
            status: review.decision,
            reviewed_at: clock.now(),
            reviewed_by: review.reviewer,
            review_note: review.note ?? null,
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await deps.audit.append(
          {
            actor: review.actor,
            action: `risk.alert.${review.decision}`,
            target: { type: 'risk_alert', id },
            details: { rule: row.rule, subject: row.subject, note: review.note ?? null },
            ip: review.ip ?? null,
            requestId: review.requestId ?? null,
          },
          trx,
        );
        return alertOf(row);
      });
    },
  };
  return service;
}
