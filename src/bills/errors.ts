import { Problem } from '../core/problem.js';

/** Expected failures of the bills module, returned as values and sent as problem+json. */
export const billProblems = {
  billerNotFound: (id: string) => new Problem(404, 'resource_missing', 'Not found', `no biller ${id}`),
  billNotFound: (id: string) => new Problem(404, 'resource_missing', 'Not found', `no bill ${id}`),
  invalidReference: (errors: { field: string; message: string }[]) =>
    new Problem(
      400,
      'invalid_reference',
      'Invalid reference',
      errors.map((e) => `${e.field} ${e.message}`).join('; '),
      { errors },
    ),
  invalidBills: (errors: { index: number; field: string; message: string }[]) =>
    new Problem(
      400,
      'invalid_request',
      'Invalid request',
      errors.map((e) => `bills[${e.index}].${e.field} ${e.message}`).join('; '),
      { errors },
    ),
  noBillSelected: () =>
    new Problem(400, 'no_bill_selected', 'No bill selected', 'choose at least one bill to pay'),
  tooManyBills: (max: number) =>
    new Problem(422, 'too_many_bills', 'Too many bills', `one payment settles at most ${max} bills`),
  partialNotAllowed: () =>
    new Problem(422, 'partial_payment_not_allowed', 'Partial payment not allowed', 'pay each bill in full'),
  amountTooLarge: (id: string) =>
    new Problem(422, 'amount_too_large', 'Amount too large', `more than is due on bill ${id}`),
  alreadyPaid: (ids: string[]) =>
    new Problem(409, 'bill_already_paid', 'Bill already paid', `already paid: ${ids.join(', ')}`, {
      bills: ids,
    }),
  notPayable: (ids: string[]) =>
    new Problem(409, 'bill_not_payable', 'Bill not payable', `canceled or unknown: ${ids.join(', ')}`, {
      bills: ids,
    }),
  tooManyLookups: (retryAfterSeconds: number) =>
    new Problem(429, 'too_many_lookups', 'Too many lookups', `try again in ${retryAfterSeconds} seconds`, {
      retry_after: retryAfterSeconds,
    }),
};

/** Why a bill line was refused on loading (API batch or CSV line). */
export type BillLineError = { field: string; message: string };
