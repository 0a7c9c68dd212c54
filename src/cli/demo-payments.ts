/**
 * A few payments of Atlas Voyages in test mode, so that a newcomer who signs in to the console after
 * `npm start` finds payments in every state. Made through the payments service like any API call:
 * the issuer, the switch and the ledger see them as real test payments.
 */
import { Problem } from '../core/problem.js';
import type { CardInput } from '../payments/service.js';
import type { Platform } from '../platform.js';
import { demoMerchants } from './demo-data.js';

/** A demo test card as the API takes it (any CVC, expiry 12/2030). */
export const demoCard = (number: string): CardInput => ({ number, expMonth: 12, expYear: 2030, cvc: '123' });

const demoPayments: {
  orderReference: string;
  description: string;
  amount: bigint;
  card?: CardInput;
  manualCapture?: boolean;
  refund?: bigint;
}[] = [
  {
    orderReference: 'DEMO-1001',
    description: 'Vol Casablanca – Dakhla',
    amount: 125_000n,
    card: demoCard('4111111111111111'),
  },
  {
    orderReference: 'DEMO-1002',
    description: 'Riad à Fès, 2 nuits',
    amount: 98_000n,
    card: demoCard('4111110000000054'),
  },
  {
    orderReference: 'DEMO-1003',
    description: 'Circuit désert, 3 jours',
    amount: 240_000n,
    card: demoCard('5555555555554444'),
    refund: 30_000n,
  },
  {
    orderReference: 'DEMO-1004',
    description: 'Location de voiture (caution)',
    amount: 50_000n,
    card: demoCard('4111111111111111'),
    manualCapture: true,
  },
  { orderReference: 'DEMO-1005', description: 'Ferry Tanger – Algésiras', amount: 61_500n },
];

export async function seedDemoPayments(platform: Platform): Promise<string[]> {
  const { merchants, payments } = platform.services;
  const atlas = demoMerchants.find((m) => m.name === 'Atlas Voyages')!;
  const caller = await merchants.authenticate(atlas.testKey);
  if (!caller) throw new Error('seed the demo merchants before their payments');
  for (const demo of demoPayments) {
    await platform.store.transaction(async (trx) => {
      const created = await payments.create(
        caller,
        {
          amount: demo.amount,
          currency: 'MAD',
          description: demo.description,
          orderReference: demo.orderReference,
          customerEmail: 'client@example.ma',
          captureMethod: demo.manualCapture ? 'manual' : 'automatic',
        },
        trx,
      );
      if (created instanceof Problem) throw created;
      if (!demo.card) return;
      const paymentId = created.id;
      await payments.confirm(caller, paymentId, { card: demo.card }, trx);
      if (demo.refund) await payments.refund(caller, { paymentId, amount: demo.refund }, trx);
    });
  }
  return [
    `  Test payments of Atlas Voyages (console → Payments): ${demoPayments.map((p) => p.orderReference).join(', ')}`,
  ];
}
