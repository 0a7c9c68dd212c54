-- The ledger's triggers look up an entry's postings by entry. On a table never analyzed PostgreSQL
-- guesses 200 distinct values, so it prices "one entry's postings" at a two-hundredth of the table,
-- once per entry of the statement. Past jit_above_cost (100,000 by default) it compiles the query to
-- machine code at every statement, whatever the query then does: 9–14 ms for a lookup that runs in
-- 0.25 ms. The posting trigger's first query is estimated in proportion to the postings of the
-- statement times those of the table: by the planner's figures, 30 postings (a group of six payments)
-- pass the threshold on a ledger of about 400,000. Measured on 1.85 million postings without
-- statistics (a PostgreSQL with autovacuum off, as on the CI machines, or a bulk load not yet
-- analyzed): a statement of 12 entries and 30 postings took 13.7–16.1 ms, against 1.5–1.7 ms with JIT
-- off here (docs/performance.md). These queries are a few lookups by key, which compiling never pays
-- for, and the ledger must not depend on statistics to stay fast.
alter function ledger_apply_postings() set jit = off;
alter function ledger_check_entry_balanced() set jit = off;
