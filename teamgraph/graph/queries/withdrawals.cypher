// Withdrawals (docs/rules.md §5). A request is a ledger entry of kind 'withdrawal' (the net
// payout, negative) with, when tax is withheld (R-5.4), a companion entry of kind 'tax'; both
// move through requested -> approved -> paid, or -> rejected (which returns the money).

// name: withdrawal.count_since
MATCH (w:Entry {kind: 'withdrawal'})-[:TO]->(d:Distributor {id: $id})
WHERE w.at >= $since AND w.status <> 'rejected'
RETURN toInteger(count(w)) AS n

// name: withdrawal.create
// The balance and the period's count are checked again inside the statement that writes, after
// it holds the distributor's lock (queries/__init__.py "Concurrent writers"): a concurrent
// request waits for it and then counts the first one's entries, so none can overdraw or pass
// max_count. No row back = refused. Writes its withdrawal.requested event (events.cypher; no
// account number in it).
MATCH (d:Distributor {id: $distributor_id})
FOREACH (locking IN [d] | SET locking._lock = true REMOVE locking._lock)
WITH d
OPTIONAL MATCH (e:Entry)-[:TO]->(d)
WITH d,
     toInteger(sum(CASE
       WHEN e.kind IN ['withdrawal', 'tax'] AND e.status <> 'rejected' THEN e.amount
       WHEN NOT e.kind IN ['withdrawal', 'tax'] AND e.status = 'settled' AND e.unit = 'fen'
         THEN e.amount
       ELSE 0 END)) AS settled,
     toInteger(sum(CASE
       WHEN e.kind = 'withdrawal' AND e.status <> 'rejected' AND e.at >= $since THEN 1
       ELSE 0 END)) AS recent
WHERE settled >= $amount_fen AND recent < $max_count
CREATE (d)<-[:TO]-(w:Entry {id: $id, kind: 'withdrawal', distributor_id: $distributor_id,
                           amount: -$net_fen, unit: 'fen', status: 'requested', at: $now,
                           gross_fen: $amount_fen, tax_fen: $tax_fen, method: $method,
                           account: $account, holder: $holder, digest: $digest})
FOREACH (x IN CASE WHEN $tax_fen > 0 THEN [d] ELSE [] END |
  CREATE (x)<-[:TO]-(:Entry {id: $id + ':tax', kind: 'tax', distributor_id: $distributor_id,
                             amount: -$tax_fen, unit: 'fen', status: 'requested', at: $now,
                             withdrawal_id: $id}))
FOREACH (x IN [w] |
  CREATE (:Event {id: 'withdrawal.requested:' + x.id, type: 'withdrawal.requested', at: $now,
                  key: $distributor_id, object: 'withdrawal', object_id: x.id,
                  distributor_id: $distributor_id, amount_fen: $amount_fen, net_fen: $net_fen,
                  tax_fen: $tax_fen, method: $method, status: 'requested', requested_at: $now}))
RETURN w.id AS id

// name: withdrawal.get
MATCH (w:Entry {id: $id, kind: 'withdrawal'})-[:TO]->(d:Distributor)
RETURN w.id AS id, d.id AS distributor_id, d.name AS distributor_name, -w.amount AS net_fen,
       w.gross_fen AS amount_fen, w.tax_fen AS tax_fen, w.method AS method,
       w.account AS account, w.holder AS holder, w.status AS status, w.at AS requested_at,
       w.approved_at AS approved_at, w.paid_at AS paid_at, w.rejected_at AS rejected_at,
       w.digest AS digest, w.reason AS reason

// name: withdrawal.transition
// R-5.2: one status change of a set of withdrawals (and their tax entries), each only from
// the states $from allow; what is already in $to is left alone (idempotent). All or nothing:
// the withdrawals are locked first (in id order, so two batches cannot deadlock), then read
// again; if any is missing or in a state that forbids the change (a concurrent reject won
// over a pay, say) nothing moves and no row comes back. Each withdrawal that moves writes its
// withdrawal.approved / .rejected / .paid event (events.cypher). A withdrawal paid or rejected
// keeps its account masked as rules.withdrawals.mask_account does (docs/choices.md PD-6): no
// payout needs the full number any more.
UNWIND $ids AS wid
MATCH (w:Entry {id: wid, kind: 'withdrawal'})
WITH DISTINCT w
ORDER BY w.id
FOREACH (locking IN [w] | SET locking._lock = true REMOVE locking._lock)
WITH collect(w) AS ws
WHERE size(ws) = size($ids) AND all(x IN ws WHERE x.status IN $from OR x.status = $to)
UNWIND ws AS w
WITH w, w.status IN $from AS moves
// The audit: one Change per withdrawal that moves (issue 16), its status before and after.
FOREACH (x IN CASE WHEN moves THEN [w] ELSE [] END |
  CREATE (:Change {id: $change_id + ':' + x.id, at: $now, action: $action, actor: $actor,
                   actor_key: $actor_key, object: 'withdrawal', object_id: x.id,
                   reason: $reason, before: x.status, after: $to}))
FOREACH (x IN CASE WHEN moves THEN [w] ELSE [] END |
  SET x.status = $to, x.reason = coalesce($reason, x.reason),
      x.approved_at = CASE WHEN $to = 'approved' THEN $now ELSE x.approved_at END,
      x.paid_at = CASE WHEN $to = 'paid' THEN $now ELSE x.paid_at END,
      x.rejected_at = CASE WHEN $to = 'rejected' THEN $now ELSE x.rejected_at END,
      x.account = CASE WHEN $to IN ['paid', 'rejected'] AND x.account IS NOT NULL THEN
        reduce(m = '', i IN range(1, size(x.account)) |
          m + CASE WHEN i <= size(x.account) - 4 OR size(x.account) <= 4 THEN '*'
                   ELSE substring(x.account, i - 1, 1) END)
        ELSE x.account END)
FOREACH (x IN CASE WHEN moves THEN [w] ELSE [] END |
  CREATE (:Event {id: 'withdrawal.' + $to + ':' + x.id, type: 'withdrawal.' + $to, at: $now,
                  key: x.distributor_id, object: 'withdrawal', object_id: x.id,
                  distributor_id: x.distributor_id, amount_fen: x.gross_fen, net_fen: -x.amount,
                  tax_fen: x.tax_fen, method: x.method, status: $to, requested_at: x.at,
                  reason: x.reason}))
WITH w, moves
OPTIONAL MATCH (t:Entry {id: w.id + ':tax'})
FOREACH (x IN CASE WHEN t IS NULL OR NOT moves THEN [] ELSE [t] END | SET x.status = $to)
RETURN w.id AS id, moves

// name: withdrawal.list
MATCH (w:Entry {kind: 'withdrawal'})-[:TO]->(d:Distributor)
WHERE ($status IS NULL OR w.status = $status) AND ($distributor_id IS NULL OR d.id = $distributor_id)
  AND w.id > $after
RETURN w.id AS id, d.id AS distributor_id, d.name AS distributor_name, -w.amount AS net_fen,
       w.gross_fen AS amount_fen, w.tax_fen AS tax_fen, w.method AS method,
       w.account AS account, w.holder AS holder, w.status AS status, w.at AS requested_at,
       w.approved_at AS approved_at, w.paid_at AS paid_at, w.rejected_at AS rejected_at
ORDER BY id
LIMIT $limit
