import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { testStore } from '../../test/support/store.js';
import { createAccountResolver } from './accounts.js';
import { isLedgerError } from './errors.js';
import { createLedgerService } from './service.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Shard `shard` of a holds account, named under `prefix`. */
const holdsShard = (prefix: string) => (shard: number) => ({
  code: `${prefix}:holds#${shard}`,
  name: 'holds',
  type: 'liability' as const,
  currency: 'MAD' as const,
  mayGoNegative: true,
});

/** A promise and the function that resolves it: one transaction waits on another's step. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

// Enough connections that all 50 workers really run at once.
const store = await testStore({ poolSize: 50 });
const ledger = createLedgerService({ store });

test('50 concurrent workers × 200 random transfers among 10 accounts end with exact balances', async () => {
  const accounts = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      ledger.createAccount({
        code: `race:${i}`,
        name: `race ${i}`,
        type: 'asset',
        currency: 'MAD',
        mayGoNegative: true,
      }),
    ),
  );
  const expected = new Map(accounts.map((a) => [a.id, 0n]));
  // Deterministic pseudo-random plan, so a failure can be replayed.
  let seed = 20261124;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const plans = Array.from({ length: 50 }, () =>
    Array.from({ length: 200 }, () => {
      const from = random(10);
      const to = (from + 1 + random(9)) % 10;
      const amount = BigInt(1 + random(100_000));
      expected.set(accounts[from]!.id, expected.get(accounts[from]!.id)! + amount);
      expected.set(accounts[to]!.id, expected.get(accounts[to]!.id)! - amount);
      return { from: accounts[from]!.id, to: accounts[to]!.id, amount };
    }),
  );

  const started = Date.now();
  await Promise.all(
    plans.map(async (plan, worker) => {
      for (const [i, t] of plan.entries()) {
        const result = await ledger.transfer({
          externalRef: `race-${worker}-${i}`,
          description: 'race',
          currency: 'MAD',
          debitAccountId: t.from,
          creditAccountId: t.to,
          amount: t.amount,
        });
        assert.equal(typeof result, 'object', `worker ${worker} transfer ${i}: ${String(result)}`);
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  console.log(`10,000 transfers in ${seconds.toFixed(1)} s (${Math.round(10_000 / seconds)}/s)`);

  for (const account of accounts) {
    assert.equal((await ledger.getAccount(account.id))?.balance, expected.get(account.id), account.code);
  }
  const entries = await store.db
    .selectFrom('ledger_entries')
    .select((eb) => eb.fn.countAll<bigint>().as('n'))
    .where('external_ref', 'like', 'race-%')
    .executeTakeFirstOrThrow();
  assert.equal(entries.n, 10_000n);
  assert.deepEqual(await ledger.checkInvariants(), []);
});

test('an account another transaction is still creating is not handed out before that one commits', async () => {
  const resolve = createAccountResolver(ledger, store);
  const funding = await ledger.createAccount({
    code: 'shard-race:funding',
    name: 'funding',
    type: 'equity',
    currency: 'MAD',
    mayGoNegative: true,
  });
  const account = holdsShard('shard-race');
  const firstMayCommit = gate();
  const firstHasResolved = gate();
  // The first transaction creates every shard of the account, and stays open a while.
  const first = store.transaction(async (trx) => {
    await resolve(trx, account(0));
    firstHasResolved.open();
    await firstMayCommit.opened;
  });
  await firstHasResolved.opened;
  // A second payment on another shard meanwhile: it must wait for the first, not post to a row it cannot see.
  const second = store.transaction(async (trx) => {
    const id = await resolve(trx, account(1));
    return ledger.transfer(
      { debitAccountId: funding.id, creditAccountId: id, amount: 100n, currency: 'MAD', description: 'race' },
      trx,
    );
  });
  setTimeout(firstMayCommit.open, 200);
  await first;
  const entry = await second;
  assert.ok(!isLedgerError(entry), String(entry));
});

test('an account its own transaction wrote is not handed out before it commits, even to a caller that did not create it', async () => {
  // In a group, members share one database transaction: one creates the shards, the next finds them
  // there without creating anything. Neither may pass them to transactions outside the group.
  const resolve = createAccountResolver(ledger, store);
  const account = holdsShard('group-race');
  let outside: Promise<string> | undefined;
  let inGroup: string | undefined;
  await store.transaction(async (trx) => {
    // The first member creates every shard, the resolver not asked.
    await ledger.ensureAccounts([0, 1].map(account), trx);
    // The second member asks the resolver: the rows are there, created by neither call of its own.
    inGroup = await resolve(trx, account(1));
    // A transaction outside the group asks meanwhile: it must wait for the commit, not get the id.
    outside = resolve(store.db, account(1));
    const first = await Promise.race([outside.then(() => 'answered'), sleep(300).then(() => 'waiting')]);
    assert.equal(first, 'waiting');
  });
  assert.equal(await outside, inGroup);
});

test('entries held to the commit lock their accounts in id order: posting in opposite orders does not deadlock', async () => {
  const account = (code: string) =>
    ledger.createAccount({ code, name: code, type: 'asset', currency: 'MAD', mayGoNegative: true });
  const hot = [await account('order:hot-a'), await account('order:hot-b')].sort((a, b) =>
    a.id < b.id ? -1 : 1,
  );
  const [low, high] = [hot[0]!, hot[1]!];
  const coldLow = await account('order:cold-low');
  const coldHigh = await account('order:cold-high');
  const entry = (hotId: string, ref: string) => ({
    externalRef: ref,
    description: 'lock order',
    currency: 'MAD' as const,
    postings: [
      { accountId: hotId, amount: 100n },
      { accountId: hotId === low.id ? coldLow.id : coldHigh.id, amount: -100n },
    ],
  });
  const waitingOnLocks = async () =>
    Number(
      (
        await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`.execute(store.db)
      ).rows[0]!.n,
    );
  const until = async (condition: () => Promise<boolean>) => {
    for (let i = 0; i < 500 && !(await condition()); i++) await new Promise((r) => setTimeout(r, 10));
  };

  // A third transaction holds the higher account, so that the two below queue up on it.
  const blockerMayEnd = gate();
  const blockerHolds = gate();
  const blocker = store.transaction(async (trx) => {
    await sql`select id from ledger_accounts where id = ${high.id} for update`.execute(trx);
    blockerHolds.open();
    await blockerMayEnd.opened;
  });
  await blockerHolds.opened;

  // Each transaction's function runs again after a deadlock (the store retries it): count the runs.
  const runs = { first: 0, second: 0 };
  const post = (who: 'first' | 'second', order: string[]) =>
    store.transaction(async (trx) => {
      runs[who]++;
      for (const hotId of order) {
        const posted = await ledger.postAtCommit(entry(hotId, `order-${who}-${hotId}-${runs[who]}`), trx);
        assert.ok(!isLedgerError(posted), String(posted));
      }
    });
  // Posted high then low: held in that order, it would take nothing and wait on the blocker.
  const first = post('first', [high.id, low.id]);
  await until(async () => (await waitingOnLocks()) >= 1);
  // Posted low then high: held in that order, it would take low, then wait on high behind the first,
  // which would then wait on low: a deadlock. In id order both take low first.
  const second = post('second', [low.id, high.id]);
  await until(async () => (await waitingOnLocks()) >= 2);
  blockerMayEnd.open();
  await Promise.all([blocker, first, second]);

  assert.deepEqual(
    runs,
    { first: 1, second: 1 },
    'a transaction ran again: it was rolled back by a deadlock',
  );
  assert.equal((await ledger.getAccount(low.id))?.balance, 200n);
  assert.equal((await ledger.getAccount(high.id))?.balance, 200n);
});
