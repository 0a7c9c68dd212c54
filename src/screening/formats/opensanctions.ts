import { birthDatesOf, countryCode, EntryCollector, type ParsedList } from './common.js';

/**
 * OpenSanctions / FollowTheMoney entities, one JSON object a line:
 * {"id","schema":"Person","properties":{"name":[…],"alias":[…],"birthDate":[…],"nationality":[…]}}.
 * Persons and organisations are screened; other schemas (Address, Sanction, Vessel…) are skipped.
 */
const ORGANISATIONS = new Set(['Organization', 'Company', 'LegalEntity', 'PublicBody']);

interface FtmEntity {
  id?: unknown;
  schema?: unknown;
  properties?: Record<string, unknown>;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

export function parseOpenSanctions(jsonLines: string): ParsedList {
  const collector = new EntryCollector();
  jsonLines.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim()) return;
    let entity: FtmEntity;
    try {
      entity = JSON.parse(raw) as FtmEntity;
    } catch {
      collector.reject(line, 'not valid JSON', { line });
      return;
    }
    const id = typeof entity.id === 'string' ? entity.id : '';
    const schema = typeof entity.schema === 'string' ? entity.schema : '';
    if (schema !== 'Person' && !ORGANISATIONS.has(schema)) {
      if (!schema) collector.reject(line, 'no schema', { line, externalId: id });
      else collector.skipped++;
      return;
    }
    const p = entity.properties ?? {};
    const births = birthDatesOf(strings(p.birthDate));
    if (births.invalid) {
      collector.reject(line, `invalid birthDate "${births.invalid}"`, { line, externalId: id });
      return;
    }
    const [primary = '', ...otherNames] = strings(p.name);
    collector.accept(
      line,
      {
        externalId: id,
        kind: schema === 'Person' ? 'person' : 'organisation',
        names: [
          { name: primary, type: 'primary' },
          ...[...otherNames, ...strings(p.alias), ...strings(p.weakAlias)].map((name) => ({
            name,
            type: 'alias' as const,
          })),
        ],
        birthDates: births.dates,
        nationalities: [...strings(p.nationality), ...strings(p.citizenship)]
          .map(countryCode)
          .filter((c): c is string => c !== undefined),
        programs: strings(p.program).concat(strings(p.topics)),
      },
      { line },
    );
  });
  return collector.result();
}
