-- The ledger's triggers ran more often than their rules need (perf under the payments benchmark: the
-- PL/pgSQL triggers were a sixth of PostgreSQL's CPU). Same rules, same errors:
--
-- 1. An entry was checked for balance once per posting and once more for itself, all at commit: an
--    entry of three postings added up its postings four times. An entry written by this transaction
--    is now checked once, by its own trigger at commit (ledger_entry_has_postings), which sees all its
--    postings; the postings' trigger checks only a posting added to an entry some other transaction
--    wrote, which nothing else would check.
-- 2. The guard that totals move only through postings was called for every update of an account,
--    eight a payment, to find it had nothing to say. Its condition is now the trigger's WHEN clause,
--    which PostgreSQL evaluates without calling PL/pgSQL: a direct UPDATE runs at depth 0, the posting
--    trigger's at depth 1 (inside the function the depths were 1 and 2).

create or replace function ledger_check_entry_balanced() returns trigger language plpgsql as $$
declare
  entry text;
  total numeric;
  postings integer;
begin
  if tg_table_name = 'ledger_entries' then
    entry := new.id;
  else
    entry := new.entry_id;
    -- Written by this transaction (its xmin, and posted_at defaults to the transaction's start): its
    -- own trigger checks it at commit. Either test failing only means checking here too.
    perform 1 from ledger_entries
      where id = entry and xmin = pg_current_xact_id()::xid and posted_at = now();
    if found then
      return null;
    end if;
  end if;
  select coalesce(sum(amount), 0), count(*) into total, postings from ledger_postings where entry_id = entry;
  if postings < 2 or total <> 0 then
    raise exception 'journal entry % is unbalanced: % postings summing to %', entry, postings, total
      using errcode = '23514', constraint = 'ledger_entry_balanced';
  end if;
  return null;
end $$;

create or replace function ledger_guard_totals() returns trigger language plpgsql as $$
begin
  raise exception 'ledger account totals change only through postings' using errcode = '55000';
end $$;

drop trigger ledger_accounts_guard_totals on ledger_accounts;
create trigger ledger_accounts_guard_totals before update on ledger_accounts
  for each row
  when (pg_trigger_depth() < 1
        and (new.debits_posted, new.credits_posted) is distinct from (old.debits_posted, old.credits_posted))
  execute function ledger_guard_totals();
