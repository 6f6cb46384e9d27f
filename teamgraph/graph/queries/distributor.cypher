// Distributors (docs/rules.md §2) and their counters. A customer applies (application:
// pending), is approved (label :Distributor, status active, inviter fixed for good) or
// rejected. Counters read by team views and levels live on the node:
// direct_clients, indirect_clients, invitees, team_size, by_depth (index = depth - 1), and the
// order-fed perf_paid_orders, perf_received_fen, perf_transaction_fen, perf_completed_orders.
// Each guarded change below locks the customer / distributor before it checks its state
// (queries/__init__.py "Concurrent writers"); counters move by `SET x.n = x.n + k`, which
// Neo4j locks before reading.

// name: distributor.context
MATCH (c:Customer {id: $id})
OPTIONAL MATCH (c)-[b:BOUND_TO {active: true}]->(bd:Distributor)
RETURN c.id AS id, c.application AS application, c.status AS status,
       c.phone_verified AS phone_verified, c.own_spent_fen AS spent_fen,
       c.own_paid_orders AS paid_orders, c.groups AS groups,
       bd.id AS bound_to, b.since AS since, b.expires_at AS expires_at,
       c.sharer_id AS sharer_id, c.sharer_until AS sharer_until

// name: distributor.apply
MATCH (c:Customer {id: $id})
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH c
WHERE NOT c:Distributor AND (c.application IS NULL OR c.application = 'rejected')
SET c.application = 'pending', c.applied_at = $now
FOREACH (x IN [c] |
  CREATE (:Event {id: 'distributor.applied:' + x.id + ':' + toString($now),
                  type: 'distributor.applied', at: $now, key: x.id, object: 'distributor',
                  object_id: x.id, application: 'pending', applied_at: $now}))
RETURN c.id AS id

// name: distributor.reject
MATCH (c:Customer {id: $id})
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH c
WHERE c.application = 'pending'
SET c.application = 'rejected', c.rejected_at = $now
CREATE (:Change {id: $change_id, at: $now, actor: $actor, action: 'distributor.reject',
                 customer_id: c.id, reason: $reason,
                 actor_key: $actor_key, object: 'distributor', object_id: c.id,
                 before: 'pending', after: 'rejected'})
FOREACH (x IN [c] |
  CREATE (:Event {id: 'distributor.rejected:' + x.id + ':' + $change_id,
                  type: 'distributor.rejected', at: $now, key: x.id, object: 'distributor',
                  object_id: x.id, application: 'rejected', applied_at: x.applied_at,
                  rejected_at: $now}))
RETURN c.id AS id

// name: distributor.approve
// R-2.2: the inviter is fixed here, once; an inviter that would close a cycle is not linked.
// Every distributor above the new one gains one team member at its depth.
// R-3.14: with $invitation_points > 0 the inviter earns that many points, once per invitee
// (the entry's id names the invitee), never cash or balance: unit 'point', kind 'bonus'.
// The application is checked under the customer's lock, so of two approvals racing one links
// the inviter and counts the team; the other gets no row. Locks go upwards: the customer, its
// inviter, then the inviter's ancestors.
MATCH (c:Customer {id: $id})
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH c
WHERE c.application = 'pending' AND NOT c:Distributor
SET c:Distributor, c.application = 'approved', c.status = 'active', c.became_at = $now,
    c.last_active_at = $now, c.level = 1, c.code = $code,
    c.direct_clients = coalesce(c.direct_clients, 0), c.indirect_clients = 0, c.invitees = 0,
    c.team_size = 0, c.by_depth = [], c.perf_paid_orders = 0, c.perf_received_fen = 0,
    c.perf_transaction_fen = 0, c.perf_completed_orders = 0
CREATE (:Change {id: $change_id, at: $now, action: 'distributor.approve', actor: $actor,
                 actor_key: $actor_key, object: 'distributor', object_id: c.id,
                 reason: $reason, before: 'pending', after: 'approved'})
WITH c
OPTIONAL MATCH (i:Distributor {id: $inviter_id})
WHERE NOT (i)-[:INVITED_BY*0..]->(c)
FOREACH (x IN [c] |
  CREATE (:Event {id: 'distributor.approved:' + x.id, type: 'distributor.approved', at: $now,
                  key: x.id, object: 'distributor', object_id: x.id, status: 'active',
                  level: 1, code: x.code, inviter_id: i.id, became_at: $now,
                  applied_at: x.applied_at}))
FOREACH (x IN CASE WHEN i IS NULL THEN [] ELSE [i] END |
  CREATE (c)-[:INVITED_BY {at: $now}]->(x)
  SET x.invitees = x.invitees + 1)
FOREACH (x IN CASE WHEN i IS NULL OR $invitation_points = 0 THEN [] ELSE [i] END |
  MERGE (e:Entry {id: 'invitation:' + c.id})
    ON CREATE SET e.kind = 'bonus', e.program = 'invitation', e.distributor_id = x.id,
                  e.amount = $invitation_points, e.unit = 'point', e.status = 'settled',
                  e.at = $now, e.invitee_id = c.id
  MERGE (e)-[:TO]->(x))
WITH c, i
OPTIONAL MATCH p = (i)-[:INVITED_BY*0..]->(a:Distributor)
FOREACH (x IN CASE WHEN a IS NULL THEN [] ELSE [a] END |
  SET x.team_size = x.team_size + 1,
      x.by_depth = [j IN range(0, CASE WHEN size(x.by_depth) > length(p)
                                       THEN size(x.by_depth) - 1 ELSE length(p) END) |
                    coalesce(x.by_depth[j], 0) + CASE WHEN j = length(p) THEN 1 ELSE 0 END])
RETURN c.id AS id, c.code AS code, i.id AS inviter_id, toInteger(count(a)) AS ancestors

// name: distributor.set_status
// Freezing holds what would settle (R-3.10, R-6.4); unfreezing releases what was held, unless a
// frozen ring still holds it (`ring_holds`, or `ring_holds_inside` and the buyer's
// `frozen_rings`: risk.cypher, F-2, F-4). Events
// (events.cypher): distributor.frozen or .unfrozen, and reward.released per reward released.
MATCH (d:Distributor {id: $id})
FOREACH (locking IN [d] | SET locking._lock = true REMOVE locking._lock)
WITH d
WHERE d.status <> $status
SET d.status = $status, d.status_at = $now
CREATE (:Change {id: $change_id, at: $now, actor: $actor, action: $action,
                 customer_id: d.id, reason: $reason,
                 actor_key: $actor_key, object: 'distributor', object_id: d.id,
                 before: CASE WHEN $status = 'frozen' THEN 'active' ELSE 'frozen' END,
                 after: $status})
FOREACH (x IN [d] |
  CREATE (:Event {id: 'distributor.' + CASE WHEN $status = 'frozen' THEN 'frozen' ELSE 'unfrozen'
                                           END + ':' + x.id + ':' + $change_id,
                  type: 'distributor.' + CASE WHEN $status = 'frozen' THEN 'frozen'
                                             ELSE 'unfrozen' END,
                  at: $now, key: x.id, object: 'distributor', object_id: x.id, status: $status,
                  level: x.level,
                  ring_holds: coalesce(x.ring_holds, []) + coalesce(x.ring_holds_inside, []),
                  reason: $reason}))
WITH d
OPTIONAL MATCH (e:Entry {status: 'held'})-[:TO]->(d)
WITH d, e
OPTIONAL MATCH (e)-[:FOR]->(:Order)<-[:PLACED]-(b:Customer)
WITH d, e, coalesce(d.ring_holds_inside, []) AS inside_holds,
     coalesce(b.frozen_rings, []) AS buyer_rings
WITH d, e,
     e IS NOT NULL AND $status = 'active' AND size(coalesce(d.ring_holds, [])) = 0
       AND NOT any(h IN inside_holds WHERE h IN buyer_rings) AS free
FOREACH (x IN CASE WHEN free THEN [e] ELSE [] END |
  SET x.status = 'settled', x.released_at = $now)
FOREACH (x IN CASE WHEN free AND e.kind = 'reward' THEN [e] ELSE [] END |
  MERGE (ev:Event {id: 'reward.released:' + x.id})
    ON CREATE SET ev.type = 'reward.released', ev.at = $now, ev.key = d.id,
                  ev.object = 'reward', ev.object_id = x.id, ev.distributor_id = d.id,
                  ev.order_id = x.order_id, ev.tier = x.tier, ev.amount = x.amount,
                  ev.unit = x.unit, ev.returned = x.returned, ev.status = 'settled',
                  ev.settle_at = x.settle_at, ev.paid_at = x.at, ev.released_at = $now)
RETURN d.status AS status, toInteger(sum(CASE WHEN free THEN 1 ELSE 0 END)) AS released

// name: distributor.set_level
// R-4.3 by hand. The level it replaces is read under the distributor's lock, so the Change's
// `before` and the level_changed event (events.cypher) name it right when two changes race.
MATCH (d:Distributor {id: $id})
FOREACH (locking IN [d] | SET locking._lock = true REMOVE locking._lock)
WITH d
WITH d, d.level AS level_from
SET d.level = $level, d.level_set_at = $now
CREATE (:Change {id: $change_id, at: $now, actor: $actor, action: 'distributor.level',
                 customer_id: d.id, after: $level, reason: $reason,
                 actor_key: $actor_key, object: 'distributor', object_id: d.id,
                 before: level_from})
FOREACH (x IN CASE WHEN level_from = $level THEN [] ELSE [d] END |
  CREATE (:Event {id: 'distributor.level_changed:' + x.id + ':' + $change_id,
                  type: 'distributor.level_changed', at: $now, key: x.id,
                  object: 'distributor', object_id: x.id, level_from: level_from,
                  level_to: $level, level: $level, status: x.status, manual: true,
                  reason: $reason}))
RETURN d.level AS level

// name: distributor.raise_level
// R-4.3: automatic upgrades only ever raise the level; checked under the lock, so a slower
// raise to a lower level cannot undo a faster raise to a higher one. A raise writes its
// distributor.level_changed event (events.cypher).
MATCH (d:Distributor {id: $id})
FOREACH (locking IN [d] | SET locking._lock = true REMOVE locking._lock)
WITH d
WITH d, d.level AS level_from
WHERE level_from < $level
SET d.level = $level, d.level_raised_at = $now
FOREACH (x IN [d] |
  MERGE (ev:Event {id: 'distributor.level_changed:' + x.id + ':' + toString($level) + ':' +
                       toString($now)})
    ON CREATE SET ev.type = 'distributor.level_changed', ev.at = $now, ev.key = x.id,
                  ev.object = 'distributor', ev.object_id = x.id, ev.level_from = level_from,
                  ev.level_to = $level, ev.level = $level, ev.status = x.status,
                  ev.manual = false)
RETURN d.level AS level

// name: distributor.add_performance
// The update point the commission engine feeds (R-4.2 order-based conditions).
MATCH (d:Distributor {id: $id})
SET d.perf_paid_orders = d.perf_paid_orders + $paid_orders,
    d.perf_received_fen = d.perf_received_fen + $received_fen,
    d.perf_transaction_fen = d.perf_transaction_fen + $transaction_fen,
    d.perf_completed_orders = d.perf_completed_orders + $completed_orders
RETURN d.id AS id

// name: distributor.by_code
MATCH (d:Distributor {code: $code})
RETURN d.id AS id

// name: distributor.profiles
// The profile and counters of each id in $ids.
UNWIND $ids AS wanted
MATCH (d:Distributor {id: wanted})
OPTIONAL MATCH (d)-[:INVITED_BY]->(i:Distributor)
RETURN d.id AS id, d.name AS name, d.status AS status, d.level AS level, d.code AS code,
       d.became_at AS became_at, d.last_active_at AS last_active_at, i.id AS inviter_id,
       d.direct_clients AS direct_clients, d.indirect_clients AS indirect_clients,
       d.invitees AS invitees, d.team_size AS team_size, d.by_depth AS by_depth,
       d.perf_paid_orders AS paid_orders, d.perf_received_fen AS received_fen,
       d.perf_transaction_fen AS transaction_fen,
       d.perf_completed_orders AS completed_orders

// name: distributor.in_team
// Is $other in $id's team (below it in the invitation forest)? R-2.2's cycle check.
MATCH (o:Distributor {id: $other})-[:INVITED_BY*1..]->(d:Distributor {id: $id})
RETURN o.id AS id
LIMIT 1
