import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../core/paths.js';
import { Problem } from '../core/problem.js';
import { parseFiguresCsv } from './csv.js';
import type { ObservatoryService } from './service.js';

const DEMO_SERIES = join(packageRoot, 'demo', 'observatory-history.csv');

/** A fictional series published before Tijara ran, so the demo's observatory has quarters to compare. */
export async function seedDemoObservatory(observatory: Pick<ObservatoryService, 'importFigures'>) {
  const parsed = parseFiguresCsv(await readFile(DEMO_SERIES, 'utf8'));
  if ('errors' in parsed) throw new Error(`${DEMO_SERIES}: ${parsed.errors.join('; ')}`);
  const imported = await observatory.importFigures(parsed.lines);
  if (imported instanceof Problem) throw imported;
}

export function describeDemoObservatory(): string[] {
  return ['Observatory (open data): /observatory, a fictional series up to 2026-Q3, then live payments'];
}
