-- An Idempotency-Key protects a client's retries, which come within minutes; kept for ever, the keys
-- and their stored answers (sealed, yet personal data under law 09-08) only grew. A key now lapses
-- after TIJARA_IDEMPOTENCY_HOURS (24 by default, as Stripe's do): a lapsed key is claimed afresh, and
-- the workers delete lapsed keys. Rows arrive in time order, so a BRIN index finds the old ones for a
-- few pages of index and costs next to nothing on each insert.
create index idempotency_keys_by_created on idempotency_keys using brin (created_at);
