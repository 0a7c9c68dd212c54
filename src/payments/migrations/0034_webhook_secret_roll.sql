-- A merchant whose webhook secret leaked, or who rotates secrets on a schedule, rolls it: the endpoint
-- gets a new secret at once and keeps signing with the old one too, for as long as the merchant asked
-- (each delivery then carries a v1 signature for each), so its receivers can switch without losing a
-- delivery. One previous secret at most: a second roll ends the first one's overlap.
alter table webhook_endpoints
  add column previous_secret_sealed text,
  add column previous_secret_expires_at timestamptz,
  add constraint webhook_endpoints_previous_secret_whole
    check ((previous_secret_sealed is null) = (previous_secret_expires_at is null));
