import { parse } from 'csv-parse/sync';
import { birthDatesOf, countryCode, EntryCollector, type ParsedList } from './common.js';

/**
 * The national list, a CSV with this header (UTF-8, comma-separated, quoted as RFC 4180):
 *
 *   id,kind,name,name_ar,aliases,birth_date,nationality,program
 *
 * kind is person or organisation; name_ar the name in Arabic script (optional); aliases separated by
 * "|"; birth_date YYYY-MM-DD or YYYY, several separated by "|"; nationality ISO alpha-2 codes or
 * English country names separated by "|"; program free text (the decision that listed the entry).
 */
export const NATIONAL_HEADER = [
  'id',
  'kind',
  'name',
  'name_ar',
  'aliases',
  'birth_date',
  'nationality',
  'program',
];
const REQUIRED = ['id', 'kind', 'name'];

const several = (cell: string | undefined) =>
  (cell ?? '')
    .split('|')
    .map((s) => s.trim())
    .filter(Boolean);

export function parseNationalCsv(csv: string): ParsedList {
  const collector = new EntryCollector();
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(csv.replace(/^\ufeff/, ''), {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    });
  } catch (error) {
    collector.reject(0, `not valid CSV: ${(error as Error).message}`);
    return collector.result();
  }
  const columns = Object.keys(records[0]?.record ?? {});
  const missing = REQUIRED.filter((c) => records.length > 0 && !columns.includes(c));
  if (missing.length > 0) {
    collector.reject(1, `header lacks ${missing.join(', ')} (expected ${NATIONAL_HEADER.join(',')})`, {
      line: 1,
    });
    return collector.result();
  }
  records.forEach(({ record: row, info }, i) => {
    const record = i + 1;
    const line = info.lines;
    const id = (row.id ?? '').trim();
    const kind = (row.kind ?? '').trim().toLowerCase();
    if (kind !== 'person' && kind !== 'organisation') {
      collector.reject(record, `kind "${kind}" is neither person nor organisation`, { line, externalId: id });
      return;
    }
    const births = birthDatesOf(several(row.birth_date));
    if (births.invalid) {
      collector.reject(record, `invalid birth_date "${births.invalid}"`, { line, externalId: id });
      return;
    }
    const nationalities = several(row.nationality).map((n) => ({ n, code: countryCode(n) }));
    const unknown = nationalities.find((n) => !n.code);
    if (unknown) {
      collector.reject(record, `unknown nationality "${unknown.n}"`, { line, externalId: id });
      return;
    }
    collector.accept(
      record,
      {
        externalId: id,
        kind,
        names: [
          { name: row.name ?? '', type: 'primary' },
          { name: row.name_ar ?? '', type: 'original_script' },
          ...several(row.aliases).map((name) => ({ name, type: 'alias' as const })),
        ],
        birthDates: births.dates,
        nationalities: nationalities.map((n) => n.code!),
        programs: several(row.program),
      },
      { line },
    );
  });
  return collector.result();
}
