-- Records not yet chained. An action writes its record here, in its own transaction and without
-- waiting for anyone; the sealer then numbers and hashes pending records into audit_log, oldest id
-- first, in one transaction that also deletes them here. Before: every appender took one advisory
-- lock until its commit, so every audited change on the platform committed one at a time.
create table audit_pending (
  id text primary key,
  at timestamptz not null,
  actor_type text not null check (actor_type in ('user', 'api_key', 'system')),
  actor_id text not null,
  organisation_id text,
  action text not null check (action <> ''),
  target_type text,
  target_id text,
  details jsonb not null default '{}' check (jsonb_typeof(details) = 'object'),
  ip text,
  request_id text
);

-- Only the sealer removes a pending record, and only by moving it into the chain.
create trigger audit_pending_no_update before update on audit_pending
  for each row execute function audit_refuse_change();
