-- Double-entry ledger. The database itself keeps the invariants:
--  * every journal entry has two or more postings that sum to zero (checked at commit);
--  * an account's debits_posted / credits_posted equal the sums of its postings (only postings move them);
--  * an account that may not go negative never does;
--  * entries and postings are append-only.
-- Amounts are integer minor units (centimes). A posting's amount is positive for a debit, negative for a credit.

create table ledger_accounts (
  id text primary key,
  code text not null unique,
  name text not null,
  type text not null check (type in ('asset', 'liability', 'equity', 'revenue', 'expense')),
  currency char(3) not null,
  may_go_negative boolean not null default false,
  debits_posted bigint not null default 0 check (debits_posted >= 0),
  credits_posted bigint not null default 0 check (credits_posted >= 0),
  created_at timestamptz not null default now(),
  constraint ledger_accounts_not_negative check (
    may_go_negative
    or (type in ('asset', 'expense') and debits_posted >= credits_posted)
    or (type in ('liability', 'equity', 'revenue') and credits_posted >= debits_posted)
  )
);

create table ledger_entries (
  id text primary key,
  -- Posting twice with one external reference records one entry.
  external_ref text unique,
  description text not null,
  currency char(3) not null,
  posted_at timestamptz not null default now(),
  metadata jsonb not null default '{}'
);

create table ledger_postings (
  id bigint generated always as identity primary key,
  entry_id text not null references ledger_entries (id),
  account_id text not null references ledger_accounts (id),
  amount bigint not null check (amount <> 0),
  posted_at timestamptz not null
);

create index ledger_postings_by_account on ledger_postings (account_id, posted_at);
create index ledger_postings_by_entry on ledger_postings (entry_id);
create index ledger_entries_by_time on ledger_entries (posted_at);

-- Moves the account's totals with each posting, and refuses a posting in another currency than its entry.
create function ledger_apply_posting() returns trigger language plpgsql as $$
declare
  account_currency char(3);
  entry_currency char(3);
begin
  select currency into entry_currency from ledger_entries where id = new.entry_id;
  update ledger_accounts
     set debits_posted = debits_posted + greatest(new.amount, 0),
         credits_posted = credits_posted + greatest(-new.amount, 0)
   where id = new.account_id
   returning currency into account_currency;
  if account_currency is distinct from entry_currency then
    raise exception 'posting to account % (%) on entry % in %', new.account_id, account_currency, new.entry_id, entry_currency
      using errcode = '23514';
  end if;
  return new;
end $$;

create trigger ledger_postings_apply after insert on ledger_postings
  for each row execute function ledger_apply_posting();

-- Runs at commit, once the whole entry is written.
create function ledger_check_entry_balanced() returns trigger language plpgsql as $$
declare
  entry text;
  total numeric;
  postings integer;
begin
  if tg_table_name = 'ledger_entries' then
    entry := new.id;
  else
    entry := new.entry_id;
  end if;
  select coalesce(sum(amount), 0), count(*) into total, postings from ledger_postings where entry_id = entry;
  if postings < 2 or total <> 0 then
    raise exception 'journal entry % is unbalanced: % postings summing to %', entry, postings, total
      using errcode = '23514', constraint = 'ledger_entry_balanced';
  end if;
  return null;
end $$;

create constraint trigger ledger_entry_balanced after insert on ledger_postings
  deferrable initially deferred for each row execute function ledger_check_entry_balanced();
create constraint trigger ledger_entry_has_postings after insert on ledger_entries
  deferrable initially deferred for each row execute function ledger_check_entry_balanced();

create function ledger_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only', tg_table_name using errcode = '55000';
end $$;

create trigger ledger_entries_append_only before update or delete on ledger_entries
  for each row execute function ledger_refuse_change();
create trigger ledger_postings_append_only before update or delete on ledger_postings
  for each row execute function ledger_refuse_change();

-- Totals move only through postings (the posting trigger runs at depth 2; a direct UPDATE at depth 1).
create function ledger_guard_totals() returns trigger language plpgsql as $$
begin
  if pg_trigger_depth() < 2
     and (new.debits_posted, new.credits_posted) is distinct from (old.debits_posted, old.credits_posted) then
    raise exception 'ledger account totals change only through postings' using errcode = '55000';
  end if;
  return new;
end $$;

create trigger ledger_accounts_guard_totals before update on ledger_accounts
  for each row execute function ledger_guard_totals();
