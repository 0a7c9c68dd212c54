import { Problem } from '../core/problem.js';

/** Expected payment failures, returned as values and sent as problem+json. */
export const paymentProblems = {
  notFound: (what: string, id: string) =>
    new Problem(404, 'resource_missing', 'Not found', `no ${what} ${id}`),
  invalidState: (id: string, status: string, action: string) =>
    new Problem(
      409,
      'payment_unexpected_state',
      'Wrong payment state',
      `payment ${id} is ${status}; it cannot ${action}`,
    ),
  invalidCard: (
    code: 'invalid_card_number' | 'invalid_expiry' | 'invalid_cvc' | 'unsupported_card',
    detail: string,
  ) => new Problem(400, code, 'Invalid card', detail),
  holdLapsed: (id: string, at: Date) =>
    new Problem(
      409,
      'authorization_expired',
      'Authorization expired',
      `the hold of payment ${id} lapsed at ${at.toISOString()}; it is being canceled and cannot be captured`,
    ),
  tooMuchMetadata: (max: number) =>
    new Problem(
      422,
      'too_much_metadata',
      'Too much metadata',
      `a payment holds at most ${max} metadata keys`,
    ),
  amountTooLarge: (detail: string) => new Problem(422, 'amount_too_large', 'Amount too large', detail),
  currencyNotAccepted: (currency: string, accepted: string) =>
    new Problem(
      422,
      'currency_not_accepted',
      'Currency not accepted',
      `this merchant charges in ${accepted}, not ${currency}`,
    ),
};
