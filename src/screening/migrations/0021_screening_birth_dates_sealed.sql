-- Law 09-08: a watched person's birth date is sealed by the vault at rest (the screening service opens
-- it in memory to compare with the lists'), so the column holds text. Dates stored before are sealed in
-- place by the platform's one-time pass (platform.ts).
alter table screening_subjects alter column birth_date type text using to_char(birth_date, 'YYYY-MM-DD');
