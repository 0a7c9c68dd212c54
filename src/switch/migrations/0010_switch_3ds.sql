-- The 3-D Secure outcome travels with the authorization, as in the network's messages.
alter table switch_authorizations
  add column three_d_secure text check (three_d_secure in ('authenticated', 'attempted', 'failed')),
  add column eci char(2);
