-- Watchlists as versioned snapshots, the people and companies kept under watch, and the hits found.

create table screening_lists (
  id text primary key,
  name text not null unique check (btrim(name) <> ''),
  source text not null check (source in ('un', 'ofac', 'opensanctions', 'national')),
  created_at timestamptz not null
);

-- One import of a list file: its version, and what changed against the one before.
create table screening_snapshots (
  id text primary key,
  list_id text not null references screening_lists (id),
  version integer not null check (version > 0),
  format text not null,
  file_name text,
  file_sha256 text not null check (file_sha256 ~ '^[0-9a-f]{64}$'),
  imported_at timestamptz not null,
  entries integer not null check (entries >= 0),
  added integer not null check (added >= 0),
  changed integer not null check (changed >= 0),
  removed integer not null check (removed >= 0),
  skipped integer not null check (skipped >= 0),
  -- [{record, line?, externalId?, reason}]
  rejected jsonb not null,
  unique (list_id, version)
);

-- The current state of each entry a list ever held; a removed one keeps its row (hits refer to it).
create table screening_entries (
  id text primary key,
  list_id text not null references screening_lists (id),
  external_id text not null check (btrim(external_id) <> ''),
  kind text not null check (kind in ('person', 'organisation')),
  primary_name text not null check (btrim(primary_name) <> ''),
  -- [{name, type: primary | alias | original_script}]
  names jsonb not null,
  birth_dates jsonb not null,
  nationalities jsonb not null,
  programs jsonb not null,
  -- SHA-256 (first 16 hex digits) of the content: the entry's version, so a change raises cleared hits again.
  content_hash text not null check (content_hash ~ '^[0-9a-f]{16}$'),
  added_in text not null references screening_snapshots (id),
  changed_in text not null references screening_snapshots (id),
  removed_in text references screening_snapshots (id),
  unique (list_id, external_id)
);

create index screening_entries_live on screening_entries (list_id) where removed_in is null;

-- The diff of each snapshot against the previous one of its list.
create table screening_entry_changes (
  snapshot_id text not null references screening_snapshots (id),
  entry_id text not null references screening_entries (id),
  change text not null check (change in ('added', 'changed', 'removed')),
  primary key (snapshot_id, entry_id)
);

-- Approved merchants and their people, re-screened when a list changes (merchants.id is another
-- module's: no foreign key).
create table screening_subjects (
  kind text not null check (kind in ('person', 'organisation')),
  reference text not null check (btrim(reference) <> ''),
  merchant_id text not null,
  name text not null check (btrim(name) <> ''),
  alternate_name text,
  birth_date date,
  nationality text check (nationality ~ '^[A-Z]{2}$'),
  watched_since timestamptz not null,
  updated_at timestamptz not null,
  primary key (kind, reference)
);

create index screening_subjects_by_merchant on screening_subjects (merchant_id);

-- One row per subject, entry and entry version: a hit cleared as false is not raised again until the
-- entry changes (a new content_hash is a new row).
create table screening_hits (
  id text primary key,
  subject_kind text not null,
  subject_reference text not null,
  entry_id text not null references screening_entries (id),
  entry_version text not null,
  score double precision not null check (score > 0 and score <= 1),
  matched_name text not null,
  explanation jsonb not null,
  status text not null default 'open' check (status in ('open', 'true_match', 'false_positive')),
  found_at timestamptz not null,
  -- Set once the onNewHit listeners have run (null: to notify, also after a crash).
  notified_at timestamptz,
  reviewed_at timestamptz,
  reviewed_by text,
  review_note text,
  foreign key (subject_kind, subject_reference) references screening_subjects (kind, reference),
  unique (subject_kind, subject_reference, entry_id, entry_version),
  check ((status = 'open') = (reviewed_at is null))
);

create index screening_hits_open on screening_hits (found_at) where status = 'open';
create index screening_hits_to_notify on screening_hits (found_at) where notified_at is null;
