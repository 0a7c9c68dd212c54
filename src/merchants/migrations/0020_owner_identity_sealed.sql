-- Law 09-08: an owner's identity document number and birth date are sealed by the vault (AES-256-GCM)
-- like every other piece of personal data at rest. Applications are still found by the same document
-- through a keyed fingerprint (HMAC under the vault's fingerprint key), never through the number itself.
-- Rows written before this are sealed in place by the platform's first start after it (platform.ts).
alter table onboarding_owners alter column birth_date type text using to_char(birth_date, 'YYYY-MM-DD');
alter table onboarding_owners add column id_fingerprint text;
drop index onboarding_owners_by_id_number;
create index onboarding_owners_by_id_fingerprint on onboarding_owners (id_fingerprint);
