// Imports (teamgraph.etl, through shop.bulk): reads that say what is stored, so a load can check
// references and count unchanged rows, and the writes of checked rows. Every write is one
// UNWIND over a batch deduplicated in Python and is an idempotent MERGE / SET: a batch sent
// twice leaves the graph as once. Team counters are left alone (the load ends with
// Shop.recount(apply=True)).

// name: etl.customers_get
UNWIND $ids AS wanted
MATCH (c:Customer {id: wanted})
RETURN c.id AS id, c.name AS name, c.phone_hash AS phone_hash,
       c.phone_verified AS phone_verified, c.joined_at AS joined_at, c.via AS via,
       c.groups AS groups, labels(c) AS labels, c.status AS status, c.level AS level,
       c.became_at AS became_at, c.code AS code

// name: etl.customer_ids
// Which of $ids are customers (an existence check: ids only).
UNWIND $ids AS wanted
MATCH (c:Customer {id: wanted})
RETURN c.id AS id

// name: etl.customer_ids_missing
// Which of $ids are NOT customers: the answer of a reference check is small when the
// references are good, and reading rows back is most of such a check's time.
UNWIND $ids AS wanted
OPTIONAL MATCH (c:Customer {id: wanted})
WITH wanted, c
WHERE c IS NULL
RETURN wanted AS id

// name: etl.distributor_ids_missing
UNWIND $ids AS wanted
OPTIONAL MATCH (d:Distributor {id: wanted})
WITH wanted, d
WHERE d IS NULL
RETURN wanted AS id

// name: etl.distributor_ids
UNWIND $ids AS wanted
MATCH (d:Distributor {id: wanted})
RETURN d.id AS id

// name: etl.customers_members
// What a customers row is compared with (E-1): the member fields only.
UNWIND $ids AS wanted
MATCH (c:Customer {id: wanted})
RETURN c.id AS id, c.name AS name, c.phone_hash AS phone_hash,
       c.phone_verified AS phone_verified, c.joined_at AS joined_at, c.via AS via,
       c.groups AS groups

// name: etl.customers_create
// Customers the load found absent (etl.customer_ids just before): CREATE, not MERGE, which
// FalkorDB does in less time. The unique constraint on the id still holds: if one was created
// meanwhile the whole batch fails and nothing of it is stored (a re-run finds it and skips it).
UNWIND $rows AS row
CREATE (c:Customer {id: row.id, name: row.name, phone_hash: row.phone_hash,
                    phone_verified: coalesce(row.phone_verified, false),
                    joined_at: row.joined_at, via: row.via, groups: row.groups})
RETURN toInteger(count(c)) AS n

// name: etl.customers_upsert
// A cell not given (null) keeps what is stored.
UNWIND $rows AS row
MERGE (c:Customer {id: row.id})
SET c.name = coalesce(row.name, c.name),
    c.phone_hash = coalesce(row.phone_hash, c.phone_hash),
    c.phone_verified = coalesce(row.phone_verified, c.phone_verified, false),
    c.joined_at = coalesce(row.joined_at, c.joined_at),
    c.via = coalesce(row.via, c.via),
    c.groups = coalesce(row.groups, c.groups)
RETURN toInteger(count(c)) AS n

// name: etl.bindings_get
UNWIND $ids AS wanted
MATCH (c:Customer {id: wanted})-[b:BOUND_TO]->(d:Distributor)
RETURN c.id AS customer_id, d.id AS distributor_id, b.since AS since,
       b.expires_at AS expires_at, b.ended_at AS ended_at, b.end_reason AS end_reason,
       b.source AS source, b.channel AS channel, b.active AS active

// name: etl.bindings_update
// An open binding of the history that the file ends or re-dates (same customer, distributor
// and since); `due` mirrors expires_at while the binding is open.
UNWIND $rows AS row
MATCH (c:Customer {id: row.customer_id})-[b:BOUND_TO]->(d:Distributor {id: row.distributor_id})
WHERE b.since = row.since
SET b.expires_at = row.expires_at, b.ended_at = row.ended_at, b.end_reason = row.end_reason,
    b.source = row.source, b.channel = row.channel, b.active = row.ended_at IS NULL,
    b.due = CASE WHEN row.ended_at IS NULL THEN row.expires_at ELSE null END
RETURN toInteger(count(b)) AS n

// name: etl.products_get
UNWIND $ids AS wanted
MATCH (p:Product {id: wanted})
RETURN p.id AS id, p.name AS name, p.price_fen AS price_fen, p.cost_fen AS cost_fen,
       p.reward_bp AS reward_bp, p.reward_fen AS reward_fen

// name: etl.orders_get
UNWIND $ids AS wanted
MATCH (o:Order {id: wanted})
RETURN o.id AS id, o.digest AS digest, o.paid_at AS paid_at, o.completed_at AS completed_at,
       o.attributed_to AS attributed_to

// name: etl.refunds_get
UNWIND $ids AS wanted
MATCH (r:Refund {id: wanted})
RETURN r.id AS id, r.order_id AS order_id, r.digest AS digest

// name: etl.signals_get
UNWIND $ids AS wanted
MATCH (c:Customer {id: wanted})-[u:USES]->(s)
RETURN c.id AS customer_id, labels(s) AS labels, s.id AS value, u.first_seen AS first_seen,
       u.last_seen AS last_seen

// Identity signals (R-6.1): one statement per kind, since a label cannot be a parameter; the
// importer picks the statement from a whitelist. first_seen only moves earlier and last_seen
// only later, so loading the same signals again changes nothing. The USES MERGE runs under the
// customer's lock: two loads racing cannot link a customer to one signal twice.
// A value whose node took its keyed pseudonym (erasure or retention, docs/choices.md PD-2, PD-4;
// row.pseudonym, computed by the caller) is tied to that node, not stored raw again.

// name: etl.signals_device
UNWIND $rows AS row
MATCH (c:Customer {id: row.customer_id})
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH c, row
OPTIONAL MATCH (known:Device {id: row.pseudonym})
WITH c, row, CASE WHEN known IS NULL THEN row.value ELSE row.pseudonym END AS value
MERGE (s:Device {id: value})
MERGE (c)-[u:USES]->(s)
SET u.first_seen = CASE WHEN u.first_seen IS NULL OR row.first_seen < u.first_seen
                        THEN coalesce(row.first_seen, u.first_seen) ELSE u.first_seen END,
    u.last_seen = CASE WHEN u.last_seen IS NULL OR row.last_seen > u.last_seen
                       THEN coalesce(row.last_seen, u.last_seen) ELSE u.last_seen END
RETURN toInteger(count(u)) AS n

// name: etl.signals_phone
UNWIND $rows AS row
MATCH (c:Customer {id: row.customer_id})
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH c, row
OPTIONAL MATCH (known:Phone {id: row.pseudonym})
WITH c, row, CASE WHEN known IS NULL THEN row.value ELSE row.pseudonym END AS value
MERGE (s:Phone {id: value})
MERGE (c)-[u:USES]->(s)
SET u.first_seen = CASE WHEN u.first_seen IS NULL OR row.first_seen < u.first_seen
                        THEN coalesce(row.first_seen, u.first_seen) ELSE u.first_seen END,
    u.last_seen = CASE WHEN u.last_seen IS NULL OR row.last_seen > u.last_seen
                       THEN coalesce(row.last_seen, u.last_seen) ELSE u.last_seen END
RETURN toInteger(count(u)) AS n

// name: etl.signals_address
UNWIND $rows AS row
MATCH (c:Customer {id: row.customer_id})
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH c, row
OPTIONAL MATCH (known:Address {id: row.pseudonym})
WITH c, row, CASE WHEN known IS NULL THEN row.value ELSE row.pseudonym END AS value
MERGE (s:Address {id: value})
MERGE (c)-[u:USES]->(s)
SET u.first_seen = CASE WHEN u.first_seen IS NULL OR row.first_seen < u.first_seen
                        THEN coalesce(row.first_seen, u.first_seen) ELSE u.first_seen END,
    u.last_seen = CASE WHEN u.last_seen IS NULL OR row.last_seen > u.last_seen
                       THEN coalesce(row.last_seen, u.last_seen) ELSE u.last_seen END
RETURN toInteger(count(u)) AS n

// name: etl.signals_account
UNWIND $rows AS row
MATCH (c:Customer {id: row.customer_id})
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH c, row
OPTIONAL MATCH (known:Account {id: row.pseudonym})
WITH c, row, CASE WHEN known IS NULL THEN row.value ELSE row.pseudonym END AS value
MERGE (s:Account {id: value})
MERGE (c)-[u:USES]->(s)
SET u.first_seen = CASE WHEN u.first_seen IS NULL OR row.first_seen < u.first_seen
                        THEN coalesce(row.first_seen, u.first_seen) ELSE u.first_seen END,
    u.last_seen = CASE WHEN u.last_seen IS NULL OR row.last_seen > u.last_seen
                       THEN coalesce(row.last_seen, u.last_seen) ELSE u.last_seen END
RETURN toInteger(count(u)) AS n

// name: etl.signals_ip
UNWIND $rows AS row
MATCH (c:Customer {id: row.customer_id})
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH c, row
OPTIONAL MATCH (known:IP {id: row.pseudonym})
WITH c, row, CASE WHEN known IS NULL THEN row.value ELSE row.pseudonym END AS value
MERGE (s:IP {id: value})
MERGE (c)-[u:USES]->(s)
SET u.first_seen = CASE WHEN u.first_seen IS NULL OR row.first_seen < u.first_seen
                        THEN coalesce(row.first_seen, u.first_seen) ELSE u.first_seen END,
    u.last_seen = CASE WHEN u.last_seen IS NULL OR row.last_seen > u.last_seen
                       THEN coalesce(row.last_seen, u.last_seen) ELSE u.last_seen END
RETURN toInteger(count(u)) AS n
