-- A payment row is updated once soon after it is written (confirm), more for a manual capture or a
-- refund. An update can stay on the row's page and leave the indexes alone (a HOT update: none of
-- the columns it changes is indexed) only if the page has room: under the payments benchmark 62% of
-- the confirms found none and wrote a new entry in each of the table's four indexes. Pages are now
-- filled to 70% by inserts, the rest kept for updates. Only pages written from now on; no rewrite.
alter table payments set (fillfactor = 70);
