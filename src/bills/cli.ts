import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { isCalendarDate, moroccanDate } from '../core/time.js';
import { importBills, parseBillsCsv, progressBar } from './import.js';
import { remittanceCsv, remittanceJson } from './remittance.js';
import type { BillService } from './service.js';

export interface BillCliDeps {
  bills: BillService;
}

export interface CommandResult {
  exitCode: number;
}

/**
 * `tijara bills import FILE --biller ID`: a progress bar on stderr (redrawn in place on a terminal),
 * every rejected line as `FILE:LINE: reason`, then a summary on stdout. Exit 1 when a line was rejected.
 */
export async function importBillsCommand(
  deps: BillCliDeps,
  file: string,
  billerId: string,
  out: Writable & { isTTY?: boolean },
  err: Writable & { isTTY?: boolean },
): Promise<CommandResult> {
  const biller = await deps.bills.getBiller(billerId);
  if (!biller) {
    err.write(`tijara: no biller ${billerId}\n`);
    return { exitCode: 2 };
  }
  const parsed = parseBillsCsv(await readFile(file, 'utf8'), biller);
  if ('error' in parsed) {
    err.write(`${file}: ${parsed.error}\n`);
    return { exitCode: 1 };
  }
  let last = '';
  const report = await importBills(deps.bills, biller, parsed, {
    onProgress: (done, total) => {
      const bar = progressBar(done, total);
      if (bar === last) return;
      last = bar;
      err.write(err.isTTY ? `\r${bar}` : `${bar}\n`);
    },
  });
  if (err.isTTY) err.write('\n');
  for (const { line, reason } of report.rejected) err.write(`${file}:${line}: rejected: ${reason}\n`);
  out.write(
    `${report.lines} line(s): ${report.created} created, ${report.updated} updated, ${report.canceled} canceled, ` +
      `${report.unchanged} unchanged, ${report.rejected.length} rejected\n`,
  );
  return { exitCode: report.rejected.length > 0 ? 1 : 0 };
}

/** `tijara bills remittance --biller ID [--date YYYY-MM-DD] [--format csv|json]`: the file on stdout. */
export async function remittanceCommand(
  deps: BillCliDeps,
  options: { billerId: string; date?: string; format?: string },
  out: Writable,
  err: Writable,
): Promise<CommandResult> {
  const date = options.date ?? moroccanDate(new Date());
  if (!isCalendarDate(date)) {
    err.write(`tijara: --date ${date} is not a date like 2026-11-24\n`);
    return { exitCode: 2 };
  }
  const format = options.format ?? 'csv';
  if (format !== 'csv' && format !== 'json') {
    err.write('tijara: --format is csv or json\n');
    return { exitCode: 2 };
  }
  const biller = await deps.bills.getBiller(options.billerId);
  if (!biller) {
    err.write(`tijara: no biller ${options.billerId}\n`);
    return { exitCode: 2 };
  }
  const report = await deps.bills.remittance(biller, date);
  out.write(
    format === 'csv' ? remittanceCsv(report) : `${JSON.stringify(remittanceJson(report), null, 2)}\n`,
  );
  if (!report.reconciled) {
    err.write(`remittance of ${date} does NOT match the ledger (${report.net} vs ${report.ledgerPayable})\n`);
    return { exitCode: 1 };
  }
  return { exitCode: 0 };
}
