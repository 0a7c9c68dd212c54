-- Merchant onboarding: the application a merchant files, the automated checks run on it, the case a
-- reviewer decides (four eyes where the risk asks for it), and the documents, stored sealed by the vault.

create table onboarding_applications (
  id text primary key,
  merchant_id text not null references merchants (id),
  status text not null default 'submitted'
    check (status in ('submitted', 'information_requested', 'approved', 'rejected')),
  company_name text not null,
  legal_form text not null,
  ice char(15) not null,
  rc_number text not null,
  rc_court text not null,
  tax_id text not null,
  address text not null,
  sector text not null,
  domains jsonb not null,
  expected_monthly_volume bigint not null check (expected_monthly_volume >= 0),
  rib char(24) not null,
  -- What the merchant publishes (DNS TXT or /.well-known file) to prove it controls its domains.
  verification_token text not null,
  submitted_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index onboarding_applications_by_merchant on onboarding_applications (merchant_id, submitted_at desc);
create index onboarding_applications_by_ice on onboarding_applications (ice);
create index onboarding_applications_by_rib on onboarding_applications (rib);

create table onboarding_owners (
  id text primary key,
  application_id text not null references onboarding_applications (id),
  latin_name text not null,
  arabic_name text,
  id_kind text not null check (id_kind in ('cin', 'passport')),
  id_number text not null,
  birth_date date not null,
  nationality char(2) not null,
  -- Share of the capital in basis points (10000 = 100 %).
  share_bps integer not null check (share_bps between 0 and 10000),
  beneficial boolean not null default true,
  position integer not null
);

create index onboarding_owners_by_application on onboarding_owners (application_id, position);
create index onboarding_owners_by_id_number on onboarding_owners (id_kind, id_number);

create table onboarding_checks (
  id text primary key,
  application_id text not null references onboarding_applications (id),
  kind text not null check (kind in ('identifiers', 'domain_control', 'tls', 'duplicates', 'screening')),
  -- What was checked: a domain, a person, the company, or '' for the whole application.
  subject text not null default '',
  result text not null default 'pending' check (result in ('pass', 'fail', 'warn', 'pending')),
  explanation text not null default '',
  checked_at timestamptz,
  unique (application_id, kind, subject)
);

create table onboarding_cases (
  id text primary key,
  merchant_id text not null references merchants (id),
  application_id text references onboarding_applications (id),
  kind text not null check (kind in ('application', 'screening_hit', 'reinstatement')),
  state text not null default 'open'
    check (state in ('open', 'information_requested', 'escalated', 'awaiting_second_review', 'approved', 'rejected')),
  risk_level text not null default 'medium' check (risk_level in ('low', 'medium', 'high')),
  escalated boolean not null default false,
  information_request text,
  merchant_response text,
  first_approval_by text,
  first_approval_at timestamptz,
  decided_by text,
  decided_at timestamptz,
  opened_at timestamptz not null default now(),
  state_since timestamptz not null default now()
);

create index onboarding_cases_by_state on onboarding_cases (state, opened_at);
create index onboarding_cases_by_merchant on onboarding_cases (merchant_id, opened_at desc);
-- One application, one case.
create unique index onboarding_cases_one_per_application on onboarding_cases (application_id)
  where kind = 'application';

-- Each change of a case's state, so the time spent in each state can be shown and measured.
create table onboarding_case_transitions (
  id bigint generated always as identity primary key,
  case_id text not null references onboarding_cases (id),
  from_state text,
  to_state text not null,
  actor_id text not null,
  note text,
  at timestamptz not null default now()
);

create index onboarding_case_transitions_by_case on onboarding_case_transitions (case_id, id);

create table onboarding_screening_hits (
  id text primary key,
  case_id text not null references onboarding_cases (id),
  subject_reference text not null,
  subject_name text not null,
  entry_id text not null,
  entry_version text not null,
  list_name text not null,
  entry_name text not null,
  matched_name text not null,
  score double precision not null,
  explanation jsonb not null,
  verdict text check (verdict in ('false_positive', 'true_match')),
  verdict_by text,
  verdict_at timestamptz,
  unique (case_id, subject_reference, entry_id, entry_version)
);

create table onboarding_documents (
  id text primary key,
  application_id text not null references onboarding_applications (id),
  kind text not null check (kind in ('id', 'rc_extract', 'statutes')),
  content_type text not null,
  size_bytes integer not null,
  sha256 text not null,
  -- The file's bytes, base64, sealed by the vault: never in clear at rest.
  content_sealed text not null,
  uploaded_at timestamptz not null default now()
);

create index onboarding_documents_by_application on onboarding_documents (application_id);
