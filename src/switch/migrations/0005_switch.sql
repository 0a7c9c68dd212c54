-- The interbank switch: who issues which cards, the day's reference rates, and the journal of every
-- authorization it routed.

create table switch_issuers (
  id text primary key,
  name text not null,
  country char(2) not null,
  link text not null default 'builtin' check (link in ('builtin')),
  available boolean not null default true,
  timeout_ms integer not null default 5000 check (timeout_ms > 0),
  -- Demo behaviour: how long the built-in issuer takes to answer.
  simulated_latency_ms integer not null default 0 check (simulated_latency_ms >= 0),
  created_at timestamptz not null default now()
);

create table switch_bin_ranges (
  prefix text primary key check (prefix ~ '^[0-9]{4,11}$'),
  issuer_id text not null references switch_issuers (id),
  brand text not null,
  country char(2) not null
);

-- MAD per unit of the currency, times 1,000,000 (six decimals, no floats).
create table switch_fx_rates (
  currency char(3) not null,
  rate_date date not null,
  mad_per_unit_micro bigint not null check (mad_per_unit_micro > 0),
  primary key (currency, rate_date)
);

create table switch_authorizations (
  id text primary key,
  reference text not null unique,
  issuer_id text,
  bin text not null,
  last4 text not null,
  merchant_id text not null,
  merchant_country char(2) not null,
  amount bigint not null check (amount > 0),
  currency char(3) not null,
  amount_mad bigint,
  fx_rate_micro bigint,
  international boolean not null,
  response_code char(2) not null,
  auth_code text,
  status text not null check (status in ('declined', 'approved', 'captured', 'released', 'reversed')),
  captured bigint not null default 0,
  refunded bigint not null default 0,
  created_at timestamptz not null default now()
);

create index switch_authorizations_by_issuer on switch_authorizations (issuer_id, created_at);
