-- The CMI-compatible interface: the stores shops know by their CMI client id, and each order a shop
-- posted to /fim/est3Dgate, with what must be sent back to it.

create table cmi_stores (
  merchant_id text primary key,
  client_id text not null unique,
  -- The store key, sealed by the vault: every hash in and out is computed with it, so it is read back.
  store_key_sealed text not null,
  livemode boolean not null default false,
  created_at timestamptz not null default now()
);

create table cmi_orders (
  payment_id text primary key,
  merchant_id text not null,
  client_id text not null references cmi_stores (client_id),
  oid text not null,
  tran_type text not null check (tran_type in ('Auth', 'PreAuth')),
  -- Every field the shop posted except HASH, echoed back (and signed again) in the answer.
  fields jsonb not null,
  ok_url text not null,
  fail_url text not null,
  callback_url text not null,
  lang text not null check (lang in ('fr', 'ar', 'en')),
  -- The fields sent to the shop once the payment ended, HASH included; null until then. Kept so that
  -- a reload of the return page shows the same answer and posts no second callback.
  response jsonb,
  completed_at timestamptz,
  callback_status text not null default 'pending'
    check (callback_status in ('pending', 'approved', 'postauth', 'failed')),
  callback_attempts integer not null default 0,
  -- While set in the future, one process is posting the callback; nobody else may.
  callback_lease_until timestamptz,
  callback_last_error text,
  created_at timestamptz not null default now(),
  -- An order id is used once per store, as at CMI.
  constraint cmi_orders_client_oid unique (client_id, oid)
);

create index cmi_orders_by_merchant on cmi_orders (merchant_id, created_at desc);
