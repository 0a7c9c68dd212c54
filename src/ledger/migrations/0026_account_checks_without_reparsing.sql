-- PostgreSQL re-reads a table's CHECK constraints from their stored text each time a statement writes
-- the table, and the posting trigger updates an account about eight times a payment: measured, that
-- re-reading was a tenth of PostgreSQL's CPU under the payments benchmark, and an account update
-- without it ran 15% faster (docs/performance.md). A domain's constraint is cached instead, so the
-- one-column rules become domains, and the rule across columns (no balance below zero unless the
-- account may go negative) is checked by the posting trigger, which is the only way totals change
-- (ledger_guard_totals). Same error, same constraint name. Changing a column to a domain rewrites the
-- table under an exclusive lock: here one short row per account.

create domain ledger_account_type as text
  check (value in ('asset', 'liability', 'equity', 'revenue', 'expense'));
create domain ledger_total as bigint check (value >= 0);

alter table ledger_accounts
  drop constraint ledger_accounts_not_negative,
  drop constraint ledger_accounts_type_check,
  drop constraint ledger_accounts_debits_posted_check,
  drop constraint ledger_accounts_credits_posted_check;

alter table ledger_accounts
  alter column type type ledger_account_type,
  alter column debits_posted type ledger_total,
  alter column credits_posted type ledger_total;

create or replace function ledger_apply_posting() returns trigger language plpgsql as $$
declare
  account ledger_accounts%rowtype;
  entry_currency char(3);
begin
  select currency into entry_currency from ledger_entries where id = new.entry_id;
  update ledger_accounts
     set debits_posted = debits_posted + greatest(new.amount, 0),
         credits_posted = credits_posted + greatest(-new.amount, 0)
   where id = new.account_id
   returning * into account;
  if account.currency is distinct from entry_currency then
    raise exception 'posting to account % (%) on entry % in %', new.account_id, account.currency, new.entry_id, entry_currency
      using errcode = '23514';
  end if;
  if not account.may_go_negative
     and (case when account.type in ('asset', 'expense')
               then account.debits_posted < account.credits_posted
               else account.credits_posted < account.debits_posted end) then
    raise exception 'new row for relation "ledger_accounts" violates check constraint "ledger_accounts_not_negative"'
      using errcode = '23514', constraint = 'ledger_accounts_not_negative', table = 'ledger_accounts',
            detail = format('account %s would go below zero', new.account_id);
  end if;
  return new;
end $$;
