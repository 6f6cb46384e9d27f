// Whole-shop analytics (the overview, the leaderboards, the distributor list and the team
// view's figures; teamgraph/shop/analytics.py). Each statement is one projection that pandas
// then aggregates; times are epoch ms, the period is [$start, $end).

// name: analytics.activity
// Everything the overview counts in a period, per local day, as uniform rows. $bounds are
// the start of each day of the period in the shop's time zone (epoch ms, ascending; the
// first is $start): `day` indexes them. `src` says what a row counts, `n` how many, `fen`
// their money, `who` the distinct ids involved that day.
// 'order' / 'order_other': paid orders with / without an attributed distributor (`who`:
// the distributors), `fen` net of refunds; 'entry': rewards, clawbacks and bonuses in fen;
// 'visit': the visit times kept on the customer->sharer edges (R-1.3; `who`: the sharers),
// scanned from the distributors' side (a scan of all nodes otherwise); 'customer': new
// customers; 'distributor': new distributors (one row, day 0).
MATCH (o:Order)
WHERE o.paid_at >= $start AND o.paid_at < $end
WITH CASE WHEN o.attributed_to IS NULL THEN 'order_other' ELSE 'order' END AS src,
     size([b IN $bounds WHERE b <= o.paid_at]) - 1 AS day, o
RETURN src, day, toInteger(count(o)) AS n, toInteger(sum(o.paid_fen - o.refunded_fen)) AS fen,
       collect(DISTINCT o.attributed_to) AS who
UNION ALL
MATCH (e:Entry)
WHERE e.at >= $start AND e.at < $end AND e.unit = 'fen'
  AND e.kind IN ['reward', 'clawback', 'bonus']
WITH size([b IN $bounds WHERE b <= e.at]) - 1 AS day, e
RETURN 'entry' AS src, day, toInteger(count(e)) AS n, toInteger(sum(e.amount)) AS fen,
       [] AS who
UNION ALL
MATCH (d:Distributor)<-[s:SHARED_BY]-()
WHERE s.at >= $start
UNWIND s.times AS v
WITH d, v
WHERE v >= $start AND v < $end
WITH d, v, size([b IN $bounds WHERE b <= v]) - 1 AS day
RETURN 'visit' AS src, day, toInteger(count(v)) AS n, 0 AS fen, collect(DISTINCT d.id) AS who
UNION ALL
MATCH (c:Customer)
WHERE c.joined_at >= $start AND c.joined_at < $end
WITH size([b IN $bounds WHERE b <= c.joined_at]) - 1 AS day, c
RETURN 'customer' AS src, day, toInteger(count(c)) AS n, 0 AS fen, [] AS who
UNION ALL
MATCH (d:Distributor)
WHERE d.became_at >= $start AND d.became_at < $end
RETURN 'distributor' AS src, 0 AS day, toInteger(count(d)) AS n, 0 AS fen, [] AS who

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
// highest first, then by id. $search '' matches all. A page after another: $after_id is the
// previous page's last id and $after_key its sort key (null: the first page; GET /v1/distributors).
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
WHERE $after_id IS NULL OR key < $after_key OR (key = $after_key AND d.id > $after_id)
WITH d, key
ORDER BY key DESC, d.id
LIMIT $limit
RETURN d.id AS id, key AS sort_key, d.name AS name, d.level AS level, d.status AS status,
       d.code AS code,
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

// name: analytics.tree2
// analytics.tree at depth 2, the team view's default: the bound is in the pattern, so the
// engine never walks deeper (the generic statement walks the whole team, then filters).
MATCH p = (m:Distributor)-[:INVITED_BY*1..2]->(d:Distributor {id: $id})
WITH m, length(p) AS depth
MATCH (m)-[:INVITED_BY]->(parent:Distributor)
RETURN m.id AS id, parent.id AS parent_id, depth, m.name AS name, m.level AS level,
       m.status AS status, m.last_active_at AS last_active_at,
       m.direct_clients AS direct_clients, m.team_size AS team_size,
       m.perf_received_fen AS sales_fen
ORDER BY depth, id
LIMIT $limit

// name: analytics.children
// The distributors a distributor invited (a tapped node's members), with their sales.
MATCH (m:Distributor)-[:INVITED_BY]->(d:Distributor {id: $id})
RETURN m.id AS id, d.id AS parent_id, 1 AS depth, m.name AS name, m.level AS level,
       m.status AS status, m.last_active_at AS last_active_at,
       m.direct_clients AS direct_clients, m.team_size AS team_size,
       m.perf_received_fen AS sales_fen
ORDER BY id
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

// name: analytics.direct_clients
// The team view's list: a distributor's clients bound now, newest first (anchored on the
// distributor; the customer end unlabelled, so the engine expands its edges only).
MATCH (d:Distributor {id: $id})<-[b:BOUND_TO]-(c)
WHERE b.active = true AND (b.expires_at IS NULL OR b.expires_at > $now)
RETURN c.id AS id, c.name AS name, b.since AS since, b.expires_at AS expires_at, d.id AS via
ORDER BY since DESC, id
LIMIT $limit

// name: analytics.indirect_clients
// Clients bound now to the distributor's invitees, newest first.
MATCH (d:Distributor {id: $id})<-[:INVITED_BY]-(m)<-[b:BOUND_TO]-(c)
WHERE b.active = true AND (b.expires_at IS NULL OR b.expires_at > $now)
RETURN c.id AS id, c.name AS name, b.since AS since, b.expires_at AS expires_at, m.id AS via
ORDER BY since DESC, id
LIMIT $limit
