import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countryCode, parseBirthDate } from './formats/common.js';
import { parseList } from './formats/index.js';
import {
  followTheMoneyLines,
  nationalCsv,
  ofacCsvFiles,
  ofacSdnXml,
  type SampleEntry,
  unConsolidatedXml,
} from './testing/list-files.js';

const sample: SampleEntry[] = [
  {
    id: '9001',
    kind: 'person',
    firstName: 'Abdelkader',
    lastName: 'El Mansouri',
    originalScript: 'عبد القادر المنصوري',
    aliases: ['Abou Yassine'],
    birthDate: '1971-04-12',
    nationality: 'Morocco',
    nationalityCode: 'MA',
  },
  {
    id: '9002',
    kind: 'person',
    firstName: 'Youssef',
    lastName: 'Aitlhaj',
    birthDate: '1984',
    nationality: 'Algeria',
    nationalityCode: 'DZ',
  },
  { id: '9003', kind: 'organisation', lastName: 'Atlas Negoce Fictif', aliases: ['ANF SARL'] },
];

function assertSample(parsed: ReturnType<typeof parseList>, options: { originalScript: boolean }) {
  assert.deepEqual(parsed.rejected, []);
  assert.equal(parsed.entries.length, 3);
  const [first, second, third] = parsed.entries;
  assert.equal(first!.externalId, '9001');
  assert.equal(first!.kind, 'person');
  assert.match(first!.names.find((n) => n.type === 'primary')!.name, /Abdelkader/i);
  assert.ok(first!.names.some((n) => n.type === 'alias' && n.name === 'Abou Yassine'));
  if (options.originalScript) assert.ok(first!.names.some((n) => n.name === 'عبد القادر المنصوري'));
  assert.deepEqual(first!.birthDates, ['1971-04-12']);
  assert.deepEqual(first!.nationalities, ['MA']);
  assert.deepEqual(second!.birthDates, ['1984']);
  assert.deepEqual(second!.nationalities, ['DZ']);
  assert.equal(third!.kind, 'organisation');
  assert.ok(third!.names.some((n) => n.name === 'ANF SARL'));
}

describe('list formats', () => {
  test('UN consolidated XML: individuals, entities, aliases, dates of birth, nationality', () => {
    assertSample(parseList('un', unConsolidatedXml(sample)), { originalScript: true });
  });

  test('OFAC sdn.csv with alt.csv and add.csv', () => {
    assertSample(parseList('ofac-csv', ofacCsvFiles(sample)), { originalScript: false });
  });

  test('OFAC SDN XML', () => {
    assertSample(parseList('ofac-xml', ofacSdnXml(sample)), { originalScript: false });
  });

  test('OpenSanctions FollowTheMoney JSON lines', () => {
    assertSample(parseList('opensanctions', followTheMoneyLines(sample)), { originalScript: true });
  });

  test('national CSV', () => {
    assertSample(parseList('national', nationalCsv(sample)), { originalScript: true });
  });

  test('rejected records come with their record or line number and the reason', () => {
    const national = parseList(
      'national',
      `${nationalCsv(sample)}9004,person,,,,,,\n9005,alien,Someone,,,,,\n9006,person,Bad Date,,,1971-02-30,,\n9001,person,Dup,,,,,\n9007,person,Nul\u0000Name,,,,,\n`,
    );
    assert.equal(national.entries.length, 3);
    assert.deepEqual(
      national.rejected.map((r) => [r.line, r.externalId, r.reason]),
      [
        [5, '9004', 'no name'],
        [6, '9005', 'kind "alien" is neither person nor organisation'],
        [7, '9006', 'invalid birth_date "1971-02-30"'],
        [8, '9001', 'duplicate id 9001 in the file'],
        [9, '9007', 'a field holds the NUL character (U+0000)'],
      ],
    );

    const ftm = parseList(
      'opensanctions',
      `${followTheMoneyLines(sample)}{not json\n{"id":"a1","schema":"Address","properties":{}}\n`,
    );
    assert.deepEqual(ftm.rejected, [{ record: 4, line: 4, reason: 'not valid JSON' }]);
    assert.equal(ftm.skipped, 1);

    const files = ofacCsvFiles(sample);
    const ofac = parseList('ofac-csv', { ...files, alt: `${files.alt}7777,1,a.k.a.,Nobody,-0- \r\n` });
    assert.equal(ofac.rejected.length, 1);
    assert.match(ofac.rejected[0]!.reason, /alt\.csv: unknown ent_num 7777/);
    assert.equal(ofac.rejected[0]!.line, 3);

    const un = parseList(
      'un',
      unConsolidatedXml(
        sample,
        '<INDIVIDUAL><DATAID>9009</DATAID><FIRST_NAME>X</FIRST_NAME><INDIVIDUAL_DATE_OF_BIRTH><DATE>19711-01-01</DATE></INDIVIDUAL_DATE_OF_BIRTH></INDIVIDUAL>',
      ),
    );
    assert.deepEqual(un.rejected, [
      { record: 3, externalId: '9009', reason: 'invalid date of birth "19711-01-01"' },
    ]);
    assert.equal(parseList('un', '<html/>').rejected[0]!.reason.includes('CONSOLIDATED_LIST'), true);
  });

  test('an XML file that is not well-formed, or not this list, is rejected whole as record 0', () => {
    for (const [format, root] of [
      ['un', 'CONSOLIDATED_LIST'],
      ['ofac-xml', 'sdnList'],
    ] as const) {
      const broken = parseList(format, '<list><entry></list>');
      assert.equal(broken.entries.length, 0);
      assert.equal(broken.rejected.length, 1);
      assert.equal(broken.rejected[0]!.record, 0);
      assert.match(broken.rejected[0]!.reason, /^not well-formed XML: /);
      const other = parseList(format, '<html><body/></html>');
      assert.deepEqual(other.entries, []);
      assert.equal(other.rejected.length, 1);
      assert.match(other.rejected[0]!.reason, new RegExp(`^no ${root} element: `));
    }
    // sdn.xml is published with a namespace: prefixed elements are still read.
    const prefixed = ofacSdnXml(sample).replace(/<(\/?)(sdnList|sdnEntry)\b/g, '<$1sdn:$2');
    assert.notEqual(prefixed, ofacSdnXml(sample));
    assert.equal(parseList('ofac-xml', prefixed).entries.length, 3);
  });

  test('birth dates and countries as lists write them', () => {
    assert.equal(parseBirthDate('12 Apr 1971'), '1971-04-12');
    assert.equal(parseBirthDate('circa 1965'), '1965');
    assert.equal(parseBirthDate('Feb 1960'), '1960');
    assert.equal(parseBirthDate('31 Feb 1960'), undefined);
    assert.equal(countryCode('Morocco'), 'MA');
    assert.equal(countryCode('Syrian Arab Republic'), 'SY');
    assert.equal(countryCode('ma'), 'MA');
  });
});
