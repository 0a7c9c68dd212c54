-- A request sent on the public form waits here until the person opens the link mailed to the address
-- they gave: only then does it reach the shop, so nobody can have a shop read out or erase someone
-- else's data by typing their address. Sealed as the requests are; deleted when confirmed, or by the
-- workers once expired.
create table privacy_pending_requests (
  id text primary key,
  merchant_id text not null,
  kind text not null check (kind in ('access', 'rectification', 'objection')),
  subject_email text not null,
  corrected_email text,
  note text,
  -- The language of the form, for the mail.
  locale text not null check (locale in ('ar', 'fr', 'en')),
  -- SHA-256 of the link's token, set when the mail is sent (a mail sent again carries a new one).
  token_hash text,
  expires_at timestamptz not null,
  created_at timestamptz not null,
  check ((kind = 'rectification') = (corrected_email is not null))
);

create index privacy_pending_requests_by_expiry on privacy_pending_requests (expires_at);
