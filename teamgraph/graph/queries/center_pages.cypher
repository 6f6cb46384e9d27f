// The distributor center's team and commission pages (teamgraph.shop.center_pages): the team
// lists with a search and each member's orders, the commission entries of a period and status
// with their buyers. Keyset pages on id (team) or (at, id) (entries); $q is lower case, '' for
// no search; the page is cut before the per-row reads, so each row costs its own edges only.

// name: center.direct_clients
MATCH (c:Customer)-[b:BOUND_TO {active: true}]->(d:Distributor {id: $id})
WHERE c.id > $after AND (b.expires_at IS NULL OR b.expires_at > $now)
  AND ($q = '' OR toLower(c.id) CONTAINS $q OR toLower(coalesce(c.name, '')) CONTAINS $q)
WITH c, b, d
ORDER BY c.id
LIMIT $limit
OPTIONAL MATCH (c)-[:PLACED]->(o:Order)
WHERE o.attributed_to = d.id
RETURN c.id AS id, c.name AS name, b.since AS since, d.id AS via,
       toInteger(count(o)) AS orders, toInteger(sum(coalesce(o.paid_fen - o.refunded_fen, 0))) AS spend_fen
ORDER BY id

// name: center.indirect_clients
MATCH (c:Customer)-[b:BOUND_TO {active: true}]->(m:Distributor)-[:INVITED_BY]->(d:Distributor {id: $id})
WHERE c.id > $after AND (b.expires_at IS NULL OR b.expires_at > $now)
  AND ($q = '' OR toLower(c.id) CONTAINS $q OR toLower(coalesce(c.name, '')) CONTAINS $q)
WITH c, b, m
ORDER BY c.id
LIMIT $limit
OPTIONAL MATCH (c)-[:PLACED]->(o:Order)
WHERE o.attributed_to = m.id
RETURN c.id AS id, c.name AS name, b.since AS since, m.id AS via,
       toInteger(count(o)) AS orders, toInteger(sum(coalesce(o.paid_fen - o.refunded_fen, 0))) AS spend_fen
ORDER BY id

// name: center.invitees
// The distributors $depth levels below $id (1 = invited by it), with their own counters.
MATCH p = (m:Distributor)-[:INVITED_BY*1..15]->(d:Distributor {id: $id})
WHERE length(p) = $depth AND m.id > $after
  AND ($q = '' OR toLower(m.id) CONTAINS $q OR toLower(coalesce(m.name, '')) CONTAINS $q)
WITH m
MATCH (m)-[r:INVITED_BY]->(parent:Distributor)
RETURN m.id AS id, m.name AS name, parent.id AS via, m.level AS level, m.status AS status,
       r.at AS since, m.last_active_at AS last_active_at, m.direct_clients AS direct_clients,
       m.team_size AS team_size, m.perf_paid_orders AS orders,
       m.perf_transaction_fen AS spend_fen
ORDER BY id
LIMIT $limit

// name: center.entries
// A distributor's entries of $kinds made in [$start, $before), newest first, of $status ('' for
// any; 'clawback' for the clawbacks), each with its order's buyer.
MATCH (e:Entry)-[:TO]->(d:Distributor {id: $id})
WHERE e.kind IN $kinds AND e.at >= $start
  AND (e.at < $before OR (e.at = $before AND e.id < $before_id))
  AND ($status = '' OR ($status = 'clawback' AND e.kind = 'clawback')
       OR (e.kind <> 'clawback' AND e.status = $status))
WITH e
ORDER BY e.at DESC, e.id DESC
LIMIT $limit
OPTIONAL MATCH (e)-[:FOR]->(o:Order)
OPTIONAL MATCH (c:Customer)-[:PLACED]->(o)
RETURN e.id AS id, e.kind AS kind, e.amount AS amount, e.unit AS unit, e.status AS status,
       e.at AS at, e.settle_at AS settle_at, e.order_id AS order_id, e.tier AS tier,
       e.reverses AS reverses, e.refund_id AS refund_id, e.returned AS returned,
       c.id AS buyer_id, c.name AS buyer_name
ORDER BY at DESC, id DESC
