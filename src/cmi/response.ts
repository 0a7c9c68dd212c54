import { declineMessage, type ResponseCode, responseCodes } from '../core/response-codes.js';
import type { PaymentRow } from '../payments/model.js';
import type { Locale } from '../web/i18n.js';
import { cmiHash } from './hash.js';
import { pageText } from './messages.js';
import type { CmiFields } from './model.js';

/** How an ended payment reads in CMI's words. */
export interface OrderOutcome {
  approved: boolean;
  response: 'Approved' | 'Declined' | 'Error';
  procReturnCode: string;
  errMsg: string | null;
}

const isResponseCode = (code: string): code is ResponseCode => Object.hasOwn(responseCodes, code);

/**
 * The outcome of a payment that has ended for the shop, or undefined while the cardholder may still act
 * (no card yet, or 3-D Secure under way). A held PreAuth is an approval: the shop captures it later.
 */
export function orderOutcome(payment: PaymentRow, lang: Locale): OrderOutcome | undefined {
  switch (payment.status) {
    case 'succeeded':
    case 'requires_capture':
      return { approved: true, response: 'Approved', procReturnCode: '00', errMsg: null };
    case 'failed':
    case 'canceled': {
      const code = payment.decline_code;
      if (!code) {
        return {
          approved: false,
          response: 'Error',
          procReturnCode: '99',
          errMsg: pageText(lang).paymentCanceled,
        };
      }
      const errMsg = isResponseCode(code) ? declineMessage(code, lang) : (payment.decline_message ?? code);
      return { approved: false, response: 'Declined', procReturnCode: code, errMsg };
    }
    default:
      return undefined;
  }
}

/**
 * CMI's mdStatus: 1 when the cardholder passed 3-D Secure, 4 when authentication was only attempted,
 * 0 when it failed, and 2 (the card is not enrolled) when the issuer asked for none: Tijara runs
 * 3-D Secure only on the bank's demand. Shop plugins read 0 as a failed authentication, so an approved
 * payment without 3-D Secure must not carry it.
 */
export function mdStatus(payment: PaymentRow): string {
  switch (payment.three_d_secure?.status) {
    case 'authenticated':
      return '1';
    case 'attempted':
      return '4';
    case 'failed':
      return '0';
    default:
      return '2';
  }
}

const ADDED_FIELDS = ['ProcReturnCode', 'Response', 'TransId', 'AuthCode', 'mdStatus', 'ReturnOid', 'ErrMsg'];
const REPLACED = new Set([...ADDED_FIELDS, 'HASH'].map((name) => name.toLowerCase()));

/**
 * What goes back to the shop (callback and browser post): everything it sent, then the outcome, signed
 * with the store key by the same ver3 rule. A posted field named like one of ours is replaced, so no
 * name appears twice in any case.
 */
export function responseFields(
  sent: CmiFields,
  payment: PaymentRow,
  outcome: OrderOutcome,
  oid: string,
  storeKey: string,
): CmiFields {
  const echoed = Object.fromEntries(
    Object.entries(sent).filter(([name]) => !REPLACED.has(name.toLowerCase())),
  );
  const fields: CmiFields = {
    ...echoed,
    ProcReturnCode: outcome.procReturnCode,
    Response: outcome.response,
    TransId: payment.id,
    AuthCode: payment.auth_code ?? '',
    mdStatus: mdStatus(payment),
    ReturnOid: oid,
    ...(outcome.errMsg === null ? {} : { ErrMsg: outcome.errMsg }),
  };
  return { ...fields, HASH: cmiHash(fields, storeKey) };
}
