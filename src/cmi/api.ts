import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { currencies, formatDecimalAmount, type MinorUnits } from '../core/money.js';

/** A CC5Request (CMI's XML API) as far as Tijara reads it. */
export interface Cc5Request {
  name: string | undefined;
  password: string | undefined;
  clientId: string | undefined;
  orderId: string | undefined;
  /** ORDERHISTORY or ORDERSTATUS asked for with QUERY (Tijara answers both with the history). */
  historyQuery: boolean;
}

export type TransactionType = 'Auth' | 'PreAuth' | 'PostAuth' | 'Void' | 'Credit';

export interface HistoryEntry {
  type: TransactionType;
  status: 'Approved' | 'Declined' | 'Pending';
  amount: MinorUnits;
  date: Date;
  transId: string;
}

/** The fields of a CC5Response; empty ones are still written, as CMI does. */
export interface Cc5Response {
  OrderId: string;
  Response: 'Approved' | 'Declined' | 'Error';
  ProcReturnCode: string;
  TransId: string;
  AuthCode: string;
  ErrMsg: string;
  history?: { orderStatus: string; entries: HistoryEntry[] };
}

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  // Order ids and client ids are text: "000123" must not become 123.
  parseTagValue: false,
  trimValues: true,
});

const builder = new XMLBuilder({ format: true, suppressEmptyNode: false });

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Parses a CC5Request, or says why it cannot. Documents with a DOCTYPE are refused outright: CMI's
 * requests never carry one, and entity definitions are how XML parsers are made to blow up.
 */
export function parseCc5Request(xml: string): Cc5Request | { error: string } {
  if (/<!DOCTYPE/i.test(xml)) return { error: 'DOCTYPE is not allowed' };
  // XML has no U+0000 (its Char production leaves it out), which the validator lets through and
  // PostgreSQL's text cannot hold.
  if (xml.includes('\0') || XMLValidator.validate(xml) !== true)
    return { error: 'the body is not well-formed XML' };
  const document = parser.parse(xml) as Record<string, unknown>;
  const request = document.CC5Request;
  if (request === null || typeof request !== 'object')
    return { error: 'the root element must be CC5Request' };
  const fields = request as Record<string, unknown>;
  const extra = (typeof fields.Extra === 'object' && fields.Extra !== null ? fields.Extra : {}) as Record<
    string,
    unknown
  >;
  const asks = (name: string) => text(extra[name])?.toUpperCase() === 'QUERY';
  return {
    name: text(fields.Name),
    password: text(fields.Password),
    clientId: text(fields.ClientId),
    orderId: text(fields.OrderId),
    historyQuery: asks('ORDERHISTORY') || asks('ORDERSTATUS'),
  };
}

const moroccanTime = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Africa/Casablanca',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/**
 * One history line, tab-separated like CMI's TRXn values: type, status, amount (123.45),
 * date (Moroccan time, `YYYY-MM-DD HH:MM:SS`), transaction id.
 */
export function historyLine(entry: HistoryEntry): string {
  return [
    entry.type,
    entry.status,
    formatDecimalAmount(entry.amount, currencies.MAD),
    moroccanTime.format(entry.date),
    entry.transId,
  ].join('\t');
}

export function cc5ResponseXml(response: Cc5Response): string {
  const { history, ...fields } = response;
  const extra = history
    ? {
        ORDERSTATUS: history.orderStatus,
        TRXCOUNT: String(history.entries.length),
        ...Object.fromEntries(history.entries.map((entry, i) => [`TRX${i + 1}`, historyLine(entry)])),
      }
    : {};
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ CC5Response: { ...fields, Extra: extra } })}`;
}

/** An error answer: what CMI sends for bad credentials, unknown orders and malformed requests. */
export function cc5Error(errMsg: string, orderId = ''): string {
  return cc5ResponseXml({
    OrderId: orderId,
    Response: 'Error',
    ProcReturnCode: '99',
    TransId: '',
    AuthCode: '',
    ErrMsg: errMsg,
  });
}
