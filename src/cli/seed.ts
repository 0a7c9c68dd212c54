import type { Platform } from '../platform.js';
import { readMeta, writeMeta } from '../store/meta.js';

const SEEDED_KEY = 'demo_seeded_at';

/** Lines for the console: what a newcomer can use (accounts, test cards, …). */
export type SeedReport = string[];

/** Loads the demo data; running it again changes nothing. */
export async function seedDemoData(platform: Platform): Promise<SeedReport> {
  const { ledger } = platform.services;
  const report: SeedReport = [];
  await ledger.ensureAccount({
    code: 'platform:revenue',
    name: 'Tijara fee revenue',
    type: 'revenue',
    currency: 'MAD',
  });
  await ledger.ensureAccount({
    code: 'platform:settlement-bank',
    name: 'Settlement account at the central bank',
    type: 'asset',
    currency: 'MAD',
    mayGoNegative: true,
  });
  report.push('Ledger: platform revenue and settlement accounts');
  await writeMeta(platform.store.db, SEEDED_KEY, new Date().toISOString());
  return report;
}

export async function isSeeded(platform: Platform): Promise<boolean> {
  return (await readMeta(platform.store.db, SEEDED_KEY)) !== undefined;
}
