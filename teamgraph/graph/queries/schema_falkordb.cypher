// FalkorDB schema: one index per id; setup_schema adds a GRAPH.CONSTRAINT UNIQUE on each.

// name: index_shop_id
CREATE INDEX FOR (s:Shop) ON (s.id)

// name: index_apikey_id
CREATE INDEX FOR (a:ApiKey) ON (a.id)

// name: index_centerlink_id
CREATE INDEX FOR (l:CenterLink) ON (l.id)

// name: index_centerlink_session
CREATE INDEX FOR (l:CenterLink) ON (l.session)

// name: index_customer_id
CREATE INDEX FOR (c:Customer) ON (c.id)

// name: index_distributor_id
CREATE INDEX FOR (d:Distributor) ON (d.id)

// name: index_order_id
CREATE INDEX FOR (o:Order) ON (o.id)

// name: index_product_id
CREATE INDEX FOR (p:Product) ON (p.id)

// name: index_entry_id
CREATE INDEX FOR (e:Entry) ON (e.id)

// name: index_change_id
CREATE INDEX FOR (c:Change) ON (c.id)

// name: index_distributor_code
CREATE INDEX FOR (d:Distributor) ON (d.code)

// name: index_bound_to_due
CREATE INDEX FOR ()-[b:BOUND_TO]-() ON (b.due)

// name: index_refund_id
CREATE INDEX FOR (r:Refund) ON (r.id)

// name: index_entry_due
CREATE INDEX FOR (e:Entry) ON (e.due)

// name: index_entry_kind
CREATE INDEX FOR (e:Entry) ON (e.kind)

// name: index_device_id
CREATE INDEX FOR (s:Device) ON (s.id)

// name: index_phone_id
CREATE INDEX FOR (s:Phone) ON (s.id)

// name: index_address_id
CREATE INDEX FOR (s:Address) ON (s.id)

// name: index_account_id
CREATE INDEX FOR (s:Account) ON (s.id)

// name: index_ip_id
CREATE INDEX FOR (s:IP) ON (s.id)

// name: index_ring_id
CREATE INDEX FOR (r:Ring) ON (r.id)

// name: index_event_id
CREATE INDEX FOR (ev:Event) ON (ev.id)

// name: index_ring_status
CREATE INDEX FOR (r:Ring) ON (r.status)

// Time properties the overview and the leaderboards select a period on (range scans, not
// label scans: analytics.activity, analytics.board_*). Not Entry.at: with an index on it,
// FalkorDB 4.16 answered ledger.entries' `e.at < $before OR (e.at = $before AND e.id < ...)`
// wrongly (entries went missing from ledger pages; tests/api/test_money.py's worked month
// caught it), so the entries' period filters stay label scans.
// name: index_order_paid_at
CREATE INDEX FOR (o:Order) ON (o.paid_at)
// name: index_customer_joined_at
CREATE INDEX FOR (c:Customer) ON (c.joined_at)
// When a binding began (analytics.board_clients: without it, the clients leaderboard read every
// binding of the shop, 1.5 s at 1,000,000 customers).
// name: index_bound_to_since
CREATE INDEX FOR ()-[b:BOUND_TO]-() ON (b.since)

// The audit log's filters (audit.list, issue 16): by time, by the acting key, by the object.
// name: index_change_at
CREATE INDEX FOR (c:Change) ON (c.at)

// name: index_change_actor_key
CREATE INDEX FOR (c:Change) ON (c.actor_key)

// name: index_change_object_id
CREATE INDEX FOR (c:Change) ON (c.object_id)

// name: index_change_action
CREATE INDEX FOR (c:Change) ON (c.action)
// Webhooks (issue 16): endpoints, deliveries and their attempts (queries/webhooks.cypher), and
// the outbox's events as the deliverer finds the undispatched ones, by time (the events' id
// index comes with the outbox, queries/events.cypher).
// name: index_webhook_id
CREATE INDEX FOR (w:Webhook) ON (w.id)

// name: index_delivery_id
CREATE INDEX FOR (d:Delivery) ON (d.id)

// name: index_attempt_id
CREATE INDEX FOR (a:Attempt) ON (a.id)

// name: index_delivery_status
CREATE INDEX FOR (d:Delivery) ON (d.status)

// name: index_delivery_endpoint
CREATE INDEX FOR (d:Delivery) ON (d.endpoint_id)

// name: index_attempt_delivery
CREATE INDEX FOR (a:Attempt) ON (a.delivery_id)

// name: index_event_at
CREATE INDEX FOR (e:Event) ON (e.at)

// Visits with an id (queries/binding.cypher, issue 17).
// name: index_visit_id
CREATE INDEX FOR (v:Visit) ON (v.id)

// Scheduled jobs' runs (issue 17, queries/jobs.cypher): one node per (job, period).
// name: index_jobrun_id
CREATE INDEX FOR (r:JobRun) ON (r.id)
