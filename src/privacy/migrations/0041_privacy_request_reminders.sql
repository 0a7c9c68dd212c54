-- When the people who answer a merchant's requests were reminded that one falls due soon: once each.
alter table privacy_requests add column reminded_at timestamptz;
-- The reminders' hourly look: open requests not reminded yet, by due date.
create index privacy_requests_to_remind on privacy_requests (due_at) where status = 'open' and reminded_at is null;
