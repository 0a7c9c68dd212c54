import { parse } from 'csv-parse/sync';
import { currencies, parseDecimalAmount } from '../core/money.js';
import type { Biller } from './model.js';
import type { BillInput, BillService, LoadOutcome } from './service.js';

export interface RejectedLine {
  line: number;
  reason: string;
}

export interface ParsedBills {
  bills: { line: number; input: BillInput }[];
  rejected: RejectedLine[];
}

const OPTIONAL = ['late_fee', 'period', 'due_date', 'description', 'status'] as const;

/**
 * Reads a biller's CSV: a header naming the columns (`external_id`, `amount`, one column per reference
 * field of the biller, and optionally `late_fee`, `period`, `due_date`, `description`, `status`), then
 * one bill per line, amounts in dirhams with a dot (`350.20`). Each bad line is reported, never fatal.
 */
export function parseBillsCsv(text: string, biller: Biller): ParsedBills | { error: string } {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    return { error: `the file is not valid CSV: ${(error as Error).message}` };
  }
  const [header, ...rows] = records;
  if (!header) return { error: 'the file is empty' };
  const columns = header.record.map((c) => c.toLowerCase());
  const required = ['external_id', 'amount', ...biller.referenceFields.map((f) => f.name)];
  const missing = required.filter((c) => !columns.includes(c));
  if (missing.length > 0) return { error: `the header lacks the column(s) ${missing.join(', ')}` };
  const known = new Set<string>([...required, ...OPTIONAL]);
  const unknown = columns.filter((c) => !known.has(c));
  if (unknown.length > 0) return { error: `unknown column(s) ${unknown.join(', ')}` };

  const result: ParsedBills = { bills: [], rejected: [] };
  const firstLineOf = new Map<string, number>();
  for (const { record, info } of rows) {
    const line = info.lines;
    if (record.length !== columns.length) {
      result.rejected.push({
        line,
        reason: `${record.length} fields where the header has ${columns.length}`,
      });
      continue;
    }
    // PostgreSQL's text cannot hold it: the line is refused here, not the whole import at its insert.
    if (record.some((value) => value.includes('\0'))) {
      result.rejected.push({ line, reason: 'a field holds the NUL character (U+0000)' });
      continue;
    }
    const field = (name: string) => record[columns.indexOf(name)] ?? '';
    const has = (name: string) => columns.includes(name) && field(name) !== '';
    const amount = parseDecimalAmount(field('amount'), currencies.MAD);
    if (amount === undefined) {
      result.rejected.push({
        line,
        reason: `amount "${field('amount')}" is not an amount in dirhams like 350.20`,
      });
      continue;
    }
    const lateFee = has('late_fee') ? parseDecimalAmount(field('late_fee'), currencies.MAD) : 0n;
    if (lateFee === undefined) {
      result.rejected.push({ line, reason: `late_fee "${field('late_fee')}" is not an amount in dirhams` });
      continue;
    }
    const status = has('status') ? field('status').toLowerCase() : 'open';
    if (status !== 'open' && status !== 'canceled') {
      result.rejected.push({ line, reason: `status "${field('status')}" is neither open nor canceled` });
      continue;
    }
    const externalId = field('external_id');
    const seen = firstLineOf.get(externalId);
    if (seen !== undefined) {
      result.rejected.push({ line, reason: `external_id ${externalId} is already on line ${seen}` });
      continue;
    }
    firstLineOf.set(externalId, line);
    result.bills.push({
      line,
      input: {
        externalId,
        reference: Object.fromEntries(biller.referenceFields.map((f) => [f.name, field(f.name)])),
        amount,
        lateFee,
        period: has('period') ? field('period') : null,
        dueDate: has('due_date') ? field('due_date') : null,
        description: has('description') ? field('description') : null,
        status,
      },
    });
  }
  return result;
}

export interface ImportReport {
  lines: number;
  created: number;
  updated: number;
  unchanged: number;
  canceled: number;
  rejected: RejectedLine[];
}

/**
 * Loads the parsed lines in batches (one transaction each): bad lines change nothing, good lines go
 * in, and a second run of the same file finds every line unchanged.
 */
export async function importBills(
  bills: BillService,
  biller: Biller,
  parsed: ParsedBills,
  options: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<ImportReport> {
  const batchSize = options.batchSize ?? 500;
  const total = parsed.bills.length + parsed.rejected.length;
  const report: ImportReport = {
    lines: total,
    created: 0,
    updated: 0,
    unchanged: 0,
    canceled: 0,
    rejected: [...parsed.rejected],
  };
  options.onProgress?.(parsed.rejected.length, total);
  for (let start = 0; start < parsed.bills.length; start += batchSize) {
    const batch = parsed.bills.slice(start, start + batchSize);
    const outcomes = (await bills.loadBills(
      biller,
      batch.map((b) => b.input),
      'each',
    )) as LoadOutcome[];
    for (const [index, outcome] of outcomes.entries()) {
      if (outcome.outcome === 'rejected') {
        report.rejected.push({
          line: batch[index]!.line,
          reason: outcome.errors.map((e) => `${e.field} ${e.message}`).join('; '),
        });
      } else report[outcome.outcome]++;
    }
    options.onProgress?.(parsed.rejected.length + start + batch.length, total);
  }
  report.rejected.sort((a, b) => a.line - b.line);
  return report;
}

/** A one-line progress bar for a terminal: `[#########...........]  45%  450/1000 lines`. */
export function progressBar(done: number, total: number, width = 30): string {
  const ratio = total === 0 ? 1 : done / total;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%  ${done}/${total} lines`;
}
