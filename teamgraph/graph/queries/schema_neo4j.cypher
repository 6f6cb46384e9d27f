// Neo4j 5 schema: one uniqueness constraint per id (it also gives MERGE its guarantee).

// name: unique_shop_id
CREATE CONSTRAINT shop_id IF NOT EXISTS FOR (s:Shop) REQUIRE s.id IS UNIQUE

// name: unique_apikey_id
CREATE CONSTRAINT apikey_id IF NOT EXISTS FOR (a:ApiKey) REQUIRE a.id IS UNIQUE

// name: unique_customer_id
CREATE CONSTRAINT customer_id IF NOT EXISTS FOR (c:Customer) REQUIRE c.id IS UNIQUE

// name: unique_distributor_id
CREATE CONSTRAINT distributor_id IF NOT EXISTS FOR (d:Distributor) REQUIRE d.id IS UNIQUE

// name: unique_order_id
CREATE CONSTRAINT order_id IF NOT EXISTS FOR (o:Order) REQUIRE o.id IS UNIQUE

// name: unique_product_id
CREATE CONSTRAINT product_id IF NOT EXISTS FOR (p:Product) REQUIRE p.id IS UNIQUE

// name: unique_entry_id
CREATE CONSTRAINT entry_id IF NOT EXISTS FOR (e:Entry) REQUIRE e.id IS UNIQUE

// name: unique_change_id
CREATE CONSTRAINT change_id IF NOT EXISTS FOR (c:Change) REQUIRE c.id IS UNIQUE

// name: index_distributor_code
CREATE INDEX distributor_code IF NOT EXISTS FOR (d:Distributor) ON (d.code)

// name: index_bound_to_due
CREATE INDEX bound_to_due IF NOT EXISTS FOR ()-[b:BOUND_TO]-() ON (b.due)

// name: unique_refund_id
CREATE CONSTRAINT refund_id IF NOT EXISTS FOR (r:Refund) REQUIRE r.id IS UNIQUE

// name: index_entry_due
CREATE INDEX entry_due IF NOT EXISTS FOR (e:Entry) ON (e.due)

// name: index_entry_kind
CREATE INDEX entry_kind IF NOT EXISTS FOR (e:Entry) ON (e.kind)

// name: unique_device_id
CREATE CONSTRAINT device_id IF NOT EXISTS FOR (s:Device) REQUIRE s.id IS UNIQUE

// name: unique_phone_id
CREATE CONSTRAINT phone_id IF NOT EXISTS FOR (s:Phone) REQUIRE s.id IS UNIQUE

// name: unique_address_id
CREATE CONSTRAINT address_id IF NOT EXISTS FOR (s:Address) REQUIRE s.id IS UNIQUE

// name: unique_account_id
CREATE CONSTRAINT account_id IF NOT EXISTS FOR (s:Account) REQUIRE s.id IS UNIQUE

// name: unique_ip_id
CREATE CONSTRAINT ip_id IF NOT EXISTS FOR (s:IP) REQUIRE s.id IS UNIQUE

// name: unique_ring_id
CREATE CONSTRAINT ring_id IF NOT EXISTS FOR (r:Ring) REQUIRE r.id IS UNIQUE

// name: index_ring_status
CREATE INDEX ring_status IF NOT EXISTS FOR (r:Ring) ON (r.status)

// Time properties the overview and the leaderboards select a period on.
// name: index_order_paid_at
CREATE INDEX order_paid_at IF NOT EXISTS FOR (o:Order) ON (o.paid_at)

// name: index_customer_joined_at
CREATE INDEX customer_joined_at IF NOT EXISTS FOR (c:Customer) ON (c.joined_at)
