import { type Expression, type RawBuilder, sql } from 'kysely';

/**
 * A statement fragment that locks ledger accounts for the caller's transaction and gives each one's
 * debits minus credits, for another module's statement that decides an entry on balances it must hold
 * until the entry is written (the issuer's authorization: postAtCommit with balancesLocked). The
 * accounts are locked in id order, as every entry locks them, so that two entries cannot deadlock.
 */
export function lockedAccountsSql(accountIds: Expression<string>[]): RawBuilder<{ id: string; net: bigint }> {
  return sql`select id, debits_posted - credits_posted as net from ledger_accounts
              where id in (${sql.join(accountIds)}) order by id for update`;
}
