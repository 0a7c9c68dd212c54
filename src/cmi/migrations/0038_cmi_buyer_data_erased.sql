-- Law 09-08 on CMI orders: when the buyer's personal fields (name, addresses, telephone, e-mail) were
-- taken out of an order, by a person's objection or because the retention period ran out. The
-- retention pass reads only orders that still hold them.
alter table cmi_orders add column buyer_data_erased_at timestamptz;

create index cmi_orders_keeping_buyer_data on cmi_orders (created_at) where buyer_data_erased_at is null;
