/**
 * Moroccan business identifiers and their check digits.
 *
 * ICE (Identifiant Commun de l'Entreprise): 15 digits, 9 for the company, 4 for the establishment and 2
 * check digits chosen so the whole number is divisible by 97 (ISO 7064 MOD 97-10 with remainder 0,
 * verified on published ICEs such as 001561191000066 and 002136093000040).
 *
 * RIB (relevé d'identité bancaire): 24 digits, bank (3), city (3), account (16) and a key of 2 digits,
 * key = 97 − ((bank · city · account as one number × 100) mod 97), verified on published RIBs
 * (011 780 0000152000009516 39, whose IBAN MA64… agrees).
 */

/** The remainder of a string of decimal digits divided by 97, without a bigint. */
export function mod97(digits: string): number {
  let remainder = 0;
  for (const digit of digits) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  return remainder;
}

/** Spaces, dots and dashes people type inside numbers are dropped. */
export function compactDigits(text: string): string {
  return text.replace(/[\s.-]/g, '');
}

export type IdentifierVerdict = { ok: true; value: string } | { ok: false; code: string; detail: string };

/** The two check digits that complete the 13 first digits of an ICE. */
export function iceCheckDigits(first13: string): string {
  return String((97 - mod97(`${first13}00`)) % 97).padStart(2, '0');
}

export function verifyIce(input: string): IdentifierVerdict {
  const value = compactDigits(input);
  if (!/^\d{15}$/.test(value)) return { ok: false, code: 'ice_format', detail: 'an ICE is 15 digits' };
  if (mod97(value) !== 0)
    return { ok: false, code: 'ice_check_digits', detail: 'the ICE check digits do not match its number' };
  return { ok: true, value };
}

/** The key that completes the 22 first digits (bank, city, account) of a RIB. */
export function ribKey(first22: string): string {
  return String(97 - mod97(`${first22}00`)).padStart(2, '0');
}

export function verifyRib(input: string): IdentifierVerdict {
  const value = compactDigits(input);
  if (!/^\d{24}$/.test(value))
    return { ok: false, code: 'rib_format', detail: 'a RIB is 24 digits: bank, city, account and key' };
  if (ribKey(value.slice(0, 22)) !== value.slice(22))
    return { ok: false, code: 'rib_key', detail: 'the RIB key does not match the bank, city and account' };
  return { ok: true, value };
}

/** The IF (identifiant fiscal) is a number of up to 8 digits. */
export function verifyTaxId(input: string): IdentifierVerdict {
  const value = compactDigits(input);
  return /^\d{1,8}$/.test(value)
    ? { ok: true, value }
    : { ok: false, code: 'if_format', detail: 'an IF is a number of at most 8 digits' };
}

/** The RC number is a number given with the commercial court that keeps the register. */
export function verifyRcNumber(input: string): IdentifierVerdict {
  const value = compactDigits(input);
  return /^\d{1,8}$/.test(value)
    ? { ok: true, value }
    : { ok: false, code: 'rc_format', detail: 'an RC number is a number of at most 8 digits' };
}

/** CIN: one or two letters then digits (e.g. BE123456); a passport: 6 to 12 letters and digits. */
export function verifyPersonId(kind: 'cin' | 'passport', input: string): IdentifierVerdict {
  const value = input.replace(/\s/g, '').toUpperCase();
  if (kind === 'cin')
    return /^[A-Z]{1,2}\d{1,7}$/.test(value)
      ? { ok: true, value }
      : { ok: false, code: 'cin_format', detail: 'a CIN is one or two letters followed by digits' };
  return /^[A-Z0-9]{6,12}$/.test(value)
    ? { ok: true, value }
    : { ok: false, code: 'passport_format', detail: 'a passport number is 6 to 12 letters and digits' };
}
