// Whole-shop lists for file exports (teamgraph.etl.exports, through shop.bulk), one page at a
// time: keyset pagination on id (`id > $after ... ORDER BY id LIMIT $limit`), so no statement
// returns an unbounded result. Per-distributor reads (ledger, withdrawals) go through Shop.

// name: export.distributors
// Every distributor with its counters (R-2.3, R-4.2) and its inviter.
MATCH (d:Distributor)
WHERE d.id > $after
WITH d
ORDER BY d.id
LIMIT $limit
OPTIONAL MATCH (d)-[:INVITED_BY]->(i:Distributor)
RETURN d.id AS id, d.name AS name, d.level AS level, d.status AS status, d.code AS code,
       i.id AS inviter_id, d.became_at AS became_at, d.last_active_at AS last_active_at,
       d.direct_clients AS direct_clients, d.indirect_clients AS indirect_clients,
       d.invitees AS invitees, d.team_size AS team_size,
       d.perf_paid_orders AS paid_orders, d.perf_received_fen AS received_fen,
       d.perf_transaction_fen AS transaction_fen,
       d.perf_completed_orders AS completed_orders
ORDER BY id

// name: export.team
// The team of $id (R-2.3: every distributor below it, at most 15 levels), with each member's
// depth and inviter.
MATCH p = (m:Distributor)-[:INVITED_BY*1..15]->(d:Distributor {id: $id})
WHERE m.id > $after
WITH m, length(p) AS depth
ORDER BY m.id
LIMIT $limit
MATCH (m)-[r:INVITED_BY]->(parent:Distributor)
RETURN m.id AS id, m.name AS name, depth, parent.id AS inviter_id, r.at AS invited_at,
       m.level AS level, m.status AS status, m.became_at AS became_at,
       m.last_active_at AS last_active_at, m.direct_clients AS direct_clients,
       m.indirect_clients AS indirect_clients, m.invitees AS invitees,
       m.team_size AS team_size, m.perf_paid_orders AS paid_orders,
       m.perf_received_fen AS received_fen, m.perf_transaction_fen AS transaction_fen
ORDER BY id

// name: export.orders
// Every order (or those attributed to $attributed_to when it is not null) with its buyer's
// name and its number of lines.
MATCH (o:Order)
WHERE o.id > $after AND ($attributed_to IS NULL OR o.attributed_to = $attributed_to)
WITH o
ORDER BY o.id
LIMIT $limit
OPTIONAL MATCH (c:Customer)-[:PLACED]->(o)
WITH o, c
OPTIONAL MATCH (o)-[:HAS]->(l:Line)
RETURN o.id AS id, o.customer_id AS customer_id, c.name AS customer_name,
       o.paid_at AS paid_at, o.paid_fen AS paid_fen, o.split_fen AS split_fen,
       o.refunded_fen AS refunded_fen, o.status AS status, o.attributed_to AS attributed_to,
       o.first_order AS first_order, toInteger(count(l)) AS lines,
       o.completed_at AS completed_at, o.settle_at AS settle_at
ORDER BY id
