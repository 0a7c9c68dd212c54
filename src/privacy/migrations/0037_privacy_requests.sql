-- Law 09-08: requests of people to see, correct or object to the personal data a merchant (the
-- controller) holds on them through Tijara, with the date by which each must be answered. The person's
-- addresses, the note and the answer are sealed by the vault; the supervising authority sees only
-- dates and counts.
create table privacy_requests (
  id text primary key,
  merchant_id text not null,
  livemode boolean not null,
  kind text not null check (kind in ('access', 'rectification', 'objection')),
  subject_email text not null,
  corrected_email text,
  note text,
  status text not null default 'open' check (status in ('open', 'answered')),
  received_at timestamptz not null,
  due_at timestamptz not null,
  answered_at timestamptz,
  -- How many payments the answer covered, and what it said (for an access request, the records).
  records integer,
  answer text,
  created_at timestamptz not null,
  check ((status = 'answered') = (answered_at is not null)),
  check ((kind = 'rectification') = (corrected_email is not null)),
  check (due_at > received_at)
);

create index privacy_requests_by_merchant on privacy_requests (merchant_id, livemode, id desc);
-- The authority's view of what is due: only open requests.
create index privacy_requests_open on privacy_requests (due_at) where status = 'open';
