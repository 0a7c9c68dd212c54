/** Money is an integer number of minor units (centimes for MAD), as bigint end to end. */
export type MinorUnits = bigint;

export interface Currency {
  /** ISO 4217 alphabetic code. */
  code: string;
  /** ISO 4217 numeric code, as CMI and ISO 8583 carry it. */
  numeric: string;
  /** Digits after the decimal point. */
  exponent: number;
}

export const currencies = {
  MAD: { code: 'MAD', numeric: '504', exponent: 2 },
  EUR: { code: 'EUR', numeric: '978', exponent: 2 },
  USD: { code: 'USD', numeric: '840', exponent: 2 },
} as const satisfies Record<string, Currency>;

export type CurrencyCode = keyof typeof currencies;

export function isCurrencyCode(value: string): value is CurrencyCode {
  return Object.hasOwn(currencies, value);
}

export function currencyByNumeric(numeric: string): Currency | undefined {
  return Object.values(currencies).find((c) => c.numeric === numeric);
}

/** Parses "123.45" into 12345n without ever going through a float. */
export function parseDecimalAmount(text: string, currency: Currency): MinorUnits | undefined {
  const match = /^(\d{1,15})(?:\.(\d+))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, whole = '0', fraction = ''] = match;
  if (fraction.length > currency.exponent) return undefined;
  return BigInt(whole + fraction.padEnd(currency.exponent, '0'));
}

/** Formats 12345n as "123.45" (no grouping, dot decimal: the wire format). */
export function formatDecimalAmount(amount: MinorUnits, currency: Currency): string {
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(currency.exponent + 1, '0');
  const whole = digits.slice(0, digits.length - currency.exponent);
  const fraction = digits.slice(digits.length - currency.exponent);
  return `${negative ? '-' : ''}${whole}${currency.exponent > 0 ? `.${fraction}` : ''}`;
}

/** The JSON API carries amounts as integers; refuse what a JSON number cannot hold exactly. */
export function toJsonAmount(amount: MinorUnits): number {
  if (amount > BigInt(Number.MAX_SAFE_INTEGER) || amount < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`amount ${amount} does not fit a JSON number exactly`);
  }
  return Number(amount);
}
