// Fraud rings (docs/rules.md §6). A scan (teamgraph.fraud) writes one (:Ring) per group it
// finds, its members linked by (:Customer)-[:MEMBER_OF {role}]->(:Ring); the evidence (score
// contributions, edges, masked signals) is a JSON document on the ring. A ring is `open`, then
// `frozen` / `released` by an analyst or the merchant. A frozen ring holds rewards of its
// distributor members (R-6.4, F-2): with `hold` 'inside' (the default) only those whose order a
// member of the ring placed, with 'all' every one. The hold is written on the members, for the
// settle sweep (ledger.settle_due) to read without visiting rings: each distributor member
// carries the ids of the frozen rings holding all its rewards in `ring_holds` and of those
// holding its rewards from members' orders in `ring_holds_inside`; every member carries the ids
// of the frozen rings it belongs to in `frozen_rings`. A reward (or clawback) is held when its
// distributor is frozen by hand, or `ring_holds` is not empty, or a ring id is both in its
// distributor's `ring_holds_inside` and in its buyer's `frozen_rings`. The holds are kept apart
// from a distributor's own `status`, so a ring's release never undoes a freeze by hand and an
// unfreeze by hand never releases what a ring holds (F-4).

// The whole-shop pass (F-7): identity signal values (R-6.1) seen with 2..$max_shared customers,
// one row per (value, customer), one statement per kind (a label cannot be a parameter). Values
// of one customer, and public ones shared by more (an IP of a carrier's NAT), never leave the
// engine. Counting from the value's side, with the far end unnamed (only customers use a
// value), costs the engine a fifth less than from (:Customer); the count itself (one group per
// value, most of them private) is most of the scan's time in the engine (issue 13).

// name: risk.shared_device
MATCH (s:Device)<-[:USES]-()
WITH s, count(*) AS k
WHERE k >= 2 AND k <= $max_shared
MATCH (c:Customer)-[u:USES]->(s)
RETURN s.id AS value, c.id AS customer_id, u.first_seen AS first_seen, toInteger(k) AS k

// name: risk.shared_phone
MATCH (s:Phone)<-[:USES]-()
WITH s, count(*) AS k
WHERE k >= 2 AND k <= $max_shared
MATCH (c:Customer)-[u:USES]->(s)
RETURN s.id AS value, c.id AS customer_id, u.first_seen AS first_seen, toInteger(k) AS k

// name: risk.shared_address
MATCH (s:Address)<-[:USES]-()
WITH s, count(*) AS k
WHERE k >= 2 AND k <= $max_shared
MATCH (c:Customer)-[u:USES]->(s)
RETURN s.id AS value, c.id AS customer_id, u.first_seen AS first_seen, toInteger(k) AS k

// name: risk.shared_account
MATCH (s:Account)<-[:USES]-()
WITH s, count(*) AS k
WHERE k >= 2 AND k <= $max_shared
MATCH (c:Customer)-[u:USES]->(s)
RETURN s.id AS value, c.id AS customer_id, u.first_seen AS first_seen, toInteger(k) AS k

// name: risk.shared_ip
MATCH (s:IP)<-[:USES]-()
WITH s, count(*) AS k
WHERE k >= 2 AND k <= $max_shared
MATCH (c:Customer)-[u:USES]->(s)
RETURN s.id AS value, c.id AS customer_id, u.first_seen AS first_seen, toInteger(k) AS k

// name: risk.distributors
// With the counters a level condition can name (R-4.2): the threshold signal reads them, and
// direct_clients tells a distributor with a trade of its own (F-17).
MATCH (d:Distributor)
RETURN d.id AS id, d.level AS level, d.status AS status, d.became_at AS became_at,
       d.perf_received_fen AS perf_received_fen, d.perf_transaction_fen AS perf_transaction_fen,
       d.perf_paid_orders AS perf_paid_orders, d.perf_completed_orders AS perf_completed_orders,
       d.direct_clients AS direct_clients, d.invitees AS invitees

// name: risk.flows
// Who paid whom (issue 18): per buyer and the distributor its orders were attributed to, the
// amount paid and the orders. With the shared values, the whole-shop graph whose strongly
// connected parts are money going round (detect.flow_components).
MATCH (c:Customer)-[:PLACED]->(o:Order)
WHERE o.attributed_to IS NOT NULL
RETURN c.id AS buyer, o.attributed_to AS earner, toInteger(sum(o.paid_fen)) AS paid_fen,
       toInteger(count(o)) AS orders

// name: risk.distributor_bindings
// Open bindings of distributors to distributors: circular attribution is a cycle of these.
MATCH (c:Distributor)-[b:BOUND_TO]->(d:Distributor)
WHERE b.ended_at IS NULL
RETURN c.id AS customer_id, d.id AS distributor_id, b.since AS since, b.ended_at AS ended_at

// The neighbourhood pass (F-7): what the candidates' members did, by batches of ids.

// name: risk.members_customers
UNWIND $ids AS cid
MATCH (c:Customer {id: cid})
RETURN c.id AS id, c.name AS name, c.joined_at AS joined_at,
       'Distributor' IN labels(c) AS is_distributor, c.level AS level

// name: risk.members_bindings
// Every binding of the members, open or ended (R-1.12: ended ones are history, kept).
UNWIND $ids AS cid
MATCH (c:Customer {id: cid})-[b:BOUND_TO]->(d:Distributor)
RETURN c.id AS customer_id, d.id AS distributor_id, b.since AS since, b.ended_at AS ended_at

// name: risk.members_invitations
UNWIND $ids AS cid
MATCH (a:Distributor {id: cid})-[i:INVITED_BY]->(b:Distributor)
RETURN a.id AS id, b.id AS inviter_id, i.at AS at

// name: risk.members_orders
UNWIND $ids AS cid
MATCH (c:Customer {id: cid})-[:PLACED]->(o:Order)
RETURN o.id AS id, c.id AS customer_id, o.paid_at AS paid_at, o.paid_fen AS paid_fen,
       o.refunded_fen AS refunded_fen, o.settle_at AS settle_at, o.attributed_to AS attributed_to

// name: risk.members_rewards
// Commission flows: who earned how much from the members' orders (rewards and clawbacks).
// The WITH keeps FalkorDB from starting at the Entry kind index (a scan of every entry).
UNWIND $ids AS cid
MATCH (c:Customer {id: cid})-[:PLACED]->(o:Order)<-[:FOR]-(e:Entry)
WITH o, e
WHERE e.kind IN ['reward', 'clawback'] AND e.unit = 'fen'
RETURN o.id AS order_id, e.distributor_id AS distributor_id, e.amount AS amount,
       e.status AS status, e.tier AS tier

// name: risk.members_refunds
UNWIND $ids AS cid
MATCH (c:Customer {id: cid})-[:PLACED]->(o:Order)<-[:OF]-(r:Refund)
RETURN o.id AS order_id, r.at AS at, r.amount_fen AS amount_fen

// name: risk.write_rings
// One scan's rings: new ones are created `open`; an existing open ring (same id) takes the new
// score, evidence and members; a frozen or released ring is the record of a decision and is
// only marked seen (with `last_score`, this scan's score for the group, which the evaluation
// can count, F-22), and so is an open ring with an analyst's verdict (F-20). Rows are
// deduplicated on id by the caller. `SET r.seen_at` takes the ring's lock before its status and
// verdict are read, so a scan racing a freeze or a review never overwrites a decided ring, and
// its MEMBER_OF relationships are replaced by one scan at a time. A ring found by this scan
// writes its ring.detected event (events.cypher), MERGEd: two scans racing write one.
UNWIND $rows AS row
MERGE (r:Ring {id: row.id})
  ON CREATE SET r.status = 'open', r.found_at = $now
SET r.seen_at = $now, r.scan_id = $scan_id, r.last_score = row.score
WITH r, row
WHERE r.status = 'open' AND r.verdict IS NULL
SET r.score = row.score, r.kinds = row.kinds, r.members = row.members,
    r.distributors = row.distributors, r.top_signals = row.top_signals,
    r.inside_fen = row.inside_fen, r.detail = row.detail
FOREACH (x IN CASE WHEN r.found_at = $now THEN [r] ELSE [] END |
  MERGE (ev:Event {id: 'ring.detected:' + x.id + ':' + toString($now)})
    ON CREATE SET ev.type = 'ring.detected', ev.at = $now, ev.key = x.id, ev.object = 'ring',
                  ev.object_id = x.id, ev.status = 'open', ev.score = row.score,
                  ev.kinds = row.kinds, ev.members = row.members,
                  ev.distributors = row.distributors, ev.inside_fen = row.inside_fen,
                  ev.member_ids = [m IN row.member_ids | m.id], ev.found_at = $now)
WITH r, row
OPTIONAL MATCH (r)<-[old:MEMBER_OF]-(:Customer)
DELETE old
WITH r, row, count(old) AS dropped
UNWIND row.member_ids AS m
MATCH (c:Customer {id: m.id})
MERGE (c)-[e:MEMBER_OF]->(r)
SET e.role = m.role
RETURN toInteger(count(e)) AS n

// name: risk.drop_stale
// Open rings the latest scan did not find again are dropped (never reviewed, they are only the
// output of an older scan); frozen and released rings stay, and so do rings with a verdict
// (F-20).
MATCH (r:Ring {status: 'open'})
WHERE r.scan_id <> $scan_id AND r.verdict IS NULL
DETACH DELETE r
RETURN toInteger(count(*)) AS n

// name: risk.reviewed
// Rings with a decision (frozen or released, or an analyst's verdict, F-20) and their members,
// so a scan can recognise them.
MATCH (r:Ring)<-[:MEMBER_OF]-(c:Customer)
WHERE r.status IN ['frozen', 'released'] OR r.verdict IS NOT NULL
RETURN r.id AS id, r.status AS status, collect(c.id) AS member_ids

// name: risk.open_ids
MATCH (r:Ring {status: 'open'})<-[:MEMBER_OF]-(c:Customer)
WHERE r.verdict IS NULL
RETURN r.id AS id, collect(c.id) AS member_ids

// name: risk.rings
// The ring list, by score (then id, so pages are stable); the caller skips to its offset.
// $verdict: 'fraud', 'not_fraud', 'none' (not reviewed) or null (any).
MATCH (r:Ring)
WHERE ($status IS NULL OR r.status = $status)
  AND ($verdict IS NULL OR r.verdict = $verdict OR ($verdict = 'none' AND r.verdict IS NULL))
RETURN r.id AS id, r.score AS score, r.status AS status, r.kinds AS kinds,
       r.members AS members, r.distributors AS distributors, r.found_at AS found_at,
       r.top_signals AS top_signals, r.inside_fen AS inside_fen, r.seen_at AS seen_at,
       r.frozen_at AS frozen_at, r.frozen_by AS frozen_by, r.released_at AS released_at,
       r.released_by AS released_by, r.verdict AS verdict, r.verdict_at AS verdict_at,
       r.verdict_by AS verdict_by, r.verdict_note AS verdict_note, r.hold AS hold
ORDER BY score DESC, id
LIMIT $limit

// name: risk.ring
MATCH (r:Ring {id: $id})
OPTIONAL MATCH (r)<-[m:MEMBER_OF]-(c:Customer)
RETURN r.id AS id, r.score AS score, r.status AS status, r.kinds AS kinds,
       r.members AS members, r.distributors AS distributors, r.found_at AS found_at,
       r.top_signals AS top_signals, r.inside_fen AS inside_fen, r.seen_at AS seen_at,
       r.frozen_at AS frozen_at, r.frozen_by AS frozen_by, r.released_at AS released_at,
       r.released_by AS released_by, r.verdict AS verdict, r.verdict_at AS verdict_at,
       r.verdict_by AS verdict_by, r.verdict_note AS verdict_note, r.hold AS hold,
       r.detail AS detail,
       collect(CASE WHEN c IS NULL THEN null ELSE {
         id: c.id, name: c.name, role: m.role, level: c.level, status: c.status,
         is_distributor: 'Distributor' IN labels(c),
         ring_holds: coalesce(c.ring_holds, []) + coalesce(c.ring_holds_inside, [])
       } END) AS member_list

// name: risk.at_stake
// The rings' money (F-3), per ring, side and status, net of clawbacks: what the distributor
// members earned (rewards, clawbacks, bonuses) split by whether the order was placed by a member
// of the ring (`inside`: the commission that flowed inside the group) or not (`inside` false:
// the members' other earnings, bonuses included, which have no order).
// The WITHs keep FalkorDB from starting at the Entry kind index (a scan of every entry).
UNWIND $ids AS rid
MATCH (r:Ring {id: rid})
WITH rid, r
MATCH (r)<-[:MEMBER_OF]-(d:Distributor)
WITH rid, r, d
MATCH (d)<-[:TO]-(e:Entry)
WITH rid, r, e
WHERE e.kind IN ['reward', 'clawback', 'bonus'] AND e.unit = 'fen'
OPTIONAL MATCH (e)-[:FOR]->(:Order)<-[:PLACED]-(b:Customer)-[:MEMBER_OF]->(r)
WITH rid, e, b IS NOT NULL AS inside
RETURN rid AS id, inside, e.status AS status, toInteger(sum(e.amount)) AS amount

// name: risk.freeze
// R-6.4: freeze a ring (idempotent: an already frozen ring is left as it is; checked under the
// ring's lock, so two freezes racing write one Change). `$hold` ('inside' or 'all', F-2) is
// stored on the ring and in its Change; the members carry the hold from now on (the header of
// this file): the settle sweep holds what comes due. Each member's lists are rewritten under
// its lock, members taken by id (two rings sharing members, frozen or released at once, lose
// no id). Writes its ring.frozen event.
MATCH (r:Ring {id: $id})
FOREACH (locking IN [r] | SET locking._lock = true REMOVE locking._lock)
WITH r
WHERE r.status <> 'frozen'
WITH r, r.status AS before
SET r.status = 'frozen', r.frozen_at = $now, r.frozen_by = $actor, r.freeze_reason = $reason,
    r.hold = $hold
CREATE (:Change {id: $change_id, at: $now, actor: $actor, action: 'ring.freeze',
                 ring_id: r.id, reason: $reason, before: before, after: 'frozen',
                 hold: $hold, actor_key: $actor_key, object: 'ring', object_id: r.id})
FOREACH (x IN [r] |
  CREATE (:Event {id: 'ring.frozen:' + x.id + ':' + $change_id, type: 'ring.frozen', at: $now,
                  key: x.id, object: 'ring', object_id: x.id, status: 'frozen',
                  score: x.score, kinds: x.kinds, members: x.members,
                  distributors: x.distributors, inside_fen: x.inside_fen, found_at: x.found_at,
                  frozen_at: $now, hold: $hold, reason: $reason}))
WITH r
MATCH (r)<-[:MEMBER_OF]-(c:Customer)
WITH r, c
ORDER BY c.id
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH r, c
SET c.frozen_rings = [h IN coalesce(c.frozen_rings, []) WHERE h <> r.id] + [r.id]
FOREACH (x IN CASE WHEN 'Distributor' IN labels(c) THEN [c] ELSE [] END |
  SET x.ring_holds = [h IN coalesce(x.ring_holds, []) WHERE h <> r.id]
                     + CASE WHEN $hold = 'all' THEN [r.id] ELSE [] END,
      x.ring_holds_inside = [h IN coalesce(x.ring_holds_inside, []) WHERE h <> r.id]
                            + CASE WHEN $hold = 'all' THEN [] ELSE [r.id] END)
RETURN r.id AS id, toInteger(sum(CASE WHEN 'Distributor' IN labels(c) THEN 1 ELSE 0 END)) AS held

// name: risk.release
// R-6.4: release a frozen ring (idempotent). Its members no longer carry its hold; each reward
// it held settles unless it is still held (the header of this file): its distributor is frozen
// by hand, or another frozen ring holds it (F-4). Checked under the ring's lock, as risk.freeze;
// the members' lists are rewritten before any held reward is read again (the collect), so the
// decision reads them as this statement left them, under the locks their writes took. Events
// (events.cypher): ring.released, and reward.released per reward released.
MATCH (r:Ring {id: $id})
FOREACH (locking IN [r] | SET locking._lock = true REMOVE locking._lock)
WITH r
WHERE r.status = 'frozen'
SET r.status = 'released', r.released_at = $now, r.released_by = $actor,
    r.release_reason = $reason
CREATE (:Change {id: $change_id, at: $now, actor: $actor, action: 'ring.release',
                 ring_id: r.id, reason: $reason, before: 'frozen', after: 'released',
                 hold: r.hold, actor_key: $actor_key, object: 'ring', object_id: r.id})
FOREACH (x IN [r] |
  CREATE (:Event {id: 'ring.released:' + x.id + ':' + $change_id, type: 'ring.released',
                  at: $now, key: x.id, object: 'ring', object_id: x.id, status: 'released',
                  score: x.score, kinds: x.kinds, members: x.members,
                  distributors: x.distributors, inside_fen: x.inside_fen, found_at: x.found_at,
                  frozen_at: x.frozen_at, released_at: $now, hold: x.hold, reason: $reason}))
WITH r
MATCH (r)<-[:MEMBER_OF]-(c:Customer)
WITH r, c
ORDER BY c.id
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH r, c
SET c.frozen_rings = [h IN coalesce(c.frozen_rings, []) WHERE h <> r.id]
FOREACH (x IN CASE WHEN 'Distributor' IN labels(c) THEN [c] ELSE [] END |
  SET x.ring_holds = [h IN coalesce(x.ring_holds, []) WHERE h <> r.id],
      x.ring_holds_inside = [h IN coalesce(x.ring_holds_inside, []) WHERE h <> r.id])
WITH r, collect(c) AS members
UNWIND members AS d
WITH r, d
WHERE 'Distributor' IN labels(d)
OPTIONAL MATCH (e:Entry {status: 'held'})-[:TO]->(d)
WITH r, d, e
OPTIONAL MATCH (e)-[:FOR]->(:Order)<-[:PLACED]-(b:Customer)
WITH r, d, e, coalesce(d.ring_holds_inside, []) AS inside_holds,
     coalesce(b.frozen_rings, []) AS buyer_rings
WITH r, d, e,
     e IS NOT NULL AND d.status <> 'frozen' AND size(coalesce(d.ring_holds, [])) = 0
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
RETURN r.id AS id, toInteger(sum(CASE WHEN free THEN 1 ELSE 0 END)) AS released

// name: risk.changes
// The audit trail of one ring (`hold`: the freeze's scope, F-2; null before there was a choice).
MATCH (c:Change)
WHERE c.ring_id = $id
RETURN c.at AS at, c.actor AS actor, c.action AS action, c.reason AS reason,
       c.before AS before, c.after AS after, c.hold AS hold
ORDER BY at
