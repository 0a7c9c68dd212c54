import { type Kysely, sql } from 'kysely';
import { newId } from '../core/ids.js';
import type { CurrencyCode, MinorUnits } from '../core/money.js';
import { inTransaction, type SharedDb, type Store, writtenByThisTransaction } from '../store/store.js';
import { holdInsert } from '../store/write-at-commit.js';
import { isLedgerError, LedgerError } from './errors.js';
import {
  type Account,
  type AccountType,
  type Entry,
  type LedgerTables,
  type NewAccount,
  type NewEntry,
  normalBalance,
  type Posting,
  type Transfer,
  toAccount,
} from './model.js';

type Db = Kysely<LedgerTables>;

export interface AccountBalance {
  accountId: string;
  debits: MinorUnits;
  credits: MinorUnits;
  balance: MinorUnits;
  asOf: Date | null;
}

export interface LedgerInvariantViolation {
  accountId?: string;
  problem: string;
}

export interface LedgerService {
  createAccount(account: NewAccount, db?: SharedDb): Promise<Account>;
  /** The account with this code, created if it does not exist yet. */
  ensureAccount(account: NewAccount, db?: SharedDb): Promise<Account>;
  /**
   * ensureAccount for several at once, in two statements. `uncommitted` holds the codes whose rows
   * the caller's database transaction wrote, in this call or before it (in a group, another member
   * may have): they exist for other transactions only once it commits.
   */
  ensureAccounts(
    accounts: NewAccount[],
    db?: SharedDb,
  ): Promise<{ accounts: Account[]; uncommitted: Set<string> }>;
  getAccount(id: string, db?: SharedDb): Promise<Account | undefined>;
  /** Changes what an account is called (its code, type and postings stay); false when it does not exist. */
  renameAccount(id: string, name: string, db?: SharedDb): Promise<boolean>;
  findAccountByCode(code: string, db?: SharedDb): Promise<Account | undefined>;
  /**
   * Records a balanced entry. Pass a transaction to post together with the change the entry accounts
   * for; on an error value nothing was written, so the caller's transaction stays usable.
   */
  post(entry: NewEntry, trx?: SharedDb): Promise<Entry | LedgerError>;
  /**
   * Records a balanced entry with the caller's commit (see store/write-at-commit.ts), a round trip
   * fewer; returns its id. Only for an entry whose reference cannot be recorded yet, because the
   * caller holds the lock that makes it unique: a duplicate fails the whole transaction at commit,
   * where `post` would answer the replay. An entry that lowers an account that may not go negative
   * is checked, and so written, at once.
   */
  postAtCommit(
    entry: NewEntry,
    trx?: SharedDb,
    options?: {
      /**
       * The caller locked the accounts this entry lowers, in this transaction, and found their
       * balances enough (lockedAccountsSql): the entry is then held for the commit too. The posting
       * trigger still refuses a balance below zero, failing the commit.
       */
      balancesLocked?: boolean;
    },
  ): Promise<string | LedgerError>;
  transfer(transfer: Transfer, trx?: SharedDb): Promise<Entry | LedgerError>;
  getEntry(id: string, db?: SharedDb): Promise<Entry | undefined>;
  getEntryByRef(externalRef: string, db?: SharedDb): Promise<Entry | undefined>;
  /** The balance now, or as it stood at `asOf` (postings dated at or before it). */
  balance(accountId: string, asOf?: Date, db?: SharedDb): Promise<AccountBalance | undefined>;
  findAccountsByCodes(codes: string[], db?: SharedDb): Promise<Account[]>;
  /** How much the accounts' balance (added up, all of one type) moved from `from` (included) to `to` (excluded). */
  change(accountIds: string[], from: Date, to: Date, db?: SharedDb): Promise<MinorUnits>;
  /** Re-adds every posting and compares with the stored totals; an empty list means all is well. */
  checkInvariants(db?: SharedDb): Promise<LedgerInvariantViolation[]>;
}

export function createLedgerService(deps: { store: Store<LedgerTables> }): LedgerService {
  const { store } = deps;

  const accountRow = (account: NewAccount) => ({
    id: newId('acc'),
    code: account.code,
    name: account.name,
    type: account.type,
    currency: account.currency,
    may_go_negative: account.mayGoNegative ?? false,
  });

  async function createAccount(account: NewAccount, db: Db = store.db): Promise<Account> {
    const row = await db
      .insertInto('ledger_accounts')
      .values(accountRow(account))
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAccount(row);
  }

  async function findAccountByCode(code: string, db: Db = store.db) {
    const row = await db
      .selectFrom('ledger_accounts')
      .selectAll()
      .where('code', '=', code)
      .executeTakeFirst();
    return row && toAccount(row);
  }

  /** Creates the accounts whose codes do not exist yet, in one statement; returns all of them. */
  async function ensureAccounts(accounts: NewAccount[], db: Db = store.db) {
    await db
      .insertInto('ledger_accounts')
      .values(accounts.map(accountRow))
      .onConflict((oc) => oc.column('code').doNothing())
      .execute();
    const codes = accounts.map((a) => a.code);
    const rows = await db
      .selectFrom('ledger_accounts')
      .selectAll()
      .select(writtenByThisTransaction.as('uncommitted'))
      .where('code', 'in', codes)
      .execute();
    if (rows.length !== codes.length) throw new Error(`accounts ${codes.join(', ')} vanished after creation`);
    for (const row of rows)
      traits.set(row.id, { type: row.type, currency: row.currency, mayGoNegative: row.may_go_negative });
    const byCode = new Map(rows.map((row) => [row.code, toAccount(row)]));
    return {
      accounts: codes.map((code) => byCode.get(code)!),
      uncommitted: new Set(rows.filter((row) => row.uncommitted).map((row) => row.code)),
    };
  }

  async function ensureAccount(account: NewAccount, db: Db = store.db): Promise<Account> {
    return (await ensureAccounts([account], db)).accounts[0]!;
  }

  async function loadEntry(
    db: Db,
    where: { id: string } | { externalRef: string },
  ): Promise<Entry | undefined> {
    const row = await db
      .selectFrom('ledger_entries')
      .selectAll()
      .$if('id' in where, (q) => q.where('id', '=', (where as { id: string }).id))
      .$if('externalRef' in where, (q) =>
        q.where('external_ref', '=', (where as { externalRef: string }).externalRef),
      )
      .executeTakeFirst();
    if (!row) return undefined;
    const postings = await db
      .selectFrom('ledger_postings')
      .select(['account_id', 'amount'])
      .where('entry_id', '=', row.id)
      .orderBy('id')
      .execute();
    return {
      id: row.id,
      externalRef: row.external_ref,
      description: row.description,
      currency: row.currency as CurrencyCode,
      postedAt: row.posted_at,
      postings: postings.map((p) => ({ accountId: p.account_id, amount: p.amount })),
    };
  }

  /** The entry already recorded under this entry's reference, a conflict if it differs, else undefined. */
  async function replayOrConflict(db: Db, entry: NewEntry) {
    if (!entry.externalRef) return undefined;
    const existing = await loadEntry(db, { externalRef: entry.externalRef });
    if (!existing) return undefined;
    return samePostings(existing.postings, entry.postings) && existing.currency === entry.currency
      ? existing
      : LedgerError.ReferenceConflict;
  }

  // An account's type, currency and overdraft rule never change, so they are remembered (and
  // forgotten on a rollback, which may have taken a new account with it).
  const traits = new Map<string, AccountTraits>();
  store.onRollback(() => traits.clear());

  async function traitsOf(trx: Db, ids: string[]): Promise<Map<string, AccountTraits>> {
    // What the cache holds is taken now: a rollback anywhere clears it while the query below waits,
    // and an account found here must not go missing then (a concurrent group's rollback made a
    // payment's entry refused as unknown_account, issuer 96, in the storm test).
    const found = new Map<string, AccountTraits>();
    const missing: string[] = [];
    for (const id of ids) {
      const known = traits.get(id);
      if (known) found.set(id, known);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const rows = await trx
        .selectFrom('ledger_accounts')
        .select(['id', 'type', 'currency', 'may_go_negative'])
        .where('id', 'in', missing)
        .execute();
      for (const row of rows) {
        const read = { type: row.type, currency: row.currency, mayGoNegative: row.may_go_negative };
        traits.set(row.id, read);
        found.set(row.id, read);
      }
    }
    return new Map(ids.flatMap((id) => (found.has(id) ? [[id, found.get(id)!] as const] : [])));
  }

  /** What writing the entry takes: a refusal, or its net movements and the accounts it must check. */
  async function examine(trx: Db, entry: NewEntry): Promise<Examined> {
    const invalid = validateEntry(entry);
    if (invalid) return { refusal: invalid, replayable: false };
    const movements = netByAccount(entry.postings);
    const known = await traitsOf(trx, [...movements.keys()]);
    const refusal: LedgerError | undefined =
      known.size !== movements.size
        ? LedgerError.UnknownAccount
        : [...known.values()].some((t) => t.currency !== entry.currency)
          ? LedgerError.CurrencyMismatch
          : undefined;
    if (refusal) return { refusal, replayable: true };
    // Only an entry that lowers an account that may not go negative needs its accounts locked and
    // read first; the rest (sales crediting fee revenue, say) lock them as the postings land.
    const guarded = [...known].filter(([accountId, t]) =>
      lowersBelowZeroPossible(t, movements.get(accountId) ?? 0n),
    );
    return { movements, guarded };
  }

  async function postIn(trx: Db, entry: NewEntry): Promise<Entry | LedgerError> {
    const examined = await examine(trx, entry);
    if ('refusal' in examined) {
      // A replay is not refused: it may be what made the accounts look wrong.
      const replay = examined.replayable ? await replayOrConflict(trx, entry) : undefined;
      return replay ?? examined.refusal;
    }
    const { movements, guarded } = examined;
    const id = newId('je');
    // The postings' trigger locks their accounts in id order (0030), whatever order they come in.
    const values = sql.join(
      entry.postings.map((p, position) => sql`(${p.accountId}, ${p.amount}::bigint, ${position}::int)`),
    );
    // The guard locks the entry's accounts in id order (two entries can never deadlock) and finds
    // those the entry would take below zero, in the same statement as the writing: one round trip.
    // `sign` turns debits minus credits into the account's normal balance (-1 for liabilities...).
    const guard =
      guarded.length === 0
        ? sql``
        : sql`locked as materialized (
            select id, debits_posted, credits_posted from ledger_accounts
             where id in (${sql.join([...movements.keys()])}) order by id for update
          ),
          short as (
            select 1 from locked
              join (values ${sql.join(
                guarded.map(
                  ([accountId, t]) =>
                    sql`(${accountId}::text, ${normalBalance(t.type, 1n, 0n)}::bigint, ${movements.get(accountId)!}::bigint)`,
                ),
              )}) as g (id, sign, net) on g.id = locked.id
             where g.sign * (locked.debits_posted - locked.credits_posted + g.net) < 0
          ),`;
    // One statement writes the entry and its postings; nothing is written if the reference exists.
    const written = await sql<{ posted_at: Date }>`
      with ${guard} entry as (
        insert into ledger_entries (id, external_ref, description, currency, metadata)
        select ${id}, ${entry.externalRef ?? null}, ${entry.description}, ${entry.currency}, ${JSON.stringify(entry.metadata ?? {})}::jsonb
        ${guarded.length === 0 ? sql`` : sql`where not exists (select 1 from short)`}
        on conflict (external_ref) do nothing
        returning id, posted_at
      )
      insert into ledger_postings (entry_id, account_id, amount, posted_at)
      select entry.id, p.account_id, p.amount, entry.posted_at
        from entry cross join (values ${values}) as p (account_id, amount, position)
       order by p.position
      returning posted_at`.execute(trx);
    const postedAt = written.rows[0]?.posted_at;
    if (!postedAt) {
      // The reference is recorded already (a retry, or another transaction just before us), or an
      // account was short. A replay comes first: funds may look short because the first one went through.
      const replay = await replayOrConflict(trx, entry);
      return replay ?? (guarded.length > 0 ? LedgerError.InsufficientFunds : LedgerError.ReferenceConflict);
    }
    return {
      id,
      externalRef: entry.externalRef ?? null,
      description: entry.description,
      currency: entry.currency,
      postedAt,
      postings: entry.postings,
    };
  }

  // An entry and its postings must commit together: outside a transaction, open one.
  const post: LedgerService['post'] = (entry, trx) => inTransaction(store, trx, (t) => postIn(t, entry));

  async function postAtCommitIn(
    trx: Db,
    entry: NewEntry,
    balancesLocked: boolean,
  ): Promise<string | LedgerError> {
    const examined = await examine(trx, entry);
    if ('refusal' in examined) return examined.refusal;
    if (examined.guarded.length > 0 && !balancesLocked) {
      const posted = await postIn(trx, entry);
      return isLedgerError(posted) ? posted : posted.id;
    }
    const id = newId('je');
    await holdInsert(trx, 'ledger_entries', {
      id,
      external_ref: entry.externalRef ?? null,
      description: entry.description,
      currency: entry.currency,
      metadata: JSON.stringify(entry.metadata ?? {}),
    });
    // The postings' trigger updates their accounts at the commit, locking them in id order (0030):
    // a whole group's postings, merged into one insert, lock no account out of that order.
    for (const posting of entry.postings) {
      await holdInsert(trx, 'ledger_postings', {
        entry_id: id,
        account_id: posting.accountId,
        amount: posting.amount,
        // now() is the transaction's start, as the entry's own posted_at.
        posted_at: sql<Date>`now()`,
      });
    }
    return id;
  }

  return {
    createAccount,
    ensureAccount,
    ensureAccounts,
    findAccountByCode,
    async getAccount(id: string, db: Db = store.db) {
      const row = await db.selectFrom('ledger_accounts').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toAccount(row);
    },
    async renameAccount(id: string, name: string, db: Db = store.db) {
      const result = await db
        .updateTable('ledger_accounts')
        .set({ name })
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    post,
    // Outside a transaction the entry and its postings would go out as two commits: open one.
    postAtCommit: (entry, trx, options = {}) =>
      inTransaction(store, trx, (t) => postAtCommitIn(t, entry, options.balancesLocked === true)),
    transfer(transfer: Transfer, trx?: Db) {
      if (typeof transfer.amount !== 'bigint' || transfer.amount <= 0n)
        return Promise.resolve(LedgerError.InvalidAmount);
      return post(
        {
          ...(transfer.externalRef === undefined ? {} : { externalRef: transfer.externalRef }),
          description: transfer.description,
          currency: transfer.currency,
          postings: [
            { accountId: transfer.debitAccountId, amount: transfer.amount },
            { accountId: transfer.creditAccountId, amount: -transfer.amount },
          ],
        },
        trx,
      );
    },
    getEntry: (id: string, db: Db = store.db) => loadEntry(db, { id }),
    getEntryByRef: (externalRef: string, db: Db = store.db) => loadEntry(db, { externalRef }),
    async balance(accountId: string, asOf?: Date, db: Db = store.db) {
      const account = await db
        .selectFrom('ledger_accounts')
        .select(['type', 'debits_posted', 'credits_posted'])
        .where('id', '=', accountId)
        .executeTakeFirst();
      if (!account) return undefined;
      if (!asOf) {
        return {
          accountId,
          debits: account.debits_posted,
          credits: account.credits_posted,
          balance: normalBalance(account.type, account.debits_posted, account.credits_posted),
          asOf: null,
        };
      }
      const sums = await db
        .selectFrom('ledger_postings')
        .select([
          sql<bigint>`coalesce(sum(amount) filter (where amount > 0), 0)::bigint`.as('debits'),
          sql<bigint>`coalesce(-sum(amount) filter (where amount < 0), 0)::bigint`.as('credits'),
        ])
        .where('account_id', '=', accountId)
        .where('posted_at', '<=', asOf)
        .executeTakeFirstOrThrow();
      return {
        accountId,
        debits: sums.debits,
        credits: sums.credits,
        balance: normalBalance(account.type, sums.debits, sums.credits),
        asOf,
      };
    },
    async findAccountsByCodes(codes: string[], db: Db = store.db) {
      if (codes.length === 0) return [];
      const rows = await db.selectFrom('ledger_accounts').selectAll().where('code', 'in', codes).execute();
      return rows.map(toAccount);
    },
    async change(accountIds: string[], from: Date, to: Date, db: Db = store.db) {
      if (accountIds.length === 0) return 0n;
      const rows = await db
        .selectFrom('ledger_accounts as a')
        .leftJoin('ledger_postings as p', (join) =>
          join.onRef('p.account_id', '=', 'a.id').on('p.posted_at', '>=', from).on('p.posted_at', '<', to),
        )
        .select(['a.type', sql<bigint>`coalesce(sum(p.amount), 0)::bigint`.as('net')])
        .where('a.id', 'in', accountIds)
        .groupBy('a.type')
        .execute();
      return rows.reduce((total, row) => total + normalBalance(row.type, row.net, 0n), 0n);
    },
    async checkInvariants(db: Db = store.db) {
      const violations: LedgerInvariantViolation[] = [];
      const mismatched = await sql<{ id: string }>`
        select a.id from ledger_accounts a
        left join (
          select account_id,
                 coalesce(sum(amount) filter (where amount > 0), 0) as debits,
                 coalesce(-sum(amount) filter (where amount < 0), 0) as credits
            from ledger_postings group by account_id
        ) p on p.account_id = a.id
        where a.debits_posted <> coalesce(p.debits, 0) or a.credits_posted <> coalesce(p.credits, 0)`.execute(
        db,
      );
      for (const row of mismatched.rows) {
        violations.push({ accountId: row.id, problem: 'stored totals differ from the sum of postings' });
      }
      const unbalanced = await sql<{ entry_id: string }>`
        select entry_id from ledger_postings group by entry_id having sum(amount) <> 0 or count(*) < 2`.execute(
        db,
      );
      for (const row of unbalanced.rows) violations.push({ problem: `entry ${row.entry_id} is unbalanced` });
      return violations;
    },
  };
}

/** An entry refused before writing (`replayable`: a recorded replay would still be its answer), or what it moves and must check. */
type Examined =
  | { refusal: LedgerError; replayable: boolean }
  | { movements: Map<string, MinorUnits>; guarded: [string, AccountTraits][] };

interface AccountTraits {
  type: AccountType;
  currency: string;
  mayGoNegative: boolean;
}

/** Whether this net movement lowers an account that may not go negative (a debit lowers credit-normal accounts). */
function lowersBelowZeroPossible(account: AccountTraits, net: MinorUnits): boolean {
  if (account.mayGoNegative) return false;
  return normalBalance(account.type, net, 0n) < 0n;
}

function validateEntry(entry: NewEntry): LedgerError | undefined {
  if (entry.postings.length < 2) return LedgerError.UnbalancedEntry;
  let sum = 0n;
  for (const posting of entry.postings) {
    if (typeof posting.amount !== 'bigint' || posting.amount === 0n) return LedgerError.InvalidAmount;
    sum += posting.amount;
  }
  return sum === 0n ? undefined : LedgerError.UnbalancedEntry;
}

function netByAccount(postings: Posting[]): Map<string, MinorUnits> {
  const net = new Map<string, MinorUnits>();
  for (const p of postings) net.set(p.accountId, (net.get(p.accountId) ?? 0n) + p.amount);
  return net;
}

function samePostings(a: Posting[], b: Posting[]): boolean {
  const key = (ps: Posting[]) =>
    ps
      .map((p) => `${p.accountId}:${p.amount}`)
      .sort()
      .join(',');
  return key(a) === key(b);
}
