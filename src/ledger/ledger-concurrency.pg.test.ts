import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testStore } from '../../test/support/store.js';
import { createAccountResolver } from './accounts.js';
import { isLedgerError } from './errors.js';
import { createLedgerService } from './service.js';

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
  const account = (shard: number) => ({
    code: `shard-race:holds#${shard}`,
    name: 'holds',
    type: 'liability' as const,
    currency: 'MAD' as const,
    mayGoNegative: true,
  });
  let releaseFirst!: () => void;
  const firstMayCommit = new Promise<void>((resolve) => {
    releaseFirst = resolve;
  });
  let firstResolved!: () => void;
  const firstHasResolved = new Promise<void>((resolve) => {
    firstResolved = resolve;
  });
  // The first transaction creates every shard of the account, and stays open a while.
  const first = store.transaction(async (trx) => {
    await resolve(trx, account(0));
    firstResolved();
    await firstMayCommit;
  });
  await firstHasResolved;
  // A second payment on another shard meanwhile: it must wait for the first, not post to a row it cannot see.
  const second = store.transaction(async (trx) => {
    const id = await resolve(trx, account(1));
    return ledger.transfer(
      { debitAccountId: funding.id, creditAccountId: id, amount: 100n, currency: 'MAD', description: 'race' },
      trx,
    );
  });
  setTimeout(releaseFirst, 200);
  await first;
  const entry = await second;
  assert.ok(!isLedgerError(entry), String(entry));
});
