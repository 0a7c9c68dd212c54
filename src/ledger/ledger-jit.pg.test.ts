import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { testDatabase } from '../../test/support/store.js';

// PostgreSQL compiles a statement whose estimated cost passes jit_above_cost, however small the work
// it then does, and the estimates of the ledger triggers' lookups grow with a ledger that has no
// statistics (migration 0032). Here every statement's estimate passes (jit_above_cost = 0), and
// auto_explain sends each plan, the triggers' own statements too, back as a notice that says whether
// it was compiled.
test("the ledger's triggers never compile their queries, whatever the planner estimates", async (t) => {
  const database = await testDatabase();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  after(async () => {
    await client.end();
    await database.drop();
  });
  if (!(await client.query('select pg_jit_available() as available')).rows[0].available) {
    t.skip('this PostgreSQL has no JIT');
    return;
  }
  const plans: string[] = [];
  client.on('notice', (notice) => plans.push(notice.message ?? ''));
  for (const setting of [
    "load 'auto_explain'",
    'set auto_explain.log_min_duration = 0',
    'set auto_explain.log_nested_statements = on',
    "set auto_explain.log_level = 'notice'",
    'set jit = on',
    'set jit_above_cost = 0',
  ])
    await client.query(setting);

  await client.query(`insert into ledger_accounts (id, code, name, type, currency)
                      values ('la_jit_cash', 'jit:cash', 'cash', 'asset', 'MAD'),
                             ('la_jit_owed', 'jit:owed', 'owed', 'liability', 'MAD')`);
  await client.query('begin');
  await client.query(`with entry as (insert into ledger_entries (id, description, currency)
                                     values ('je_jit', 'jit', 'MAD') returning id)
                      insert into ledger_postings (entry_id, account_id, amount, posted_at)
                      select entry.id, p.account, p.amount, now() from entry,
                             (values ('la_jit_cash', 500), ('la_jit_owed', -500)) as p (account, amount)`);
  await client.query('commit');

  const compiled = (plan: string) => /^JIT:/m.test(plan);
  const posting = plans.find((plan) => plan.includes('insert into ledger_postings'));
  const triggers = plans.filter((plan) => /new_postings|from ledger_postings where entry_id/.test(plan));
  // What is measured can tell: the statement that posts, planned outside the triggers, was compiled.
  assert.ok(posting && compiled(posting), plans.join('\n---\n'));
  assert.ok(triggers.length >= 3, plans.join('\n---\n'));
  assert.deepEqual(triggers.filter(compiled), []);
  assert.deepEqual(
    (
      await client.query(
        `select debits_posted, credits_posted from ledger_accounts where id like 'la_jit_%' order by id`,
      )
    ).rows,
    [
      { debits_posted: '500', credits_posted: '0' },
      { debits_posted: '0', credits_posted: '500' },
    ],
  );
});
