import { Type } from 'typebox';
import { EXPIRY_YEARS } from '../core/card.js';
import { Nullable } from '../http/schemas.js';
import { MAX_METADATA_KEYS, PAYMENT_STATUSES, REQUESTED_CANCELLATION_REASONS } from './model.js';

export const Amount = (description: string) =>
  Type.Integer({ minimum: 1, maximum: 99_999_999_999, description });

export const Currency = Type.Union([Type.Literal('MAD'), Type.Literal('EUR'), Type.Literal('USD')], {
  description: 'ISO 4217 code; Moroccan merchants charge in MAD',
});

export const PaymentStatus = Type.Enum(PAYMENT_STATUSES);

export const PaymentSchema = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('payment'),
    livemode: Type.Boolean(),
    status: PaymentStatus,
    amount: Type.Integer({ description: 'in minor units (centimes)' }),
    currency: Type.String(),
    amount_capturable: Type.Integer(),
    amount_captured: Type.Integer(),
    amount_refunded: Type.Integer(),
    fee: Type.Integer({ description: 'Tijara fee on what was captured' }),
    capture_method: Type.Union([Type.Literal('automatic'), Type.Literal('manual')]),
    description: Nullable(Type.String()),
    order_reference: Nullable(Type.String()),
    customer_email: Nullable(Type.String()),
    metadata: Type.Record(Type.String(), Type.String()),
    card: Nullable(
      Type.Object({
        brand: Nullable(Type.String()),
        bin: Nullable(Type.String()),
        last4: Type.String(),
        exp_month: Nullable(Type.Integer()),
        exp_year: Nullable(Type.Integer()),
        country: Nullable(Type.String()),
      }),
    ),
    capture_before: Nullable(
      Type.String({
        format: 'date-time',
        description: 'while requires_capture: after this the hold lapses and the payment is canceled',
      }),
    ),
    cancellation_reason: Nullable(
      Type.Enum([...REQUESTED_CANCELLATION_REASONS, 'automatic'], {
        description: "the merchant's, or automatic: the hold lapsed uncaptured",
      }),
    ),
    authorization_code: Nullable(Type.String()),
    decline: Nullable(Type.Object({ code: Type.String(), message: Nullable(Type.String()) })),
    three_d_secure: Nullable(Type.Object({ status: Type.String(), eci: Type.String() })),
    next_action: Nullable(Type.Object({ type: Type.Literal('redirect_to_url'), url: Type.String() })),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Payment' },
);

export const RefundSchema = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('refund'),
    livemode: Type.Boolean(),
    payment: Type.String(),
    amount: Type.Integer(),
    currency: Type.String(),
    status: Type.String(),
    reason: Nullable(Type.String()),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Refund' },
);

export const EventSchema = Type.Object({
  id: Type.String(),
  object: Type.Literal('event'),
  type: Type.String(),
  livemode: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
  data: Type.Object({ object: Type.Object({}, { additionalProperties: true }) }),
});

export const listOf = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({
    object: Type.Literal('list'),
    data: Type.Array(item),
    has_more: Type.Boolean(),
    next_cursor: Nullable(Type.String({ description: 'pass as starting_after for the next page' })),
  });

export const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const Pagination = {
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  starting_after: Type.Optional(
    Type.String({ maxLength: 64, description: 'the last id of the previous page' }),
  ),
};

export const CardBody = Type.Object(
  {
    number: Type.String({
      minLength: 12,
      maxLength: 23,
      description: 'the card number; spaces and dashes allowed',
    }),
    exp_month: Type.Integer({ minimum: 1, maximum: 12 }),
    exp_year: Type.Integer({ minimum: EXPIRY_YEARS.min, maximum: EXPIRY_YEARS.max }),
    cvc: Type.String({
      pattern: '^[0-9]{3,4}$',
      description: 'used for this authorization only; never stored',
    }),
    holder_name: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

const CardToken = Type.String({
  pattern: '^tok_',
  maxLength: 64,
  description: 'a card token from POST /v1/tokens',
});

export const ConfirmBody = Type.Object(
  { card: Type.Optional(CardBody), token: Type.Optional(CardToken) },
  { additionalProperties: false },
);

/** A payment's metadata as a request gives it: short keys, values, and not too many of them. */
const Metadata = (description: string) =>
  Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 500 }), {
    maxProperties: MAX_METADATA_KEYS,
    description,
  });

export const NewPaymentBody = Type.Object(
  {
    amount: Amount('in minor units: 12345 is 123.45 MAD'),
    currency: Currency,
    capture_method: Type.Optional(
      Type.Union([Type.Literal('automatic'), Type.Literal('manual')], { default: 'automatic' }),
    ),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    order_reference: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    customer_email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    metadata: Type.Optional(
      Metadata(
        'Your own keys and values, kept in clear: references, never personal data (use customer_email, which is sealed).',
      ),
    ),
    return_url: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
    confirm: Type.Optional(
      Type.Boolean({
        description:
          'true: confirm at once with the card or token given here, as POST /v1/payments/{id}/confirm would (one call instead of two)',
      }),
    ),
    card: Type.Optional(CardBody),
    token: Type.Optional(CardToken),
  },
  { additionalProperties: false },
);

export const UpdatePaymentBody = Type.Object(
  {
    amount: Type.Optional(Amount('only before the payment is authorized')),
    description: Type.Optional(Type.String({ maxLength: 1000, description: '"" clears it' })),
    order_reference: Type.Optional(Type.String({ maxLength: 100, description: '"" clears it' })),
    customer_email: Type.Optional(
      Type.Union([Type.String({ format: 'email', maxLength: 254 }), Type.Literal('')], {
        description: '"" clears it',
      }),
    ),
    metadata: Type.Optional(Metadata('merged into what the payment has; a key set to "" is removed')),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const CaptureBody = Type.Union([
  Type.Object(
    { amount: Type.Optional(Amount('at most amount_capturable; the rest is released')) },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

export const CancelBody = Type.Union([
  Type.Object(
    { cancellation_reason: Type.Optional(Type.Enum(REQUESTED_CANCELLATION_REASONS)) },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

export const RefundBody = Type.Object(
  {
    payment: Type.String({ minLength: 1, maxLength: 64 }),
    amount: Type.Optional(Amount('defaults to all that is left to refund')),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
