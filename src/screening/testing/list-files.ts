/**
 * Writes small list files in the real formats (UN consolidated XML, OFAC sdn.csv/alt.csv/add.csv and
 * SDN XML, FollowTheMoney JSON lines, the national CSV), for tests and demos.
 */
export interface SampleEntry {
  id: string;
  kind: 'person' | 'organisation';
  /** Given names (persons). */
  firstName?: string;
  /** Family name (persons) or the organisation's name. */
  lastName: string;
  originalScript?: string;
  aliases?: string[];
  /** YYYY-MM-DD or YYYY. */
  birthDate?: string;
  /** English country name. */
  nationality?: string;
  nationalityCode?: string;
  program?: string;
}

const xml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const csvCell = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
const csvLine = (cells: string[]) => cells.map(csvCell).join(',');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "1971-04-12" → "12 Apr 1971" as OFAC writes it. */
function ofacDate(date: string): string {
  const [y, m, d] = date.split('-');
  return m && d ? `${d} ${MONTHS[Number(m) - 1]} ${y}` : y!;
}

export function unConsolidatedXml(entries: SampleEntry[], extra = ''): string {
  const people = entries.filter((e) => e.kind === 'person');
  const bodies = entries.filter((e) => e.kind === 'organisation');
  const dob = (date: string) =>
    date.length === 4
      ? `<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>${date}</YEAR></INDIVIDUAL_DATE_OF_BIRTH>`
      : `<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>${date}</DATE></INDIVIDUAL_DATE_OF_BIRTH>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" dateGenerated="2026-11-20T00:00:00.000Z">
<INDIVIDUALS>
${people
  .map((e) => {
    const [first = '', second = '', ...rest] = (e.firstName ?? '').split(' ');
    return `<INDIVIDUAL>
<DATAID>${xml(e.id)}</DATAID><VERSIONNUM>1</VERSIONNUM>
<FIRST_NAME>${xml(first)}</FIRST_NAME><SECOND_NAME>${xml(second)}</SECOND_NAME><THIRD_NAME>${xml(rest.join(' '))}</THIRD_NAME><FOURTH_NAME>${xml(e.lastName)}</FOURTH_NAME>
<UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE><REFERENCE_NUMBER>QDi.${xml(e.id)}</REFERENCE_NUMBER><LISTED_ON>2026-01-15</LISTED_ON>
${e.originalScript ? `<NAME_ORIGINAL_SCRIPT>${xml(e.originalScript)}</NAME_ORIGINAL_SCRIPT>` : ''}
<COMMENTS1>Fictional entry for tests.</COMMENTS1>
<NATIONALITY>${e.nationality ? `<VALUE>${xml(e.nationality)}</VALUE>` : ''}</NATIONALITY>
<LIST_TYPE><VALUE>UN List</VALUE></LIST_TYPE>
${(e.aliases ?? []).map((a) => `<INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>${xml(a)}</ALIAS_NAME></INDIVIDUAL_ALIAS>`).join('\n')}
<INDIVIDUAL_ADDRESS><COUNTRY>Morocco</COUNTRY></INDIVIDUAL_ADDRESS>
${e.birthDate ? dob(e.birthDate) : ''}
<INDIVIDUAL_PLACE_OF_BIRTH><COUNTRY>Morocco</COUNTRY></INDIVIDUAL_PLACE_OF_BIRTH>
</INDIVIDUAL>`;
  })
  .join('\n')}
${extra}
</INDIVIDUALS>
<ENTITIES>
${bodies
  .map(
    (e) => `<ENTITY>
<DATAID>${xml(e.id)}</DATAID><VERSIONNUM>1</VERSIONNUM><FIRST_NAME>${xml(e.lastName)}</FIRST_NAME>
<UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE><REFERENCE_NUMBER>QDe.${xml(e.id)}</REFERENCE_NUMBER><LISTED_ON>2026-01-15</LISTED_ON>
${(e.aliases ?? []).map((a) => `<ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>${xml(a)}</ALIAS_NAME></ENTITY_ALIAS>`).join('\n')}
<ENTITY_ADDRESS><COUNTRY>Morocco</COUNTRY></ENTITY_ADDRESS>
</ENTITY>`,
  )
  .join('\n')}
</ENTITIES>
</CONSOLIDATED_LIST>
`;
}

/** sdn.csv, alt.csv and add.csv as OFAC publishes them (no header, "-0-" for empty). */
export function ofacCsvFiles(entries: SampleEntry[]): { sdn: string; alt: string; add: string } {
  const none = '-0- ';
  const sdn = entries.map((e) => {
    const name =
      e.kind === 'person' ? `${e.lastName.toUpperCase()}, ${e.firstName ?? ''}` : e.lastName.toUpperCase();
    const remarks = [
      e.birthDate ? `DOB ${ofacDate(e.birthDate)}` : '',
      e.nationality ? `nationality ${e.nationality}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return csvLine([
      e.id,
      name,
      e.kind === 'person' ? 'individual' : none,
      e.program ?? 'SDGT',
      none,
      none,
      none,
      none,
      none,
      none,
      none,
      remarks ? `${remarks}.` : none,
    ]);
  });
  let altNum = 1000;
  const alt = entries.flatMap((e) =>
    (e.aliases ?? []).map((a) => csvLine([e.id, String(altNum++), 'a.k.a.', a, none])),
  );
  const add = entries.map((e, i) => csvLine([e.id, String(2000 + i), none, 'Casablanca', 'Morocco', none]));
  return { sdn: `${sdn.join('\r\n')}\r\n`, alt: `${alt.join('\r\n')}\r\n`, add: `${add.join('\r\n')}\r\n` };
}

export function ofacSdnXml(entries: SampleEntry[]): string {
  let uid = 5000;
  return `<?xml version="1.0" standalone="yes"?>
<sdnList xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://tempuri.org/sdnList.xsd">
<publshInformation><Publish_Date>11/20/2026</Publish_Date><Record_Count>${entries.length}</Record_Count></publshInformation>
${entries
  .map(
    (e) => `<sdnEntry>
<uid>${xml(e.id)}</uid>
${e.kind === 'person' && e.firstName ? `<firstName>${xml(e.firstName)}</firstName>` : ''}
<lastName>${xml(e.lastName)}</lastName>
<sdnType>${e.kind === 'person' ? 'Individual' : 'Entity'}</sdnType>
<programList><program>${xml(e.program ?? 'SDGT')}</program></programList>
${
  e.aliases?.length
    ? `<akaList>${e.aliases.map((a) => `<aka><uid>${uid++}</uid><type>a.k.a.</type><category>strong</category><lastName>${xml(a)}</lastName></aka>`).join('')}</akaList>`
    : ''
}
${e.birthDate ? `<dateOfBirthList><dateOfBirthItem><uid>${uid++}</uid><dateOfBirth>${ofacDate(e.birthDate)}</dateOfBirth><mainEntry>true</mainEntry></dateOfBirthItem></dateOfBirthList>` : ''}
${e.nationality ? `<nationalityList><nationality><uid>${uid++}</uid><country>${xml(e.nationality)}</country><mainEntry>true</mainEntry></nationality></nationalityList>` : ''}
</sdnEntry>`,
  )
  .join('\n')}
</sdnList>
`;
}

export function followTheMoneyLines(entries: SampleEntry[]): string {
  return `${entries
    .map((e) =>
      JSON.stringify({
        id: e.id,
        schema: e.kind === 'person' ? 'Person' : 'Organization',
        properties: {
          name: [[e.firstName, e.lastName].filter(Boolean).join(' ')],
          ...(e.aliases?.length || e.originalScript
            ? { alias: [...(e.aliases ?? []), ...(e.originalScript ? [e.originalScript] : [])] }
            : {}),
          ...(e.birthDate ? { birthDate: [e.birthDate] } : {}),
          ...(e.nationalityCode ? { nationality: [e.nationalityCode.toLowerCase()] } : {}),
          topics: ['sanction'],
        },
        datasets: ['test'],
        first_seen: '2026-01-15T00:00:00',
      }),
    )
    .join('\n')}\n`;
}

export function nationalCsv(entries: SampleEntry[]): string {
  return `id,kind,name,name_ar,aliases,birth_date,nationality,program\n${entries
    .map((e) =>
      csvLine([
        e.id,
        e.kind,
        [e.firstName, e.lastName].filter(Boolean).join(' '),
        e.originalScript ?? '',
        (e.aliases ?? []).join('|'),
        e.birthDate ?? '',
        e.nationalityCode ?? '',
        e.program ?? 'Décision fictive',
      ]),
    )
    .join('\n')}\n`;
}
