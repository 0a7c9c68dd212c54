import type { SharedDb, SharedStore } from '../store/store.js';
import type { NewAccount } from './model.js';
import type { LedgerService } from './service.js';

/**
 * Accounts that every payment touches (fee revenue, an issuer's receivable, a busy merchant's payable)
 * are split into shards, so concurrent postings lock one of several rows instead of queueing on one.
 * A payment always lands on the same shard (hold, capture and refund alike); the account's balance is
 * the sum of its shards.
 */
export const SHARDS = 8;

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function shardCode(code: string, key: string): string {
  return `${code}#${fnv1a(key) % SHARDS}`;
}

export function allShardCodes(code: string): string[] {
  return Array.from({ length: SHARDS }, (_, shard) => `${code}#${shard}`);
}

/** The codes of every shard of the account `code` is a shard of, or `code` alone. */
function siblingCodes(code: string): string[] {
  const sharded = /^(.*)#\d+$/.exec(code);
  return sharded ? allShardCodes(sharded[1]!) : [code];
}

/**
 * Account ids by code, created on first use and then remembered (accounts are never deleted). The
 * first use of one shard creates them all, so a warm process never spends statements on its accounts.
 *
 * Only committed accounts are remembered for every transaction. One the caller's database
 * transaction wrote (in a group, perhaps another member did) does not exist for the others until it
 * commits: handed to a concurrent payment, it would be an unknown account, and its postings would
 * be refused (the postings' trigger finds no such account). That payment asks the database instead,
 * which makes it wait for the creating transaction.
 */
export function createAccountResolver(ledger: LedgerService, store: SharedStore) {
  const known = new Map<string, string>();
  // What a transaction wrote and has not committed, for its own later calls.
  const uncommittedIn = new WeakMap<SharedDb, Map<string, string>>();
  store.onRollback(() => known.clear());
  return async function accountId(db: SharedDb, account: NewAccount): Promise<string> {
    const cached = known.get(account.code) ?? uncommittedIn.get(db)?.get(account.code);
    if (cached) return cached;
    const { accounts, uncommitted } = await ledger.ensureAccounts(
      siblingCodes(account.code).map((code) => ({ ...account, code })),
      db,
    );
    const own = uncommittedIn.get(db) ?? new Map<string, string>();
    for (const { code, id } of accounts) {
      if (uncommitted.has(code)) own.set(code, id);
      else known.set(code, id);
    }
    if (own.size > 0) uncommittedIn.set(db, own);
    return accounts.find((a) => a.code === account.code)!.id;
  };
}
