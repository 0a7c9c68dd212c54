import { XMLParser } from 'fast-xml-parser';

/** What every list format is parsed into, before it becomes a snapshot. */
export interface ParsedName {
  name: string;
  type: 'primary' | 'alias' | 'original_script';
}

export interface ParsedEntry {
  /** The list's own id for the entry (UN DATAID, OFAC ent_num/uid, FtM id, national id). */
  externalId: string;
  kind: 'person' | 'organisation';
  names: ParsedName[];
  /** YYYY-MM-DD, or YYYY when only the year is known. */
  birthDates: string[];
  /** ISO 3166-1 alpha-2. */
  nationalities: string[];
  programs: string[];
}

/** A record the import refused, and why; `line` where the format has lines. */
export interface RejectedRecord {
  record: number;
  line?: number;
  externalId?: string;
  reason: string;
}

export interface ParsedList {
  entries: ParsedEntry[];
  rejected: RejectedRecord[];
  /** Records of kinds a watchlist does not screen (vessels, addresses, sanctions objects). */
  skipped: number;
}

export type ListFormat = 'un' | 'ofac-csv' | 'ofac-xml' | 'opensanctions' | 'national';
export const listFormats: readonly ListFormat[] = ['un', 'ofac-csv', 'ofac-xml', 'opensanctions', 'national'];

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function validDay(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * A birth date as lists write it: 1965-01-31, 1965, 31 Jan 1965, Jan 1965, 1965-01 (month dropped),
 * "circa 1965". Undefined when it is none of these or not a real day.
 */
export function parseBirthDate(text: string): string | undefined {
  const t = text
    .trim()
    .toLowerCase()
    .replace(/^(circa|approximately|about|ca\.?)\s+/, '');
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:t.*)?$/.exec(t);
  if (m) return validDay(+m[1]!, +m[2]!, +m[3]!) ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
  m = /^(\d{4})(?:-(\d{2}))?$/.exec(t);
  if (m) return +m[1]! > 1850 && +m[1]! < 2100 && (!m[2] || (+m[2] >= 1 && +m[2] <= 12)) ? m[1] : undefined;
  m = /^(?:(\d{1,2})\s+)?([a-z]{3})[a-z]*\.?\s+(\d{4})$/.exec(t);
  if (m) {
    const month = MONTHS.indexOf(m[2]!) + 1;
    if (month === 0) return undefined;
    if (!m[1]) return m[3];
    const day = +m[1];
    return validDay(+m[3]!, month, day)
      ? `${m[3]}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
      : undefined;
  }
  return undefined;
}

let countryCodes: Map<string, string> | undefined;

/** ISO alpha-2 from a code ("ma", "MA") or an English name ("Morocco"); undefined when unknown. */
export function countryCode(text: string): string | undefined {
  const t = text.trim();
  if (/^[A-Za-z]{2}$/.test(t)) return t.toUpperCase();
  if (!countryCodes) {
    countryCodes = new Map();
    const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
    for (let a = 65; a <= 90; a++) {
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        const name = names.of(code);
        if (name) countryCodes.set(name.toLowerCase(), code);
      }
    }
    // Names lists use that Intl spells otherwise.
    for (const [name, code] of [
      ['syrian arab republic', 'SY'],
      ['iran (islamic republic of)', 'IR'],
      ['russian federation', 'RU'],
      ['united states of america', 'US'],
      ['united kingdom of great britain and northern ireland', 'GB'],
      ['libyan arab jamahiriya', 'LY'],
      ['state of palestine', 'PS'],
      ['democratic people’s republic of korea', 'KP'],
      ["democratic people's republic of korea", 'KP'],
      ['republic of korea', 'KR'],
      ['viet nam', 'VN'],
      ['türkiye', 'TR'],
    ] as const)
      countryCodes.set(name, code);
  }
  return countryCodes.get(t.toLowerCase());
}

/** Keeps the first entry of each external id and reports the others. */
export class EntryCollector {
  readonly entries: ParsedEntry[] = [];
  readonly rejected: RejectedRecord[] = [];
  skipped = 0;
  private seen = new Set<string>();

  reject(record: number, reason: string, extra: { line?: number; externalId?: string } = {}): void {
    this.rejected.push({ record, ...extra, reason });
  }

  /** Checks what every format needs (an id, a name, valid dates) and keeps the entry. */
  accept(record: number, entry: ParsedEntry, extra: { line?: number } = {}): void {
    const at = { ...extra, ...(entry.externalId ? { externalId: entry.externalId } : {}) };
    const names = entry.names
      .map((n) => ({ ...n, name: n.name.replace(/\s+/g, ' ').trim() }))
      .filter((n) => n.name !== '');
    const texts = [
      entry.externalId,
      ...names.map((n) => n.name),
      ...entry.birthDates,
      ...entry.nationalities,
      ...entry.programs,
    ];
    const problem = !entry.externalId
      ? 'no id'
      : // PostgreSQL's text cannot hold it: the record is refused here, not the whole import at its insert.
        texts.some((text) => text.includes('\0'))
        ? 'a field holds the NUL character (U+0000)'
        : this.seen.has(entry.externalId)
          ? `duplicate id ${entry.externalId} in the file`
          : !names.some((n) => n.type === 'primary')
            ? 'no name'
            : undefined;
    if (problem) {
      this.reject(record, problem, at);
      return;
    }
    this.seen.add(entry.externalId);
    this.entries.push({
      ...entry,
      names: names.filter((n, i) => names.findIndex((o) => o.name === n.name) === i),
      birthDates: [...new Set(entry.birthDates)],
      nationalities: [...new Set(entry.nationalities)],
      programs: [...new Set(entry.programs)],
    });
  }

  result(): ParsedList {
    return { entries: this.entries, rejected: this.rejected, skipped: this.skipped };
  }
}

/** Birth dates from raw texts; the first invalid one is returned as a reason to reject the record. */
export function birthDatesOf(texts: string[]): { dates: string[]; invalid?: string } {
  const dates: string[] = [];
  for (const text of texts) {
    if (!text.trim()) continue;
    const date = parseBirthDate(text);
    if (!date) return { dates, invalid: text };
    dates.push(date);
  }
  return { dates };
}

/** A value fast-xml-parser gives as one item or a list, always as a list. */
export function asList<T>(value: T | T[] | undefined | null): T[] {
  if (value === undefined || value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

export function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object' && '#text' in (value as Record<string, unknown>))
    return String((value as Record<string, unknown>)['#text']).trim();
  return String(value).trim();
}

type XmlNode = Record<string, unknown>;

/**
 * Parses a list's XML and returns its root element; a file that is not well-formed, or not this
 * list (no such root), is rejected as record 0 and gives undefined.
 */
export function xmlListRoot(
  xml: string,
  collector: EntryCollector,
  list: { root: string; repeated: readonly string[]; removeNSPrefix?: boolean; notThisList: string },
): XmlNode | undefined {
  const parser = new XMLParser({
    ignoreAttributes: true,
    ...(list.removeNSPrefix ? { removeNSPrefix: true } : {}),
    parseTagValue: false,
    trimValues: true,
    // Elements that may repeat always come as arrays, even when the file has one.
    isArray: (name) => list.repeated.includes(name),
  });
  let doc: XmlNode;
  try {
    doc = parser.parse(xml, true) as XmlNode;
  } catch (error) {
    collector.reject(0, `not well-formed XML: ${(error as Error).message}`);
    return undefined;
  }
  const root = doc[list.root] as XmlNode | undefined;
  if (!root) collector.reject(0, list.notThisList);
  return root;
}
