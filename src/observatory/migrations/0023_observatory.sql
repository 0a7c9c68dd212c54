-- The observatory's published figures: one row per quarter and cell (the whole market, a sector, a
-- card origin), in MAD centimes. Tijara's own quarters are recomputed from the payments module; quarters
-- from before it ran are imported from the series published until then. A quarter has one source.
create table observatory_figures (
  quarter text not null check (quarter ~ '^[0-9]{4}-Q[1-4]$'),
  dimension text not null check (dimension in ('all', 'sector', 'card_origin')),
  key text not null,
  payments integer not null check (payments >= 0),
  volume bigint not null check (volume >= 0),
  refunds integer not null check (refunds >= 0),
  refunded bigint not null check (refunded >= 0),
  -- Distinct merchants behind the cell: what decides whether it may be published. Unknown when imported.
  merchants integer check (merchants >= 0),
  source text not null check (source in ('platform', 'imported')),
  computed_at timestamptz not null default now(),
  primary key (quarter, dimension, key),
  check (dimension <> 'all' or key = 'all')
);
