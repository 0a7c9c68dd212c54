-- Web sites the supervising authority watches (merchants', billers', other public services'), what
-- each check of them found, and incidents: a stretch of time a site was down, defaced or at risk.
create table watch_sites (
  id text primary key,
  url text not null unique,
  label text not null,
  owner_kind text not null check (owner_kind in ('merchant', 'biller', 'government')),
  owner_id text,
  enabled boolean not null default true,
  every_minutes integer not null check (every_minutes between 1 and 1440),
  status text not null default 'unknown'
    check (status in ('down', 'defaced', 'at_risk', 'up', 'unknown')),
  findings jsonb not null default '[]',
  last_checked_at timestamptz,
  next_check_at timestamptz not null,
  -- The page's text as the authority accepted it (the first answer, or a later one it accepted), and
  -- as the latest check saw it: public pages' wording, compared to spot a defacement.
  baseline_text text,
  baseline_at timestamptz,
  latest_text text,
  created_at timestamptz not null
);

-- Only the sites being checked: the workers' claim of due sites reads nothing else.
create index watch_sites_due on watch_sites (next_check_at) where enabled;

create table watch_checks (
  id text primary key,
  site_id text not null references watch_sites (id) on delete cascade,
  checked_at timestamptz not null,
  status text not null check (status in ('down', 'defaced', 'at_risk', 'up')),
  http_status integer,
  response_ms integer,
  final_url text,
  tls jsonb,
  missing_headers text[] not null,
  similarity real check (similarity between 0 and 1),
  findings jsonb not null
);

create index watch_checks_by_site on watch_checks (site_id, checked_at desc);
-- Checks are purged by age; they arrive in time order.
create index watch_checks_by_time on watch_checks using brin (checked_at);

create table watch_incidents (
  id text primary key,
  site_id text not null references watch_sites (id) on delete cascade,
  kind text not null check (kind in ('down', 'defaced', 'at_risk')),
  opened_at timestamptz not null,
  closed_at timestamptz,
  findings jsonb not null,
  check (closed_at is null or closed_at >= opened_at)
);

create unique index watch_incidents_one_open on watch_incidents (site_id) where closed_at is null;
create index watch_incidents_recent on watch_incidents (opened_at desc);
