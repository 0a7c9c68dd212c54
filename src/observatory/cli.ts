import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { Problem } from '../core/problem.js';
import { parseFiguresCsv } from './csv.js';
import { isQuarter } from './model.js';
import type { ObservatoryService } from './service.js';

export interface ObservatoryCliDeps {
  observatory: ObservatoryService;
}

/** `tijara observatory import FILE`: all lines or none; every error as `FILE: line N: reason`. */
export async function importFiguresCommand(
  deps: ObservatoryCliDeps,
  file: string,
  out: Writable,
  err: Writable,
): Promise<{ exitCode: number }> {
  const parsed = parseFiguresCsv(await readFile(file, 'utf8'));
  if ('errors' in parsed) {
    for (const error of parsed.errors) err.write(`${file}: ${error}\n`);
    err.write(`${file}: nothing imported\n`);
    return { exitCode: 1 };
  }
  const result = await deps.observatory.importFigures(parsed.lines);
  if (result instanceof Problem) {
    err.write(`tijara: ${result.detail ?? result.title}; nothing imported\n`);
    return { exitCode: 1 };
  }
  const quarters = [...new Set(parsed.lines.map((l) => l.quarter))].sort();
  out.write(
    `${result.imported} figure line(s) imported for ${quarters.length} quarter(s), ${quarters[0]} to ${quarters.at(-1)}\n`,
  );
  return { exitCode: 0 };
}

/** `tijara observatory refresh [--quarter 2026-Q3]`: adds a quarter's live payments up again (default: the recent two). */
export async function refreshCommand(
  deps: ObservatoryCliDeps,
  options: { quarter?: string },
  out: Writable,
  err: Writable,
): Promise<{ exitCode: number }> {
  if (options.quarter !== undefined && !isQuarter(options.quarter)) {
    err.write(`tijara: --quarter ${options.quarter} is not a quarter like 2026-Q3\n`);
    return { exitCode: 2 };
  }
  const reports = options.quarter
    ? [await deps.observatory.rollUp(options.quarter)]
    : await deps.observatory.rollUpRecent();
  let exitCode = 0;
  for (const report of reports) {
    if (report instanceof Problem) {
      err.write(`tijara: ${report.detail ?? report.title}\n`);
      exitCode = 1;
    } else out.write(`${report.quarter}: ${report.cells} figure line(s)\n`);
  }
  return { exitCode };
}
