import type { ListFormat, ParsedList } from './common.js';
import { parseNationalCsv } from './national-csv.js';
import { type OfacCsvFiles, parseOfacCsv } from './ofac-csv.js';
import { parseOfacXml } from './ofac-xml.js';
import { parseOpenSanctions } from './opensanctions.js';
import { parseUnXml } from './un-xml.js';

export type { ListFormat, ParsedEntry, ParsedList, RejectedRecord } from './common.js';
export { listFormats } from './common.js';

/** The source a format's lists come from, as hits report it. */
export const sourceOf = {
  un: 'un',
  'ofac-csv': 'ofac',
  'ofac-xml': 'ofac',
  opensanctions: 'opensanctions',
  national: 'national',
} as const satisfies Record<ListFormat, string>;

/** Parses a list file (OFAC CSV: sdn.csv, with alt.csv and add.csv when given). */
export function parseList(format: ListFormat, content: string | OfacCsvFiles): ParsedList {
  const main = typeof content === 'string' ? content : content.sdn;
  switch (format) {
    case 'un':
      return parseUnXml(main);
    case 'ofac-xml':
      return parseOfacXml(main);
    case 'ofac-csv':
      return parseOfacCsv(typeof content === 'string' ? { sdn: content } : content);
    case 'opensanctions':
      return parseOpenSanctions(main);
    case 'national':
      return parseNationalCsv(main);
  }
}
