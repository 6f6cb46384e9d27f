// Binding and attribution (docs/rules.md §1). A binding is a BOUND_TO relationship with
// active = true until it ends (ended_at, end_reason); bindings are never deleted (R-1.12).
// Every statement that starts or ends a binding moves the counters of the distributor
// (direct_clients) and of its inviter (indirect_clients) in the same statement.
// The latest sharer (R-1.3) is kept on the customer (sharer_id, sharer_until) and every
// customer-distributor visit pair as SHARED_BY {first_at, at, visits, channel, times}, where
// times holds the pair's last 20 visit times (orders recorded late are attributed from it).
// Concurrent writers (queries/__init__.py): the customer's node guards its bindings and its
// SHARED_BY relationships. Every statement that starts, renews or ends a binding, or MERGEs a
// SHARED_BY, locks the customer first and only then looks for the active binding, so two
// visits cannot both bind, an ended binding cannot be ended (and counted down) again, and a
// pair never gets two SHARED_BY.

// Visits with an id (docs/api.md "Visits"): each of visit.bind, visit.renew and visit.share
// looks for a (:Visit {id}) under the customer's lock and writes nothing when one is there, so
// two identical visits at once count one (the second waits for the lock, then sees the first's
// Visit); otherwise it records the Visit with the answer it gives (outcome, binding and sharer
// as they stand after the visit), which a repeat answers again. Two visits of one id naming
// different customers lock different nodes: the Visit id's unique constraint decides (Neo4j).
// $visit_id null: no Visit is looked for or written (visits without an id, as before).

// name: visit.context
OPTIONAL MATCH (d:Customer {id: $distributor_id})
WITH d
OPTIONAL MATCH (c:Customer {id: $customer_id})
WITH d, c
OPTIONAL MATCH (c)-[h:BOUND_TO]->(:Distributor)
WITH d, c, max(h.since) AS last_since, max(h.ended_at) AS last_ended
OPTIONAL MATCH (c)-[b:BOUND_TO {active: true}]->(bd:Distributor)
RETURN d.id AS d_id, d.status AS d_status, c.id AS c_id, c.via AS via,
       bd.id AS bound_to, b.since AS since, b.expires_at AS expires_at,
       c.sharer_id AS sharer_id, c.sharer_until AS sharer_until,
       CASE WHEN last_ended IS NULL OR last_since > last_ended THEN last_since
            ELSE last_ended END AS last_change

// name: visit.bind
MATCH (d:Distributor {id: $distributor_id})
MERGE (c:Customer {id: $customer_id})
  ON CREATE SET c.joined_at = $now, c.via = $distributor_id, c.name = $name
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH c, d
OPTIONAL MATCH (seen:Visit {id: $visit_id})
WITH c, d, seen
OPTIONAL MATCH (c)-[current:BOUND_TO {active: true}]->(:Distributor)
WITH c, d, current, seen
WHERE current IS NULL AND seen IS NULL
CREATE (c)-[b:BOUND_TO {active: true, since: $now, expires_at: $expires_at, due: $expires_at,
                        source: $source, channel: $channel, actor: $actor,
                        reason: $reason}]->(d)
SET d.direct_clients = coalesce(d.direct_clients, 0) + 1, d.last_active_at = $now
FOREACH (x IN CASE WHEN coalesce(c.sharer_at, 0) <= $now THEN [c] ELSE [] END |
  SET x.sharer_id = d.id, x.sharer_until = $sharer_until, x.sharer_channel = $channel,
      x.sharer_at = $now)
MERGE (c)-[s:SHARED_BY]->(d)
  ON CREATE SET s.first_at = $now, s.visits = 0
SET s.at = $now, s.visits = s.visits + 1, s.channel = $channel,
    s.times = CASE WHEN size(coalesce(s.times, [])) >= 20
                   THEN (s.times + [$now])[size(s.times) - 19..]
                   ELSE coalesce(s.times, []) + [$now] END
FOREACH (x IN CASE WHEN $visit_id IS NULL THEN [] ELSE [c] END |
  CREATE (:Visit {id: $visit_id, digest: $digest, at: $now, customer_id: x.id,
                  distributor_id: d.id, channel: $channel, outcome: $outcome,
                  reason: $reason, bound_to: d.id, expires_at: b.expires_at,
                  sharer_id: x.sharer_id, sharer_until: x.sharer_until}))
WITH c, d, b
FOREACH (x IN [c] |
  MERGE (ev:Event {id: 'customer.bound:' + x.id + ':' + toString($now)})
    ON CREATE SET ev.type = 'customer.bound', ev.at = $now, ev.key = d.id,
                  ev.object = 'customer', ev.object_id = x.id, ev.distributor_id = d.id,
                  ev.since = $now, ev.expires_at = $expires_at, ev.source = $source,
                  ev.channel = $channel)
WITH c, d, b
OPTIONAL MATCH (d)-[:INVITED_BY]->(i:Distributor)
FOREACH (x IN CASE WHEN i IS NULL THEN [] ELSE [i] END |
  SET x.indirect_clients = coalesce(x.indirect_clients, 0) + 1)
RETURN b.since AS since, b.expires_at AS expires_at, d.id AS distributor_id,
       c.sharer_id AS sharer_id, c.sharer_until AS sharer_until

// name: visit.renew
MATCH (c:Customer {id: $customer_id})
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH c
OPTIONAL MATCH (seen:Visit {id: $visit_id})
WITH c, seen
WHERE seen IS NULL
MATCH (c)-[b:BOUND_TO {active: true}]->(d:Distributor {id: $distributor_id})
SET b.expires_at = $expires_at, b.due = $expires_at, b.renewed_at = $now,
    d.last_active_at = $now
FOREACH (x IN CASE WHEN coalesce(c.sharer_at, 0) <= $now THEN [c] ELSE [] END |
  SET x.sharer_id = d.id, x.sharer_until = $sharer_until, x.sharer_channel = $channel,
      x.sharer_at = $now)
MERGE (c)-[s:SHARED_BY]->(d)
  ON CREATE SET s.first_at = $now, s.visits = 0
SET s.at = $now, s.visits = s.visits + 1, s.channel = $channel,
    s.times = CASE WHEN size(coalesce(s.times, [])) >= 20
                   THEN (s.times + [$now])[size(s.times) - 19..]
                   ELSE coalesce(s.times, []) + [$now] END
FOREACH (x IN CASE WHEN $visit_id IS NULL THEN [] ELSE [c] END |
  CREATE (:Visit {id: $visit_id, digest: $digest, at: $now, customer_id: x.id,
                  distributor_id: d.id, channel: $channel, outcome: $outcome,
                  reason: $reason, bound_to: d.id, expires_at: b.expires_at,
                  sharer_id: x.sharer_id, sharer_until: x.sharer_until}))
RETURN b.since AS since, b.expires_at AS expires_at, d.id AS distributor_id,
       c.sharer_id AS sharer_id, c.sharer_until AS sharer_until

// name: visit.share
MATCH (d:Distributor {id: $distributor_id})
MERGE (c:Customer {id: $customer_id})
  ON CREATE SET c.joined_at = $now, c.via = $distributor_id, c.name = $name
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH c, d
OPTIONAL MATCH (seen:Visit {id: $visit_id})
WITH c, d, seen
WHERE seen IS NULL
SET d.last_active_at = CASE WHEN coalesce(d.last_active_at, 0) < $now THEN $now
                           ELSE d.last_active_at END
FOREACH (x IN CASE WHEN coalesce(c.sharer_at, 0) <= $now THEN [c] ELSE [] END |
  SET x.sharer_id = d.id, x.sharer_until = $sharer_until, x.sharer_channel = $channel,
      x.sharer_at = $now)
MERGE (c)-[s:SHARED_BY]->(d)
  ON CREATE SET s.first_at = $now, s.visits = 0
SET s.at = $now, s.visits = s.visits + 1, s.channel = $channel,
    s.times = CASE WHEN size(coalesce(s.times, [])) >= 20
                   THEN (s.times + [$now])[size(s.times) - 19..]
                   ELSE coalesce(s.times, []) + [$now] END
WITH c, d
OPTIONAL MATCH (c)-[cur:BOUND_TO {active: true}]->(cd:Distributor)
FOREACH (x IN CASE WHEN $visit_id IS NULL THEN [] ELSE [c] END |
  CREATE (:Visit {id: $visit_id, digest: $digest, at: $now, customer_id: x.id,
                  distributor_id: d.id, channel: $channel, outcome: $outcome,
                  reason: $reason, bound_to: cd.id, expires_at: cur.expires_at,
                  sharer_id: x.sharer_id, sharer_until: x.sharer_until}))
RETURN c.id AS customer_id, cd.id AS distributor_id, cur.expires_at AS expires_at,
       c.sharer_id AS sharer_id, c.sharer_until AS sharer_until

// name: visit.get
// A visit recorded under its id (a repeat answers it again, or is 409 with another body).
MATCH (v:Visit {id: $visit_id})
RETURN v.digest AS digest, v.outcome AS outcome, v.reason AS reason, v.bound_to AS bound_to,
       v.expires_at AS expires_at, v.sharer_id AS sharer_id, v.sharer_until AS sharer_until,
       v.at AS at, v.customer_id AS customer_id

// name: binding.expire_due
// `due` mirrors expires_at while a binding is active and is cleared when it ends, so this
// indexed scan touches only what is due, however long the history.
// Endpoints unlabelled on purpose: FalkorDB then scans the edge index alone (measured 0.2 ms
// against 96 ms with labels on 50,000 bindings).
// Run from every catch_up, so often by several requests at once: the customers are locked (in
// id order, so two sweeps cannot deadlock) and their due bindings matched again under the
// lock; a binding another sweep, an unbind or a renewal got to first is not ended (and its
// distributor's counters not lowered) twice.
MATCH (c)-[seen:BOUND_TO]->()
WHERE seen.due <= $now
WITH DISTINCT c
ORDER BY c.id
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH c
MATCH (c)-[b:BOUND_TO]->(d)
WHERE b.due <= $now
SET b.active = false, b.ended_at = b.expires_at, b.end_reason = 'expired', b.due = null,
    d.direct_clients = d.direct_clients - 1
FOREACH (x IN [b] |
  MERGE (ev:Event {id: 'customer.unbound:' + c.id + ':' + toString(x.expires_at)})
    ON CREATE SET ev.type = 'customer.unbound', ev.at = $now, ev.key = d.id,
                  ev.object = 'customer', ev.object_id = c.id,
                  ev.previous_distributor_id = d.id, ev.since = x.since,
                  ev.ended_at = x.expires_at, ev.end_reason = 'expired')
WITH d
OPTIONAL MATCH (d)-[:INVITED_BY]->(i:Distributor)
FOREACH (x IN CASE WHEN i IS NULL THEN [] ELSE [i] END |
  SET x.indirect_clients = x.indirect_clients - 1)
RETURN toInteger(count(d)) AS n

// name: binding.set
MATCH (c:Customer {id: $customer_id})
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH c
MATCH (nd:Distributor {id: $distributor_id})
OPTIONAL MATCH (c)-[old:BOUND_TO {active: true}]->(od:Distributor)
WITH c, nd, old, od
WHERE od IS NULL OR od.id <> nd.id
FOREACH (x IN CASE WHEN old IS NULL THEN [] ELSE [old] END |
  SET x.active = false, x.ended_at = $now, x.end_reason = $end_reason, x.ended_by = $actor,
      x.due = null)
FOREACH (x IN CASE WHEN od IS NULL THEN [] ELSE [od] END |
  SET x.direct_clients = x.direct_clients - 1)
CREATE (c)-[b:BOUND_TO {active: true, since: $now, expires_at: $expires_at, due: $expires_at,
                        source: $source, actor: $actor, reason: $reason}]->(nd)
SET nd.direct_clients = coalesce(nd.direct_clients, 0) + 1
CREATE (:Change {id: $change_id, at: $now, actor: $actor, action: $action,
                 customer_id: c.id, before: od.id, after: nd.id, reason: $reason,
                 actor_key: $actor_key, object: 'customer', object_id: c.id})
FOREACH (x IN [c] |
  CREATE (:Event {id: CASE WHEN od IS NULL THEN 'customer.bound:' ELSE 'customer.rebound:' END +
                      x.id + ':' + $change_id,
                  type: CASE WHEN od IS NULL THEN 'customer.bound' ELSE 'customer.rebound' END,
                  at: $now, key: nd.id, object: 'customer', object_id: x.id,
                  distributor_id: nd.id, previous_distributor_id: od.id, since: $now,
                  expires_at: $expires_at, source: $source, reason: $reason}))
WITH nd, od, b
OPTIONAL MATCH (od)-[:INVITED_BY]->(oi:Distributor)
FOREACH (x IN CASE WHEN oi IS NULL THEN [] ELSE [oi] END |
  SET x.indirect_clients = x.indirect_clients - 1)
WITH nd, od, b
OPTIONAL MATCH (nd)-[:INVITED_BY]->(ni:Distributor)
FOREACH (x IN CASE WHEN ni IS NULL THEN [] ELSE [ni] END |
  SET x.indirect_clients = coalesce(x.indirect_clients, 0) + 1)
RETURN b.since AS since, b.expires_at AS expires_at, od.id AS before

// name: binding.end
MATCH (c:Customer {id: $customer_id})
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH c
MATCH (c)-[old:BOUND_TO {active: true}]->(od:Distributor)
SET old.active = false, old.ended_at = $now, old.end_reason = $end_reason,
    old.ended_by = $actor, old.due = null, od.direct_clients = od.direct_clients - 1
CREATE (:Change {id: $change_id, at: $now, actor: $actor, action: $action,
                 customer_id: c.id, before: od.id, reason: $reason,
                 actor_key: $actor_key, object: 'customer', object_id: c.id, after: null})
FOREACH (x IN [c] |
  CREATE (:Event {id: 'customer.unbound:' + x.id + ':' + $change_id, type: 'customer.unbound',
                  at: $now, key: od.id, object: 'customer', object_id: x.id,
                  previous_distributor_id: od.id, since: old.since, ended_at: $now,
                  end_reason: $end_reason, reason: $reason}))
WITH od
OPTIONAL MATCH (od)-[:INVITED_BY]->(oi:Distributor)
FOREACH (x IN CASE WHEN oi IS NULL THEN [] ELSE [oi] END |
  SET x.indirect_clients = x.indirect_clients - 1)
RETURN od.id AS before

// name: binding.end_all
// R-1.10: chain -> sharer ends every active binding when the switch takes effect; the
// settings move in the same statement (compare-and-set on their version, read under the shop
// node's lock as in shop.put_settings). Each binding ended writes its customer.unbound event
// (events.cypher), at the time the switch took effect.
MATCH (s:Shop {id: $id})
FOREACH (locking IN [s] | SET locking._lock = true REMOVE locking._lock)
WITH s
WHERE s.settings_version = $version AND s.settings = $seen
SET s.settings = $settings, s.settings_version = $version + 1
CREATE (:Change {id: $change_id, at: $at, action: $action, actor: $actor,
                 actor_key: $actor_key, object: 'settings', object_id: s.id, reason: null,
                 before: $before, after: $settings})
WITH s
OPTIONAL MATCH (bc:Customer)-[b:BOUND_TO {active: true}]->(bd:Distributor)
FOREACH (x IN CASE WHEN b IS NULL THEN [] ELSE [b] END |
  SET x.active = false, x.ended_at = $at, x.end_reason = 'mode_switch', x.due = null
  CREATE (:Event {id: 'customer.unbound:' + bc.id + ':mode_switch:' + toString($at),
                  type: 'customer.unbound', at: $at, key: bd.id, object: 'customer',
                  object_id: bc.id, previous_distributor_id: bd.id, since: x.since,
                  ended_at: $at, end_reason: 'mode_switch'}))
WITH s, toInteger(count(b)) AS ended
OPTIONAL MATCH (d:Distributor)
FOREACH (x IN CASE WHEN d IS NULL THEN [] ELSE [d] END |
  SET x.direct_clients = 0, x.indirect_clients = 0)
RETURN s.settings_version AS settings_version, ended

// name: binding.reexpire_all
// R-1.11: auto-unbind never -> on_expiry gives every active binding expires_at = now +
// binding_days ($expires_at); on_expiry -> never makes every one permanent ($expires_at null).
// Compare-and-set on the settings version under the shop node's lock (shop.put_settings), and
// R-3.1's reset of the products' own rewards as there.
MATCH (s:Shop {id: $id})
FOREACH (locking IN [s] | SET locking._lock = true REMOVE locking._lock)
WITH s
WHERE s.settings_version = $version AND s.settings = $seen
SET s.settings = $settings, s.settings_version = $version + 1
CREATE (:Change {id: $change_id, at: $now, action: $action, actor: $actor,
                 actor_key: $actor_key, object: 'settings', object_id: s.id, reason: null,
                 before: $before, after: $settings})
WITH s
OPTIONAL MATCH (p:Product)
WHERE $reset_products AND (p.reward_bp IS NOT NULL OR p.reward_fen IS NOT NULL)
FOREACH (x IN CASE WHEN p IS NULL THEN [] ELSE [p] END |
  SET x.reward_bp = $product_bp, x.reward_fen = $product_fen, x.updated_at = $now)
WITH s, toInteger(count(p)) AS products_reset
OPTIONAL MATCH (:Customer)-[b:BOUND_TO {active: true}]->(:Distributor)
FOREACH (x IN CASE WHEN b IS NULL THEN [] ELSE [b] END |
  SET x.expires_at = $expires_at, x.due = $expires_at)
RETURN s.settings_version AS settings_version, toInteger(count(b)) AS changed, products_reset

// name: customer.create
MERGE (c:Customer {id: $id})
  ON CREATE SET c.name = $name, c.phone_hash = $phone_hash, c.phone_verified = $phone_verified,
                c.joined_at = $joined_at, c.via = $via
RETURN c.id AS id, c.name AS name, c.phone_hash AS phone_hash,
       c.phone_verified AS phone_verified, c.joined_at AS joined_at

// name: customer.view
MATCH (c:Customer {id: $id})
OPTIONAL MATCH (c)-[b:BOUND_TO]->(d:Distributor)
WITH c, b, d
ORDER BY b.since
RETURN c.id AS id, c.name AS name, c.joined_at AS joined_at, c.via AS via,
       c.sharer_id AS sharer_id, c.sharer_until AS sharer_until,
       c.sharer_channel AS sharer_channel, c.status AS distributor_status, c.groups AS groups,
       collect(CASE WHEN b IS NULL THEN null ELSE {
         distributor_id: d.id, since: b.since, expires_at: b.expires_at, active: b.active,
         ended_at: b.ended_at, end_reason: b.end_reason, ended_by: b.ended_by,
         source: b.source, channel: b.channel, actor: b.actor, reason: b.reason
       } END) AS bindings
