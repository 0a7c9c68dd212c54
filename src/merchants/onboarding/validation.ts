import { isCalendarDate } from '../../core/time.js';
import {
  type IdentifierVerdict,
  verifyIce,
  verifyPersonId,
  verifyRcNumber,
  verifyRib,
  verifyTaxId,
} from './identifiers.js';
import type { ApplicationInput, OwnerInput } from './model.js';

/** One wrong field: `field` is its path in the request body (`owners.1.id_number`). */
export interface FieldError {
  field: string;
  code: string;
  detail: string;
}

/** The application as sent on the wire (the API's JSON, or the console form turned into it). */
export interface ApplicationBody {
  company?: {
    name?: unknown;
    legal_form?: unknown;
    ice?: unknown;
    rc_number?: unknown;
    rc_court?: unknown;
    if?: unknown;
    address?: unknown;
    sector?: unknown;
  };
  owners?: unknown;
  domains?: unknown;
  expected_monthly_volume?: unknown;
  rib?: unknown;
}

const MAX_OWNERS = 10;
const MAX_DOMAINS = 10;
const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/;

/** A domain as people paste it ("https://Shop.ma/") reduced to its host name, or undefined. */
export function normalizeDomain(input: string): string | undefined {
  const host = input
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/\/.*$/, '')
    .replace(/\.$/, '');
  return HOSTNAME.test(host) ? host : undefined;
}

/** "33.33" (percent, at most two decimals) as basis points, exactly. */
export function percentToBps(input: unknown): number | undefined {
  const text = typeof input === 'number' ? String(input) : typeof input === 'string' ? input.trim() : '';
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) return undefined;
  const bps = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return bps <= 10_000 ? bps : undefined;
}

/** Checks every field and reports every problem at once, so a form can show them all. */
export function parseApplication(
  body: ApplicationBody,
  today: string,
): { ok: true; input: ApplicationInput } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const text = (field: string, value: unknown, max = 200): string => {
    const trimmed = typeof value === 'string' ? value.trim() : '';
    if (!trimmed) errors.push({ field, code: 'required', detail: `${field} is required` });
    else if (trimmed.length > max)
      errors.push({ field, code: 'too_long', detail: `${field} is at most ${max} characters` });
    return trimmed;
  };
  const identifier = (field: string, value: unknown, verify: (v: string) => IdentifierVerdict): string => {
    const raw = text(field, value, 64);
    if (!raw) return '';
    const verdict = verify(raw);
    if (!verdict.ok) errors.push({ field, code: verdict.code, detail: verdict.detail });
    return verdict.ok ? verdict.value : raw;
  };

  const c = body.company ?? {};
  const company = {
    name: text('company.name', c.name),
    legalForm: text('company.legal_form', c.legal_form, 60),
    ice: identifier('company.ice', c.ice, verifyIce),
    rcNumber: identifier('company.rc_number', c.rc_number, verifyRcNumber),
    rcCourt: text('company.rc_court', c.rc_court, 100),
    taxId: identifier('company.if', c.if, verifyTaxId),
    address: text('company.address', c.address, 400),
    sector: text('company.sector', c.sector, 100),
  };

  const owners: OwnerInput[] = [];
  const rawOwners = Array.isArray(body.owners) ? (body.owners as Record<string, unknown>[]) : [];
  if (rawOwners.length === 0)
    errors.push({ field: 'owners', code: 'required', detail: 'name at least one owner or beneficial owner' });
  if (rawOwners.length > MAX_OWNERS)
    errors.push({ field: 'owners', code: 'too_many', detail: `at most ${MAX_OWNERS} owners` });
  rawOwners.slice(0, MAX_OWNERS).forEach((o, i) => {
    const at = (name: string) => `owners.${i}.${name}`;
    const idKind = o?.id_kind === 'passport' ? 'passport' : o?.id_kind === 'cin' ? 'cin' : undefined;
    if (!idKind) errors.push({ field: at('id_kind'), code: 'invalid', detail: 'id_kind is cin or passport' });
    const idNumber = identifier(at('id_number'), o?.id_number, (v) =>
      verifyPersonId(idKind ?? 'passport', v),
    );
    const birthDate = typeof o?.birth_date === 'string' ? o.birth_date : '';
    if (!isCalendarDate(birthDate) || birthDate >= today || birthDate < '1900-01-01')
      errors.push({ field: at('birth_date'), code: 'invalid', detail: 'a past date, YYYY-MM-DD' });
    const nationality = typeof o?.nationality === 'string' ? o.nationality.trim().toUpperCase() : '';
    if (!/^[A-Z]{2}$/.test(nationality))
      errors.push({
        field: at('nationality'),
        code: 'invalid',
        detail: 'a two-letter country code (MA, FR…)',
      });
    const shareBps = percentToBps(o?.share);
    if (shareBps === undefined)
      errors.push({
        field: at('share'),
        code: 'invalid',
        detail: 'a percentage from 0 to 100, two decimals at most',
      });
    const arabic = typeof o?.arabic_name === 'string' ? o.arabic_name.trim() : '';
    if (arabic && !/\p{Script=Arabic}/u.test(arabic))
      errors.push({
        field: at('arabic_name'),
        code: 'not_arabic',
        detail: 'the Arabic name is written in Arabic script',
      });
    owners.push({
      latinName: text(at('latin_name'), o?.latin_name, 120),
      arabicName: arabic || null,
      idKind: idKind ?? 'cin',
      idNumber,
      birthDate,
      nationality,
      shareBps: shareBps ?? 0,
      beneficial: o?.beneficial !== false,
    });
  });
  if (owners.reduce((sum, o) => sum + o.shareBps, 0) > 10_000)
    errors.push({ field: 'owners', code: 'shares_over_100', detail: 'the shares add up to more than 100 %' });

  const rawDomains = Array.isArray(body.domains) ? body.domains : [];
  const domains: string[] = [];
  if (rawDomains.length === 0)
    errors.push({ field: 'domains', code: 'required', detail: 'name the web sites you will sell on' });
  if (rawDomains.length > MAX_DOMAINS)
    errors.push({ field: 'domains', code: 'too_many', detail: `at most ${MAX_DOMAINS} domains` });
  rawDomains.slice(0, MAX_DOMAINS).forEach((d, i) => {
    const domain = typeof d === 'string' ? normalizeDomain(d) : undefined;
    if (!domain)
      errors.push({ field: `domains.${i}`, code: 'invalid', detail: 'a domain name such as shop.ma' });
    else if (!domains.includes(domain)) domains.push(domain);
  });

  const volumeText =
    typeof body.expected_monthly_volume === 'number' || typeof body.expected_monthly_volume === 'string'
      ? String(body.expected_monthly_volume).replace(/\s/g, '')
      : '';
  const volumeOk = /^\d{1,15}$/.test(volumeText);
  if (!volumeOk)
    errors.push({
      field: 'expected_monthly_volume',
      code: 'invalid',
      detail: 'the expected monthly volume in centimes, a whole number',
    });
  const rib = identifier('rib', body.rib, verifyRib);

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    input: { company, owners, domains, expectedMonthlyVolume: volumeOk ? BigInt(volumeText) : 0n, rib },
  };
}
