-- API keys of organisations (the supervising authority, banks) for the supervision APIs, such as
-- watchlist screening. Only the SHA-256 of a key is kept; the key itself is shown once.

create table organisation_keys (
  id text primary key,
  organisation_id text not null references organisations (id),
  livemode boolean not null,
  secret_hash text not null unique check (secret_hash ~ '^[0-9a-f]{64}$'),
  -- "ok_test_…abcd", to tell keys apart in a list.
  hint text not null,
  label text,
  created_at timestamptz not null,
  revoked_at timestamptz
);

create index organisation_keys_by_organisation on organisation_keys (organisation_id);
