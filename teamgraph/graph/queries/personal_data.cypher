// Personal data (PIPL/GDPR; docs/integration.md "Personal data", docs/choices.md PD-1..PD-6).
// The export reads everything stored about one customer, each object with properties(), so a
// property added later to a customer, a binding, an order or a signal is exported without
// anyone remembering to (tests/shop/test_personal_data.py holds the export against every
// property the graph holds). Other people's nodes (the distributor a customer is bound to, its
// clients, the members of a ring) are named by id only.

// name: personal_data.customer
MATCH (c:Customer {id: $id})
RETURN properties(c) AS customer, labels(c) AS labels

// name: personal_data.bindings
// Every binding, open or ended (R-1.12), oldest first.
MATCH (c:Customer {id: $id})-[b:BOUND_TO]->(d:Distributor)
RETURN d.id AS distributor_id, properties(b) AS binding, b.since AS since
ORDER BY since, distributor_id

// name: personal_data.shares
// The customer's visits through each distributor's share link (R-1.3): one SHARED_BY per pair.
MATCH (c:Customer {id: $id})-[s:SHARED_BY]->(d:Distributor)
RETURN d.id AS distributor_id, properties(s) AS share, s.first_at AS first_at
ORDER BY first_at, distributor_id

// name: personal_data.invited_by
MATCH (c:Customer {id: $id})-[i:INVITED_BY]->(d:Distributor)
RETURN d.id AS inviter_id, properties(i) AS invitation

// name: personal_data.orders
// The customer's orders with their lines and refunds (the rewards they paid are the earning
// distributors' ledgers, not the buyer's data).
MATCH (c:Customer {id: $id})-[p:PLACED]->(o:Order)
WITH o, p
OPTIONAL MATCH (o)-[:HAS]->(l:Line)
WITH o, p, collect(properties(l)) AS lines
OPTIONAL MATCH (o)<-[:OF]-(r:Refund)
RETURN properties(o) AS order_, properties(p) AS placed, lines,
       collect(properties(r)) AS refunds, o.paid_at AS paid_at, o.id AS id
ORDER BY paid_at, id

// name: personal_data.signals
// Identity signals (R-6.1): the value as stored (the node's id) and its first/last sighting.
MATCH (c:Customer {id: $id})-[u:USES]->(s)
RETURN labels(s) AS labels, properties(s) AS signal, properties(u) AS uses, s.id AS value
ORDER BY value

// name: personal_data.entries
// A distributor's ledger (R-3.12): rewards, clawbacks, bonuses, withdrawals and their tax.
MATCH (e:Entry)-[t:TO]->(c:Customer {id: $id})
RETURN properties(e) AS entry, properties(t) AS to, e.at AS at, e.id AS id
ORDER BY at, id

// name: personal_data.rings
// The fraud rings the customer is a member of: the ring's id, status and the member's role.
MATCH (c:Customer {id: $id})-[m:MEMBER_OF]->(r:Ring)
RETURN r.id AS ring_id, r.status AS status, properties(m) AS membership
ORDER BY ring_id

// name: personal_data.inventory
// Every property key the graph holds on the customer, on each relationship touching it and on
// the node at its other end, by relationship type and direction: what the completeness test
// compares the export with. Unbounded for a busy distributor: never on a request path.
MATCH (c:Customer {id: $id})
OPTIONAL MATCH (c)-[r]->(n)
WITH c, collect(CASE WHEN r IS NULL THEN null ELSE {
       type: type(r), labels: labels(n), edge_keys: keys(r), node_keys: keys(n)} END) AS outgoing
OPTIONAL MATCH (c)<-[r2]-(n2)
RETURN keys(c) AS customer_keys, outgoing,
       collect(CASE WHEN r2 IS NULL THEN null ELSE {
         type: type(r2), labels: labels(n2), edge_keys: keys(r2), node_keys: keys(n2)} END)
       AS incoming

// name: personal_data.raw_signals
// The customer's signal values not yet pseudonymised (PD-2): what the erasure keys.
MATCH (c:Customer {id: $id})-[:USES]->(s)
WHERE NOT s.id STARTS WITH 'h:'
RETURN labels(s) AS labels, s.id AS value

// name: personal_data.pending_payouts
// Withdrawals of the customer (as a distributor) the bank payout still needs (PD-5).
MATCH (w:Entry {kind: 'withdrawal'})-[:TO]->(c:Customer {id: $id})
WHERE w.status IN ['requested', 'approved']
RETURN w.id AS id, w.status AS status
ORDER BY id

// name: personal_data.log_export
// PD-1: an export reads; this one small statement records it (the Change of the audit log),
// written before the reads, so no export is answered without its record.
MATCH (c:Customer {id: $id})
CREATE (:Change {id: $change_id, at: $now, action: 'personal_data.export', actor: $actor,
                 actor_key: $actor_key, object: 'personal_data', object_id: c.id,
                 customer_id: c.id, reason: $reason, before: null, after: null})
RETURN c.id AS id

// name: personal_data.erase
// PD-2: erase one customer's personal fields in one statement, with its Change. Under the
// customer's lock (which a withdrawal request of the same distributor also takes first) it is
// refused, with no row back, while a withdrawal of the customer awaits its payout (PD-5): the
// bank transfer needs the account. Then: name and phone digest removed; each identity signal
// of the customer still raw takes its keyed pseudonym ($signals: {kind, value, pseudonym},
// computed by the caller from personal_data.raw_signals), its USES ties kept; every withdrawal
// account masked as rules.withdrawals.mask_account does (the last 4 characters), its holder and
// its body's fingerprint removed. No amount, status, count or relationship changes. Run twice,
// the second run finds nothing left to change (it records the second request).
MATCH (c:Customer {id: $id})
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH c
OPTIONAL MATCH (pending:Entry {kind: 'withdrawal'})-[:TO]->(c)
WHERE pending.status IN ['requested', 'approved']
WITH c, count(pending) AS pending
WHERE pending = 0
SET c.name = null, c.phone_hash = null, c.erased_at = coalesce(c.erased_at, $now)
CREATE (:Change {id: $change_id, at: $now, action: 'personal_data.erase', actor: $actor,
                 actor_key: $actor_key, object: 'personal_data', object_id: c.id,
                 customer_id: c.id, reason: $reason, before: null, after: $after})
WITH c
OPTIONAL MATCH (c)-[:USES]->(s)
WITH c, s, [x IN $signals WHERE s IS NOT NULL AND x.value = s.id AND x.kind IN labels(s)] AS hit
FOREACH (x IN CASE WHEN size(hit) = 0 THEN [] ELSE [s] END |
  SET x.id = hit[0].pseudonym, x.pseudonymised_at = $now)
WITH c, toInteger(sum(size(hit))) AS signals
OPTIONAL MATCH (w:Entry {kind: 'withdrawal'})-[:TO]->(c)
FOREACH (x IN CASE WHEN w IS NULL THEN [] ELSE [w] END |
  SET x.account = CASE WHEN x.account IS NULL THEN null ELSE
        reduce(m = '', i IN range(1, size(x.account)) |
          m + CASE WHEN i <= size(x.account) - 4 OR size(x.account) <= 4 THEN '*'
                   ELSE substring(x.account, i - 1, 1) END) END,
      x.holder = null, x.digest = null)
RETURN c.id AS id, signals, toInteger(count(w)) AS withdrawals

// name: signals.stale
// PD-4: signal values (still raw) whose every sighting is older than $cutoff, one customer each
// (the erasure's path to the node). The shop's `signals_pruned_at` says when this last ran.
MATCH (c:Customer)-[u:USES]->(s)
WHERE NOT s.id STARTS WITH 'h:'
WITH s, max(u.last_seen) AS last, min(c.id) AS customer_id
WHERE last < $cutoff
RETURN labels(s) AS labels, s.id AS value, customer_id
LIMIT $limit

// name: signals.prune
// PD-4: the retention pass: each stale value ($rows: {customer_id, kind, value, pseudonym})
// takes its keyed pseudonym, its ties kept; the shop records the pass, under its lock, so of
// two processes catching up at once one prunes (no row back for the other).
MATCH (sh:Shop {id: $shop_id})
FOREACH (locking IN [sh] | SET locking._lock = true REMOVE locking._lock)
WITH sh
WHERE coalesce(sh.signals_pruned_at, 0) = $last_pruned
SET sh.signals_pruned_at = $mark
WITH sh
UNWIND (CASE WHEN size($rows) = 0 THEN [null] ELSE $rows END) AS row
OPTIONAL MATCH (c:Customer {id: row.customer_id})-[:USES]->(s)
WHERE s.id = row.value AND row.kind IN labels(s)
FOREACH (x IN CASE WHEN s IS NULL THEN [] ELSE [s] END |
  SET x.id = row.pseudonym, x.pseudonymised_at = $now)
RETURN toInteger(count(s)) AS pruned

// name: personal_data.center_links
// The customer's sign-in links to the distributor center (when made, used, expired); their
// secrets' digests stay out of the export. Few per customer; read only by the export.
MATCH (l:CenterLink)
WHERE l.distributor_id = $id
RETURN properties(l) AS link, l.created_at AS created_at
ORDER BY created_at

// name: personal_data.keys
// Distributor keys naming the customer (the center's sessions among them), digests left out.
MATCH (k:ApiKey)
WHERE k.distributor_id = $id
RETURN properties(k) AS key, k.created_at AS created_at
ORDER BY created_at

// name: personal_data.changes
// The audit log's records of decisions about the customer (bindings changed, application,
// freezes, levels, personal-data requests), oldest first. A scan of the audit log: read only
// by the export.
MATCH (ch:Change)
WHERE ch.customer_id = $id
   OR (ch.object_id = $id AND ch.object IN ['customer', 'distributor', 'personal_data'])
RETURN properties(ch) AS change, ch.at AS at, ch.id AS id
ORDER BY at, id
