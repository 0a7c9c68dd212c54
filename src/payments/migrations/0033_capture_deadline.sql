-- An authorization is not a promise for ever: card networks let an issuer drop an uncaptured hold after
-- some days, and the cardholder's money must not stay blocked by a merchant who never captures. A
-- payment in requires_capture now carries the moment its hold lapses (capture_before); the workers
-- cancel it then, releasing the hold, and say why (cancellation_reason 'automatic', as Stripe's API
-- does for its seven days). A merchant's own cancel may give a reason too.
--
-- The partial index holds only the payments waiting for a capture, so the workers' pass reads those
-- and nothing else. Automatic-capture payments never set capture_before, so their confirm still
-- changes no indexed column and stays a HOT update (0027). No CHECK on cancellation_reason: every
-- CHECK on payments is evaluated by every statement that writes it; the API's schema and the service
-- are what write it.
alter table payments
  add column capture_before timestamptz,
  add column cancellation_reason text;

-- Holds placed before this migration lapse too: seven days (the default window) after their
-- authorization, the payment's last change. Any already older go at the workers' first pass.
update payments set capture_before = updated_at + interval '7 days' where status = 'requires_capture';

create index payments_capture_due on payments (capture_before) where capture_before is not null;
