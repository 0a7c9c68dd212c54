-- A posting was checked row by row: its trigger called PL/pgSQL to read its entry and update its
-- account, its two foreign keys each ran a query, and a deferred trigger called PL/pgSQL again at
-- commit. A payment has about eight postings and a confirmation group writes all its payments' in one
-- statement, so that was some 200 small queries for one statement, a third of PostgreSQL's CPU under
-- the payments benchmark (perf). One statement-level trigger now does the same checks once per
-- statement, set-wise, over the statement's new postings (a transition table):
--
-- * Every posting's entry and account exist (the foreign keys' rule; their error code, 23503). An
--   account with postings cannot be deleted, and no ledger table can be truncated.
-- * A posting in another currency than its entry's is refused.
-- * An account's totals move by the sum of the statement's postings to it. The accounts are locked
--   first, in id order, as the ledger service locks them, so two statements never deadlock, and as an
--   UPDATE locks them (no key update).
-- * An account that may not go negative is checked after all of the statement's postings to it
--   (before, after each one: an entry that debited and credited one account could fail halfway).
-- * An entry this transaction wrote is checked for balance at commit by its own trigger
--   (ledger_entry_has_postings), which sees all its postings. A posting added to an entry another
--   transaction wrote was checked at commit by a trigger on each posting; it is now checked at the
--   end of its statement: that entry must balance again by then. (An entry written inside a savepoint
--   counts as another transaction's here, its xmin being the savepoint's: its postings must then
--   balance by the end of each statement that adds some, as both of the service's ways of posting do,
--   in one statement.)

alter table ledger_postings
  drop constraint ledger_postings_entry_id_fkey,
  drop constraint ledger_postings_account_id_fkey;
drop trigger ledger_entry_balanced on ledger_postings;
drop trigger ledger_postings_apply on ledger_postings;
drop function ledger_apply_posting();

-- Every query here looks a few rows up by key. PL/pgSQL plans them once a session, from the
-- statistics of that moment: planned on a small ledger (a new database), they scanned and hashed the
-- whole of ledger_entries and ledger_postings ever after, and cost PostgreSQL more than the row
-- triggers had (perf). So the plans are made with scans and hash or merge joins priced out, which
-- leaves the index lookups a ledger of any size wants.
create function ledger_apply_postings() returns trigger language plpgsql
  set enable_seqscan = off set enable_hashjoin = off set enable_mergejoin = off
as $$
declare
  bad record;
  outcome record;
begin
  -- An entry written by this transaction has its xmin, and a posted_at of the transaction's start.
  -- Another's is added up (the lateral's condition on `ours` alone skips the scan for our own).
  select p.entry_id, e.id is null as missing, t.postings, t.total into bad
    from (select distinct entry_id from new_postings) p
    left join lateral (select id, xmin = pg_current_xact_id()::xid and posted_at = now() as ours
                         from ledger_entries where id = p.entry_id) e on true
    left join lateral (select count(*) as postings, sum(l.amount) as total from ledger_postings l
                        where l.entry_id = p.entry_id and not e.ours) t on true
   where e.id is null or not e.ours and (t.postings < 2 or t.total <> 0)
   limit 1;
  if bad.missing then
    raise exception 'insert or update on table "ledger_postings" violates foreign key constraint "ledger_postings_entry_id_fkey"'
      using errcode = '23503', constraint = 'ledger_postings_entry_id_fkey', table = 'ledger_postings',
            detail = format('Key (entry_id)=(%s) is not present in table "ledger_entries".', bad.entry_id);
  elsif found then
    raise exception 'journal entry % is unbalanced: % postings summing to %', bad.entry_id, bad.postings, bad.total
      using errcode = '23514', constraint = 'ledger_entry_balanced';
  end if;

  perform 1 from ledger_accounts where id in (select account_id from new_postings) order by id for no key update;

  -- Each account's movement, and the currencies of the entries that moved it.
  with moved as (
    update ledger_accounts a
       set debits_posted = a.debits_posted + m.debits,
           credits_posted = a.credits_posted + m.credits
      from (select p.account_id, sum(greatest(p.amount, 0))::bigint as debits,
                   sum(greatest(-p.amount, 0))::bigint as credits,
                   min(e.currency) as lowest_currency, max(e.currency) as highest_currency
              from new_postings p join ledger_entries e on e.id = p.entry_id
             group by p.account_id) m
     where a.id = m.account_id
    returning a.id, a.currency <> m.lowest_currency or a.currency <> m.highest_currency as other_currency,
              not a.may_go_negative
              and case when a.type in ('asset', 'expense') then a.debits_posted < a.credits_posted
                       else a.credits_posted < a.debits_posted end as below_zero
  )
  select count(*) as accounts,
         (select count(distinct account_id) from new_postings) as wanted,
         (select id from moved where other_currency limit 1) as other_currency,
         (select id from moved where below_zero limit 1) as below_zero
    into outcome from moved;

  if outcome.accounts < outcome.wanted then
    select p.account_id into bad from new_postings p
     where not exists (select 1 from ledger_accounts a where a.id = p.account_id) limit 1;
    raise exception 'insert or update on table "ledger_postings" violates foreign key constraint "ledger_postings_account_id_fkey"'
      using errcode = '23503', constraint = 'ledger_postings_account_id_fkey', table = 'ledger_postings',
            detail = format('Key (account_id)=(%s) is not present in table "ledger_accounts".', bad.account_id);
  end if;
  if outcome.other_currency is not null then
    select p.account_id, a.currency as account_currency, p.entry_id, e.currency as entry_currency into bad
      from new_postings p
      join ledger_entries e on e.id = p.entry_id
      join ledger_accounts a on a.id = p.account_id
     where p.account_id = outcome.other_currency and a.currency <> e.currency
     limit 1;
    raise exception 'posting to account % (%) on entry % in %', bad.account_id, bad.account_currency, bad.entry_id, bad.entry_currency
      using errcode = '23514';
  end if;
  if outcome.below_zero is not null then
    raise exception 'new row for relation "ledger_accounts" violates check constraint "ledger_accounts_not_negative"'
      using errcode = '23514', constraint = 'ledger_accounts_not_negative', table = 'ledger_accounts',
            detail = format('account %s would go below zero', outcome.below_zero);
  end if;
  return null;
end $$;

create trigger ledger_postings_apply after insert on ledger_postings
  referencing new table as new_postings
  for each statement execute function ledger_apply_postings();

-- Only the entry's side of the balance check is left (the postings' side is above).
create or replace function ledger_check_entry_balanced() returns trigger language plpgsql as $$
declare
  total numeric;
  postings integer;
begin
  select coalesce(sum(amount), 0), count(*) into total, postings from ledger_postings where entry_id = new.id;
  if postings < 2 or total <> 0 then
    raise exception 'journal entry % is unbalanced: % postings summing to %', new.id, postings, total
      using errcode = '23514', constraint = 'ledger_entry_balanced';
  end if;
  return null;
end $$;

-- What the foreign keys also kept: no posting left pointing at nothing.
create function ledger_refuse_deleting_used_account() returns trigger language plpgsql as $$
begin
  if exists (select 1 from ledger_postings where account_id = old.id) then
    raise exception 'ledger account % has postings: it cannot be deleted', old.id
      using errcode = '23503', table = 'ledger_accounts';
  end if;
  return old;
end $$;

create trigger ledger_accounts_keep_used before delete on ledger_accounts
  for each row execute function ledger_refuse_deleting_used_account();

create trigger ledger_entries_no_truncate before truncate on ledger_entries
  for each statement execute function ledger_refuse_change();
create trigger ledger_postings_no_truncate before truncate on ledger_postings
  for each statement execute function ledger_refuse_change();
create trigger ledger_accounts_no_truncate before truncate on ledger_accounts
  for each statement execute function ledger_refuse_change();
