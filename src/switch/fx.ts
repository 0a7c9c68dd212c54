import type { MinorUnits } from '../core/money.js';

const RATE = /^(\d{1,6})(?:\.(\d{1,6}))?$/;

/** "10.8512" MAD per unit → 10851200 (micro-units), without floats. */
export function parseRate(text: string): bigint | undefined {
  const match = RATE.exec(text.trim());
  if (!match) return undefined;
  const micro = BigInt(match[1]! + (match[2] ?? '').padEnd(6, '0'));
  return micro > 0n ? micro : undefined;
}

/** Converts minor units of a 2-decimal currency to MAD centimes at a micro-unit rate, rounding half up. */
export function convertToMad(amount: MinorUnits, madPerUnitMicro: bigint): MinorUnits {
  return (amount * madPerUnitMicro + 500_000n) / 1_000_000n;
}

/** The MAD share of a part of an amount, so partial captures and refunds add up to the whole exactly. */
export function proportionalMad(part: MinorUnits, whole: MinorUnits, wholeMad: MinorUnits): MinorUnits {
  if (part === whole) return wholeMad;
  return (wholeMad * part + whole / 2n) / whole;
}

export interface RateLine {
  currency: string;
  date: string;
  madPerUnitMicro: bigint;
}

export interface RatesImport {
  rates: RateLine[];
  rejected: { line: number; reason: string }[];
}

/** One CSV line as a rate, or the reason it is rejected. */
function parseRateLine(raw: string): RateLine | string {
  const [currency = '', date = '', rate = '', ...extra] = raw.split(',').map((c) => c.trim());
  if (extra.length > 0) return 'expected 3 columns: currency,date,mad_per_unit';
  if (!/^[A-Z]{3}$/.test(currency) || currency === 'MAD')
    return `"${currency}" is not a foreign ISO 4217 currency code`;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    return `"${date}" is not a date (YYYY-MM-DD)`;
  }
  const madPerUnitMicro = parseRate(rate);
  if (madPerUnitMicro === undefined) return `"${rate}" is not a positive rate with at most 6 decimals`;
  return { currency, date, madPerUnitMicro };
}

/** Reads `currency,date,mad_per_unit` lines (a header line is allowed). */
export function parseRatesCsv(text: string): RatesImport {
  const result: RatesImport = { rates: [], rejected: [] };
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    if (raw.trim() === '' || (index === 0 && /currency/i.test(raw))) continue;
    const parsed = parseRateLine(raw);
    if (typeof parsed === 'string') result.rejected.push({ line: index + 1, reason: parsed });
    else result.rates.push(parsed);
  }
  return result;
}
