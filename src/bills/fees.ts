import type { MinorUnits } from '../core/money.js';
import type { FeeSchedule } from './model.js';

/**
 * The fee on one bill payment line: the fixed part plus basis points of the amount, rounded half up.
 * Per line rather than per payment, so each line of the remittance file carries its own fee exactly.
 */
export function billFee(schedule: Pick<FeeSchedule, 'fixed' | 'bps'>, amount: MinorUnits): MinorUnits {
  if (amount <= 0n) return 0n;
  return schedule.fixed + (amount * BigInt(schedule.bps) + 5_000n) / 10_000n;
}

/** What the card is charged for these lines: the bills, plus the fees when the consumer pays them. */
export function paymentTotal(
  schedule: FeeSchedule,
  lines: { amount: MinorUnits }[],
): { bills: MinorUnits; fee: MinorUnits; charged: MinorUnits } {
  const bills = lines.reduce((sum, l) => sum + l.amount, 0n);
  const fee = lines.reduce((sum, l) => sum + billFee(schedule, l.amount), 0n);
  return { bills, fee, charged: schedule.payer === 'consumer' ? bills + fee : bills };
}

/** What reaches the biller for a line: the amount, less the fee when the biller bears it. */
export function netToBiller(payer: FeeSchedule['payer'], amount: MinorUnits, fee: MinorUnits): MinorUnits {
  return payer === 'biller' ? amount - fee : amount;
}
