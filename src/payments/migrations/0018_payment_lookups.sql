-- Lookups that read all of a merchant's history for want of an index (measured in a scratch database
-- with 200,000 of one merchant's payments, events and movements; docs/performance.md):

-- A payment's events, on its console page: 17.7 ms (a sequential scan) -> 0.08 ms. Object ids are unique
-- across merchants, so the tenancy check after the lookup filters nothing out.
create index events_by_object on events (object_id, id);

-- A payment's money movements, on the same page and after a refund from it: 31 ms -> 0.1 ms.
create index payment_movements_by_payment on payment_movements (payment_id, id);

-- Payments by date (the console's search and CSV export, GET /v1/payments with created bounds): one
-- day's export 100 days back, 70 ms -> 1.2 ms. created_at never changes, so updates stay HOT.
create index payments_by_created on payments (merchant_id, livemode, created_at);
