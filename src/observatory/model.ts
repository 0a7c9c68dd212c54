import type { MinorUnits } from '../core/money.js';
import { moroccanDayBounds } from '../core/time.js';

/** A calendar quarter in Morocco, written `2026-Q4`. */
export type Quarter = string;

const QUARTER = /^(\d{4})-Q([1-4])$/;

export function isQuarter(text: string): text is Quarter {
  const match = QUARTER.exec(text);
  return match !== null && Number(match[1]) >= 2000;
}

export function quarterOf(moroccanDate: string): Quarter {
  const month = Number(moroccanDate.slice(5, 7));
  return `${moroccanDate.slice(0, 4)}-Q${Math.ceil(month / 3)}`;
}

/** The quarter `steps` quarters after (or, negative, before) this one. */
export function shiftQuarter(quarter: Quarter, steps: number): Quarter {
  const match = QUARTER.exec(quarter);
  if (!match) throw new Error(`not a quarter: ${quarter}`);
  const index = Number(match[1]) * 4 + Number(match[2]) - 1 + steps;
  return `${Math.floor(index / 4)}-Q${(index % 4) + 1}`;
}

/** The Moroccan calendar days a quarter starts on and the next one starts on (YYYY-MM-DD). */
export function quarterDays(quarter: Quarter): { first: string; next: string } {
  const match = QUARTER.exec(quarter);
  if (!match) throw new Error(`not a quarter: ${quarter}`);
  const month = (Number(match[2]) - 1) * 3 + 1;
  const day = (year: number, m: number) => `${year}-${String(m).padStart(2, '0')}-01`;
  const year = Number(match[1]);
  return { first: day(year, month), next: month === 10 ? day(year + 1, 1) : day(year, month + 3) };
}

/** The instants a quarter starts and the next one starts, in Moroccan time. */
export function quarterBounds(quarter: Quarter): { start: Date; end: Date } {
  const { first, next } = quarterDays(quarter);
  return { start: moroccanDayBounds(first).start, end: moroccanDayBounds(next).start };
}

/**
 * The sectors the observatory publishes. A merchant's own sector (free text at onboarding, a code for
 * the demo merchants and the billers) is read into one of them; anything else counts as `other`.
 */
export const SECTORS = [
  'retail',
  'travel',
  'airline',
  'car_rental',
  'hospitality',
  'bills',
  'taxes',
  'public_services',
  'other',
] as const;
export type Sector = (typeof SECTORS)[number];

const SECTOR_OF_MERCHANT: Record<string, Sector> = {
  retail: 'retail',
  travel: 'travel',
  airline: 'airline',
  car_rental: 'car_rental',
  hospitality: 'hospitality',
  'billing:water_electricity': 'bills',
  'billing:telecom': 'bills',
  'billing:treasury': 'taxes',
  'billing:public_service': 'public_services',
};

export function sectorOf(merchantSector: string): Sector {
  return SECTOR_OF_MERCHANT[merchantSector.trim().toLowerCase()] ?? 'other';
}

export const CARD_ORIGINS = ['moroccan', 'foreign'] as const;
export type CardOrigin = (typeof CARD_ORIGINS)[number];

/** How a quarter's figures are cut: the whole market, by sector, by where the card was issued. */
export const DIMENSIONS = ['all', 'sector', 'card_origin'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** Where a quarter's figures come from: Tijara's own payments, or a series published before it ran. */
export type FigureSource = 'platform' | 'imported';

/** What moved in one cell of a quarter, in MAD centimes. */
export interface Figures {
  /** Payments captured (a payment captured in two parts counts twice). */
  payments: number;
  volume: MinorUnits;
  refunds: number;
  refunded: MinorUnits;
  /** Distinct merchants behind the cell; unknown for imported figures. */
  merchants: number | null;
}

/** One stored cell: a quarter, a dimension and its key (`all` for the whole market). */
export interface FigureLine extends Figures {
  quarter: Quarter;
  dimension: Dimension;
  key: string;
}

export interface Growth {
  /** Volume against the quarter before, in percent with one decimal; null without a base. */
  quarterOnQuarter: number | null;
  /** Volume against the same quarter a year before. */
  yearOnYear: number | null;
}

export interface PublishedFigures extends Figures {
  key: string;
  /** volume / payments, rounded to the centime; null when no payment. */
  averageBasket: MinorUnits | null;
  growth: Growth;
}

export interface PublishedQuarter {
  quarter: Quarter;
  source: FigureSource;
  /** The quarter is still running (or only just ended): its figures will still move. */
  provisional: boolean;
  total: PublishedFigures;
  /** Sectors with fewer merchants than the threshold are pooled into `other`. */
  bySector: PublishedFigures[];
  /** Empty when either origin has fewer merchants than the threshold (it would reveal them). */
  byCardOrigin: PublishedFigures[];
}
