import { sql } from 'kysely';
import type { SharedDb } from '../store/store.js';
import type { PersonalData } from '../vault/personal-data.js';
import type { Scope } from './events.js';
import type { PaymentRow } from './model.js';

/** Payments read per round while looking for a customer's. */
const SEARCH_BATCH = 500;

/** How two e-mail addresses are compared: as people type them, case and surrounding spaces aside. */
const sameEmail = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Where to look for a customer's payments: all of the merchant's, those after a payment id (what a
 * search made earlier had not read), or only some (what it found, to make sure of them again).
 */
export type CustomerSearch = { after?: string } | { among: readonly string[] };

export interface CustomerPayments {
  payments: PaymentRow[];
  /** The last payment read, in id order: a later search `after` it reads only newer ones. */
  readUpTo: string;
}

/**
 * The merchant's payments whose customer e-mail is `email`, oldest first. E-mails are sealed with a
 * fresh nonce each, so no index can find one: every payment of the merchant that has an e-mail is read
 * and opened, a batch at a time. That is a data-subject request's cost, paid rarely, rather than a
 * searchable fingerprint of every customer's address kept beside each payment.
 */
export async function paymentsOfCustomer(
  db: SharedDb,
  personal: PersonalData,
  scope: Scope,
  email: string,
  open: (row: PaymentRow) => Promise<PaymentRow>,
  search: CustomerSearch = {},
): Promise<CustomerPayments> {
  const among = 'among' in search ? [...search.among] : undefined;
  const found: PaymentRow[] = [];
  let after = 'after' in search ? (search.after ?? '') : '';
  for (;;) {
    const { rows } = await sql<PaymentRow>`
      select * from payments
      where merchant_id = ${scope.merchantId} and livemode = ${scope.livemode}
        and customer_email is not null and id > ${after}
        ${among ? sql`and id = any(${among}::text[])` : sql``}
      order by id limit ${SEARCH_BATCH}`.execute(db);
    for (const row of rows) {
      const address = await personal.open(row.customer_email, db);
      if (address !== null && sameEmail(address, email)) found.push(await open(row));
    }
    if (rows.length > 0) after = rows.at(-1)!.id;
    if (rows.length < SEARCH_BATCH) return { payments: found, readUpTo: after };
  }
}

/**
 * Writes the customer's e-mail (sealed) into the stored events of these payments, or takes it out
 * (null): the events API and webhook replays would otherwise go on showing the old address.
 */
export async function rewriteEventEmails(
  db: SharedDb,
  personal: PersonalData,
  scope: Scope,
  paymentIds: readonly string[],
  email: string | null,
): Promise<void> {
  if (paymentIds.length === 0) return;
  const value = email === null ? sql`'null'::jsonb` : sql`to_jsonb(${await personal.seal(email, db)}::text)`;
  await sql`
    update events set data = jsonb_set(data, '{customer_email}', ${value})
    where merchant_id = ${scope.merchantId} and livemode = ${scope.livemode}
      and object_id = any(${[...paymentIds]}::text[]) and data ? 'customer_email'`.execute(db);
}

/** Payments whose e-mail one round of the retention pass erases. */
export const RETENTION_BATCH = 1_000;

/**
 * Erases the customer's e-mail from payments created before `cutoff`, and from their events, a batch
 * at a time, each batch its own transaction; says how many payments it erased from.
 */
export async function eraseEmailsCreatedBefore(
  transaction: <T>(fn: (db: SharedDb) => Promise<T>) => Promise<T>,
  personal: PersonalData,
  cutoff: Date,
): Promise<number> {
  let erased = 0;
  for (;;) {
    const batch = await transaction(async (db) => {
      const { rows } = await sql<{ id: string; merchant_id: string; livemode: boolean }>`
        update payments set customer_email = null
        where id in (
          select id from payments where customer_email is not null and created_at < ${cutoff}
          order by created_at limit ${RETENTION_BATCH} for update skip locked
        )
        returning id, merchant_id, livemode`.execute(db);
      for (const [scope, ids] of byScope(rows)) await rewriteEventEmails(db, personal, scope, ids, null);
      return rows.length;
    });
    erased += batch;
    if (batch < RETENTION_BATCH) return erased;
  }
}

function byScope(rows: readonly { id: string; merchant_id: string; livemode: boolean }[]) {
  const scopes = new Map<string, [Scope, string[]]>();
  for (const row of rows) {
    const key = `${row.merchant_id}:${row.livemode}`;
    const entry = scopes.get(key) ?? [{ merchantId: row.merchant_id, livemode: row.livemode }, []];
    scopes.set(key, entry);
    entry[1].push(row.id);
  }
  return scopes.values();
}
