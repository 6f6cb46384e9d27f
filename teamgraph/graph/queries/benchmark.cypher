// Statements only the benchmarks run (benchmarks/orders.py): the engine's own limit beside the
// product's statements, on the same shop.

// name: benchmark.minimal_order
// The nodes and relationships order.create writes for each of $rows (the order, its lines, its
// reward entries; PLACED from the buyer, TO the distributor), with none of its work: no lock,
// no first-order or stored-id check, no counters, nothing answered.
UNWIND $rows AS p
MATCH (c:Customer {id: p.customer_id})
CREATE (c)-[:PLACED]->(o:Order {id: p.id, customer_id: p.customer_id, paid_at: p.paid_at,
                                 paid_fen: p.paid_fen, split_fen: p.split_fen,
                                 refunded_fen: 0, status: 'paid', digest: p.digest,
                                 attributed_to: p.attributed_to, first_order: p.first_order})
FOREACH (line IN p.lines |
  CREATE (o)-[:HAS]->(:Line {order_id: p.id, idx: line.idx, product_id: line.product_id,
                            qty: line.qty, paid_fen: line.paid_fen, split_fen: line.split_fen,
                            cost_fen: line.cost_fen, refunded_fen: 0}))
WITH o, p
UNWIND p.entries AS e
MATCH (d:Distributor {id: e.distributor_id})
CREATE (d)<-[:TO]-(:Entry {id: e.id, kind: 'reward', distributor_id: d.id,
                           amount: e.amount, unit: e.unit,
                           status: 'pending', at: p.paid_at, order_id: p.id, tier: e.tier,
                           line: e.line, product_id: e.product_id, basis: e.basis,
                           rate_bp: e.rate_bp, per_unit: e.per_unit, returned: 0})-[:FOR]->(o)
