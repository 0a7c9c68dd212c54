create table merchants (
  id text primary key,
  name text not null,
  country char(2) not null default 'MA',
  currency char(3) not null default 'MAD',
  sector text not null default 'retail',
  website text,
  -- The merchant fee: a percentage in basis points plus a fixed part in minor units.
  fee_bps integer not null default 150 check (fee_bps between 0 and 10000),
  fee_fixed bigint not null default 0 check (fee_fixed >= 0),
  status text not null default 'active' check (status in ('pending', 'active', 'suspended', 'rejected')),
  created_at timestamptz not null default now()
);

-- Secret keys are shown once; only their SHA-256 is kept (they are 190-bit random strings, so a
-- fast hash is enough and keeps every API call cheap; passwords get argon2id instead).
create table merchant_api_keys (
  id text primary key,
  merchant_id text not null references merchants (id),
  livemode boolean not null,
  secret_hash text not null unique,
  hint text not null,
  label text,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  last_used_at timestamptz
);

create index merchant_api_keys_by_merchant on merchant_api_keys (merchant_id);
