/**
 * The observatory's open data as CSV, and the import of a series published before Tijara ran. The two
 * share their column names, so a file the observatory exports can be read back.
 */
import { parse } from 'csv-parse/sync';
import { currencies, formatDecimalAmount, type MinorUnits, parseDecimalAmount } from '../core/money.js';
import {
  CARD_ORIGINS,
  DIMENSIONS,
  type Dimension,
  type FigureLine,
  isQuarter,
  type PublishedFigures,
  type PublishedQuarter,
  SECTORS,
} from './model.js';

const REQUIRED = ['quarter', 'dimension', 'key', 'payments', 'volume_mad'] as const;
const COUNT = /^\d{1,10}$/;

export type FiguresCsv = { lines: FigureLine[] } | { errors: string[] };

const keysOf: Record<Dimension, readonly string[]> = {
  all: ['all'],
  sector: SECTORS,
  card_origin: CARD_ORIGINS,
};

/** One data row as a figure line, or what is wrong with it. */
function lineOf(row: Record<string, string>): FigureLine | string {
  const { quarter = '', dimension = '', key = '' } = row;
  if (!isQuarter(quarter)) return `quarter "${quarter}" is not like 2026-Q3`;
  if (!(DIMENSIONS as readonly string[]).includes(dimension))
    return `dimension "${dimension}" is not one of ${DIMENSIONS.join(', ')}`;
  const keys = keysOf[dimension as Dimension];
  if (!keys.includes(key)) return `key "${key}" is not one of ${keys.join(', ')} for ${dimension}`;
  const count = (column: string): number | string => {
    const text = (row[column] ?? '').trim();
    if (text === '') return 0;
    return COUNT.test(text) ? Number(text) : `${column} "${text}" is not a whole number`;
  };
  const amount = (column: string): MinorUnits | string => {
    const text = (row[column] ?? '').trim();
    if (text === '') return 0n;
    return (
      parseDecimalAmount(text, currencies.MAD) ?? `${column} "${text}" is not an amount in MAD like 1250.50`
    );
  };
  const payments = count('payments');
  const refunds = count('refunds');
  const merchants = (row.merchants ?? '').trim() === '' ? null : count('merchants');
  const volume = amount('volume_mad');
  const refunded = amount('refunded_mad');
  for (const value of [payments, refunds, merchants, volume, refunded])
    if (typeof value === 'string') return value;
  return {
    quarter,
    dimension: dimension as Dimension,
    key,
    payments: payments as number,
    volume: volume as MinorUnits,
    refunds: refunds as number,
    refunded: refunded as MinorUnits,
    merchants: merchants as number | null,
  };
}

/** Parts of a quarter that must add up to its whole market, exactly. */
function sumErrors(lines: readonly FigureLine[]): string[] {
  const errors: string[] = [];
  const quarters = [...new Set(lines.map((l) => l.quarter))];
  for (const quarter of quarters) {
    const ofQuarter = lines.filter((l) => l.quarter === quarter);
    const whole = ofQuarter.find((l) => l.dimension === 'all');
    if (!whole) {
      errors.push(`${quarter}: no "all" line (the whole market)`);
      continue;
    }
    for (const dimension of ['sector', 'card_origin'] as const) {
      const parts = ofQuarter.filter((l) => l.dimension === dimension);
      if (parts.length === 0) continue;
      const payments = parts.reduce((n, p) => n + p.payments, 0);
      const volume = parts.reduce((n, p) => n + p.volume, 0n);
      if (payments !== whole.payments || volume !== whole.volume)
        errors.push(
          `${quarter}: the ${dimension} lines add up to ${payments} payments and ${formatDecimalAmount(volume, currencies.MAD)} MAD, the "all" line says ${whole.payments} and ${formatDecimalAmount(whole.volume, currencies.MAD)}`,
        );
    }
  }
  return errors;
}

/**
 * Reads a CSV with a header line naming at least quarter, dimension, key, payments and volume_mad
 * (refunds, refunded_mad and merchants are optional; other columns are ignored). Every error is
 * reported with its line number, and one error rejects the whole file.
 */
export function parseFiguresCsv(text: string): FiguresCsv {
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  let header: string[] = [];
  try {
    rows = parse(text, {
      columns: (names: string[]) => (header = names.map((h) => h.trim().toLowerCase())),
      comment: '#',
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
      info: true,
    });
  } catch (error) {
    return { errors: [`not a CSV file: ${(error as Error).message}`] };
  }
  const missing = REQUIRED.filter((column) => !header.includes(column));
  if (missing.length > 0) return { errors: [`the header line lacks the column(s) ${missing.join(', ')}`] };
  const errors: string[] = [];
  const lines: FigureLine[] = [];
  const seen = new Set<string>();
  for (const { record, info } of rows) {
    const parsed = lineOf(record);
    const lineNumber = info.lines;
    if (typeof parsed === 'string') {
      errors.push(`line ${lineNumber}: ${parsed}`);
      continue;
    }
    const id = `${parsed.quarter} ${parsed.dimension} ${parsed.key}`;
    if (seen.has(id)) errors.push(`line ${lineNumber}: ${id} appears twice`);
    seen.add(id);
    lines.push(parsed);
  }
  if (lines.length === 0 && errors.length === 0) errors.push('no figures in the file');
  errors.push(...sumErrors(lines));
  return errors.length > 0 ? { errors } : { lines };
}

const OPEN_DATA_COLUMNS = [
  'quarter',
  'source',
  'provisional',
  'dimension',
  'key',
  'payments',
  'volume_mad',
  'average_basket_mad',
  'refunds',
  'refunded_mad',
  'growth_qoq_pct',
  'growth_yoy_pct',
];

const mad = (amount: MinorUnits | null) =>
  amount === null ? '' : formatDecimalAmount(amount, currencies.MAD);
const percent = (value: number | null) => (value === null ? '' : value.toFixed(1));

/** The published series as one CSV line per cell; merchant counts are not published, only used. */
export function openDataCsv(quarters: readonly PublishedQuarter[]): string {
  const row = (q: PublishedQuarter, dimension: Dimension, f: PublishedFigures) =>
    [
      q.quarter,
      q.source,
      q.provisional,
      dimension,
      f.key,
      f.payments,
      mad(f.volume),
      mad(f.averageBasket),
      f.refunds,
      mad(f.refunded),
      percent(f.growth.quarterOnQuarter),
      percent(f.growth.yearOnYear),
    ].join(',');
  const lines = quarters.flatMap((q) => [
    row(q, 'all', q.total),
    ...q.bySector.map((f) => row(q, 'sector', f)),
    ...q.byCardOrigin.map((f) => row(q, 'card_origin', f)),
  ]);
  return `${[OPEN_DATA_COLUMNS.join(','), ...lines].join('\n')}\n`;
}
