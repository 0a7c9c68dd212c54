-- Alerts of transaction monitoring for the supervising authority. While an alert is not resolved, the
-- same rule firing again on the same merchant or card updates it (its figures, when it was last seen)
-- instead of raising another; once resolved, the next firing raises a new one.
create table risk_alerts (
  id text primary key,
  rule text not null check (rule in ('card_testing', 'decline_spike', 'card_across_merchants')),
  subject_kind text not null check (subject_kind in ('merchant', 'card')),
  -- A merchant id, or a card as BIN…last4: the digits a receipt may show, never more.
  subject text not null,
  severity text not null check (severity in ('medium', 'high')),
  status text not null default 'open' check (status in ('open', 'acknowledged', 'resolved')),
  evidence jsonb not null,
  first_seen_at timestamptz not null,
  last_seen_at timestamptz not null,
  reviewed_at timestamptz,
  reviewed_by text,
  review_note text,
  check ((status = 'open') = (reviewed_at is null))
);

create unique index risk_alerts_one_unresolved on risk_alerts (rule, subject) where status <> 'resolved';
create index risk_alerts_by_status on risk_alerts (status, last_seen_at desc);
