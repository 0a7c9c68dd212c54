-- The built-in issuer's access control server (3-D Secure): one challenge per authentication.
-- The one-time code itself is never stored: only its keyed hash.
create table issuer_challenges (
  id text primary key,
  payment_id text not null,
  bank_id text not null,
  card_last4 text not null,
  code_hash text not null,
  attempts integer not null default 0,
  status text not null default 'pending' check (status in ('pending', 'authenticated', 'failed')),
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
);

create index issuer_challenges_by_payment on issuer_challenges (payment_id);
