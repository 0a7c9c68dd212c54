-- The observatory adds up a quarter of every merchant's live movements. Movements are appended in time
-- order, so a BRIN index finds a period's rows for a few pages of index and costs next to nothing on
-- the payment path (one summary per 128 pages, not one entry per row).
create index payment_movements_by_time on payment_movements using brin (created_at);
