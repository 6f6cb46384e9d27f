// The merchant's back-office decisions (issue 17): the queue of pending applications (R-2.1),
// ledger adjustments (R-3.12) and customer groups set by hand (R-2.1). Every decision writes its
// Change (the audit log) in the statement that makes it.

// name: applications.page
// Pending applications, oldest first, one page after ($after_at, $after_id); each with what
// R-2.1's conditions read (the same fields as distributor.context).
MATCH (c:Customer)
WHERE c.application = 'pending' AND NOT c:Distributor
  AND (coalesce(c.applied_at, 0) > $after_at
       OR (coalesce(c.applied_at, 0) = $after_at AND c.id > $after_id))
RETURN c.id AS id, c.name AS name, coalesce(c.applied_at, 0) AS applied_at,
       c.phone_verified AS phone_verified, c.own_spent_fen AS spent_fen,
       c.own_paid_orders AS paid_orders, c.groups AS groups
ORDER BY applied_at, id
LIMIT $limit

// name: adjustment.get
// Any ledger entry with this id (an adjustment's id must not be another entry's).
MATCH (e:Entry {id: $id})
OPTIONAL MATCH (e)-[:TO]->(d:Distributor)
RETURN e.id AS id, e.kind AS kind, d.id AS distributor_id, e.digest AS digest

// name: adjustment.create
// R-3.12: a merchant's credit or debit, written settled (G-3), with its Change and its
// adjustment.recorded event (events.cypher; the outbox webhooks read). Under the
// distributor's lock the settled balance is summed again (as withdrawal.create does), so a debit
// that would take it below zero (AJ-1, docs/choices.md) writes nothing and returns no row, even
// when two debits race; so does an id some entry already has (read after the lock: a repeat
// racing the first writes nothing).
MATCH (d:Distributor {id: $distributor_id})
FOREACH (locking IN [d] | SET locking._lock = true REMOVE locking._lock)
WITH d
OPTIONAL MATCH (taken:Entry {id: $id})
WITH d, count(taken) AS taken
WHERE taken = 0
OPTIONAL MATCH (e:Entry)-[:TO]->(d)
WITH d,
     toInteger(sum(CASE
       WHEN e.kind IN ['withdrawal', 'tax'] AND e.status <> 'rejected' THEN e.amount
       WHEN NOT e.kind IN ['withdrawal', 'tax'] AND e.status = 'settled' AND e.unit = 'fen'
         THEN e.amount
       ELSE 0 END)) AS settled
WHERE $amount_fen > 0 OR settled + $amount_fen >= 0
CREATE (d)<-[:TO]-(a:Entry {id: $id, kind: 'adjustment', distributor_id: d.id,
                           amount: $amount_fen, unit: 'fen', status: 'settled', at: $now,
                           reason: $reason, digest: $digest, actor: $actor})
CREATE (:Change {id: $change_id, at: $now, action: 'distributor.adjust', actor: $actor,
                 actor_key: $actor_key, object: 'distributor', object_id: d.id,
                 reason: $reason, before: toString(settled),
                 after: toString(settled + $amount_fen), entry_id: $id,
                 amount_fen: $amount_fen})
FOREACH (x IN [a] |
  CREATE (:Event {id: 'adjustment.recorded:' + x.id, type: 'adjustment.recorded', at: $now,
                  key: d.id, object: 'adjustment', object_id: x.id, distributor_id: d.id,
                  amount: $amount_fen, unit: 'fen', status: 'settled', reason: $reason,
                  settled_fen: settled + $amount_fen}))
RETURN a.id AS id, settled + $amount_fen AS settled

// name: adjustment.view
MATCH (e:Entry {id: $id, kind: 'adjustment'})-[:TO]->(d:Distributor)
RETURN e.id AS id, d.id AS distributor_id, e.kind AS kind, e.amount AS amount, e.unit AS unit,
       e.status AS status, e.at AS at, e.reason AS reason

// name: customer.set_groups
// R-2.1: the merchant sets a customer's groups (what the application conditions read); the
// groups it replaces are read under the customer's lock, so the Change names them right (its
// `before` a JSON list built here, quotes and backslashes escaped; `after` built by the shop).
MATCH (c:Customer {id: $id})
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH c, coalesce(c.groups, []) AS before
SET c.groups = $groups
CREATE (:Change {id: $change_id, at: $now, action: 'customer.groups', actor: $actor,
                 actor_key: $actor_key, object: 'customer', object_id: c.id, reason: $reason,
                 before: '[' + reduce(s = '', g IN before |
                                      s + CASE WHEN s = '' THEN '' ELSE ', ' END
                                        + '"' + replace(replace(g, '\\', '\\\\'), '"', '\\"') + '"')
                       + ']',
                 after: $after_json})
RETURN c.id AS id, c.groups AS groups
