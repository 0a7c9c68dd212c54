import { currencies, type MinorUnits, parseDecimalAmount } from '../core/money.js';
import { callbackUrlProblem } from '../core/urls.js';
import { isLocale, type Locale } from '../web/i18n.js';
import type { CmiFields, TranType } from './model.js';

/** What can be wrong with a payment form a shop posted to /fim/est3Dgate. */
export type GateProblemCode =
  | 'missing'
  | 'repeated'
  | 'unknown_store'
  | 'store_unavailable'
  | 'invalid_oid'
  | 'duplicate_oid'
  | 'invalid_amount'
  | 'unsupported_currency'
  | 'invalid_url'
  | 'insecure_url'
  | 'invalid_tran_type'
  | 'invalid_store_type'
  | 'invalid_lang'
  | 'invalid_hash_algorithm'
  | 'bad_hash'
  | 'payment_refused';

export interface GateProblem {
  /** The field as CMI names it (`okUrl`, `TranType`, …). */
  field: string;
  code: GateProblemCode;
}

/** A payment form that passed every check but the store's (hash, merchant): what the order is. */
export interface GateOrder {
  clientId: string;
  oid: string;
  amount: MinorUnits;
  tranType: TranType;
  okUrl: string;
  failUrl: string;
  callbackUrl: string;
  lang: Locale;
  email: string | null;
  description: string | null;
}

/**
 * The posted body as one text per field. A field sent twice (an array once parsed) is refused: the
 * shop signed one value, and which one it meant cannot be told.
 */
export function readForm(body: unknown): { fields: CmiFields; problems: GateProblem[] } {
  const entries: [string, string][] = [];
  const problems: GateProblem[] = [];
  if (body === null || typeof body !== 'object') return { fields: {}, problems };
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(body)) {
    const lower = name.toLowerCase();
    if (typeof value !== 'string' || seen.has(lower)) {
      problems.push({ field: name, code: 'repeated' });
      continue;
    }
    seen.add(lower);
    entries.push([name, value]);
  }
  // fromEntries defines every name as an own field, `__proto__` included.
  return { fields: Object.fromEntries(entries), problems };
}

/** A field by its CMI name in any case: plugins write `TranType` or `trantype`, `callbackUrl` or `CallbackURL`. */
export function fieldOf(fields: CmiFields, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const key = Object.keys(fields).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : fields[key];
}

/** The shop's language for the pages, French when it sent none or one we do not speak. */
export function gateLocale(fields: CmiFields): Locale {
  const lang = fieldOf(fields, 'lang')?.toLowerCase();
  return isLocale(lang) ? lang : 'fr';
}

const REQUIRED = [
  'clientid',
  'oid',
  'amount',
  'currency',
  'okUrl',
  'failUrl',
  'callbackUrl',
  'TranType',
  'storetype',
  'rnd',
  'hashAlgorithm',
  'HASH',
] as const;

const ORDER_ID = /^[^\p{Cc}]{1,64}$/u;
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;
const TRAN_TYPES: Record<string, TranType> = { auth: 'Auth', preauth: 'PreAuth' };

/** A shop's page address: absolute http(s), https for a live store, no credentials in it. */
function urlProblem(url: string, livemode: boolean): GateProblemCode | undefined {
  const problem = callbackUrlProblem(url, livemode);
  if (!problem) return undefined;
  return problem === 'insecure_url' ? 'insecure_url' : 'invalid_url';
}

function positiveAmount(text: string): MinorUnits | undefined {
  const amount = parseDecimalAmount(text, currencies.MAD);
  return amount !== undefined && amount > 0n ? amount : undefined;
}

/**
 * Checks every field that needs no store: presence, formats, the values CMI allows. The store's key
 * (HASH) and its merchant are checked by the caller. `livemode` is the store's, for https.
 */
export function checkGateFields(
  fields: CmiFields,
  livemode: boolean,
): { order: GateOrder; problems: [] } | { order?: undefined; problems: GateProblem[] } {
  const problems: GateProblem[] = [];
  const value = (name: string) => fieldOf(fields, name)?.trim() ?? '';
  for (const name of REQUIRED) if (value(name) === '') problems.push({ field: name, code: 'missing' });
  const present = (name: string) => value(name) !== '';
  const problem = (field: string, code: GateProblemCode) => problems.push({ field, code });

  // The order id is kept exactly as signed: it goes back to the shop as ReturnOid.
  const oid = fieldOf(fields, 'oid') ?? '';
  if (present('oid') && !ORDER_ID.test(oid)) problem('oid', 'invalid_oid');
  const amount = positiveAmount(value('amount'));
  if (present('amount') && amount === undefined) problem('amount', 'invalid_amount');
  if (present('currency') && value('currency') !== currencies.MAD.numeric)
    problem('currency', 'unsupported_currency');
  for (const name of ['okUrl', 'failUrl', 'callbackUrl'] as const) {
    const code = present(name) ? urlProblem(value(name), livemode) : undefined;
    if (code) problem(name, code);
  }
  const tranType = TRAN_TYPES[value('TranType').toLowerCase()];
  if (present('TranType') && !tranType) problem('TranType', 'invalid_tran_type');
  if (present('storetype') && value('storetype').toUpperCase() !== '3D_PAY_HOSTING')
    problem('storetype', 'invalid_store_type');
  if (present('hashAlgorithm') && value('hashAlgorithm').toLowerCase() !== 'ver3')
    problem('hashAlgorithm', 'invalid_hash_algorithm');
  const lang = present('lang') ? value('lang').toLowerCase() : 'fr';
  if (!isLocale(lang)) problem('lang', 'invalid_lang');

  if (problems.length > 0 || amount === undefined || !tranType || !isLocale(lang)) return { problems };
  const email = value('email');
  const description = value('description');
  return {
    problems: [],
    order: {
      clientId: value('clientid'),
      oid,
      amount,
      tranType,
      okUrl: value('okUrl'),
      failUrl: value('failUrl'),
      callbackUrl: value('callbackUrl'),
      lang,
      email: EMAIL.test(email) && email.length <= 254 ? email : null,
      description: description === '' ? null : description.slice(0, 500),
    },
  };
}
