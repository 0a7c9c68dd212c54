import {
  asList,
  birthDatesOf,
  countryCode,
  EntryCollector,
  type ParsedList,
  type ParsedName,
  text,
  xmlListRoot,
} from './common.js';

/**
 * The UN Security Council consolidated list (consolidated.xml): CONSOLIDATED_LIST / INDIVIDUALS /
 * INDIVIDUAL (FIRST_NAME … FOURTH_NAME, NAME_ORIGINAL_SCRIPT, INDIVIDUAL_ALIAS, INDIVIDUAL_DATE_OF_BIRTH,
 * NATIONALITY) and ENTITIES / ENTITY (FIRST_NAME is the entity's name, ENTITY_ALIAS).
 */
type Node = Record<string, unknown>;

const LISTS = [
  'INDIVIDUAL',
  'ENTITY',
  'INDIVIDUAL_ALIAS',
  'ENTITY_ALIAS',
  'INDIVIDUAL_DATE_OF_BIRTH',
  'NATIONALITY',
  'VALUE',
];

function datesOf(items: Node[]): string[] {
  const out: string[] = [];
  for (const item of items) {
    const date = text(item.DATE);
    if (date) out.push(date);
    else if (text(item.FROM_YEAR) && text(item.TO_YEAR)) {
      const from = Number(text(item.FROM_YEAR));
      const to = Number(text(item.TO_YEAR));
      if (Number.isInteger(from) && to >= from && to - from <= 10) {
        for (let year = from; year <= to; year++) out.push(String(year));
      } else out.push(`${text(item.FROM_YEAR)}..${text(item.TO_YEAR)}`);
    } else if (text(item.YEAR)) out.push(text(item.YEAR));
  }
  return out;
}

function aliasesOf(items: Node[]): ParsedName[] {
  return items.map((a) => ({ name: text(a.ALIAS_NAME), type: 'alias' as const }));
}

export function parseUnXml(xml: string): ParsedList {
  const collector = new EntryCollector();
  const root = xmlListRoot(xml, collector, {
    root: 'CONSOLIDATED_LIST',
    repeated: LISTS,
    notThisList: 'no CONSOLIDATED_LIST element: not a UN consolidated list',
  });
  if (!root) return collector.result();
  let record = 0;
  for (const person of asList((root.INDIVIDUALS as Node | undefined)?.INDIVIDUAL as Node[])) {
    record++;
    const id = text(person.DATAID);
    const primary = [person.FIRST_NAME, person.SECOND_NAME, person.THIRD_NAME, person.FOURTH_NAME]
      .map(text)
      .filter(Boolean)
      .join(' ');
    const births = birthDatesOf(datesOf(asList(person.INDIVIDUAL_DATE_OF_BIRTH as Node[])));
    if (births.invalid) {
      collector.reject(record, `invalid date of birth "${births.invalid}"`, { externalId: id });
      continue;
    }
    collector.accept(record, {
      externalId: id,
      kind: 'person',
      names: [
        { name: primary, type: 'primary' },
        { name: text(person.NAME_ORIGINAL_SCRIPT), type: 'original_script' },
        ...aliasesOf(asList(person.INDIVIDUAL_ALIAS as Node[])),
      ],
      birthDates: births.dates,
      nationalities: asList(person.NATIONALITY as Node[])
        .flatMap((n) => asList(n.VALUE as unknown[]).map(text))
        .map(countryCode)
        .filter((c): c is string => c !== undefined),
      programs: [text(person.UN_LIST_TYPE), text(person.REFERENCE_NUMBER)].filter(Boolean),
    });
  }
  for (const entity of asList((root.ENTITIES as Node | undefined)?.ENTITY as Node[])) {
    record++;
    collector.accept(record, {
      externalId: text(entity.DATAID),
      kind: 'organisation',
      names: [
        { name: text(entity.FIRST_NAME), type: 'primary' },
        { name: text(entity.NAME_ORIGINAL_SCRIPT), type: 'original_script' },
        ...aliasesOf(asList(entity.ENTITY_ALIAS as Node[])),
      ],
      birthDates: [],
      nationalities: [],
      programs: [text(entity.UN_LIST_TYPE), text(entity.REFERENCE_NUMBER)].filter(Boolean),
    });
  }
  return collector.result();
}
