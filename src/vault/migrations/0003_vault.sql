-- Card data at rest. A PAN is encrypted with AES-256-GCM under a data key; data keys are themselves
-- encrypted ("wrapped") under a master key that never enters the database. Only the first six and
-- last four digits stay in clear. The CVV has no column: it is never stored.

create table vault_keys (
  id text primary key,
  -- 'data' keys encrypt cards and secrets; the one 'fingerprint' key computes HMACs that recognise a card.
  purpose text not null check (purpose in ('data', 'fingerprint')),
  -- Which master key wraps this key ('mk_' + 16 hex digits of its SHA-256): rotation re-wraps, never re-encrypts.
  master_key_id text not null,
  -- iv (12 bytes) ‖ GCM tag (16 bytes) ‖ encrypted 32-byte key.
  wrapped_key bytea not null check (length(wrapped_key) = 60),
  created_at timestamptz not null default now(),
  -- A retired data key still decrypts what it encrypted; it only stops encrypting new records.
  retired_at timestamptz
);

-- At most one key of each purpose in use, so processes starting together cannot create two
-- fingerprint keys (the same card would get two fingerprints) or two current data keys.
create unique index vault_keys_one_in_use on vault_keys (purpose) where retired_at is null;

create table vault_cards (
  token text primary key,
  fingerprint text not null,
  bin text not null check (bin ~ '^[0-9]{6}$'),
  last4 text not null check (last4 ~ '^[0-9]{4}$'),
  brand text not null,
  exp_month smallint not null check (exp_month between 1 and 12),
  exp_year smallint not null check (exp_year between 2000 and 2200),
  holder_name text,
  key_id text not null references vault_keys (id),
  -- iv (12 bytes) ‖ GCM tag (16 bytes) ‖ encrypted PAN, with the token as additional authenticated data.
  ciphertext bytea not null,
  created_at timestamptz not null default now()
);

create index vault_cards_fingerprint on vault_cards (fingerprint);
