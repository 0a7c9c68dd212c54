-- People who sign in to the console, the organisations they belong to, and their sessions.
-- Nothing here lets a database reader sign in: passwords are argon2id hashes, session and link
-- tokens are kept as SHA-256 digests, TOTP secrets are sealed by the vault.

create table organisations (
  id text primary key,
  kind text not null check (kind in ('merchant', 'bank', 'authority', 'operator')),
  name text not null check (btrim(name) <> ''),
  -- The merchants.id a merchant organisation is, and the switch issuer id a bank is (no foreign key:
  -- those tables belong to other modules).
  merchant_id text,
  bank_id text,
  created_at timestamptz not null,
  check ((kind = 'merchant') = (merchant_id is not null)),
  check ((kind = 'bank') = (bank_id is not null))
);

create unique index organisations_one_per_merchant on organisations (merchant_id) where merchant_id is not null;
create unique index organisations_one_per_bank on organisations (bank_id) where bank_id is not null;
-- Authorities and operators are found by name (the seed relies on it).
create unique index organisations_named on organisations (kind, name) where kind in ('authority', 'operator');

create table users (
  id text primary key,
  organisation_id text not null references organisations (id),
  email text not null unique check (email = lower(btrim(email)) and email like '%_@_%'),
  name text not null check (btrim(name) <> ''),
  -- Which roles an organisation kind may hold is checked by the service (roleAllowed in model.ts).
  role text not null check (
    role in ('owner', 'developer', 'accountant', 'operator', 'reviewer', 'senior_reviewer', 'analyst', 'dpo', 'admin')
  ),
  -- argon2id (PHC string); null while an invitation has not been accepted.
  password_hash text check (password_hash like '$argon2id$%'),
  -- Sealed by the vault. The pending secret is one being enrolled, kept apart so that re-enrolling a
  -- new device does not disable the current one until the new code is confirmed.
  totp_secret_sealed text,
  totp_pending_sealed text,
  totp_enabled boolean not null default false,
  -- The last TOTP time step accepted: a code is refused once its step (or an earlier one) was used.
  totp_last_step integer,
  failed_attempts integer not null default 0 check (failed_attempts >= 0),
  locked_until timestamptz,
  disabled_at timestamptz,
  created_at timestamptz not null,
  last_sign_in_at timestamptz,
  check (not totp_enabled or totp_secret_sealed is not null)
);

create index users_by_organisation on users (organisation_id);

create table sessions (
  -- SHA-256 (hex) of the session token; the token itself lives only in the browser's cookie.
  id text primary key check (id ~ '^[0-9a-f]{64}$'),
  user_id text not null references users (id),
  created_at timestamptz not null,
  -- Idle expiry runs from here; refreshed at most once a minute.
  last_seen_at timestamptz not null,
  -- Absolute expiry, however active the session.
  expires_at timestamptz not null,
  revoked_at timestamptz,
  ip text,
  user_agent text
);

create index sessions_by_user on sessions (user_id) where revoked_at is null;

create table one_time_links (
  -- SHA-256 (hex) of the token sent by email or shown once.
  token_hash text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
  purpose text not null check (purpose in ('invitation', 'password_reset', 'totp_enrolment')),
  user_id text not null references users (id),
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null
);

create index one_time_links_by_user on one_time_links (user_id) where used_at is null;

-- Which authority supervises the platform today: one row, moved by a hand-over, never by a code change.
create table supervision (
  id boolean primary key default true check (id),
  organisation_id text not null references organisations (id),
  since timestamptz not null
);
