import { sql } from 'kysely';
import type { CurrencyCode, MinorUnits } from '../core/money.js';
import { ownTables, type SharedDb } from '../store/store.js';
import type { PaymentTables } from './model.js';

/** What the live payments of one merchant moved in a period, by the card's country and the movement's kind. */
export interface ActivityLine {
  merchantId: string;
  /** ISO 3166 alpha-2 of the card's issuing bank; null when the payment kept none. */
  cardCountry: string | null;
  kind: 'capture' | 'refund';
  count: number;
  amount: MinorUnits;
}

/**
 * Live movements (captures and refunds) in [start, end), added up per merchant, card country and kind.
 * Statistics are about real commerce: test mode never counts.
 */
export async function liveActivity(
  db: SharedDb,
  period: { start: Date; end: Date; currency: CurrencyCode },
): Promise<ActivityLine[]> {
  const rows = await ownTables<PaymentTables>(db)
    .selectFrom('payment_movements as m')
    .innerJoin('payments as p', 'p.id', 'm.payment_id')
    .select([
      'm.merchant_id',
      'p.card_country',
      'm.kind',
      sql<number>`count(*)::int`.as('count'),
      sql<MinorUnits>`sum(m.amount)::bigint`.as('amount'),
    ])
    .where('m.livemode', '=', true)
    .where('m.currency', '=', period.currency)
    .where('m.created_at', '>=', period.start)
    .where('m.created_at', '<', period.end)
    .groupBy(['m.merchant_id', 'p.card_country', 'm.kind'])
    .execute();
  return rows.map((r) => ({
    merchantId: r.merchant_id,
    cardCountry: r.card_country,
    kind: r.kind as ActivityLine['kind'],
    count: r.count,
    amount: r.amount,
  }));
}
