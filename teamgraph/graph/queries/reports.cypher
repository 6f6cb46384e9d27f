// The merchant's reports (issue 17; teamgraph/shop/reports.py, U-10 to U-13 there): the
// overview's funnel, the channel comparison and the cohorts of distributors. Each statement
// aggregates in the engine and answers a few rows per channel, level or cohort, however big
// the shop. A period is [$start, $end) in epoch ms.
// A visit is a time kept on a customer->distributor SHARED_BY (R-1.3, the latest 20 per pair,
// written by POST /v1/visits), or the start of a binding made by a visit that has no such time
// (imported bindings, `source: 'visit'`, carry no visit times).
// `b.since + 0` (the bindings started in the period): FalkorDB 4.16 plans `b.since >= $start`
// as a seek of the BOUND_TO.since index under every distributor, distributors × bindings;
// measured on the 100,000-customer shop, one such part took 2.7-3.9 s, 0.3 s with the index
// kept out and every binding read once (benchmarks/RESULTS.md, "reports"). Neo4j reads them
// once either way.

// name: reports.funnel
// U-10: the funnel of the period's visitors, each stage a subset of the one before: customers
// who visited a share link in the period -> of them, those bound to a distributor at some time
// in the period -> of them, those who paid an order attributed to a distributor in the period
// -> of them, those who paid two or more. One row of counts.
MATCH (d:Distributor)<-[x:SHARED_BY|BOUND_TO]-(c:Customer)
WHERE (x.at >= $start AND any(t IN coalesce(x.times, []) WHERE t >= $start AND t < $end))
   OR (x.since < $end AND coalesce(x.ended_at, x.expires_at, $end) > $start)
WITH c,
     max(CASE WHEN type(x) = 'SHARED_BY'
                   AND any(t IN coalesce(x.times, []) WHERE t >= $start AND t < $end) THEN 1
              WHEN type(x) = 'BOUND_TO' AND x.source = 'visit'
                   AND x.since >= $start AND x.since < $end THEN 1
              ELSE 0 END) AS visited,
     max(CASE WHEN type(x) = 'BOUND_TO' THEN 1 ELSE 0 END) AS bound
WHERE visited = 1
OPTIONAL MATCH (c)-[:PLACED]->(o:Order)
WHERE o.paid_at >= $start AND o.paid_at < $end AND o.attributed_to IS NOT NULL
WITH c, bound, count(o) AS orders
RETURN toInteger(count(c)) AS visitors, toInteger(sum(bound)) AS bound,
       toInteger(sum(CASE WHEN bound = 1 AND orders > 0 THEN 1 ELSE 0 END)) AS ordered,
       toInteger(sum(CASE WHEN bound = 1 AND orders > 1 THEN 1 ELSE 0 END)) AS repeat

// name: reports.imported_visits
// The overview's visits that are no SHARED_BY time (see the file's head): bindings made by a
// visit in the period whose start is not among the pair's visit times, per day of $bounds
// (as analytics.activity), with the distributors visited.
MATCH (d:Distributor)<-[b:BOUND_TO]-(c:Customer)
WHERE b.source = 'visit' AND b.since + 0 >= $start AND b.since + 0 < $end
OPTIONAL MATCH (c)-[s:SHARED_BY]->(d)
WITH d, b, s
WHERE s IS NULL OR NOT b.since IN coalesce(s.times, [])
WITH d, size([x IN $bounds WHERE x <= b.since]) - 1 AS day
RETURN 'visit' AS src, day, toInteger(count(*)) AS n, 0 AS fen, collect(DISTINCT d.id) AS who

// name: reports.channels
// U-11: the period's visits, bindings made by a visit, attributed orders, their sales (net of refunds) and
// their commission (rewards net of clawbacks in fen, as they stand now) per share channel
// ('' for none) and per level of the distributor visited, bound or attributed (its level now).
// A visit counts under its pair's channel (SHARED_BY keeps the latest one), a binding under
// its own; an order under the channel of the binding it was bought under (to its attributed
// distributor, in force when paid), else under its pair's channel (attributed to the sharer).
MATCH (d:Distributor)<-[s:SHARED_BY]-(:Customer)
WHERE s.at >= $start
UNWIND coalesce(s.times, []) AS v
WITH d, s, v
WHERE v >= $start AND v < $end
RETURN 'visit' AS src, coalesce(s.channel, '') AS channel, coalesce(d.level, 1) AS level,
       toInteger(count(v)) AS n, 0 AS fen, 0 AS commission
UNION ALL
MATCH (d:Distributor)<-[b:BOUND_TO]-(c:Customer)
WHERE b.source = 'visit' AND b.since + 0 >= $start AND b.since + 0 < $end
OPTIONAL MATCH (c)-[s:SHARED_BY]->(d)
WITH d, b, s
WHERE s IS NULL OR NOT b.since IN coalesce(s.times, [])
RETURN 'visit' AS src, coalesce(b.channel, '') AS channel, coalesce(d.level, 1) AS level,
       toInteger(count(b)) AS n, 0 AS fen, 0 AS commission
UNION ALL
MATCH (d:Distributor)<-[b:BOUND_TO]-(:Customer)
WHERE b.source = 'visit' AND b.since + 0 >= $start AND b.since + 0 < $end
RETURN 'binding' AS src, coalesce(b.channel, '') AS channel, coalesce(d.level, 1) AS level,
       toInteger(count(b)) AS n, 0 AS fen, 0 AS commission
UNION ALL
MATCH (o:Order)
WHERE o.paid_at >= $start AND o.paid_at < $end AND o.attributed_to IS NOT NULL
MATCH (d:Distributor {id: o.attributed_to})
MATCH (c:Customer)-[:PLACED]->(o)
OPTIONAL MATCH (c)-[b:BOUND_TO]->(d)
WHERE b.since <= o.paid_at AND coalesce(b.ended_at, o.paid_at + 1) > o.paid_at
  AND coalesce(b.expires_at, o.paid_at + 1) > o.paid_at
OPTIONAL MATCH (c)-[s:SHARED_BY]->(d)
WITH o, d, CASE WHEN b IS NULL THEN s.channel ELSE b.channel END AS channel
OPTIONAL MATCH (e:Entry)-[:FOR]->(o)
WHERE e.unit = 'fen' AND e.kind IN ['reward', 'clawback']
WITH o, d, channel, coalesce(sum(e.amount), 0) AS commission
RETURN 'order' AS src, coalesce(channel, '') AS channel, coalesce(d.level, 1) AS level,
       toInteger(count(o)) AS n, toInteger(sum(o.paid_fen - o.refunded_fen)) AS fen,
       toInteger(sum(commission)) AS commission

// name: reports.cohorts
// U-12: the distributors who became one in the period, by cohort (the index of the month
// in $bounds, month starts in the shop's zone) and window k = 1, 2, 3 (the k-th $window ms
// after each one became a distributor). 'member': the cohort's size, how many have started
// window k (`n`) and finished it (`fen`) by $now; 'order': attributed orders paid in window k,
// `fen` their sales net of refunds; 'entry': rewards, clawbacks and bonuses in fen dated in it;
// 'visit': visits of their links in it (see the file's head). `who`: the distributors.
MATCH (d:Distributor)
WHERE d.became_at >= $start AND d.became_at < $end
WITH d, size([x IN $bounds WHERE x <= d.became_at]) - 1 AS cohort
UNWIND [1, 2, 3] AS k
RETURN 'member' AS src, cohort, k, toInteger(count(d)) AS size,
       toInteger(sum(CASE WHEN d.became_at + (k - 1) * $window <= $now THEN 1 ELSE 0 END)) AS n,
       toInteger(sum(CASE WHEN d.became_at + k * $window <= $now THEN 1 ELSE 0 END)) AS fen,
       [] AS who
UNION ALL
MATCH (o:Order)
WHERE o.paid_at >= $start AND o.paid_at < $end + 3 * $window AND o.attributed_to IS NOT NULL
MATCH (d:Distributor {id: o.attributed_to})
WHERE d.became_at >= $start AND d.became_at < $end
  AND o.paid_at >= d.became_at AND o.paid_at < d.became_at + 3 * $window
WITH d, o, size([x IN $bounds WHERE x <= d.became_at]) - 1 AS cohort,
     (o.paid_at - d.became_at) / $window + 1 AS k
RETURN 'order' AS src, cohort, k, 0 AS size, toInteger(count(o)) AS n,
       toInteger(sum(o.paid_fen - o.refunded_fen)) AS fen, collect(DISTINCT d.id) AS who
UNION ALL
MATCH (e:Entry)
WHERE e.at >= $start AND e.at < $end + 3 * $window AND e.unit = 'fen'
  AND e.kind IN ['reward', 'clawback', 'bonus']
MATCH (d:Distributor {id: e.distributor_id})
WHERE d.became_at >= $start AND d.became_at < $end
  AND e.at >= d.became_at AND e.at < d.became_at + 3 * $window
WITH d, e, size([x IN $bounds WHERE x <= d.became_at]) - 1 AS cohort,
     (e.at - d.became_at) / $window + 1 AS k
RETURN 'entry' AS src, cohort, k, 0 AS size, toInteger(count(e)) AS n,
       toInteger(sum(e.amount)) AS fen, [] AS who
UNION ALL
MATCH (d:Distributor)<-[s:SHARED_BY]-(:Customer)
WHERE d.became_at >= $start AND d.became_at < $end AND s.at >= d.became_at
UNWIND coalesce(s.times, []) AS v
WITH d, v
WHERE v >= d.became_at AND v < d.became_at + 3 * $window
WITH d, v, size([x IN $bounds WHERE x <= d.became_at]) - 1 AS cohort,
     (v - d.became_at) / $window + 1 AS k
RETURN 'visit' AS src, cohort, k, 0 AS size, toInteger(count(v)) AS n, 0 AS fen,
       collect(DISTINCT d.id) AS who
UNION ALL
MATCH (d:Distributor)<-[b:BOUND_TO]-(:Customer)
WHERE d.became_at >= $start AND d.became_at < $end AND b.source = 'visit'
  AND b.since >= d.became_at AND b.since < d.became_at + 3 * $window
WITH d, b, size([x IN $bounds WHERE x <= d.became_at]) - 1 AS cohort,
     (b.since - d.became_at) / $window + 1 AS k
RETURN 'visit' AS src, cohort, k, 0 AS size, toInteger(count(b)) AS n, 0 AS fen,
       collect(DISTINCT d.id) AS who
