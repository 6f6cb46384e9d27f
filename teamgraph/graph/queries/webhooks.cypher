// Webhook endpoints and the delivery of the outbox's events to them (issue 16;
// docs/integration.md "Webhooks", teamgraph/shop/webhooks.py).
//
// (:Webhook {id, url, events, description, secret, enabled, status, failing_since, version,
//            created_at, updated_at}) — an endpoint. `secret` (whsec_...) is read by the
// deliverer only (delivery.claim); no other statement returns it.
// (:Delivery {id: endpoint_id + ':' + event_id, endpoint_id, event_id, event_type, event_at,
//             key, status, attempts, tries, since, next_at, lease, lease_until, created_at,
//             last_at, last_status_code, last_error, delivered_at, resent_at}) — one event to
// one endpoint: pending -> delivered | failed (given up), or cancelled (endpoint deleted).
// (:Attempt {id, delivery_id, endpoint_id, event_id, at, status_code, error, ms}) — one try.
// Events (:Event, written by the changes themselves) get `dispatched_at` once their
// deliveries exist.
//
// No statement here sets a property to null: FalkorDB 4.16 removes the wrong property when one
// SET removes two (measured: `SET n.b = null, n.d = null` on {a, b, c, d} leaves {a, d}), so
// "none" is stored as 0 (times, status codes) or '' (lease, error) and read back as null by
// teamgraph/shop/webhooks.py.

// name: webhook.create
CREATE (w:Webhook {id: $id, url: $url, events: $events, description: $description,
                   secret: $secret, enabled: true, status: 'active', failing_since: 0,
                   version: 1, created_at: $now, updated_at: $now})
CREATE (:Change {id: $change_id, at: $now, action: 'webhook.create', actor: $actor,
                 actor_key: $actor_key, object: 'webhook', object_id: $id, reason: $reason,
                 before: null, after: $after})
RETURN w.id AS id, w.url AS url, w.events AS events, w.description AS description,
       w.enabled AS enabled, w.status AS status, w.failing_since AS failing_since,
       w.version AS version, w.created_at AS created_at, w.updated_at AS updated_at

// name: webhook.list
MATCH (w:Webhook)
RETURN w.id AS id, w.url AS url, w.events AS events, w.description AS description,
       w.enabled AS enabled, w.status AS status, w.failing_since AS failing_since,
       w.version AS version, w.created_at AS created_at, w.updated_at AS updated_at
ORDER BY created_at, id

// name: webhook.get
MATCH (w:Webhook {id: $id})
RETURN w.id AS id, w.url AS url, w.events AS events, w.description AS description,
       w.enabled AS enabled, w.status AS status, w.failing_since AS failing_since,
       w.version AS version, w.created_at AS created_at, w.updated_at AS updated_at

// name: webhook.update
// A change computed from the endpoint as read at `version`: locked, then applied only if no
// other change came between (no row back = someone else's change won; the caller reads
// again). `$secret` null keeps the secret.
MATCH (found:Webhook {id: $id})
FOREACH (locking IN [found] | SET locking._lock = true REMOVE locking._lock)
WITH found.id AS wid
MATCH (w:Webhook {id: wid})
WHERE w.version = $version
SET w.url = $url, w.events = $events, w.description = $description, w.enabled = $enabled,
    w.secret = coalesce($secret, w.secret), w.version = w.version + 1, w.updated_at = $now
CREATE (:Change {id: $change_id, at: $now, action: 'webhook.update', actor: $actor,
                 actor_key: $actor_key, object: 'webhook', object_id: $id, reason: $reason,
                 before: $before, after: $after})
RETURN w.id AS id, w.url AS url, w.events AS events, w.description AS description,
       w.enabled AS enabled, w.status AS status, w.failing_since AS failing_since,
       w.version AS version, w.created_at AS created_at, w.updated_at AS updated_at

// name: webhook.delete
// The endpoint goes; its deliveries still pending are cancelled (kept as history).
MATCH (found:Webhook {id: $id})
FOREACH (locking IN [found] | SET locking._lock = true REMOVE locking._lock)
WITH found.id AS wid
MATCH (w:Webhook {id: wid})
WHERE w.version = $version
CREATE (:Change {id: $change_id, at: $now, action: 'webhook.delete', actor: $actor,
                 actor_key: $actor_key, object: 'webhook', object_id: $id, reason: $reason,
                 before: $before, after: null})
DETACH DELETE w
WITH DISTINCT wid
OPTIONAL MATCH (d:Delivery {endpoint_id: wid, status: 'pending'})
FOREACH (x IN CASE WHEN d IS NULL THEN [] ELSE [d] END |
  SET x.status = 'cancelled', x.lease = '', x.lease_until = 0)
RETURN DISTINCT wid AS id

// name: webhook.oldest
// When the oldest endpoint was made (null: none): no event before it is ever delivered.
MATCH (w:Webhook)
RETURN min(w.created_at) AS created_at, toInteger(count(w)) AS endpoints

// name: delivery.undispatched
// Events of the outbox whose deliveries do not exist yet, oldest first.
MATCH (e:Event)
WHERE e.at >= $since AND e.dispatched_at IS NULL
RETURN e.id AS id, e.at AS at
ORDER BY at, id
LIMIT $limit

// name: delivery.dispatch
// Each event once (locked, read again): one pending delivery to every enabled endpoint that
// subscribes to its type ('*' = all) and existed when it happened; then it is dispatched. A
// delivery a resend made first is left as it is (MERGE).
UNWIND $ids AS eid
MATCH (found:Event {id: eid})
WITH DISTINCT found
ORDER BY found.id
FOREACH (locking IN [found] | SET locking._lock = true REMOVE locking._lock)
WITH found.id AS eid
MATCH (e:Event {id: eid})
WHERE e.dispatched_at IS NULL
SET e.dispatched_at = $now
WITH e
OPTIONAL MATCH (w:Webhook)
WHERE w.enabled = true AND w.created_at <= e.at AND ('*' IN w.events OR e.type IN w.events)
FOREACH (x IN CASE WHEN w IS NULL THEN [] ELSE [w] END |
  MERGE (d:Delivery {id: x.id + ':' + e.id})
  ON CREATE SET d.endpoint_id = x.id, d.event_id = e.id, d.event_type = e.type,
                d.event_at = e.at, d.key = coalesce(e.key, e.id), d.status = 'pending',
                d.attempts = 0, d.tries = 0, d.since = $now, d.next_at = $now, d.lease = '',
                d.lease_until = 0, d.created_at = $now)
RETURN e.id AS id, toInteger(count(w)) AS deliveries

// name: delivery.pending
// Every pending delivery with whether its endpoint sends now: the deliverer picks the first
// of each (endpoint, key) by (event_at, event_id) — a key's next event waits for this one.
MATCH (d:Delivery {status: 'pending'})
OPTIONAL MATCH (w:Webhook {id: d.endpoint_id})
RETURN d.id AS id, d.endpoint_id AS endpoint_id, d.key AS key, d.event_at AS event_at,
       d.event_id AS event_id, d.next_at AS next_at, d.lease_until AS lease_until,
       coalesce(w.enabled, false) AS enabled

// name: delivery.claim
// The lease (compare-and-set under the lock): only one deliverer sends a delivery at a time.
// No row back = not due, or another deliverer holds it.
MATCH (found:Delivery {id: $id})
FOREACH (locking IN [found] | SET locking._lock = true REMOVE locking._lock)
WITH found.id AS did
MATCH (d:Delivery {id: did})
WHERE d.status = 'pending' AND d.next_at <= $now AND d.lease_until <= $now
MATCH (w:Webhook {id: d.endpoint_id})
WHERE w.enabled = true
MATCH (e:Event {id: d.event_id})
SET d.lease = $lease, d.lease_until = $lease_until
RETURN d.id AS id, d.endpoint_id AS endpoint_id, d.event_id AS event_id,
       d.attempts AS attempts, d.tries AS tries, d.since AS since, w.url AS url,
       w.secret AS secret, properties(e) AS event

// name: delivery.record
// One attempt's outcome ($outcome: delivered, pending = try again at $next_at, failed =
// given up; $status_code 0 = no answer, $error '' = none). The attempt is always kept; the delivery moves only while pending. A delivery
// given up marks its endpoint failing; a delivery that arrives makes it active again.
MATCH (found:Delivery {id: $id})
FOREACH (locking IN [found] | SET locking._lock = true REMOVE locking._lock)
WITH found.id AS did
MATCH (d:Delivery {id: did})
CREATE (:Attempt {id: $attempt_id, delivery_id: d.id, endpoint_id: d.endpoint_id,
                  event_id: d.event_id, at: $now, status_code: $status_code, error: $error,
                  ms: $ms})
WITH d, d.status = 'pending' AS open
FOREACH (x IN CASE WHEN open THEN [d] ELSE [] END |
  SET x.attempts = x.attempts + 1, x.tries = x.tries + 1, x.last_at = $now,
      x.last_status_code = $status_code, x.last_error = $error, x.status = $outcome,
      x.next_at = $next_at, x.lease = '', x.lease_until = 0)
FOREACH (x IN CASE WHEN open AND $outcome = 'delivered' THEN [d] ELSE [] END |
  SET x.delivered_at = $now)
WITH d, open
OPTIONAL MATCH (w:Webhook {id: d.endpoint_id})
FOREACH (x IN CASE WHEN open AND w IS NOT NULL AND $outcome = 'failed' THEN [w] ELSE [] END |
  SET x.status = 'failing',
      x.failing_since = CASE WHEN x.failing_since > 0 THEN x.failing_since ELSE $now END)
FOREACH (x IN CASE WHEN open AND w IS NOT NULL AND $outcome = 'delivered'
                   AND w.status = 'failing' THEN [w] ELSE [] END |
  SET x.status = 'active', x.failing_since = 0)
RETURN d.status AS status

// name: delivery.resend
// A new attempt of the same event to the endpoint, at once, with a fresh schedule: the
// delivery moves back to pending (made if the endpoint never had one for the event).
MATCH (w:Webhook {id: $endpoint_id})
MATCH (e:Event {id: $event_id})
MERGE (d:Delivery {id: $id})
ON CREATE SET d.endpoint_id = w.id, d.event_id = e.id, d.event_type = e.type,
              d.event_at = e.at, d.key = coalesce(e.key, e.id), d.attempts = 0,
              d.lease = '', d.lease_until = 0, d.created_at = $now
SET d.status = 'pending', d.next_at = $now, d.since = $now, d.tries = 0, d.resent_at = $now
RETURN d.id AS id

// name: delivery.list
// An endpoint's deliveries, newest event first, after the cursor (event_at, event_id).
MATCH (d:Delivery {endpoint_id: $endpoint_id})
WHERE ($status IS NULL OR d.status = $status)
  AND ($event_type IS NULL OR d.event_type = $event_type)
  AND (d.event_at < $before_at OR (d.event_at = $before_at AND d.event_id < $before_id))
RETURN d.id AS id, d.event_id AS event_id, d.event_type AS event_type,
       d.event_at AS event_at, d.key AS key, d.status AS status, d.attempts AS attempts,
       d.next_at AS next_at, d.last_at AS last_at, d.last_status_code AS last_status_code,
       d.last_error AS last_error, d.delivered_at AS delivered_at, d.created_at AS created_at,
       d.resent_at AS resent_at
ORDER BY event_at DESC, event_id DESC
LIMIT $limit

// name: delivery.get
MATCH (d:Delivery {id: $id})
RETURN d.id AS id, d.event_id AS event_id, d.event_type AS event_type,
       d.event_at AS event_at, d.key AS key, d.status AS status, d.attempts AS attempts,
       d.next_at AS next_at, d.last_at AS last_at, d.last_status_code AS last_status_code,
       d.last_error AS last_error, d.delivered_at AS delivered_at, d.created_at AS created_at,
       d.resent_at AS resent_at

// name: delivery.attempts
MATCH (a:Attempt {delivery_id: $id})
RETURN a.at AS at, a.status_code AS status_code, a.error AS error, a.ms AS ms
ORDER BY at
