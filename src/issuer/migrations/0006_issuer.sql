-- The built-in issuer: the books of the demo banks (and of small banks without a host of their own).
-- Bank ids are the switch's issuer ids. Balances live in the ledger; these tables hold the cards and their limits.

create table issuer_accounts (
  id text primary key,
  bank_id text not null,
  holder_name text not null,
  ledger_account_id text not null,
  created_at timestamptz not null default now()
);

create table issuer_cards (
  id text primary key,
  bank_id text not null,
  account_id text not null references issuer_accounts (id),
  -- The card is recognised by the vault's keyed fingerprint; its number is never stored here.
  pan_fingerprint text not null unique,
  bin text not null,
  last4 text not null,
  exp_month smallint not null check (exp_month between 1 and 12),
  exp_year smallint not null,
  holder_name text not null,
  status text not null default 'active' check (status in ('active', 'blocked', 'lost', 'expired')),
  daily_limit bigint not null check (daily_limit >= 0),
  -- International e-commerce is granted by the bank on request; the yearly allowance is in MAD centimes.
  international_enabled boolean not null default false,
  international_approved_at timestamptz,
  international_allowance bigint not null check (international_allowance >= 0),
  -- Demo behaviour: always ask for a 3-D Secure challenge.
  requires_3ds boolean not null default false,
  created_at timestamptz not null default now()
);

create index issuer_cards_by_account on issuer_cards (account_id);
create index issuer_cards_by_last4 on issuer_cards (bank_id, last4);

create table issuer_daily_usage (
  card_id text not null references issuer_cards (id),
  day date not null,
  used bigint not null check (used >= 0),
  primary key (card_id, day)
);

create table issuer_allowance_usage (
  card_id text not null references issuer_cards (id),
  year integer not null,
  used bigint not null check (used >= 0),
  primary key (card_id, year)
);

create table issuer_authorizations (
  id text primary key,
  reference text not null unique,
  card_id text not null references issuer_cards (id),
  amount bigint not null check (amount > 0),
  captured bigint not null default 0,
  refunded bigint not null default 0,
  status text not null check (status in ('held', 'captured', 'released', 'reversed')),
  international boolean not null,
  day date not null,
  year integer not null,
  auth_code text not null,
  created_at timestamptz not null default now()
);

create index issuer_authorizations_by_card on issuer_authorizations (card_id, created_at);
