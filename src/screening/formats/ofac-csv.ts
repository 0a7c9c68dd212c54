import { parse } from 'csv-parse/sync';
import { birthDatesOf, countryCode, EntryCollector, type ParsedEntry, type ParsedList } from './common.js';

/**
 * OFAC's SDN list as its three CSV files, without header lines:
 * sdn.csv  ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag,
 *          Vess_owner, Remarks   ("-0-" is empty; birth dates and nationality live in Remarks)
 * alt.csv  ent_num, alt_num, alt_type, alt_name, alt_remarks
 * add.csv  ent_num, add_num, address, city_state_zip, country, add_remarks
 */
export interface OfacCsvFiles {
  sdn: string;
  alt?: string;
  add?: string;
}

const EMPTY = '-0-';
const value = (cell: string | undefined) => {
  const v = (cell ?? '').trim();
  return v === EMPTY ? '' : v;
};

function rows(csv: string): { cells: string[]; line: number }[] {
  const records = parse(csv, {
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    info: true,
  }) as unknown as { record: string[]; info: { lines: number } }[];
  return records
    .map(({ record, info }) => ({ cells: record, line: info.lines }))
    .filter(({ cells }) => !(cells.length === 1 && (cells[0] ?? '').trim() === '\u001a'));
}

function remarks(text: string, label: RegExp): string[] {
  return [...text.matchAll(label)].map((m) => m[1]!.trim());
}

export function parseOfacCsv(files: OfacCsvFiles): ParsedList {
  const collector = new EntryCollector();
  const byId = new Map<string, ParsedEntry>();
  const pending: { entry: ParsedEntry; record: number; line: number }[] = [];
  rows(files.sdn).forEach(({ cells, line }, i) => {
    const record = i + 1;
    const [id = '', name = '', type = '', program = ''] = cells.map(value);
    const note = value(cells[11]);
    if (cells.length < 12) {
      collector.reject(record, `sdn.csv: ${cells.length} columns, 12 expected`, { line, externalId: id });
      return;
    }
    if (type === 'vessel' || type === 'aircraft') {
      collector.skipped++;
      return;
    }
    // "DOB 10 Mar 1957; alt. DOB 1958; nationality Saudi Arabia; citizen Yemen"
    const births = birthDatesOf(
      remarks(note, /\bDOB\s+([^;]+)/gi).flatMap((d) => d.split(/\s+to\s+/i).slice(0, 1)),
    );
    if (births.invalid) {
      collector.reject(record, `sdn.csv: invalid DOB "${births.invalid}"`, { line, externalId: id });
      return;
    }
    const entry: ParsedEntry = {
      externalId: id,
      kind: type === 'individual' ? 'person' : 'organisation',
      names: [{ name, type: 'primary' }],
      birthDates: births.dates,
      nationalities: remarks(note, /\b(?:nationality|citizen)\s+([^;.]+)/gi)
        .map(countryCode)
        .filter((c): c is string => c !== undefined),
      programs: program.replace(/[[\]]/g, ' ').split(/\s+/).filter(Boolean),
    };
    pending.push({ entry, record, line });
    if (id) byId.set(id, entry);
  });
  let record = pending.length;
  if (files.alt) {
    for (const { cells, line } of rows(files.alt)) {
      record++;
      const [id = '', , , name = ''] = cells.map(value);
      const entry = byId.get(id);
      if (!entry) collector.reject(record, `alt.csv: unknown ent_num ${id}`, { line, externalId: id });
      else if (!name) collector.reject(record, 'alt.csv: no alt_name', { line, externalId: id });
      else entry.names.push({ name, type: 'alias' });
    }
  }
  if (files.add) {
    for (const { cells, line } of rows(files.add)) {
      record++;
      const id = value(cells[0]);
      if (!byId.has(id)) collector.reject(record, `add.csv: unknown ent_num ${id}`, { line, externalId: id });
    }
  }
  for (const { entry, record: r, line } of pending) collector.accept(r, entry, { line });
  return collector.result();
}
