-- Payments, refunds and what they moved, the events merchants read and receive, and idempotency keys.

create table payments (
  id text primary key,
  merchant_id text not null,
  livemode boolean not null,
  status text not null check (status in
    ('requires_payment_method', 'requires_action', 'requires_capture', 'succeeded', 'failed', 'canceled')),
  amount bigint not null check (amount > 0),
  currency char(3) not null,
  amount_capturable bigint not null default 0 check (amount_capturable >= 0),
  amount_captured bigint not null default 0 check (amount_captured >= 0),
  amount_refunded bigint not null default 0 check (amount_refunded >= 0 and amount_refunded <= amount_captured),
  fee bigint not null default 0,
  capture_method text not null check (capture_method in ('automatic', 'manual')),
  description text,
  order_reference text,
  customer_email text,
  metadata jsonb not null default '{}',
  return_url text,
  card_token text,
  card_bin text,
  card_last4 text,
  card_brand text,
  card_country char(2),
  card_exp_month smallint,
  card_exp_year smallint,
  issuer_id text,
  switch_authorization_id text,
  auth_code text,
  decline_code text,
  decline_message text,
  three_d_secure jsonb,
  attempts integer not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index payments_by_merchant on payments (merchant_id, livemode, id desc);
create index payments_by_order_reference on payments (merchant_id, livemode, order_reference);

create table refunds (
  id text primary key,
  payment_id text not null references payments (id),
  merchant_id text not null,
  livemode boolean not null,
  amount bigint not null check (amount > 0),
  currency char(3) not null,
  status text not null check (status in ('succeeded', 'failed')),
  reason text,
  created_at timestamptz not null default now()
);

create index refunds_by_payment on refunds (payment_id);
create index refunds_by_merchant on refunds (merchant_id, livemode, id desc);

-- Money that moved for a merchant: the settlement report adds these up, the ledger must agree.
create table payment_movements (
  id bigint generated always as identity primary key,
  merchant_id text not null,
  livemode boolean not null,
  payment_id text not null references payments (id),
  refund_id text references refunds (id),
  kind text not null check (kind in ('capture', 'refund')),
  amount bigint not null check (amount > 0),
  fee bigint not null check (fee >= 0),
  currency char(3) not null,
  ledger_entry_id text not null,
  created_at timestamptz not null default now()
);

create index payment_movements_by_merchant on payment_movements (merchant_id, livemode, created_at);

create table events (
  id text primary key,
  merchant_id text not null,
  livemode boolean not null,
  type text not null,
  object_id text not null,
  data jsonb not null,
  created_at timestamptz not null default now()
);

create index events_by_merchant on events (merchant_id, livemode, id desc);

create table webhook_endpoints (
  id text primary key,
  merchant_id text not null,
  livemode boolean not null,
  url text not null,
  -- The signing secret, sealed by the vault: it must be read back to sign.
  secret_sealed text not null,
  enabled_events text[] not null,
  disabled_at timestamptz,
  created_at timestamptz not null default now()
);

create index webhook_endpoints_by_merchant on webhook_endpoints (merchant_id, livemode);

create table webhook_deliveries (
  id text primary key,
  event_id text not null references events (id),
  endpoint_id text not null references webhook_endpoints (id),
  attempt integer not null,
  status_code integer,
  error text,
  duration_ms integer not null,
  succeeded boolean not null,
  created_at timestamptz not null default now()
);

create index webhook_deliveries_by_endpoint on webhook_deliveries (endpoint_id, created_at desc);
create index webhook_deliveries_by_event on webhook_deliveries (event_id);

create table idempotency_keys (
  merchant_id text not null,
  livemode boolean not null,
  key text not null,
  request_hash text not null,
  response_status integer not null,
  response_body jsonb not null,
  created_at timestamptz not null default now(),
  primary key (merchant_id, livemode, key)
);
