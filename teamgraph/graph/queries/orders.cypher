// Products, orders, refunds and the ledger (docs/rules.md §3). Recording a paid order is one
// read (order.context) and one write (order.create). Ledger entries are (:Entry)-[:TO]->
// (:Distributor) and -[:FOR]->(:Order); amounts never change once written: a refund adds
// clawback entries, settlement moves an entry's status (pending -> settled or held).

// name: product.upsert
MERGE (p:Product {id: $id})
SET p.name = $name, p.price_fen = $price_fen, p.cost_fen = $cost_fen,
    p.reward_bp = $reward_bp, p.reward_fen = $reward_fen, p.updated_at = $now
RETURN p.id AS id, p.name AS name, p.price_fen AS price_fen, p.cost_fen AS cost_fen,
       p.reward_bp AS reward_bp, p.reward_fen AS reward_fen

// name: product.get
MATCH (p:Product {id: $id})
RETURN p.id AS id, p.name AS name, p.price_fen AS price_fen, p.cost_fen AS cost_fen,
       p.reward_bp AS reward_bp, p.reward_fen AS reward_fen

// name: order.context
// What an order's decision needs as of its paid time (rules.orders.decide_order): the candidates
// for attribution, i.e. the bindings then in force and the sharers whose latest visit before it
// is within the window (SHARED_BY keeps each pair's visit times), each with the two inviters
// above it and their levels (R-3.7); the rules choose among them (M-1, B-6). Then the buyer's
// paid orders so far (first-order rate, R-3.5), the products' own rewards and costs, and an
// order already under this id.
MATCH (c:Customer {id: $customer_id})
OPTIONAL MATCH (c)-[b:BOUND_TO]->(bd:Distributor)
WHERE b.since <= $paid_at AND coalesce(b.ended_at, $paid_at + 1) > $paid_at
  AND coalesce(b.expires_at, $paid_at + 1) > $paid_at
OPTIONAL MATCH (bd)-[:INVITED_BY]->(b2:Distributor)
OPTIONAL MATCH (b2)-[:INVITED_BY]->(b3:Distributor)
WITH c, collect(CASE WHEN bd IS NULL THEN null ELSE {
       distributor_id: bd.id, since: b.since, ended_at: b.ended_at, expires_at: b.expires_at,
       chain: [x IN [bd, b2, b3] WHERE x IS NOT NULL | [x.id, x.level]]} END) AS bindings
OPTIONAL MATCH (c)-[sh:SHARED_BY]->(sd0:Distributor)
WITH c, bindings, sd0,
     reduce(m = -1, t IN coalesce(sh.times, []) |
       CASE WHEN t <= $paid_at AND t + $window > $paid_at AND t > m THEN t ELSE m END) AS hit
WITH c, bindings, CASE WHEN hit >= 0 THEN sd0 ELSE null END AS sd, hit
OPTIONAL MATCH (sd)-[:INVITED_BY]->(s2:Distributor)
OPTIONAL MATCH (s2)-[:INVITED_BY]->(s3:Distributor)
WITH c, bindings, collect(CASE WHEN sd IS NULL THEN null ELSE {
       distributor_id: sd.id, visited_at: hit,
       chain: [x IN [sd, s2, s3] WHERE x IS NOT NULL | [x.id, x.level]]} END) AS sharers
OPTIONAL MATCH (p:Product)
WHERE p.id IN $product_ids
WITH c, bindings, sharers,
     collect({id: p.id, reward_bp: p.reward_bp, reward_fen: p.reward_fen,
              cost_fen: p.cost_fen}) AS products
OPTIONAL MATCH (o:Order {id: $order_id})
RETURN c.id AS customer_id, coalesce(c.own_paid_orders, 0) AS paid_orders, bindings, sharers,
       products, o.digest AS existing_digest

// name: order.create
// Orders as $rows, each with its index `i` (one row alone, or the rows concurrent requests
// submitted together: group commit, teamgraph.graph.group). Per order, in one statement: the
// order, its lines, its reward entries, the buyer's own totals and the attributed
// distributor's performance counters (R-4.2), answered with that distributor's level and
// counters as they now stand, for the level check (R-4.3) without a read after. Two rows are
// never of the same buyer or the same order id (the group's keys).
// Each order was decided on whether it is the buyer's first paid order (R-3.5): that is
// checked again under the buyer's lock, so of two first orders racing only one gets the
// first-order rate; an id already stored is left alone. Either way the row answers nothing
// (the caller reads the context again: a repeat, or decided again). Two processes creating
// the same id at once on Neo4j violate the unique constraint and the statement is rolled back.
// Buyers are locked in id order, so two groups sharing buyers cannot wait for each other.
// Every write to a node that exists comes after the CREATEs, or inside a FOREACH: FalkorDB 4.16
// spends 1.5-2 ms on a plain SET followed by a CREATE in one statement (measured on a 100k
// shop: this statement took 3.6 ms with the lock and the buyer's totals as plain SETs, 1.9 ms
// so; benchmarks/RESULTS.md, orders).
// An attributed order writes its `order.attributed` event (events.cypher) with its rewards.
// Nothing it writes carries a `due` (entries get theirs at completion), nor are settings changed:
// keeps: memo
UNWIND $rows AS p
WITH p
ORDER BY p.customer_id
MATCH (c:Customer {id: p.customer_id})
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH c, p
WHERE (coalesce(c.own_paid_orders, 0) = 0) = p.first_order
OPTIONAL MATCH (known:Order {id: p.id})
WITH c, p, known
WHERE known IS NULL
CREATE (c)-[:PLACED]->(o:Order {id: p.id, customer_id: p.customer_id, paid_at: p.paid_at,
                                 paid_fen: p.paid_fen, split_fen: p.split_fen,
                                 refunded_fen: 0, status: 'paid', digest: p.digest,
                                 attributed_to: p.attributed_to, first_order: p.first_order})
WITH c, o, p
FOREACH (line IN p.lines |
  CREATE (o)-[:HAS]->(:Line {order_id: p.id, idx: line.idx, product_id: line.product_id,
                            qty: line.qty, paid_fen: line.paid_fen, split_fen: line.split_fen,
                            cost_fen: line.cost_fen, refunded_fen: 0}))
WITH c, o, p
UNWIND (CASE WHEN size(p.entries) = 0 THEN [null] ELSE p.entries END) AS e
OPTIONAL MATCH (d:Distributor {id: e.distributor_id})
FOREACH (x IN CASE WHEN d IS NULL THEN [] ELSE [d] END |
  CREATE (x)<-[:TO]-(:Entry {id: e.id, kind: 'reward', distributor_id: x.id,
                             amount: e.amount, unit: e.unit,
                             status: 'pending', at: p.paid_at, order_id: p.id, tier: e.tier,
                             line: e.line, product_id: e.product_id, basis: e.basis,
                             rate_bp: e.rate_bp, per_unit: e.per_unit, returned: 0})-[:FOR]->(o))
WITH c, o, p.i AS i, count(e) AS entries
WITH c, o, i, $rows[i] AS p
FOREACH (x IN CASE WHEN p.attributed_to IS NULL THEN [] ELSE [o] END |
  CREATE (:Event {id: 'order.attributed:' + x.id, type: 'order.attributed', at: p.now,
                  key: p.attributed_to, object: 'order', object_id: x.id,
                  customer_id: p.customer_id, distributor_id: p.attributed_to,
                  amount_fen: p.paid_fen, split_fen: p.split_fen, paid_at: p.paid_at,
                  first_order: p.first_order, status: 'paid',
                  reward_ids: [r IN p.entries | r.id],
                  reward_distributor_ids: [r IN p.entries | r.distributor_id],
                  reward_tiers: [r IN p.entries | r.tier],
                  reward_amounts: [r IN p.entries | r.amount],
                  reward_units: [r IN p.entries | r.unit]}))
FOREACH (x IN [c] |
  SET x.own_paid_orders = coalesce(x.own_paid_orders, 0) + 1,
      x.own_spent_fen = coalesce(x.own_spent_fen, 0) + p.paid_fen)
WITH o, i, p
OPTIONAL MATCH (t1:Distributor {id: coalesce(p.attributed_to, "")})
FOREACH (x IN CASE WHEN t1 IS NULL THEN [] ELSE [t1] END |
  SET x.perf_paid_orders = x.perf_paid_orders + p.paid_orders,
      x.perf_transaction_fen = x.perf_transaction_fen + p.transaction_fen,
      x.perf_received_fen = x.perf_received_fen + p.received_fen)
RETURN i, o.id AS id,
       CASE WHEN t1 IS NULL THEN null ELSE {
         id: t1.id, level: t1.level, direct_clients: t1.direct_clients, invitees: t1.invitees,
         paid_orders: t1.perf_paid_orders, received_fen: t1.perf_received_fen,
         transaction_fen: t1.perf_transaction_fen, completed_orders: t1.perf_completed_orders
       } END AS attributed

// name: order.view
MATCH (o:Order {id: $id})
OPTIONAL MATCH (e:Entry)-[:FOR]->(o)
WITH o, e
ORDER BY e.at, e.tier, e.line
RETURN o.id AS id, o.customer_id AS customer_id, o.paid_at AS paid_at, o.paid_fen AS paid_fen,
       o.split_fen AS split_fen, o.refunded_fen AS refunded_fen, o.status AS status,
       o.attributed_to AS attributed_to, o.completed_at AS completed_at,
       o.settle_at AS settle_at, o.digest AS digest,
       collect(CASE WHEN e IS NULL THEN null ELSE {
         id: e.id, kind: e.kind, distributor_id: e.distributor_id, amount: e.amount,
         unit: e.unit, status: e.status, tier: e.tier, line: e.line, at: e.at,
         settle_at: e.settle_at, basis: e.basis, rate_bp: e.rate_bp, returned: e.returned
       } END) AS entries

// name: order.complete
// R-3.10: completion starts the after-sale window; rewards settle at $settle_at.
// Checked under the order's lock: of two completions racing, one counts (perf_completed_orders).
MATCH (o:Order {id: $id})
FOREACH (locking IN [o] | SET locking._lock = true REMOVE locking._lock)
WITH o
WHERE o.status IN ['paid', 'refunded'] AND o.completed_at IS NULL
SET o.completed_at = $at, o.settle_at = $settle_at
WITH o
OPTIONAL MATCH (e:Entry)-[:FOR]->(o)
FOREACH (x IN CASE WHEN e IS NULL THEN [] ELSE [e] END |
  SET x.settle_at = $settle_at,
      x.due = CASE WHEN x.status = 'pending' THEN $settle_at ELSE null END)
WITH o, count(e) AS entries
OPTIONAL MATCH (t1:Distributor {id: o.attributed_to})
FOREACH (x IN CASE WHEN t1 IS NULL THEN [] ELSE [t1] END |
  SET x.perf_completed_orders = x.perf_completed_orders + $completed_orders)
RETURN o.id AS id, o.settle_at AS settle_at,
       CASE WHEN t1 IS NULL THEN null ELSE {
         id: t1.id, level: t1.level, direct_clients: t1.direct_clients, invitees: t1.invitees,
         paid_orders: t1.perf_paid_orders, received_fen: t1.perf_received_fen,
         transaction_fen: t1.perf_transaction_fen, completed_orders: t1.perf_completed_orders
       } END AS attributed

// name: refund.context
MATCH (o:Order {id: $order_id})
OPTIONAL MATCH (r:Refund {id: $refund_id})
WITH o, r
OPTIONAL MATCH (o)-[:HAS]->(l:Line)
WITH o, r, collect({idx: l.idx, product_id: l.product_id, paid_fen: l.paid_fen,
                    refunded_fen: l.refunded_fen}) AS lines
OPTIONAL MATCH (buyer:Customer)-[:PLACED]->(o)
WITH o, r, lines, coalesce(buyer.frozen_rings, []) AS buyer_rings
OPTIONAL MATCH (e:Entry {kind: 'reward'})-[:FOR]->(o)
OPTIONAL MATCH (e)-[:TO]->(d:Distributor)
WITH o, r, lines, e, d, coalesce(d.ring_holds_inside, []) AS inside_holds, buyer_rings
RETURN o.id AS id, o.paid_at AS paid_at, o.paid_fen AS paid_fen, o.refunded_fen AS refunded_fen,
       o.attributed_to AS attributed_to, r.digest AS existing_digest, lines,
       collect(CASE WHEN e IS NULL THEN null ELSE {
         id: e.id, distributor_id: d.id, tier: e.tier, line: e.line, amount: e.amount,
         basis: e.basis, rate_bp: e.rate_bp, returned: e.returned, status: e.status,
         settle_at: e.settle_at, unit: e.unit,
         frozen: d.status = 'frozen' OR size(coalesce(d.ring_holds, [])) > 0
                 OR any(h IN inside_holds WHERE h IN buyer_rings)
       } END) AS entries

// name: refund.create
// R-3.11 in one statement, only if everything the clawbacks were computed from is still as
// refund.context read it, read again under the order's lock: the order's refunded total, each
// line's and each reward's (no row back: another refund came first, or the read saw only part
// of one, which Neo4j's lock-free reads can; the caller reads and decides again). Then: the
// refund, the lines' refunded totals, one clawback entry per reward touched (its status follows
// the reward's: pending ones net before settling, settled ones come off the settled balance),
// and the attributed distributor's received amount. Each clawback writes its reward's
// `reward.clawed_back` event (events.cypher).
MATCH (o:Order {id: $order_id})
FOREACH (locking IN [o] | SET locking._lock = true REMOVE locking._lock)
WITH o
WHERE o.refunded_fen = $refunded_before
OPTIONAL MATCH (o)-[:HAS]->(seen_line:Line)
WITH o, collect(seen_line) AS seen_lines
WHERE size(seen_lines) = size($lines_read)
  AND all(x IN $lines_read WHERE
          any(l IN seen_lines WHERE l.idx = x.idx AND l.refunded_fen = x.refunded_fen))
OPTIONAL MATCH (seen_reward:Entry {kind: 'reward'})-[:FOR]->(o)
WITH o, collect(seen_reward) AS seen_rewards
WHERE size(seen_rewards) = size($rewards_read)
  AND all(x IN $rewards_read WHERE
          any(e IN seen_rewards WHERE e.id = x.id AND e.returned = x.returned))
CREATE (rf:Refund {id: $id, order_id: $order_id, amount_fen: $amount_fen, at: $at,
                   digest: $digest})-[:OF]->(o)
SET o.refunded_fen = o.refunded_fen + $amount_fen,
    o.status = CASE WHEN o.refunded_fen + $amount_fen >= o.paid_fen THEN 'refunded'
                    ELSE o.status END
WITH o, rf
UNWIND $lines AS part
MATCH (o)-[:HAS]->(l:Line {idx: part.idx})
SET l.refunded_fen = l.refunded_fen + part.amount
WITH o, rf, count(part) AS parts
UNWIND (CASE WHEN size($clawbacks) = 0 THEN [null] ELSE $clawbacks END) AS cb
OPTIONAL MATCH (reward:Entry {id: cb.entry_id})-[:TO]->(d:Distributor)
FOREACH (x IN CASE WHEN reward IS NULL THEN [] ELSE [reward] END |
  SET x.returned = x.returned + cb.amount
  CREATE (d)<-[:TO]-(:Entry {id: cb.id, kind: 'clawback', distributor_id: d.id,
                             amount: -cb.amount, unit: x.unit,
                             status: cb.status, at: $at, settle_at: x.settle_at,
                             due: CASE WHEN cb.status = 'pending' THEN x.settle_at END,
                             order_id: $order_id, refund_id: $id, tier: x.tier,
                             line: x.line, reverses: x.id})-[:FOR]->(o)
  CREATE (:Event {id: 'reward.clawed_back:' + cb.id, type: 'reward.clawed_back', at: $now,
                  key: d.id, object: 'reward', object_id: x.id, distributor_id: d.id,
                  order_id: $order_id, refund_id: $id, clawback_id: cb.id, tier: x.tier,
                  amount: x.amount, unit: x.unit, clawed_back: cb.amount,
                  returned: x.returned, status: x.status, clawback_status: cb.status,
                  settle_at: x.settle_at, refunded_at: $at}))
WITH o, rf, count(cb) AS clawbacks
OPTIONAL MATCH (t1:Distributor {id: o.attributed_to})
FOREACH (x IN CASE WHEN t1 IS NULL THEN [] ELSE [t1] END |
  SET x.perf_received_fen = x.perf_received_fen + $received_fen)
RETURN rf.id AS id

// name: ledger.settle_due
// R-3.10 / R-6.4: pending entries past their after-sale window settle, or are held while their
// distributor is frozen by hand or held by a frozen ring: one holding all its rewards
// (`ring_holds`), or one holding those from members' orders (`ring_holds_inside`) when the
// entry's buyer is a member of it (`frozen_rings`; risk.cypher, F-2). The buyer is looked up
// only for an entry whose distributor carries an inside hold and no other (the probe: an
// OPTIONAL MATCH from null finds nothing), so the sweep of an ordinary shop costs what it did.
// Idempotent; run before every ledger read. Takes no lock: two sweeps racing write the same
// status to the same entries and no counter moves.
// `due` mirrors settle_at while an entry is pending and is cleared when it settles.
// Each reward writes its `reward.settled` or `reward.held` event (events.cypher), MERGEd on its
// id: two sweeps racing write one. Only a reward whose order wrote `order.attributed` does:
// rewards of imported history (orders.load_batch writes no events) settle silently, so the
// first sweep after an import sends no flood of old settlements.
MATCH (e:Entry)
WHERE e.due <= $now
WITH e
MATCH (e)-[:TO]->(d:Distributor)
WITH e, d, d.status = 'frozen' OR size(coalesce(d.ring_holds, [])) > 0 AS held_all,
     coalesce(d.ring_holds_inside, []) AS inside_holds
UNWIND CASE WHEN NOT held_all AND size(inside_holds) > 0 THEN [e] ELSE [null] END AS probe
OPTIONAL MATCH (probe)-[:FOR]->(:Order)<-[:PLACED]-(b:Customer)
WITH e, d, held_all, inside_holds, coalesce(b.frozen_rings, []) AS buyer_rings
SET e.status = CASE WHEN held_all OR any(h IN inside_holds WHERE h IN buyer_rings)
                    THEN 'held' ELSE 'settled' END,
    e.due = null
WITH e, d
OPTIONAL MATCH (told:Event {id: 'order.attributed:' + e.order_id})
WHERE e.kind = 'reward'
FOREACH (x IN CASE WHEN told IS NULL THEN [] ELSE [e] END |
  MERGE (ev:Event {id: 'reward.' + x.status + ':' + x.id})
    ON CREATE SET ev.type = 'reward.' + x.status, ev.at = $now, ev.key = d.id,
                  ev.object = 'reward', ev.object_id = x.id, ev.distributor_id = d.id,
                  ev.order_id = x.order_id, ev.tier = x.tier, ev.amount = x.amount,
                  ev.unit = x.unit, ev.returned = x.returned, ev.status = x.status,
                  ev.settle_at = x.settle_at, ev.paid_at = x.at)
RETURN toInteger(count(e)) AS n

// name: ledger.totals
// Sums per kind and status: balances are sums of entries (R-3.12).
MATCH (e:Entry)-[:TO]->(d:Distributor {id: $id})
RETURN e.kind AS kind, e.status AS status, e.unit AS unit, toInteger(sum(e.amount)) AS amount,
       toInteger(count(e)) AS entries

// name: ledger.entries
MATCH (e:Entry)-[:TO]->(d:Distributor {id: $id})
WHERE e.at < $before OR (e.at = $before AND e.id < $before_id)
RETURN e.id AS id, e.kind AS kind, e.amount AS amount, e.unit AS unit, e.status AS status,
       e.at AS at, e.settle_at AS settle_at, e.order_id AS order_id, e.tier AS tier,
       e.line AS line, e.product_id AS product_id, e.basis AS basis, e.rate_bp AS rate_bp,
       e.reverses AS reverses, e.refund_id AS refund_id, e.method AS method,
       e.reason AS reason
ORDER BY at DESC, id DESC
LIMIT $limit

// name: ledger.all_totals
// Every distributor's sums per kind and status, for the ledger invariants and exports.
MATCH (e:Entry)-[:TO]->(d:Distributor)
RETURN d.id AS distributor_id, e.kind AS kind, e.status AS status, e.unit AS unit,
       toInteger(sum(e.amount)) AS amount

// name: ladder.month_sales
// R-3.13: each distributor's settled sales in a month: orders attributed to it whose
// after-sale window ended in [$start, $end) and before $now, net of refunds; by distributor id
// (the awards come back in that order on both engines).
MATCH (o:Order)
WHERE o.settle_at >= $start AND o.settle_at < $end AND o.settle_at <= $now
  AND o.attributed_to IS NOT NULL
RETURN o.attributed_to AS distributor_id, toInteger(sum(o.paid_fen - o.refunded_fen)) AS sales
ORDER BY distributor_id

// name: ladder.paid
// Ladder entries alone (ids `ladder:…`): team rewards (team.cypher) are bonuses of a month too.
MATCH (e:Entry {kind: 'bonus'})
WHERE e.month = $month AND e.id STARTS WITH 'ladder:'
RETURN e.distributor_id AS distributor_id, toInteger(sum(e.amount)) AS paid

// name: ladder.award_batch
// The entry's id names the month and the step, so two runs racing MERGE one entry (its unique
// constraint); its TO is MERGEd under the entry's lock, so they cannot link it twice (which
// would count the bonus twice in every balance).
UNWIND $rows AS row
MATCH (d:Distributor {id: row.distributor_id})
MERGE (e:Entry {id: row.id})
  ON CREATE SET e.kind = 'bonus', e.distributor_id = row.distributor_id, e.amount = row.amount,
                e.unit = 'fen', e.status = 'settled', e.at = $now, e.month = $month,
                e.sales_fen = row.sales
FOREACH (locking IN [e] | SET locking._lock = true REMOVE locking._lock)
WITH e, d
MERGE (e)-[:TO]->(d)
RETURN toInteger(count(e)) AS n

// Historical orders and refunds at bulk speed (teamgraph.shop.history): the importer decides
// with the same rules code, in paid-time order with the shop's state in memory, and writes one
// batch per statement. One statement is atomic, so an interrupted load stops at a batch
// boundary and a re-run (which skips the stored ids) continues from the same state.

// name: orders.history_customers
// The buyers of a batch: paid orders so far (first-order rate, R-3.5), their whole binding
// history and sharer visits, from which each order is attributed as of its paid time (M-1).
UNWIND $ids AS wanted
MATCH (c:Customer {id: wanted})
OPTIONAL MATCH (c)-[b:BOUND_TO]->(bd)
WITH c, collect(CASE WHEN bd IS NULL THEN null
                     ELSE [bd.id, b.since, b.ended_at, b.expires_at] END) AS bindings
OPTIONAL MATCH (c)-[s:SHARED_BY]->(sd)
RETURN c.id AS id, coalesce(c.own_paid_orders, 0) AS paid_orders, bindings,
       collect(CASE WHEN sd IS NULL THEN null ELSE [sd.id, s.times] END) AS shares

// name: orders.history_distributors
// Every distributor with its inviter, level, status and the counters its level depends on
// (R-4.2), read once per load and then kept in memory.
MATCH (d:Distributor)
OPTIONAL MATCH (d)-[:INVITED_BY]->(i:Distributor)
RETURN d.id AS id, i.id AS inviter_id, d.level AS level, d.status AS status,
       d.direct_clients AS direct_clients, d.invitees AS invitees,
       d.perf_paid_orders AS paid_orders, d.perf_received_fen AS received_fen,
       d.perf_transaction_fen AS transaction_fen, d.perf_completed_orders AS completed_orders

// name: orders.history_bindings_due
// Active bindings whose expiry falls before $until: catch_up will end them (binding.expire_due)
// and lower their distributor's direct clients, which a level condition may count (R-4.2).
MATCH ()-[b:BOUND_TO]->(d)
WHERE b.due <= $until
RETURN d.id AS distributor_id, b.due AS due

// name: orders.load_batch
// One batch of historical orders as order.create and order.complete would leave them, in one
// statement. Rows come as lists of values, not maps (the FalkorDB client writes the parameters
// out in Python, and a map repeats every key in every row): one section per kind of row, each
// ending in a count without grouping keys, one row whatever it matched, so the next always runs.
// - $orders [id, customer_id, paid_at, paid_fen, split_fen, digest, attributed_to,
//   first_order, completed_at, settle_at] (completed ones carry settle_at);
// - $lines [order_id, idx, product_id, qty, paid_fen, split_fen, cost_fen];
// - $entries [order_id, id, distributor_id, amount, unit, tier, line, product_id, basis,
//   rate_bp, per_unit]: reward entries, pending, due at their order's settle_at if it has one;
// - $completions [id, at, settle_at] of orders written before (each only if not completed yet);
// - $customers [id, orders, spent_fen]: the buyers' own totals, deltas;
// - $distributors [id, paid_orders, transaction_fen, received_fen, completed_orders, level,
//   level_at]: the attributed distributors' counters (deltas) and raised levels (a level only
//   ever rises, R-4.3).
// Sent again, the unique order ids refuse it whole, so nothing is counted twice; the importer
// skips the stored ids before deciding a batch.
UNWIND $orders AS row
MATCH (c:Customer {id: row[1]})
CREATE (c)-[:PLACED]->(:Order {id: row[0], customer_id: row[1], paid_at: row[2],
                                paid_fen: row[3], split_fen: row[4], refunded_fen: 0,
                                status: 'paid', digest: row[5], attributed_to: row[6],
                                first_order: row[7], completed_at: row[8], settle_at: row[9]})
WITH count(*) AS orders
UNWIND $lines AS line
MATCH (o:Order {id: line[0]})
CREATE (o)-[:HAS]->(:Line {order_id: line[0], idx: line[1], product_id: line[2], qty: line[3],
                          paid_fen: line[4], split_fen: line[5], cost_fen: line[6],
                          refunded_fen: 0})
WITH count(*) AS lines
UNWIND $entries AS e
MATCH (o:Order {id: e[0]})
MATCH (d:Distributor {id: e[2]})
CREATE (d)<-[:TO]-(:Entry {id: e[1], kind: 'reward', distributor_id: e[2], amount: e[3],
                           unit: e[4], status: 'pending', at: o.paid_at, order_id: e[0],
                           tier: e[5], line: e[6], product_id: e[7], basis: e[8],
                           rate_bp: e[9], per_unit: e[10], returned: 0,
                           settle_at: o.settle_at, due: o.settle_at})-[:FOR]->(o)
WITH count(*) AS entries
UNWIND $completions AS cp
MATCH (done:Order {id: cp[0]})
WHERE done.completed_at IS NULL
SET done.completed_at = cp[1], done.settle_at = cp[2]
WITH done, cp
MATCH (done)<-[:FOR]-(ce)
SET ce.settle_at = cp[2], ce.due = CASE WHEN ce.status = 'pending' THEN cp[2] ELSE null END
WITH count(DISTINCT done) AS completed
UNWIND $customers AS cu
MATCH (buyer:Customer {id: cu[0]})
SET buyer.own_paid_orders = coalesce(buyer.own_paid_orders, 0) + cu[1],
    buyer.own_spent_fen = coalesce(buyer.own_spent_fen, 0) + cu[2]
WITH count(*) AS buyers
UNWIND $distributors AS dd
MATCH (t:Distributor {id: dd[0]})
WITH t, dd,
     dd[5] IS NOT NULL AND t.level < dd[5] AS raised
SET t.perf_paid_orders = t.perf_paid_orders + dd[1],
    t.perf_transaction_fen = t.perf_transaction_fen + dd[2],
    t.perf_received_fen = t.perf_received_fen + dd[3],
    t.perf_completed_orders = t.perf_completed_orders + dd[4],
    t.level = CASE WHEN raised THEN dd[5] ELSE t.level END,
    t.level_raised_at = CASE WHEN raised THEN dd[6] ELSE t.level_raised_at END
RETURN count(*) AS distributors

// name: refunds.history_orders
// The refunded orders of a batch, as refund.context reads one: lines and reward entries with
// what each has returned, its status and whether its distributor is frozen (R-3.11, R-6.4).
// Walked from the order (unlabelled neighbours: a label or the indexed `kind` on them would
// make FalkorDB start from every reward entry instead).
UNWIND $ids AS wanted
MATCH (o:Order {id: wanted})
OPTIONAL MATCH (o)-[:HAS]->(l)
WITH o, collect({idx: l.idx, product_id: l.product_id, paid_fen: l.paid_fen,
                 refunded_fen: l.refunded_fen}) AS lines
OPTIONAL MATCH (o)<-[:FOR]-(e)
WHERE e.kind = 'reward'
OPTIONAL MATCH (e)-[:TO]->(d)
RETURN o.id AS id, o.paid_at AS paid_at, o.paid_fen AS paid_fen, o.refunded_fen AS refunded_fen,
       o.status AS status, o.attributed_to AS attributed_to, lines,
       collect(CASE WHEN e IS NULL THEN null ELSE {
         id: e.id, distributor_id: d.id, tier: e.tier, line: e.line, amount: e.amount,
         basis: e.basis, rate_bp: e.rate_bp, returned: e.returned, status: e.status,
         settle_at: e.settle_at, unit: e.unit, frozen: d.status = 'frozen'
       } END) AS entries

// name: refunds.load_batch
// One batch of historical refunds as refund.create would leave them, in one statement: the
// refunds ($refunds), the orders' and lines' refunded totals and the rewards' returned amounts
// after the batch ($orders, $lines, $rewards: absolute values), one clawback entry per reward
// touched per refund ($clawbacks, status decided as refund.create's caller decides it) and the
// attributed distributors' received amounts ($distributors: deltas, M-2). Sent again, the
// unique refund ids refuse it whole.
UNWIND $refunds AS r
MATCH (o:Order {id: r.order_id})
CREATE (rf:Refund {id: r.id, order_id: r.order_id, amount_fen: r.amount_fen, at: r.at,
                   digest: r.digest})-[:OF]->(o)
WITH count(rf) AS created
UNWIND (CASE WHEN size($orders) = 0 THEN [null] ELSE $orders END) AS ro
OPTIONAL MATCH (o:Order {id: ro.id})
FOREACH (x IN CASE WHEN o IS NULL THEN [] ELSE [o] END |
  SET x.refunded_fen = ro.refunded_fen, x.status = ro.status)
WITH created, count(ro) AS orders
UNWIND (CASE WHEN size($lines) = 0 THEN [null] ELSE $lines END) AS rl
OPTIONAL MATCH (lo:Order {id: rl.order_id})-[:HAS]->(l:Line)
WHERE l.idx = rl.idx
FOREACH (x IN CASE WHEN l IS NULL THEN [] ELSE [l] END | SET x.refunded_fen = rl.refunded_fen)
WITH created, orders, count(rl) AS lines
UNWIND (CASE WHEN size($clawbacks) = 0 THEN [null] ELSE $clawbacks END) AS cb
OPTIONAL MATCH (reward:Entry {id: cb.entry_id})-[:TO]->(d:Distributor)
OPTIONAL MATCH (co:Order {id: cb.order_id})
FOREACH (x IN CASE WHEN reward IS NULL OR co IS NULL THEN [] ELSE [reward] END |
  CREATE (d)<-[:TO]-(:Entry {id: cb.id, kind: 'clawback', distributor_id: d.id,
                             amount: -cb.amount, unit: x.unit,
                             status: cb.status, at: cb.at, settle_at: x.settle_at,
                             due: CASE WHEN cb.status = 'pending' THEN x.settle_at END,
                             order_id: cb.order_id, refund_id: cb.refund_id, tier: x.tier,
                             line: x.line, reverses: x.id})-[:FOR]->(co))
WITH created, orders, lines, count(cb) AS clawbacks
UNWIND (CASE WHEN size($rewards) = 0 THEN [null] ELSE $rewards END) AS rw
OPTIONAL MATCH (e:Entry {id: rw.id})
FOREACH (x IN CASE WHEN e IS NULL THEN [] ELSE [e] END | SET x.returned = rw.returned)
WITH created, orders, lines, clawbacks, count(rw) AS rewards
UNWIND (CASE WHEN size($distributors) = 0 THEN [null] ELSE $distributors END) AS dd
OPTIONAL MATCH (t:Distributor {id: dd.id})
FOREACH (x IN CASE WHEN t IS NULL THEN [] ELSE [t] END |
  SET x.perf_received_fen = x.perf_received_fen - dd.refunded_fen)
RETURN created, clawbacks, toInteger(count(dd)) AS distributors
