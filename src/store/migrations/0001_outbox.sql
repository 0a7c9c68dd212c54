-- Events leave a transaction through this table: written with the change they announce,
-- delivered after commit by the outbox worker, at least once.
create table outbox_events (
  id bigint generated always as identity primary key,
  topic text not null,
  payload jsonb not null,
  created_at timestamptz not null default now(),
  available_at timestamptz not null default now(),
  attempts integer not null default 0,
  -- A claimed event is leased: if its worker dies, the lease runs out and another worker takes it.
  locked_until timestamptz,
  delivered_at timestamptz,
  failed_at timestamptz,
  last_error text
);

create index outbox_events_due on outbox_events (available_at, id)
  where delivered_at is null and failed_at is null;

-- Facts about this installation (when the demo data was loaded, …).
create table platform_meta (
  key text primary key,
  value text not null,
  updated_at timestamptz not null default now()
);
