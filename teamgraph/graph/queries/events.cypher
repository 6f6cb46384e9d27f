// Webhook events: the outbox (issue 16). Every change a mall can subscribe to writes one
// (:Event) in the SAME statement as the change, so an event exists exactly when its change
// happened (nothing lost on a crash between the change and a notification), and at most once:
//
//   (:Event {id, type, at, key, object, object_id, ...snapshot})
//
// - id: text, unique per shop (constraint/index in schema_*.cypher), deterministic from what
//   happened, so a statement run again cannot write a second event: '<type>:<object id>' for
//   what happens once to an object (order.attributed:<order>, reward.settled:<entry>,
//   withdrawal.paid:<withdrawal>, distributor.approved:<id>), with the decision's change id
//   (or time) appended for what can happen again (distributor.frozen:<id>:<change id>,
//   customer.bound:<customer>:<time>). Written by CREATE only on the branch that made the
//   change (after its guard, under its lock), or by MERGE on id where the change itself takes no
//   lock (the settle sweep, the ring scan), so two sweeps racing write one event.
// - type: one of teamgraph.shop.events.EVENT_TYPES.
// - at: epoch ms when teamgraph recorded the change (the statement's $now, also for the catch-up
//   sweep: a reward settles when the sweep runs, and the event's `settle_at` says when it was
//   due). So an object's events are in causal order by `at`, even for an order recorded late.
// - key: the ordering key, the distributor the event concerns (a reward's earner, a
//   withdrawal's distributor, the distributor a customer is bound to or was, an applicant's
//   own id, the order's attributed distributor); for a ring, the ring's id. The deliverer sends
//   the events of one key in (at, id) order.
// - object: 'distributor', 'customer', 'order', 'reward', 'withdrawal' or 'ring';
//   object_id: that object's id.
// - snapshot: the object as it was at event time, as flat scalar or list-of-scalar properties
//   (no maps: Neo4j properties cannot hold them; no property starts with `_`). Money is
//   integer fen (a reward's `amount` is in its `unit`, 'fen' or 'point'). Never a withdrawal
//   account number or a phone. Absent (null) properties are simply missing.
// The deliverer builds the body as {"id", "type", "timestamp": at, "data": {"object": object,
// "id": object_id, **every other property}}. docs/integration.md "Webhook events" lists each
// type's snapshot; on Neo4j a node also carries the store's `shop` scope, which is not part of
// the event. Imports (etl.cypher, load.cypher, orders.load_batch, refunds.load_batch) write
// no events: imported history is not a live change; the settle sweep announces a reward only
// if its order wrote `order.attributed:<order>` (so rewards of imported orders settle
// silently). Events are therefore never deleted (delivery state belongs elsewhere, or on the
// node under other property names).

// name: event.list
// The events of the shop, optionally of one type or key, in delivery order (tests, support).
MATCH (ev:Event)
WHERE ($type IS NULL OR ev.type = $type) AND ($key IS NULL OR ev.key = $key)
RETURN properties(ev) AS event
ORDER BY ev.at, ev.id
LIMIT $limit
