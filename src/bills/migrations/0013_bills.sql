-- Bills and taxes paid by card: the billers (each backed by a merchant), the bills they load, the
-- payments that settle them (one card payment, several bills) and the receipts of those payments.

create table billers (
  id text primary key,
  -- The merchant whose payments these are: a bill payment is an ordinary payment of this merchant.
  merchant_id text not null unique,
  livemode boolean not null,
  category text not null check (category in ('water_electricity', 'telecom', 'treasury', 'public_service')),
  name_ar text not null,
  name_fr text not null,
  name_en text not null,
  -- [{ "name": "contract", "pattern": "^[0-9]{10}$", "label": { "ar": …, "fr": …, "en": … } }, …]
  reference_fields jsonb not null,
  -- Per bill: fee_fixed centimes plus fee_bps basis points of the bill, paid by the consumer or the biller.
  fee_fixed bigint not null default 0 check (fee_fixed >= 0),
  fee_bps integer not null default 0 check (fee_bps between 0 and 10000),
  fee_payer text not null check (fee_payer in ('consumer', 'biller')),
  partial_payment boolean not null default false,
  max_bills_per_payment integer not null default 10 check (max_bills_per_payment between 1 and 50),
  webhook_url text,
  -- Sealed by the vault: the secret must be read back to sign each webhook.
  webhook_secret_sealed text,
  created_at timestamptz not null default now()
);

create table bills (
  id text primary key,
  biller_id text not null references billers (id),
  -- The biller's own id for the bill (invoice number, notice id): loading is idempotent by it.
  external_id text not null,
  -- The reference a consumer types, normalised (field values joined by '/'), and its fields.
  reference text not null,
  reference_values jsonb not null,
  description text,
  period text,
  due_date date,
  amount bigint not null check (amount > 0),
  late_fee bigint not null default 0 check (late_fee >= 0),
  amount_paid bigint not null default 0 check (amount_paid >= 0 and amount_paid <= amount + late_fee),
  status text not null check (status in ('open', 'paid', 'canceled')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint bills_external_id unique (biller_id, external_id)
);

create index bills_by_reference on bills (biller_id, reference);

-- One card payment settling bills of one biller; its receipt once it succeeded.
create table bill_payments (
  payment_id text primary key,
  biller_id text not null references billers (id),
  livemode boolean not null,
  reference text not null,
  bills_amount bigint not null check (bills_amount > 0),
  fee bigint not null check (fee >= 0),
  fee_payer text not null check (fee_payer in ('consumer', 'biller')),
  status text not null default 'pending' check (status in ('pending', 'paid', 'refunded')),
  receipt_number text unique,
  card_brand text,
  card_last4 text,
  paid_at timestamptz,
  refunded_at timestamptz,
  created_at timestamptz not null default now()
);

create index bill_payments_paid on bill_payments (biller_id, paid_at);
create index bill_payments_refunded on bill_payments (biller_id, refunded_at);

create table bill_payment_lines (
  payment_id text not null references bill_payments (payment_id),
  bill_id text not null references bills (id),
  amount bigint not null check (amount > 0),
  fee bigint not null check (fee >= 0),
  primary key (payment_id, bill_id)
);

create index bill_payment_lines_by_bill on bill_payment_lines (bill_id);

-- Refunds of bill payments: each takes its amount back from the biller's payable; the one that
-- completes a full refund also returns the fee (and makes the bills payable again). The remittance
-- file lists them, so it still matches the ledger.
create table bill_adjustments (
  refund_id text primary key,
  payment_id text not null references bill_payments (payment_id),
  biller_id text not null references billers (id),
  amount bigint not null check (amount > 0),
  fee_returned bigint not null default 0 check (fee_returned >= 0),
  created_at timestamptz not null default now()
);

create index bill_adjustments_by_biller on bill_adjustments (biller_id, created_at);
