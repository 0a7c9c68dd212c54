import {
  asList,
  birthDatesOf,
  countryCode,
  EntryCollector,
  type ParsedList,
  text,
  xmlListRoot,
} from './common.js';

/**
 * OFAC's SDN list as XML (sdn.xml): sdnList / sdnEntry (uid, firstName, lastName, sdnType,
 * programList, akaList/aka, dateOfBirthList/dateOfBirthItem, nationalityList/nationality).
 */
type Node = Record<string, unknown>;

const LISTS = ['sdnEntry', 'aka', 'dateOfBirthItem', 'nationality', 'citizenship', 'program'];
const fullName = (node: Node) => [text(node.firstName), text(node.lastName)].filter(Boolean).join(' ');

export function parseOfacXml(xml: string): ParsedList {
  const collector = new EntryCollector();
  const root = xmlListRoot(xml, collector, {
    root: 'sdnList',
    repeated: LISTS,
    removeNSPrefix: true,
    notThisList: 'no sdnList element: not an OFAC SDN XML file',
  });
  if (!root) return collector.result();
  asList(root.sdnEntry as Node[]).forEach((entry, i) => {
    const record = i + 1;
    const id = text(entry.uid);
    const type = text(entry.sdnType).toLowerCase();
    if (type === 'vessel' || type === 'aircraft') {
      collector.skipped++;
      return;
    }
    const births = birthDatesOf(
      asList((entry.dateOfBirthList as Node | undefined)?.dateOfBirthItem as Node[]).map((d) =>
        text(d.dateOfBirth),
      ),
    );
    if (births.invalid) {
      collector.reject(record, `invalid dateOfBirth "${births.invalid}"`, { externalId: id });
      return;
    }
    const countries = [
      ...asList((entry.nationalityList as Node | undefined)?.nationality as Node[]),
      ...asList((entry.citizenshipList as Node | undefined)?.citizenship as Node[]),
    ].map((n) => countryCode(text(n.country)));
    collector.accept(record, {
      externalId: id,
      kind: type === 'individual' ? 'person' : 'organisation',
      names: [
        { name: fullName(entry), type: 'primary' },
        ...asList((entry.akaList as Node | undefined)?.aka as Node[]).map((aka) => ({
          name: fullName(aka),
          type: 'alias' as const,
        })),
      ],
      birthDates: births.dates,
      nationalities: countries.filter((c): c is string => c !== undefined),
      programs: asList((entry.programList as Node | undefined)?.program as unknown[]).map(text),
    });
  });
  return collector.result();
}
