import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createAuditLog } from '../audit/service.js';
import type { Clock } from '../core/clock.js';
import { Problem } from '../core/problem.js';
import type { SharedStore } from '../store/store.js';
import { type ListFormat, listFormats, parseList } from './formats/index.js';
import type { ImportReport } from './model.js';
import { createScreeningService, type ScreeningDeps } from './service.js';

/** The list a file goes to when --list is not given. */
export const defaultListName: Record<ListFormat, string> = {
  un: 'UN Security Council consolidated list',
  'ofac-csv': 'OFAC SDN',
  'ofac-xml': 'OFAC SDN',
  opensanctions: 'OpenSanctions',
  national: 'Liste nationale',
};

export function isListFormat(format: string): format is ListFormat {
  return (listFormats as readonly string[]).includes(format);
}

/** Reads the file(s) of a format: for OFAC CSV, alt.csv and add.csv beside sdn.csv when present. */
async function readListFiles(file: string, format: ListFormat) {
  const main = await readFile(file, 'utf8');
  if (format !== 'ofac-csv') return { content: main, raw: main };
  const beside = (name: string) => {
    const path = join(dirname(file), name);
    return existsSync(path) ? readFile(path, 'utf8') : undefined;
  };
  const alt = await beside('alt.csv');
  const add = await beside('add.csv');
  return {
    content: { sdn: main, ...(alt === undefined ? {} : { alt }), ...(add === undefined ? {} : { add }) },
    raw: [main, alt ?? '', add ?? ''].join('\u0000'),
  };
}

/** What the list commands run on: the store, the clock and the vault (watched birth dates are sealed). */
export interface ScreeningCliDeps {
  store: SharedStore;
  clock: Clock;
  vault: ScreeningDeps['vault'];
}

const screeningFor = ({ store, clock, vault }: ScreeningCliDeps) =>
  createScreeningService({ store, clock, vault, audit: createAuditLog({ store, clock }) });

export function describeImport(report: ImportReport, file: string): string[] {
  return [
    `${report.list.name} version ${report.snapshot.version} (${report.snapshot.id}) from ${basename(file)}:`,
    `  ${report.entries} entries: ${report.added} added, ${report.changed} changed, ${report.removed} removed` +
      `, ${report.skipped} skipped (vessels, aircraft, other schemas), ${report.rejected.length} rejected`,
  ];
}

/**
 * `tijara lists import FILE --format …`: parses, reports each rejected record on stderr (record, line,
 * id, reason), writes the snapshot, and prints the diff. Exit code 1 when records were rejected.
 */
export async function importListCommand(
  deps: ScreeningCliDeps,
  file: string,
  options: { format: string; list?: string },
  out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  if (!isListFormat(options.format)) {
    out.stderr.write(`--format must be one of ${listFormats.join(', ')}\n`);
    return 2;
  }
  const format = options.format;
  out.stderr.write(`reading ${file}\n`);
  const { content, raw } = await readListFiles(file, format);
  const parsed = parseList(format, content);
  out.stderr.write(`parsed ${parsed.entries.length} entries, ${parsed.rejected.length} rejected\n`);
  for (const r of parsed.rejected) {
    const where = [
      `record ${r.record}`,
      r.line ? `line ${r.line}` : '',
      r.externalId ? `id ${r.externalId}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    out.stderr.write(`rejected (${where}): ${r.reason}\n`);
  }
  const screening = screeningFor(deps);
  let lastShown = 0;
  const report = await screening.importList({
    listName: options.list ?? defaultListName[format],
    format,
    parsed,
    raw,
    fileName: basename(file),
    onProgress: (done, total) => {
      if (done - lastShown >= 1000 || done === total) {
        lastShown = done;
        out.stderr.write(`  written ${done}/${total}\n`);
      }
    },
  });
  if (report instanceof Problem) {
    out.stderr.write(`${report.detail ?? report.title}\n`);
    return 1;
  }
  out.stdout.write(`${describeImport(report, file).join('\n')}\n`);
  out.stdout.write('re-screening of the watched merchants is queued (the worker runs it)\n');
  return parsed.rejected.length > 0 ? 1 : 0;
}

/** `tijara lists rescreen`: screens every watched subject against every list now. */
export async function rescreenCommand(deps: ScreeningCliDeps, out: NodeJS.WritableStream) {
  const screening = screeningFor(deps);
  const report = await screening.rescreenAll();
  out.write(
    `${report.subjects} subject(s) screened against ${report.entries} entries: ${report.newHits} new hit(s)\n`,
  );
}
