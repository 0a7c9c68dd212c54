import type { Kysely } from 'kysely';
import type { SharedDb } from '../store/store.js';
import type { PersonalData } from '../vault/personal-data.js';
import { cmiHash, withoutHash } from './hash.js';
import { type CmiFields, type CmiOrderRow, type CmiTables, isCmiPersonalField } from './model.js';

/**
 * Law 09-08 on CMI orders. The name, addresses, telephone and e-mail a shop posts with an order are its
 * customer's personal data, kept (sealed) in the order's fields and in the answer kept for the shop. A
 * person's request reaches them through the payments their e-mail finds (an order's e-mail is its
 * payment's customer e-mail); the retention pass erases them with the payments' e-mails.
 */

/** A CMI order as a person's copy of their data shows it (in the API's spelling). */
export interface BuyerRecord {
  /** The payment the order made. */
  payment: string;
  /** The order's id at the shop. */
  oid: string;
  created_at: string;
  /** The buyer's fields as the shop posted them, under the shop's names. */
  fields: CmiFields;
}

/** What becomes of an order's buyer fields: the corrected e-mail in place of the old one, or none left. */
export type BuyerChange = { email: string } | 'erase';

/** Orders the retention pass erases a transaction. */
export const BUYER_RETENTION_BATCH = 500;

const isEmailField = (name: string) => /^email$/i.test(name);

function applyChange(fields: CmiFields, change: BuyerChange): CmiFields {
  if (change === 'erase')
    return Object.fromEntries(Object.entries(fields).filter(([name]) => !isCmiPersonalField(name)));
  return Object.fromEntries(
    Object.entries(fields).map(([name, value]) => [name, isEmailField(name) ? change.email : value]),
  );
}

export interface BuyerDataDeps {
  tables: (db: SharedDb) => Kysely<CmiTables>;
  personal: PersonalData;
  /** The store's key, which signs the answer kept for the shop. */
  storeKeyOf: (clientId: string, db: SharedDb) => Promise<string>;
  now: () => Date;
}

export function buyerData(deps: BuyerDataDeps) {
  const { personal } = deps;
  const open = (fields: CmiFields, db: SharedDb) => personal.openFields(fields, isCmiPersonalField, db);
  const sealedJson = async (fields: CmiFields, db: SharedDb) =>
    JSON.stringify(await personal.sealFields(fields, isCmiPersonalField, db));

  /**
   * Writes the change on a locked order. The answer kept for the shop is signed again with the store
   * key, so that a callback still to be retried carries a HASH the shop accepts, without the old data.
   */
  async function rewrite(db: SharedDb, order: CmiOrderRow, change: BuyerChange): Promise<void> {
    const fields = applyChange(await open(order.fields, db), change);
    let response: CmiFields | null = null;
    if (order.response) {
      const unsigned = withoutHash(applyChange(await open(order.response, db), change));
      response = { ...unsigned, HASH: cmiHash(unsigned, await deps.storeKeyOf(order.client_id, db)) };
    }
    await deps
      .tables(db)
      .updateTable('cmi_orders')
      .set({
        fields: await sealedJson(fields, db),
        response: response && (await sealedJson(response, db)),
        buyer_data_erased_at: change === 'erase' ? deps.now() : order.buyer_data_erased_at,
      })
      .where('payment_id', '=', order.payment_id)
      .execute();
  }

  /** Orders, oldest first, locked for the change the caller makes to them. */
  const lockedOrders = (db: SharedDb) =>
    deps.tables(db).selectFrom('cmi_orders').selectAll().orderBy('created_at').forUpdate();

  /** The merchant's orders that made these payments. */
  const ordersOf = (db: SharedDb, merchantId: string, paymentIds: readonly string[]) =>
    paymentIds.length === 0
      ? Promise.resolve([])
      : lockedOrders(db)
          .where('merchant_id', '=', merchantId)
          .where('payment_id', 'in', paymentIds)
          .execute();

  return {
    /** The buyer's fields the merchant's orders of these payments keep, opened. */
    async recordsOf(merchantId: string, paymentIds: readonly string[], db: SharedDb): Promise<BuyerRecord[]> {
      const records: BuyerRecord[] = [];
      for (const order of await ordersOf(db, merchantId, paymentIds)) {
        const opened = await open(order.fields, db);
        records.push({
          payment: order.payment_id,
          oid: order.oid,
          created_at: order.created_at.toISOString(),
          fields: Object.fromEntries(Object.entries(opened).filter(([name]) => isCmiPersonalField(name))),
        });
      }
      return records;
    },

    /** Applies the change to the merchant's orders of these payments; says which orders (by oid) it changed. */
    async change(
      merchantId: string,
      paymentIds: readonly string[],
      change: BuyerChange,
      db: SharedDb,
    ): Promise<string[]> {
      const orders = await ordersOf(db, merchantId, paymentIds);
      for (const order of orders) await rewrite(db, order, change);
      return orders.map((order) => order.oid);
    },

    /**
     * Erases the buyer's fields from orders created before `cutoff`, a batch at a time, each batch its
     * own transaction; says from how many orders.
     */
    async eraseBefore(
      transaction: <T>(fn: (db: SharedDb) => Promise<T>) => Promise<T>,
      cutoff: Date,
    ): Promise<number> {
      let erased = 0;
      for (;;) {
        const batch = await transaction(async (db) => {
          const orders = await lockedOrders(db)
            .where('buyer_data_erased_at', 'is', null)
            .where('created_at', '<', cutoff)
            .limit(BUYER_RETENTION_BATCH)
            .skipLocked()
            .execute();
          for (const order of orders) await rewrite(db, order, 'erase');
          return orders.length;
        });
        erased += batch;
        if (batch < BUYER_RETENTION_BATCH) return erased;
      }
    },
  };
}
