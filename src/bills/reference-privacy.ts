import { sql } from 'kysely';
import { ownTables, type SharedDb } from '../store/store.js';
import { personalData, RESEAL_BATCH, resealInBatches } from '../vault/personal-data.js';
import { isSealedSecret, type VaultService } from '../vault/service.js';
import type { BillRow, BillTables } from './model.js';

export type ReferenceVault = Pick<VaultService, 'sealSecret' | 'openSecret' | 'fingerprint'>;

const everyField = () => true;

/**
 * Law 09-08: a bill's reference (a water or electricity contract, a telephone number, a tax notice)
 * points at a household, so it is personal data and is sealed at rest like the rest: each typed value
 * in `bills.reference_values`, and the reference a payment was made for in `bill_payments.reference`.
 * Bills are found by the keyed fingerprint of the reference (HMAC under the vault's fingerprint key) in
 * `bills.reference`. A reference is opened in memory only for its biller (API, webhooks, remittance)
 * and for the receipt of the person who paid.
 */
export function billReferences(vault: ReferenceVault) {
  const personal = personalData(vault);
  const openValues = (values: Record<string, string>, db?: SharedDb) =>
    personal.openFields(values, everyField, db);
  return {
    /** What `bills.reference` holds for this biller's reference key, and what a lookup looks for. */
    fingerprint: (billerId: string, key: string, db?: SharedDb) =>
      vault.fingerprint(`bill_reference:${billerId}:${key}`, db),
    sealValues: (values: Record<string, string>, db?: SharedDb) =>
      personal.sealFields(values, everyField, db),
    openValues,
    seal: async (key: string, db?: SharedDb) => (await personal.seal(key, db))!,
    open: async (key: string, db?: SharedDb) => (await personal.open(key, db))!,
    /** The bill with its reference values opened (a bill stored before sealing began reads as it is). */
    openBill: async <T extends Pick<BillRow, 'reference_values'>>(bill: T, db?: SharedDb): Promise<T> => ({
      ...bill,
      reference_values: await openValues(bill.reference_values, db),
    }),
  };
}

export type BillReferences = ReturnType<typeof billReferences>;

/**
 * Seals in place what bills and bill payments held in clear before sealing began: a bill's reference
 * becomes its fingerprint and its values are sealed; a payment's reference is sealed. Walks each table
 * once; a row changed meanwhile is left to the code that changed it (which seals). Returns how many
 * rows it sealed.
 */
export async function sealStoredReferences(db: SharedDb, references: BillReferences): Promise<number> {
  const tables = ownTables<BillTables>(db);
  let sealed = 0;
  await resealInBatches(
    '',
    (after) =>
      tables
        .selectFrom('bills')
        .select(['id', 'biller_id', 'reference', 'reference_values'])
        .where('id', '>', after)
        .where(sql<boolean>`reference_values::text not like '%"v1.%'`)
        .orderBy('id')
        .limit(RESEAL_BATCH)
        .execute(),
    (bill) => bill.id,
    async (bill) => {
      const values = Object.values(bill.reference_values);
      if (values.length === 0 || values.every(isSealedSecret)) return;
      const changed = await tables
        .updateTable('bills')
        .set({
          reference: await references.fingerprint(bill.biller_id, bill.reference),
          reference_values: JSON.stringify(await references.sealValues(bill.reference_values)),
        })
        .where('id', '=', bill.id)
        .where('reference', '=', bill.reference)
        .executeTakeFirst();
      sealed += Number(changed.numUpdatedRows);
    },
  );
  await resealInBatches(
    '',
    (after) =>
      tables
        .selectFrom('bill_payments')
        .select(['payment_id', 'reference'])
        .where('payment_id', '>', after)
        .where('reference', 'not like', 'v1.%')
        .orderBy('payment_id')
        .limit(RESEAL_BATCH)
        .execute(),
    (payment) => payment.payment_id,
    async (payment) => {
      const changed = await tables
        .updateTable('bill_payments')
        .set({ reference: await references.seal(payment.reference) })
        .where('payment_id', '=', payment.payment_id)
        .where('reference', '=', payment.reference)
        .executeTakeFirst();
      sealed += Number(changed.numUpdatedRows);
    },
  );
  return sealed;
}
