import { moroccanDate } from '../core/time.js';
import { ownTables, type SharedDb } from '../store/store.js';
import type { RateLine } from './fx.js';
import type { SwitchTables } from './model.js';

/** Saves reference rates; a rate for a day already known replaces it. Returns how many were saved. */
export async function saveRates(db: SharedDb, rates: RateLine[]): Promise<number> {
  for (const rate of rates) {
    await ownTables<SwitchTables>(db)
      .insertInto('switch_fx_rates')
      .values({ currency: rate.currency, rate_date: rate.date, mad_per_unit_micro: rate.madPerUnitMicro })
      .onConflict((oc) =>
        oc.columns(['currency', 'rate_date']).doUpdateSet({ mad_per_unit_micro: rate.madPerUnitMicro }),
      )
      .execute();
  }
  return rates.length;
}

/** The reference rate of the day: the latest published on or before it (weekends use Friday's). */
export async function rateOn(db: SharedDb, currency: string, at: Date): Promise<bigint | undefined> {
  const row = await ownTables<SwitchTables>(db)
    .selectFrom('switch_fx_rates')
    .select('mad_per_unit_micro')
    .where('currency', '=', currency)
    .where('rate_date', '<=', moroccanDate(at))
    .orderBy('rate_date', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.mad_per_unit_micro;
}
