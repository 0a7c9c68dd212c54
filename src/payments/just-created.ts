import type { Scope } from './events.js';
import type { PaymentRow } from './model.js';

/** Enough for every payment a busy node creates in the minutes before its confirmation. */
const REMEMBERED = 4096;

/**
 * Payments this process created and nobody has tried to confirm yet, as they were created. A confirm
 * that finds its payment here need not wait for the payment's row before it authorizes: it sends the
 * card's statements in the same round trip as the payment's lock, then checks that the locked row is
 * still the one it remembered (see PaymentChanged). Each is handed out once, to the first confirm.
 */
export class JustCreated {
  readonly #payments = new Map<string, PaymentRow>();

  remember(payment: PaymentRow): void {
    if (this.#payments.size >= REMEMBERED) {
      // The oldest goes: Maps keep insertion order.
      this.#payments.delete(this.#payments.keys().next().value!);
    }
    this.#payments.set(payment.id, payment);
  }

  /** The payment as created, if it is the caller's and was not handed out before; forgotten here. */
  take(id: string, scope: Scope): PaymentRow | undefined {
    const payment = this.#payments.get(id);
    this.#payments.delete(id);
    return payment && payment.merchant_id === scope.merchantId && payment.livemode === scope.livemode
      ? payment
      : undefined;
  }
}

/**
 * Whether the locked row, as read (its e-mail still sealed), is the payment as remembered: the same
 * merchant's, and unchanged, since every change of a payment moves updated_at.
 */
export function unchangedSince(remembered: PaymentRow, locked: PaymentRow | undefined): boolean {
  return (
    locked !== undefined &&
    locked.merchant_id === remembered.merchant_id &&
    locked.livemode === remembered.livemode &&
    locked.status === remembered.status &&
    locked.attempts === remembered.attempts &&
    locked.updated_at.getTime() === remembered.updated_at.getTime()
  );
}

/**
 * The payment changed after this process created it (another node confirmed or canceled it), so
 * what was authorized on the remembered row must not stand. SQLSTATE 40001 (serialization failure)
 * makes the store roll the transaction back and run it again, and then the payment is not remembered.
 */
export class PaymentChanged extends Error {
  readonly code = '40001';

  constructor(id: string) {
    super(`payment ${id} changed since it was created here: confirming it again from its row`);
  }
}
