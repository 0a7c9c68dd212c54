-- The postings' row triggers ran once per posting: a payment has about eight, and a confirmation
-- group writes them all in one statement, so PostgreSQL called PL/pgSQL, read the entry and updated
-- an account some fifty times for one statement, then called the deferred balance check fifty times
-- more at commit. One statement-level trigger now does that work once per statement, set-wise, over
-- the statement's new postings (a transition table). The same rules and errors:
--
-- * An account's totals move by the sum of the statement's postings to it. The accounts are locked
--   first, in id order, as the ledger service locks them, so two statements never deadlock; and as
--   an UPDATE locks them (no key update), which does not wait for the key share locks the postings'
--   foreign keys take: a FOR UPDATE would, and two statements sharing accounts deadlocked.
-- * A posting in another currency than its entry's is refused.
-- * An account that may not go negative is checked after all of the statement's postings to it
--   (before, after each one: an entry that debited and credited one account could fail halfway).
-- * An entry this transaction wrote is checked for balance at commit by its own trigger
--   (ledger_entry_has_postings), which sees all its postings. A posting added to an entry another
--   transaction wrote was checked at commit by a trigger on each posting; it is now checked at the
--   end of its statement, here: such an entry must balance again by then. (An entry written inside a
--   savepoint counts as another transaction's here, its xmin being the savepoint's: its postings
--   must then balance by the end of each statement that adds some, as both of the service's ways of
--   posting do, in one statement.)

-- Every query here looks a few rows up by key. PL/pgSQL plans them once a session, from the
-- statistics of that moment: planned on a small ledger (a new database), they scanned and hashed the
-- whole of ledger_entries and ledger_postings ever after, and cost PostgreSQL more than the row
-- triggers did (perf under the payments benchmark). So the plans are made with scans and hash or
-- merge joins priced out, which leaves the index lookups a ledger of any size wants.
create function ledger_apply_postings() returns trigger language plpgsql
  set enable_seqscan = off set enable_hashjoin = off set enable_mergejoin = off
as $$
declare
  bad record;
begin
  -- Written by this transaction: its xmin, and posted_at defaults to the transaction's start.
  select t.entry_id, t.postings, t.total into bad
    from (select l.entry_id, count(*) as postings, sum(l.amount) as total
            from (select distinct entry_id from new_postings) p
            join ledger_postings l on l.entry_id = p.entry_id
           where not exists (select 1 from ledger_entries e
                              where e.id = p.entry_id and e.xmin = pg_current_xact_id()::xid and e.posted_at = now())
           group by l.entry_id) t
   where t.postings < 2 or t.total <> 0
   limit 1;
  if found then
    raise exception 'journal entry % is unbalanced: % postings summing to %', bad.entry_id, bad.postings, bad.total
      using errcode = '23514', constraint = 'ledger_entry_balanced';
  end if;

  select p.account_id, a.currency as account_currency, p.entry_id, e.currency as entry_currency into bad
    from new_postings p
    join ledger_entries e on e.id = p.entry_id
    join ledger_accounts a on a.id = p.account_id
   where a.currency <> e.currency
   limit 1;
  if found then
    raise exception 'posting to account % (%) on entry % in %', bad.account_id, bad.account_currency, bad.entry_id, bad.entry_currency
      using errcode = '23514';
  end if;

  perform 1 from ledger_accounts where id in (select account_id from new_postings) order by id for no key update;

  with moved as (
    update ledger_accounts a
       set debits_posted = a.debits_posted + m.debits,
           credits_posted = a.credits_posted + m.credits
      from (select account_id, sum(greatest(amount, 0))::bigint as debits, sum(greatest(-amount, 0))::bigint as credits
              from new_postings group by account_id) m
     where a.id = m.account_id
    returning a.id, a.type, a.may_go_negative, a.debits_posted, a.credits_posted
  )
  select id into bad from moved
   where not may_go_negative
     and case when type in ('asset', 'expense') then debits_posted < credits_posted
              else credits_posted < debits_posted end
   limit 1;
  if found then
    raise exception 'new row for relation "ledger_accounts" violates check constraint "ledger_accounts_not_negative"'
      using errcode = '23514', constraint = 'ledger_accounts_not_negative', table = 'ledger_accounts',
            detail = format('account %s would go below zero', bad.id);
  end if;
  return null;
end $$;

drop trigger ledger_postings_apply on ledger_postings;
drop function ledger_apply_posting();
create trigger ledger_postings_apply after insert on ledger_postings
  referencing new table as new_postings
  for each statement execute function ledger_apply_postings();

-- The posting side of the balance check is the first step above; the entry side keeps its trigger.
drop trigger ledger_entry_balanced on ledger_postings;
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
