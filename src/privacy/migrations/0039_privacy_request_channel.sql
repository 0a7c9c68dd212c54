-- How a person's request reached the merchant: recorded by the merchant ('merchant', a letter, an
-- e-mail, at the counter), or sent by the person on Tijara's public form ('online').
alter table privacy_requests add column channel text not null default 'merchant'
  check (channel in ('merchant', 'online'));
