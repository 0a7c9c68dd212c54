-- Transaction monitoring reads the last minutes of the network's journal every minute. Journal lines are
-- appended in time order, so a BRIN index finds them for a few pages and costs next to nothing to keep.
create index switch_authorizations_by_time on switch_authorizations using brin (created_at);
