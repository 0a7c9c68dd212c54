/** Card-number checks that need no database: normalisation, Luhn, length, brand. */

export type CardBrand =
  | 'visa'
  | 'mastercard'
  | 'amex'
  | 'discover'
  | 'jcb'
  | 'unionpay'
  | 'diners'
  | 'unknown';

export type PanProblem = 'not_digits' | 'bad_length' | 'bad_check_digit';

/** Strips the spaces and dashes people type; anything else stays, so validation can reject it. */
export function normalizePan(input: string): string {
  return input.replace(/[\s-]/g, '');
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The digit that makes `partial` + digit pass Luhn (for generating test cards). */
export function luhnCheckDigit(partial: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(`${partial}${d}`)) return String(d);
  throw new Error('unreachable');
}

export function validatePan(pan: string): PanProblem | undefined {
  if (!/^\d+$/.test(pan)) return 'not_digits';
  if (pan.length < 13 || pan.length > 19) return 'bad_length';
  if (!luhnValid(pan)) return 'bad_check_digit';
  return undefined;
}

export function cardBrand(pan: string): CardBrand {
  const two = Number(pan.slice(0, 2));
  const four = Number(pan.slice(0, 4));
  if (pan.startsWith('4')) return 'visa';
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return 'mastercard';
  if (two === 34 || two === 37) return 'amex';
  if (two === 36 || (Number(pan.slice(0, 3)) >= 300 && Number(pan.slice(0, 3)) <= 305)) return 'diners';
  if (pan.startsWith('6011') || pan.startsWith('65')) return 'discover';
  if (four >= 3528 && four <= 3589) return 'jcb';
  if (pan.startsWith('62')) return 'unionpay';
  return 'unknown';
}

/** CVV length by brand: American Express prints four digits, the others three. */
export function cvvLength(brand: CardBrand): number {
  return brand === 'amex' ? 4 : 3;
}

/** The expiry years a card can carry: the vault's column holds no other (migration 0003). */
export const EXPIRY_YEARS = { min: 2000, max: 2100 } as const;

/** An expiry is valid through the last day of its month. */
export function isExpired(expMonth: number, expYear: number, now: Date): boolean {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth() + 1;
  return expYear < year || (expYear === year && expMonth < month);
}

/** What may be shown of a card: the first six and last four digits. */
export function panDisplay(pan: string): { bin: string; last4: string } {
  return { bin: pan.slice(0, 6), last4: pan.slice(-4) };
}
