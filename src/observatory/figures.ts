/**
 * The observatory's arithmetic, without a database: a quarter's payments added up into cells, and the
 * stored cells turned into what may be published (small cells pooled or withheld, averages, growth).
 */
import type { MinorUnits } from '../core/money.js';
import type { ActivityLine } from '../payments/activity.js';
import {
  CARD_ORIGINS,
  type CardOrigin,
  type Dimension,
  type FigureLine,
  type FigureSource,
  type Figures,
  type Growth,
  type PublishedFigures,
  type PublishedQuarter,
  type Quarter,
  sectorOf,
  shiftQuarter,
} from './model.js';

/**
 * A cell is published only when it adds up at least this many merchants: below that, a figure is one
 * or two merchants' turnover, which is theirs to disclose, not ours.
 */
export const MINIMUM_MERCHANTS = 3;

export function cardOrigin(cardCountry: string | null): CardOrigin {
  return cardCountry === null || cardCountry === 'MA' ? 'moroccan' : 'foreign';
}

const empty = (): Figures => ({ payments: 0, volume: 0n, refunds: 0, refunded: 0n, merchants: 0 });

/** A quarter's live activity as stored cells: the whole market, each sector, each card origin. */
export function figuresFromActivity(
  quarter: Quarter,
  activity: readonly ActivityLine[],
  sectorOfMerchant: ReadonlyMap<string, string>,
): FigureLine[] {
  const cells = new Map<
    string,
    { dimension: Dimension; key: string; figures: Figures; merchants: Set<string> }
  >();
  const add = (dimension: Dimension, key: string, line: ActivityLine) => {
    const id = `${dimension}:${key}`;
    let cell = cells.get(id);
    if (!cell) {
      cell = { dimension, key, figures: empty(), merchants: new Set() };
      cells.set(id, cell);
    }
    if (line.kind === 'capture') {
      cell.figures.payments += line.count;
      cell.figures.volume += line.amount;
    } else {
      cell.figures.refunds += line.count;
      cell.figures.refunded += line.amount;
    }
    cell.merchants.add(line.merchantId);
  };
  for (const line of activity) {
    add('all', 'all', line);
    add('sector', sectorOf(sectorOfMerchant.get(line.merchantId) ?? ''), line);
    add('card_origin', cardOrigin(line.cardCountry), line);
  }
  return [...cells.values()].map((cell) => ({
    quarter,
    dimension: cell.dimension,
    key: cell.key,
    ...cell.figures,
    merchants: cell.merchants.size,
  }));
}

function sum(cells: readonly Figures[]): Figures {
  return cells.reduce<Figures>(
    (total, c) => ({
      payments: total.payments + c.payments,
      volume: total.volume + c.volume,
      refunds: total.refunds + c.refunds,
      refunded: total.refunded + c.refunded,
      merchants: total.merchants === null || c.merchants === null ? null : total.merchants + c.merchants,
    }),
    empty(),
  );
}

const tooFew = (cell: Figures) => cell.merchants !== null && cell.merchants < MINIMUM_MERCHANTS;

/**
 * Sectors under the threshold are pooled into `other`. When `other` is itself still under it (one
 * small sector), the smallest published sectors join it until it is not: otherwise the total minus
 * the published sectors would give the small one away.
 */
export function poolSmallSectors(sectors: readonly FigureLine[]): { key: string; figures: Figures }[] {
  const published = sectors
    .filter((s) => s.key !== 'other' && !tooFew(s))
    .sort((a, b) => (a.merchants ?? 0) - (b.merchants ?? 0) || Number(a.volume - b.volume));
  const pooled = sectors.filter((s) => s.key === 'other' || tooFew(s));
  let other = sum(pooled);
  while (pooled.length > 0 && tooFew(other) && published.length > 0) {
    pooled.push(published.shift()!);
    other = sum(pooled);
  }
  const cells = published.map((s) => ({ key: s.key, figures: s as Figures }));
  if (pooled.length > 0 && !tooFew(other)) cells.push({ key: 'other', figures: other });
  return cells.sort((a, b) => Number(b.figures.volume - a.figures.volume));
}

/** Percent with one decimal, rounded half away from zero; null without a base to compare with. */
export function growthPercent(now: MinorUnits, before: MinorUnits | undefined): number | null {
  if (before === undefined || before === 0n) return null;
  const scaled = (now - before) * 1000n;
  let tenths = scaled / before;
  const rest = scaled % before;
  if (2n * (rest < 0n ? -rest : rest) >= before) tenths += scaled < 0n ? -1n : 1n;
  return Number(tenths) / 10;
}

export function averageBasket(figures: Figures): MinorUnits | null {
  if (figures.payments === 0) return null;
  const count = BigInt(figures.payments);
  return (figures.volume + count / 2n) / count;
}

interface QuarterCells {
  quarter: Quarter;
  source: FigureSource;
  provisional: boolean;
  total: Figures;
  bySector: { key: string; figures: Figures }[];
  byCardOrigin: { key: string; figures: Figures }[];
}

function publishableCells(
  quarter: Quarter,
  lines: readonly FigureLine[],
  source: FigureSource,
  provisional: boolean,
) {
  const total = lines.find((l) => l.dimension === 'all');
  if (!total || tooFew(total)) return undefined;
  const origins = lines
    .filter((l) => l.dimension === 'card_origin')
    .sort((a, b) => CARD_ORIGINS.indexOf(a.key as CardOrigin) - CARD_ORIGINS.indexOf(b.key as CardOrigin));
  return {
    quarter,
    source,
    provisional,
    total,
    bySector: poolSmallSectors(lines.filter((l) => l.dimension === 'sector')),
    byCardOrigin: origins.some(tooFew) ? [] : origins.map((o) => ({ key: o.key, figures: o as Figures })),
  } satisfies QuarterCells;
}

const plain = ({ payments, volume, refunds, refunded, merchants }: Figures): Figures => ({
  payments,
  volume,
  refunds,
  refunded,
  merchants,
});

/**
 * What may be published of every stored quarter, oldest first. A quarter whose whole market is under
 * the threshold is left out. Growth compares a cell with the same published cell a quarter and a year
 * before.
 */
export function publish(
  lines: readonly FigureLine[],
  quarters: ReadonlyMap<Quarter, { source: FigureSource; provisional: boolean }>,
): PublishedQuarter[] {
  const byQuarter = new Map<Quarter, FigureLine[]>();
  for (const line of lines) byQuarter.set(line.quarter, [...(byQuarter.get(line.quarter) ?? []), line]);
  const cells = new Map<Quarter, QuarterCells>();
  for (const [quarter, quarterLines] of [...byQuarter].sort(([a], [b]) => a.localeCompare(b))) {
    const about = quarters.get(quarter) ?? { source: 'platform', provisional: false };
    const published = publishableCells(quarter, quarterLines, about.source, about.provisional);
    if (published) cells.set(quarter, published);
  }
  const volumeOf = (quarter: Quarter, pick: (q: QuarterCells) => Figures | undefined) => {
    const earlier = cells.get(quarter);
    return earlier && pick(earlier)?.volume;
  };
  return [...cells.values()].map((q) => {
    const withGrowth = (key: string, figures: Figures, pick: (q: QuarterCells) => Figures | undefined) => {
      const growth: Growth = {
        quarterOnQuarter: growthPercent(figures.volume, volumeOf(shiftQuarter(q.quarter, -1), pick)),
        yearOnYear: growthPercent(figures.volume, volumeOf(shiftQuarter(q.quarter, -4), pick)),
      };
      return {
        key,
        ...plain(figures),
        averageBasket: averageBasket(figures),
        growth,
      } satisfies PublishedFigures;
    };
    const inList =
      (list: keyof Pick<QuarterCells, 'bySector' | 'byCardOrigin'>, key: string) => (other: QuarterCells) =>
        other[list].find((c) => c.key === key)?.figures;
    return {
      quarter: q.quarter,
      source: q.source,
      provisional: q.provisional,
      total: withGrowth('all', q.total, (other) => other.total),
      bySector: q.bySector.map((c) => withGrowth(c.key, c.figures, inList('bySector', c.key))),
      byCardOrigin: q.byCardOrigin.map((c) => withGrowth(c.key, c.figures, inList('byCardOrigin', c.key))),
    };
  });
}
