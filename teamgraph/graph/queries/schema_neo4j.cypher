// Neo4j 5 schema. Shops share a database (teamgraph.graph.scope), so every node carries its
// shop and ids are unique per shop: a (shop, id) uniqueness constraint per label (it also gives
// MERGE on (shop, id) its guarantee under concurrent writers), an index on shop alone for the
// whole-shop scans (a composite index needs a predicate on each of its properties), and the
// period and status filters as (shop, property) indexes. All of it works on Community.

// name: unique_shopgraph_shop
CREATE CONSTRAINT shopgraph_shop IF NOT EXISTS FOR (g:ShopGraph) REQUIRE g.shop IS UNIQUE

// name: unique_shop_id
CREATE CONSTRAINT shop_shop_id IF NOT EXISTS FOR (s:Shop) REQUIRE (s.shop, s.id) IS UNIQUE

// name: unique_apikey_id
CREATE CONSTRAINT apikey_shop_id IF NOT EXISTS FOR (a:ApiKey) REQUIRE (a.shop, a.id) IS UNIQUE

// name: unique_centerlink_id
CREATE CONSTRAINT centerlink_shop_id IF NOT EXISTS FOR (l:CenterLink) REQUIRE (l.shop, l.id) IS UNIQUE

// name: unique_customer_id
CREATE CONSTRAINT customer_shop_id IF NOT EXISTS FOR (c:Customer) REQUIRE (c.shop, c.id) IS UNIQUE

// name: unique_distributor_id
CREATE CONSTRAINT distributor_shop_id IF NOT EXISTS FOR (d:Distributor) REQUIRE (d.shop, d.id) IS UNIQUE

// name: unique_order_id
CREATE CONSTRAINT order_shop_id IF NOT EXISTS FOR (o:Order) REQUIRE (o.shop, o.id) IS UNIQUE

// name: unique_product_id
CREATE CONSTRAINT product_shop_id IF NOT EXISTS FOR (p:Product) REQUIRE (p.shop, p.id) IS UNIQUE

// name: unique_entry_id
CREATE CONSTRAINT entry_shop_id IF NOT EXISTS FOR (e:Entry) REQUIRE (e.shop, e.id) IS UNIQUE

// name: unique_change_id
CREATE CONSTRAINT change_shop_id IF NOT EXISTS FOR (c:Change) REQUIRE (c.shop, c.id) IS UNIQUE

// name: unique_refund_id
CREATE CONSTRAINT refund_shop_id IF NOT EXISTS FOR (r:Refund) REQUIRE (r.shop, r.id) IS UNIQUE

// name: unique_device_id
CREATE CONSTRAINT device_shop_id IF NOT EXISTS FOR (d:Device) REQUIRE (d.shop, d.id) IS UNIQUE

// name: unique_phone_id
CREATE CONSTRAINT phone_shop_id IF NOT EXISTS FOR (p:Phone) REQUIRE (p.shop, p.id) IS UNIQUE

// name: unique_address_id
CREATE CONSTRAINT address_shop_id IF NOT EXISTS FOR (a:Address) REQUIRE (a.shop, a.id) IS UNIQUE

// name: unique_account_id
CREATE CONSTRAINT account_shop_id IF NOT EXISTS FOR (a:Account) REQUIRE (a.shop, a.id) IS UNIQUE

// name: unique_ip_id
CREATE CONSTRAINT ip_shop_id IF NOT EXISTS FOR (i:IP) REQUIRE (i.shop, i.id) IS UNIQUE

// name: unique_ring_id
CREATE CONSTRAINT ring_shop_id IF NOT EXISTS FOR (r:Ring) REQUIRE (r.shop, r.id) IS UNIQUE

// name: unique_event_id
CREATE CONSTRAINT event_shop_id IF NOT EXISTS FOR (ev:Event) REQUIRE (ev.shop, ev.id) IS UNIQUE

// name: index_shop_shop
CREATE INDEX shop_shop IF NOT EXISTS FOR (s:Shop) ON (s.shop)

// name: index_apikey_shop
CREATE INDEX apikey_shop IF NOT EXISTS FOR (a:ApiKey) ON (a.shop)

// name: index_centerlink_shop
CREATE INDEX centerlink_shop IF NOT EXISTS FOR (l:CenterLink) ON (l.shop)

// name: index_customer_shop
CREATE INDEX customer_shop IF NOT EXISTS FOR (c:Customer) ON (c.shop)

// name: index_distributor_shop
CREATE INDEX distributor_shop IF NOT EXISTS FOR (d:Distributor) ON (d.shop)

// name: index_order_shop
CREATE INDEX order_shop IF NOT EXISTS FOR (o:Order) ON (o.shop)

// name: index_product_shop
CREATE INDEX product_shop IF NOT EXISTS FOR (p:Product) ON (p.shop)

// name: index_entry_shop
CREATE INDEX entry_shop IF NOT EXISTS FOR (e:Entry) ON (e.shop)

// name: index_change_shop
CREATE INDEX change_shop IF NOT EXISTS FOR (c:Change) ON (c.shop)

// name: index_refund_shop
CREATE INDEX refund_shop IF NOT EXISTS FOR (r:Refund) ON (r.shop)

// name: index_device_shop
CREATE INDEX device_shop IF NOT EXISTS FOR (d:Device) ON (d.shop)

// name: index_phone_shop
CREATE INDEX phone_shop IF NOT EXISTS FOR (p:Phone) ON (p.shop)

// name: index_address_shop
CREATE INDEX address_shop IF NOT EXISTS FOR (a:Address) ON (a.shop)

// name: index_account_shop
CREATE INDEX account_shop IF NOT EXISTS FOR (a:Account) ON (a.shop)

// name: index_ip_shop
CREATE INDEX ip_shop IF NOT EXISTS FOR (i:IP) ON (i.shop)

// name: index_ring_shop
CREATE INDEX ring_shop IF NOT EXISTS FOR (r:Ring) ON (r.shop)

// name: index_event_shop
CREATE INDEX event_shop IF NOT EXISTS FOR (ev:Event) ON (ev.shop)

// name: index_line_shop
CREATE INDEX line_shop IF NOT EXISTS FOR (l:Line) ON (l.shop)

// name: index_distributor_code
CREATE INDEX distributor_shop_code IF NOT EXISTS FOR (d:Distributor) ON (d.shop, d.code)

// name: index_centerlink_session
CREATE INDEX centerlink_shop_session IF NOT EXISTS FOR (l:CenterLink) ON (l.shop, l.session)

// name: index_entry_due
CREATE INDEX entry_shop_due IF NOT EXISTS FOR (e:Entry) ON (e.shop, e.due)

// name: index_entry_kind
CREATE INDEX entry_shop_kind IF NOT EXISTS FOR (e:Entry) ON (e.shop, e.kind)

// name: index_ring_status
CREATE INDEX ring_shop_status IF NOT EXISTS FOR (r:Ring) ON (r.shop, r.status)

// name: index_order_paid_at
CREATE INDEX order_shop_paid_at IF NOT EXISTS FOR (o:Order) ON (o.shop, o.paid_at)

// name: index_customer_joined_at
CREATE INDEX customer_shop_joined_at IF NOT EXISTS FOR (c:Customer) ON (c.shop, c.joined_at)

// When a binding began (analytics.board_clients), scanned by relationship like `due` below.
// name: index_bound_to_since
CREATE INDEX bound_to_since IF NOT EXISTS FOR ()-[b:BOUND_TO]-() ON (b.since)

// Bindings that will expire (binding.expire_due), scanned by relationship; its ends are
// filtered by shop.
// name: index_bound_to_due
CREATE INDEX bound_to_due IF NOT EXISTS FOR ()-[b:BOUND_TO]-() ON (b.due)

// The audit log's filters (audit.list, issue 16): by time, by the acting key, by the object.
// name: index_change_at
CREATE INDEX change_shop_at IF NOT EXISTS FOR (c:Change) ON (c.shop, c.at)
// name: index_change_actor_key
CREATE INDEX change_shop_actor_key IF NOT EXISTS FOR (c:Change) ON (c.shop, c.actor_key)
// name: index_change_object_id
CREATE INDEX change_shop_object_id IF NOT EXISTS FOR (c:Change) ON (c.shop, c.object_id)
// name: index_change_action
CREATE INDEX change_shop_action IF NOT EXISTS FOR (c:Change) ON (c.shop, c.action)
// Webhooks (issue 16): endpoints, deliveries and their attempts (queries/webhooks.cypher), and
// the outbox's events as the deliverer finds the undispatched ones, by time (the events' id
// constraint and shop index come with the outbox, queries/events.cypher).
// name: unique_webhook_id
CREATE CONSTRAINT webhook_shop_id IF NOT EXISTS FOR (w:Webhook) REQUIRE (w.shop, w.id) IS UNIQUE

// name: unique_delivery_id
CREATE CONSTRAINT delivery_shop_id IF NOT EXISTS FOR (d:Delivery) REQUIRE (d.shop, d.id) IS UNIQUE

// name: unique_attempt_id
CREATE CONSTRAINT attempt_shop_id IF NOT EXISTS FOR (a:Attempt) REQUIRE (a.shop, a.id) IS UNIQUE

// name: index_webhook_shop
CREATE INDEX webhook_shop IF NOT EXISTS FOR (w:Webhook) ON (w.shop)

// name: index_delivery_status
CREATE INDEX delivery_shop_status IF NOT EXISTS FOR (d:Delivery) ON (d.shop, d.status)

// name: index_delivery_endpoint
CREATE INDEX delivery_shop_endpoint IF NOT EXISTS FOR (d:Delivery) ON (d.shop, d.endpoint_id)

// name: index_attempt_delivery
CREATE INDEX attempt_shop_delivery IF NOT EXISTS FOR (a:Attempt) ON (a.shop, a.delivery_id)

// name: index_event_at
CREATE INDEX event_shop_at IF NOT EXISTS FOR (e:Event) ON (e.shop, e.at)

// name: index_delivery_shop
CREATE INDEX delivery_shop IF NOT EXISTS FOR (d:Delivery) ON (d.shop)

// name: index_attempt_shop
CREATE INDEX attempt_shop IF NOT EXISTS FOR (a:Attempt) ON (a.shop)

// Visits with an id (queries/binding.cypher, issue 17): the id is the visit event's key, so
// two visits of one id racing for different customers cannot both be recorded.
// name: unique_visit_id
CREATE CONSTRAINT visit_shop_id IF NOT EXISTS FOR (v:Visit) REQUIRE (v.shop, v.id) IS UNIQUE

// name: index_visit_shop
CREATE INDEX visit_shop IF NOT EXISTS FOR (v:Visit) ON (v.shop)

// Scheduled jobs' runs (issue 17, queries/jobs.cypher): one node per (job, period).
// name: unique_jobrun_id
CREATE CONSTRAINT jobrun_shop_id IF NOT EXISTS FOR (r:JobRun) REQUIRE (r.shop, r.id) IS UNIQUE

// name: index_jobrun_shop
CREATE INDEX jobrun_shop IF NOT EXISTS FOR (r:JobRun) ON (r.shop)
