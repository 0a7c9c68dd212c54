import { sql } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { Problem } from '../core/problem.js';
import { repeatEvery } from '../core/schedule.js';
import { moroccanDate } from '../core/time.js';
import type { MerchantService } from '../merchants/service.js';
import type { PaymentService } from '../payments/service.js';
import { inTransaction, ownTables, type SharedDb, type SharedStore } from '../store/store.js';
import { figuresFromActivity, publish } from './figures.js';
import {
  type Dimension,
  type FigureLine,
  type FigureSource,
  type PublishedQuarter,
  type Quarter,
  quarterBounds,
  quarterOf,
  shiftQuarter,
} from './model.js';

interface ObservatoryTables {
  observatory_figures: {
    quarter: string;
    dimension: string;
    key: string;
    payments: number;
    volume: bigint;
    refunds: number;
    refunded: bigint;
    merchants: number | null;
    source: string;
    computed_at: Date;
  };
}

export interface RollUpReport {
  quarter: Quarter;
  /** Cells written; 0 when no live payment moved in the quarter. */
  cells: number;
}

export interface ObservatoryService {
  /** Adds up a quarter of live payments again and replaces its figures; refused for an imported quarter. */
  rollUp(quarter: Quarter): Promise<RollUpReport | Problem>;
  /** The current quarter and the one before (its last hours may have come in after its last roll-up). */
  rollUpRecent(): Promise<RollUpReport[]>;
  /** Rolls the recent quarters up now, then every `everyMs`; the stop function waits for a running pass. */
  startScheduledRollUp(everyMs: number): () => Promise<void>;
  /** Stores a series published before Tijara ran; replaces those quarters if imported before. */
  importFigures(lines: readonly FigureLine[]): Promise<{ imported: number } | Problem>;
  /** Every quarter that may be published, oldest first, optionally limited to a range. */
  published(range?: { from?: Quarter; to?: Quarter }): Promise<PublishedQuarter[]>;
}

export interface ObservatoryDeps {
  store: SharedStore;
  payments: Pick<PaymentService, 'liveActivity'>;
  merchants: Pick<MerchantService, 'sectorsOf'>;
  clock: Clock;
  logger?: Logger;
}

const quarterConflict = (quarters: readonly string[], source: FigureSource) =>
  new Problem(
    409,
    source === 'platform' ? 'quarter_computed' : 'quarter_imported',
    'Conflict',
    source === 'platform'
      ? `Tijara computes ${quarters.join(', ')} from its own payments: an import may not replace them`
      : `${quarters.join(', ')} hold an imported series: Tijara does not overwrite it with its own figures`,
    { quarters },
  );

// Roll-ups and imports of every process take turns: each replaces a quarter's rows wholesale, and two
// at once would both insert them. Any constant no other advisory lock in Tijara uses.
const FIGURES_LOCK_KEY = 7_412_533;

export function createObservatoryService(deps: ObservatoryDeps): ObservatoryService {
  const { store, clock } = deps;
  const tables = (db?: SharedDb) => ownTables<ObservatoryTables>(db ?? store.db);

  const quartersFrom = async (quarters: readonly string[], source: FigureSource, db: SharedDb) =>
    quarters.length === 0
      ? []
      : (
          await tables(db)
            .selectFrom('observatory_figures')
            .select('quarter')
            .distinct()
            .where('quarter', 'in', [...quarters])
            .where('source', '=', source)
            .execute()
        ).map((r) => r.quarter);

  const replaceQuarters = async (
    quarters: readonly string[],
    lines: readonly FigureLine[],
    source: FigureSource,
    db: SharedDb,
  ) => {
    await tables(db)
      .deleteFrom('observatory_figures')
      .where('quarter', 'in', [...quarters])
      .execute();
    if (lines.length === 0) return;
    await tables(db)
      .insertInto('observatory_figures')
      .values(
        lines.map((l) => ({
          quarter: l.quarter,
          dimension: l.dimension,
          key: l.key,
          payments: l.payments,
          volume: l.volume,
          refunds: l.refunds,
          refunded: l.refunded,
          merchants: l.merchants,
          source,
          computed_at: clock.now(),
        })),
      )
      .execute();
  };

  const service: ObservatoryService = {
    async rollUp(quarter) {
      const { start, end } = quarterBounds(quarter);
      if (start > clock.now())
        return new Problem(422, 'quarter_not_started', 'Unprocessable', `${quarter} has not begun`);
      return inTransaction(store, undefined, async (trx) => {
        await sql`select pg_advisory_xact_lock(${FIGURES_LOCK_KEY})`.execute(trx);
        const imported = await quartersFrom([quarter], 'imported', trx);
        if (imported.length > 0) return quarterConflict(imported, 'imported');
        const activity = await deps.payments.liveActivity({ start, end, currency: 'MAD' }, trx);
        const sectors = await deps.merchants.sectorsOf([...new Set(activity.map((a) => a.merchantId))], trx);
        const lines = figuresFromActivity(quarter, activity, sectors);
        await replaceQuarters([quarter], lines, 'platform', trx);
        return { quarter, cells: lines.length };
      });
    },

    async rollUpRecent() {
      const current = quarterOf(moroccanDate(clock.now()));
      const reports: RollUpReport[] = [];
      for (const quarter of [shiftQuarter(current, -1), current]) {
        const report = await service.rollUp(quarter);
        // A quarter of the imported series stays as published.
        if (!(report instanceof Problem)) reports.push(report);
      }
      return reports;
    },

    startScheduledRollUp(everyMs) {
      return repeatEvery(everyMs, () =>
        service.rollUpRecent().then(
          (reports) => deps.logger?.debug({ reports }, 'observatory figures rolled up'),
          (error) => deps.logger?.error({ err: error }, 'rolling up the observatory figures failed'),
        ),
      );
    },

    async importFigures(lines) {
      const quarters = [...new Set(lines.map((l) => l.quarter))];
      return inTransaction(store, undefined, async (trx) => {
        await sql`select pg_advisory_xact_lock(${FIGURES_LOCK_KEY})`.execute(trx);
        const computed = await quartersFrom(quarters, 'platform', trx);
        if (computed.length > 0) return quarterConflict(computed, 'platform');
        await replaceQuarters(quarters, lines, 'imported', trx);
        return { imported: lines.length };
      });
    },

    async published(range = {}) {
      const rows = await tables().selectFrom('observatory_figures').selectAll().execute();
      const about = new Map<Quarter, { source: FigureSource; provisional: boolean }>();
      for (const row of rows) {
        // Figures computed before their quarter ended will still move.
        const provisional = row.source === 'platform' && row.computed_at < quarterBounds(row.quarter).end;
        about.set(row.quarter, { source: row.source as FigureSource, provisional });
      }
      const lines: FigureLine[] = rows.map((r) => ({
        quarter: r.quarter,
        dimension: r.dimension as Dimension,
        key: r.key,
        payments: r.payments,
        volume: r.volume,
        refunds: r.refunds,
        refunded: r.refunded,
        merchants: r.merchants,
      }));
      return publish(lines, about).filter(
        (q) => (!range.from || q.quarter >= range.from) && (!range.to || q.quarter <= range.to),
      );
    },
  };
  return service;
}
