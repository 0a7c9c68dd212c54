-- The audit trail: every change made by a person or an API key, and every read of data the supervising
-- authority marks sensitive. Append-only, and hash-chained (each record carries the hash of the one
-- before it) so that an edit, a deletion or an insertion shows up when the chain is verified.

create table audit_log (
  -- Gap-free: taken as max(seq) + 1 under an advisory lock by the appender. A sequence would leave a
  -- gap on every rollback, and a gap must mean one thing only: a deleted record.
  seq bigint primary key check (seq > 0),
  id text not null unique,
  at timestamptz not null,
  actor_type text not null check (actor_type in ('user', 'api_key', 'system')),
  actor_id text not null,
  organisation_id text,
  action text not null check (action <> ''),
  target_type text,
  target_id text,
  details jsonb not null default '{}' check (jsonb_typeof(details) = 'object'),
  ip text,
  request_id text,
  prev_hash text not null check (prev_hash ~ '^[0-9a-f]{64}$'),
  hash text not null check (hash ~ '^[0-9a-f]{64}$')
);

-- The console's filters, each newest first.
create index audit_log_by_actor on audit_log (actor_id, seq);
create index audit_log_by_target on audit_log (target_id, seq);
create index audit_log_by_action on audit_log (action, seq);

create function audit_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only', tg_table_name using errcode = '55000';
end $$;

create trigger audit_log_append_only before update or delete on audit_log
  for each row execute function audit_refuse_change();
-- Row triggers do not see TRUNCATE.
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function audit_refuse_change();
