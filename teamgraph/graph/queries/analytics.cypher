// Whole-shop analytics (the overview, the leaderboards, the distributor list and the team
// view's figures; teamgraph/analytics.py). Each statement is one projection that pandas then
// aggregates; times are epoch ms, the period is [$start, $end).

// name: analytics.activity
// Everything the overview counts in a period, as one projection of uniform rows:
// `src` says what a row is: 'order' (a paid order: `at` paid_at, `fen` net of refunds,
// `who` the attributed distributor or null, `whom` the buyer), 'entry' (a commission entry:
// reward, clawback or bonus in fen; `who` its distributor), 'visit' (the visit times kept on
// a SHARED_BY edge whose latest visit is in or after the period: `times`, `who` the sharer,
// `whom` the visitor), 'customer' (joined in the period) and 'distributor' (became one).
MATCH (o:Order)
WHERE o.paid_at >= $start AND o.paid_at < $end
RETURN 'order' AS src, o.paid_at AS at, o.paid_fen - o.refunded_fen AS fen,
       o.attributed_to AS who, o.customer_id AS whom, null AS times
UNION ALL
MATCH (e:Entry)
WHERE e.at >= $start AND e.at < $end AND e.unit = 'fen'
  AND e.kind IN ['reward', 'clawback', 'bonus']
RETURN 'entry' AS src, e.at AS at, e.amount AS fen, e.distributor_id AS who, null AS whom,
       null AS times
UNION ALL
MATCH (c)-[s:SHARED_BY]->(d)
WHERE s.at >= $start
RETURN 'visit' AS src, s.at AS at, 0 AS fen, d.id AS who, c.id AS whom, s.times AS times
UNION ALL
MATCH (c:Customer)
WHERE c.joined_at >= $start AND c.joined_at < $end
RETURN 'customer' AS src, c.joined_at AS at, 0 AS fen, c.via AS who, c.id AS whom,
       null AS times
UNION ALL
MATCH (d:Distributor)
WHERE d.became_at >= $start AND d.became_at < $end
RETURN 'distributor' AS src, d.became_at AS at, 0 AS fen, d.id AS who, null AS whom,
       null AS times

// name: analytics.last_order
// The paid time of the shop's latest order (the overview's default "as of" day, U-2).
MATCH (o:Order)
RETURN max(o.paid_at) AS at

// name: analytics.board_sales
// Leaderboard by sales: each distributor's attributed orders paid in the period, net of
// refunds, with its name and level.
MATCH (o:Order)
WHERE o.paid_at >= $start AND o.paid_at < $end AND o.attributed_to IS NOT NULL
WITH o.attributed_to AS id, toInteger(sum(o.paid_fen - o.refunded_fen)) AS value
MATCH (d:Distributor {id: id})
RETURN d.id AS distributor_id, d.name AS name, d.level AS level, value

// name: analytics.board_commission
// Leaderboard by commission: rewards, clawbacks and bonuses in fen dated in the period.
MATCH (e:Entry)
WHERE e.at >= $start AND e.at < $end AND e.unit = 'fen'
  AND e.kind IN ['reward', 'clawback', 'bonus']
WITH e.distributor_id AS id, toInteger(sum(e.amount)) AS value
MATCH (d:Distributor {id: id})
RETURN d.id AS distributor_id, d.name AS name, d.level AS level, value

// name: analytics.board_clients
// Leaderboard by new clients: bindings that started in the period, however they end later.
// Endpoints unlabelled: FalkorDB then scans the relationships alone.
MATCH ()-[b:BOUND_TO]->(d)
WHERE b.since >= $start AND b.since < $end
WITH d, toInteger(count(b)) AS value
RETURN d.id AS distributor_id, d.name AS name, d.level AS level, value

// name: analytics.distributors
// The distributor list, one page: those matching the search (id, name or share code
// containing $search, lower-cased), of $levels and of $statuses (as read: an active one idle
// since $idle_since is dormant, R-2.1; empty lists: any), ordered by $sort (a whitelisted key: 'sales', 'team', 'clients', 'orders', else id),
// highest first, then by id. $search '' matches all.
MATCH (d:Distributor)
WHERE ($search = '' OR toLower(d.id) CONTAINS $search OR toLower(coalesce(d.name, '')) CONTAINS $search
       OR toLower(coalesce(d.code, '')) CONTAINS $search)
  AND (size($levels) = 0 OR d.level IN $levels)
  AND (size($statuses) = 0 OR
       (CASE WHEN d.status = 'active' AND d.last_active_at <= $idle_since THEN 'dormant'
             ELSE d.status END) IN $statuses)
WITH d, CASE $sort
          WHEN 'sales' THEN coalesce(d.perf_received_fen, 0)
          WHEN 'team' THEN coalesce(d.team_size, 0)
          WHEN 'clients' THEN coalesce(d.direct_clients, 0)
          WHEN 'orders' THEN coalesce(d.perf_paid_orders, 0)
          ELSE 0 END AS key
ORDER BY key DESC, d.id
LIMIT $limit
RETURN d.id AS id, d.name AS name, d.level AS level, d.status AS status, d.code AS code,
       d.became_at AS became_at, d.last_active_at AS last_active_at,
       d.direct_clients AS direct_clients, d.indirect_clients AS indirect_clients,
       d.invitees AS invitees, d.team_size AS team_size,
       d.perf_paid_orders AS paid_orders, d.perf_received_fen AS received_fen

// name: analytics.distributors_count
// How many distributors match the list's filters (as analytics.distributors).
MATCH (d:Distributor)
WHERE ($search = '' OR toLower(d.id) CONTAINS $search OR toLower(coalesce(d.name, '')) CONTAINS $search
       OR toLower(coalesce(d.code, '')) CONTAINS $search)
  AND (size($levels) = 0 OR d.level IN $levels)
  AND (size($statuses) = 0 OR
       (CASE WHEN d.status = 'active' AND d.last_active_at <= $idle_since THEN 'dormant'
             ELSE d.status END) IN $statuses)
RETURN toInteger(count(d)) AS n

// name: analytics.tree
// The team below $id to depth $depth with each member's sales, parent first (the team view).
MATCH p = (m:Distributor)-[:INVITED_BY*1..15]->(d:Distributor {id: $id})
WHERE length(p) <= $depth
WITH m, length(p) AS depth
MATCH (m)-[:INVITED_BY]->(parent:Distributor)
RETURN m.id AS id, parent.id AS parent_id, depth, m.name AS name, m.level AS level,
       m.status AS status, m.last_active_at AS last_active_at,
       m.direct_clients AS direct_clients, m.team_size AS team_size,
       m.perf_received_fen AS sales_fen
ORDER BY depth, id
LIMIT $limit

// name: analytics.earnings
// One distributor's ledger entries in fen (the earnings figure: pending, settled, withdrawn).
MATCH (e:Entry)-[:TO]->(d:Distributor {id: $id})
WHERE e.unit = 'fen'
RETURN e.at AS at, e.kind AS kind, e.status AS status, e.amount AS amount, e.settle_at AS settle_at

// name: analytics.audit
// The audit entries of one customer's relationship edits (rebind, unbind), newest first.
MATCH (c:Change)
WHERE c.customer_id = $id
RETURN c.id AS id, c.at AS at, c.actor AS actor, c.action AS action, c.before AS before,
       c.after AS after, c.reason AS reason
ORDER BY at DESC, id
LIMIT $limit
