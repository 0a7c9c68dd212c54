import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { testStore } from '../../test/support/store.js';
import { LedgerError } from './errors.js';
import type { Account, Entry } from './model.js';
import { createLedgerService } from './service.js';

// Every statement sent, while a test listens.
let listening: string[] | undefined;
const store = await testStore({ onStatement: (text) => listening?.push(text) });
const ledger = createLedgerService({ store });
let unique = 0;

function account(type: Account['type'], mayGoNegative = false, currency: 'MAD' | 'EUR' = 'MAD') {
  unique += 1;
  return ledger.createAccount({
    code: `test:${type}:${unique}`,
    name: `${type} ${unique}`,
    type,
    currency,
    mayGoNegative,
  });
}

/** An entry and its postings written with raw SQL, as someone bypassing the service would. */
function writeBehindTheLedger(entryId: string, postings: [accountId: string, amount: number][]) {
  return store.db.transaction().execute(async (trx) => {
    await sql`insert into ledger_entries (id, description, currency) values (${entryId}, 'raw', 'MAD')`.execute(
      trx,
    );
    for (const [accountId, amount] of postings) {
      await sql`insert into ledger_postings (entry_id, account_id, amount, posted_at)
                values (${entryId}, ${accountId}, ${amount}, now())`.execute(trx);
    }
  });
}

function assertEntry(value: Entry | LedgerError): asserts value is Entry {
  assert.equal(typeof value, 'object', `expected an entry, got ${String(value)}`);
}

describe('ledger', () => {
  test('a transfer debits one account and credits the other', async () => {
    const cash = await account('asset', true);
    const payable = await account('liability');
    const entry = await ledger.transfer({
      description: 'card payment',
      currency: 'MAD',
      debitAccountId: cash.id,
      creditAccountId: payable.id,
      amount: 12_345n,
    });
    assertEntry(entry);
    assert.equal((await ledger.getAccount(cash.id))?.balance, 12_345n);
    assert.equal((await ledger.getAccount(payable.id))?.balance, 12_345n);
    const stored = await ledger.getEntry(entry.id);
    assert.deepEqual(stored?.postings.map((p) => p.amount).sort(), [-12_345n, 12_345n].sort());
  });

  test('an account that may not go negative refuses, and nothing is written', async () => {
    const payable = await account('liability');
    const cash = await account('asset', true);
    const before = await ledger.getAccount(payable.id);
    const result = await ledger.transfer({
      description: 'overdraw',
      currency: 'MAD',
      debitAccountId: payable.id,
      creditAccountId: cash.id,
      amount: 1n,
    });
    assert.equal(result, LedgerError.InsufficientFunds);
    assert.deepEqual(await ledger.getAccount(payable.id), before);
  });

  test('the database refuses a negative balance even without the service', async () => {
    const payable = await account('liability');
    const cash = await account('asset', true);
    await assert.rejects(
      writeBehindTheLedger('je_raw_neg', [
        [payable.id, 500],
        [cash.id, -500],
      ]),
      /ledger_accounts_not_negative/,
    );
  });

  test('invalid entries are refused before they reach the database', async () => {
    const a = await account('asset', true);
    const b = await account('asset', true);
    assert.equal(
      await ledger.post({ description: 'x', currency: 'MAD', postings: [{ accountId: a.id, amount: 5n }] }),
      LedgerError.UnbalancedEntry,
    );
    assert.equal(
      await ledger.post({
        description: 'x',
        currency: 'MAD',
        postings: [
          { accountId: a.id, amount: 5n },
          { accountId: b.id, amount: -4n },
        ],
      }),
      LedgerError.UnbalancedEntry,
    );
    assert.equal(
      await ledger.post({
        description: 'x',
        currency: 'MAD',
        postings: [
          { accountId: a.id, amount: 5n },
          { accountId: 'acc_missing', amount: -5n },
        ],
      }),
      LedgerError.UnknownAccount,
    );
    const euro = await account('asset', true, 'EUR');
    assert.equal(
      await ledger.transfer({
        description: 'x',
        currency: 'MAD',
        debitAccountId: a.id,
        creditAccountId: euro.id,
        amount: 1n,
      }),
      LedgerError.CurrencyMismatch,
    );
    assert.equal(
      await ledger.transfer({
        description: 'x',
        currency: 'MAD',
        debitAccountId: a.id,
        creditAccountId: b.id,
        amount: 0n,
      }),
      LedgerError.InvalidAmount,
    );
  });

  test('an unbalanced entry inserted with raw SQL is rejected by the database at commit', async () => {
    const a = await account('asset', true);
    const b = await account('asset', true);
    await assert.rejects(
      writeBehindTheLedger('je_raw_unbalanced', [
        [a.id, 100],
        [b.id, -99],
      ]),
      /unbalanced/,
    );
    await assert.rejects(
      sql`insert into ledger_entries (id, description, currency) values ('je_raw_empty', 'raw', 'MAD')`.execute(
        store.db,
      ),
      /unbalanced/,
    );
    assert.equal((await ledger.getAccount(a.id))?.debitsPosted, 0n);
  });

  /** Two new asset accounts (both may go negative) and a transfer of `amount` from b to a. */
  async function transferBetweenNewAccounts(amount: bigint) {
    const a = await account('asset', true);
    const b = await account('asset', true);
    const entry = await ledger.transfer({
      description: 'x',
      currency: 'MAD',
      debitAccountId: a.id,
      creditAccountId: b.id,
      amount,
    });
    assertEntry(entry);
    return { a, b, entry };
  }

  test('a posting in another currency than its entry is refused by the database', async () => {
    const euro = await account('asset', true, 'EUR');
    const dirham = await account('asset', true);
    await assert.rejects(
      writeBehindTheLedger('je_raw_currency', [
        [dirham.id, 5],
        [euro.id, -5],
      ]),
      /posting to account .* \(EUR\) on entry je_raw_currency in MAD/,
    );
    assert.equal((await ledger.getAccount(dirham.id))?.debitsPosted, 0n);
  });

  test('the database refuses postings to an account or entry that does not exist, and keeps used accounts', async () => {
    const a = await account('asset', true);
    const b = await account('asset', true);
    const refusal = (error: unknown, constraint: string, detail: RegExp) => {
      const e = error as { code?: string; constraint?: string; detail?: string };
      return e.code === '23503' && e.constraint === constraint && detail.test(e.detail ?? '');
    };
    await assert.rejects(
      writeBehindTheLedger('je_raw_no_account', [
        [a.id, 5],
        ['acc_missing', -5],
      ]),
      (e) => refusal(e, 'ledger_postings_account_id_fkey', /\(account_id\)=\(acc_missing\)/),
    );
    await assert.rejects(
      sql`insert into ledger_postings (entry_id, account_id, amount, posted_at)
          values ('je_missing', ${a.id}, 5, now()), ('je_missing', ${b.id}, -5, now())`.execute(store.db),
      (e) => refusal(e, 'ledger_postings_entry_id_fkey', /\(entry_id\)=\(je_missing\)/),
    );
    assert.equal((await ledger.getAccount(a.id))?.debitsPosted, 0n);

    const { a: used } = await transferBetweenNewAccounts(5n);
    await assert.rejects(
      sql`delete from ledger_accounts where id = ${used.id}`.execute(store.db),
      /has postings/,
    );
    for (const table of ['ledger_accounts', 'ledger_entries', 'ledger_postings']) {
      await assert.rejects(sql`truncate ${sql.table(table)} cascade`.execute(store.db), /append-only/);
    }
    // An account nothing was posted to can go.
    await sql`delete from ledger_accounts where id = ${a.id}`.execute(store.db);
    assert.equal(await ledger.getAccount(a.id), undefined);
  });

  test('a posting added later to an entry another transaction wrote must leave it balanced', async () => {
    const { a, b, entry } = await transferBetweenNewAccounts(5n);
    await assert.rejects(
      sql`insert into ledger_postings (entry_id, account_id, amount, posted_at)
          values (${entry.id}, ${a.id}, 3, now())`.execute(store.db),
      /unbalanced/,
    );
    // It is checked at the end of each statement: a pair split over two is refused, balanced or not.
    for (const credit of [-2, -3]) {
      await assert.rejects(
        store.transaction(async (trx) => {
          await sql`insert into ledger_postings (entry_id, account_id, amount, posted_at)
                    values (${entry.id}, ${a.id}, 3, now())`.execute(trx);
          await sql`insert into ledger_postings (entry_id, account_id, amount, posted_at)
                    values (${entry.id}, ${b.id}, ${credit}, now())`.execute(trx);
        }),
        /unbalanced/,
      );
    }
    assert.equal((await ledger.getAccount(a.id))?.debitsPosted, 5n);
    // A balanced pair in one statement keeps the entry balanced, and moves the totals.
    await sql`insert into ledger_postings (entry_id, account_id, amount, posted_at)
              values (${entry.id}, ${a.id}, 3, now()), (${entry.id}, ${b.id}, -3, now())`.execute(store.db);
    assert.equal((await ledger.getAccount(a.id))?.debitsPosted, 8n);
    assert.equal((await ledger.getAccount(b.id))?.creditsPosted, 8n);
  });

  test('postings, entries and totals cannot be edited behind the ledger', async () => {
    const { a, entry } = await transferBetweenNewAccounts(7n);
    await assert.rejects(
      sql`update ledger_postings set amount = 8 where entry_id = ${entry.id} and amount = 7`.execute(
        store.db,
      ),
      /append-only/,
    );
    await assert.rejects(
      sql`delete from ledger_entries where id = ${entry.id}`.execute(store.db),
      /append-only/,
    );
    await assert.rejects(
      sql`update ledger_accounts set debits_posted = 0 where id = ${a.id}`.execute(store.db),
      /only through postings/,
    );
    // Renaming an account is still allowed.
    await sql`update ledger_accounts set name = 'renamed' where id = ${a.id}`.execute(store.db);
  });

  test('posting twice with one external reference records one entry', async () => {
    const a = await account('asset', true);
    const b = await account('liability');
    const transfer = {
      externalRef: `ref-${unique}`,
      description: 'idempotent',
      currency: 'MAD' as const,
      debitAccountId: a.id,
      creditAccountId: b.id,
      amount: 300n,
    };
    const [first, second] = await Promise.all([ledger.transfer(transfer), ledger.transfer(transfer)]);
    assertEntry(first);
    assertEntry(second);
    assert.equal(first.id, second.id);
    assert.equal((await ledger.getAccount(b.id))?.balance, 300n);
    assert.equal(await ledger.transfer({ ...transfer, amount: 301n }), LedgerError.ReferenceConflict);
  });

  test('an entry posted at commit writes nothing before it, then lands whole with the transaction', async () => {
    const receivable = await account('asset', true);
    const payable = await account('liability');
    const revenue = await account('revenue');
    const postings = [
      { accountId: receivable.id, amount: 10_000n },
      { accountId: payable.id, amount: -9_800n },
      { accountId: revenue.id, amount: -200n },
    ];
    listening = [];
    const id = await store.transaction(async (trx) => {
      const posted = await ledger.postAtCommit(
        { externalRef: `sale-${unique}`, description: 'sale', currency: 'MAD', postings },
        trx,
      );
      assert.equal(typeof posted, 'string');
      // New accounts' traits are read once; nothing is written before the commit.
      assert.deepEqual(
        listening?.filter((s) => s !== 'begin' && !s.startsWith('select')),
        [],
      );
      return posted as string;
    });
    // The entry and its postings: one statement.
    const writes = listening.filter((s) => s.includes('insert into'));
    listening = undefined;
    assert.equal(writes.length, 1);
    assert.match(
      writes[0]!,
      /^with w0 as \(insert into "ledger_entries".*w1 as \(insert into "ledger_postings"/s,
    );
    const stored = await ledger.getEntry(id);
    assert.deepEqual(stored?.postings.map((p) => p.amount).sort(), postings.map((p) => p.amount).sort());
    assert.equal((await ledger.getAccount(payable.id))?.balance, 9_800n);
    assert.equal((await ledger.getAccount(revenue.id))?.balance, 200n);
    const times = await store.db
      .selectFrom('ledger_postings')
      .select('posted_at')
      .where('entry_id', '=', id)
      .execute();
    assert.ok(times.every((t) => t.posted_at.getTime() === stored?.postedAt.getTime()));
    assert.deepEqual(await ledger.checkInvariants(), []);
  });

  test('at commit: an entry that would take an account below zero is refused at once; a rollback writes nothing', async () => {
    const cash = await account('asset', true);
    const wallet = await account('asset');
    const move = (description: string, from: string, to: string) => ({
      description,
      currency: 'MAD' as const,
      postings: [
        { accountId: to, amount: 50n },
        { accountId: from, amount: -50n },
      ],
    });
    const short = await store.transaction((trx) =>
      ledger.postAtCommit(move('overdraw', wallet.id, cash.id), trx),
    );
    assert.equal(short, LedgerError.InsufficientFunds);
    await assert.rejects(
      store.transaction(async (trx) => {
        await ledger.postAtCommit(move('fund', cash.id, wallet.id), trx);
        throw new Error('abandoned');
      }),
      /abandoned/,
    );
    assert.equal((await ledger.getAccount(wallet.id))?.balance, 0n);
    assert.deepEqual(await ledger.checkInvariants(), []);
  });

  test('balance as of a past time counts only the postings up to then', async () => {
    const a = await account('asset', true);
    const b = await account('liability');
    const first = await ledger.transfer({
      description: '1',
      currency: 'MAD',
      debitAccountId: a.id,
      creditAccountId: b.id,
      amount: 100n,
    });
    assertEntry(first);
    await new Promise((r) => setTimeout(r, 20));
    const between = new Date();
    await new Promise((r) => setTimeout(r, 20));
    await ledger.transfer({
      description: '2',
      currency: 'MAD',
      debitAccountId: a.id,
      creditAccountId: b.id,
      amount: 50n,
    });
    assert.equal((await ledger.balance(b.id, between))?.balance, 100n);
    assert.equal((await ledger.balance(b.id))?.balance, 150n);
    assert.equal((await ledger.balance(b.id, new Date(first.postedAt.getTime() - 1)))?.balance, 0n);
  });

  test('an account created in a transaction that rolled back is forgotten, not posted to', async () => {
    const cash = await account('asset', true);
    let ghostId = '';
    await assert.rejects(
      store.transaction(async (trx) => {
        const ghost = await ledger.createAccount(
          { code: `ghost:${unique++}`, name: 'ghost', type: 'liability', currency: 'MAD' },
          trx,
        );
        ghostId = ghost.id;
        const entry = await ledger.transfer(
          {
            description: 'x',
            currency: 'MAD',
            debitAccountId: cash.id,
            creditAccountId: ghost.id,
            amount: 5n,
          },
          trx,
        );
        assertEntry(entry);
        throw new Error('the payment failed after all');
      }),
      /failed after all/,
    );
    assert.equal(
      await ledger.transfer({
        description: 'x',
        currency: 'MAD',
        debitAccountId: cash.id,
        creditAccountId: ghostId,
        amount: 5n,
      }),
      LedgerError.UnknownAccount,
    );
  });

  test('concurrent transfers on the same accounts lose no update', async () => {
    const source = await account('asset', true);
    const target = await account('liability');
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        ledger.transfer({
          description: `c${i}`,
          currency: 'MAD',
          debitAccountId: source.id,
          creditAccountId: target.id,
          amount: 1n,
        }),
      ),
    );
    assert.equal((await ledger.getAccount(target.id))?.balance, 100n);
    assert.deepEqual(await ledger.checkInvariants(), []);
  });

  test('property: any sequence of transfers keeps the books balanced and totals equal to postings', async () => {
    const accounts = await Promise.all(
      (['asset', 'liability', 'revenue', 'expense', 'asset'] as const).map((type) => account(type, true)),
    );
    const transfer = fc.record({
      from: fc.integer({ min: 0, max: accounts.length - 1 }),
      to: fc.integer({ min: 0, max: accounts.length - 1 }),
      amount: fc.bigInt({ min: 1n, max: 10_000_000_000n }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(transfer, { minLength: 1, maxLength: 15 }), async (transfers) => {
        for (const t of transfers) {
          if (t.from === t.to) continue;
          const result = await ledger.transfer({
            description: 'property',
            currency: 'MAD',
            debitAccountId: accounts[t.from]!.id,
            creditAccountId: accounts[t.to]!.id,
            amount: t.amount,
          });
          assertEntry(result);
        }
        const totals = await store.db
          .selectFrom('ledger_accounts')
          .select([sql<bigint>`sum(debits_posted - credits_posted)::bigint`.as('net')])
          .executeTakeFirstOrThrow();
        assert.equal(totals.net, 0n);
        assert.deepEqual(await ledger.checkInvariants(), []);
      }),
      { numRuns: 20 },
    );
  });
});
