// Re-keying phones (docs/choices.md P-4, `teamgraph shop rekey-phones`). Old digests are the
// unkeyed SHA-256 hex of a phone (64 characters) or one sealed since ($sealed and a keyed
// digest); keyed digests are 43 characters. The reads find the old ones; the moved phone
// signals are written by etl.signals_phone, as an import writes them.

// name: phone.legacy_customers
MATCH (c:Customer)
WHERE size(c.phone_hash) = 64 OR c.phone_hash STARTS WITH $sealed
RETURN c.id AS id, c.phone_hash AS digest

// name: phone.legacy_nodes
MATCH (p:Phone)
WHERE size(p.id) = 64 OR p.id STARTS WITH $sealed
RETURN p.id AS digest

// name: phone.legacy_signals
MATCH (c:Customer)-[u:USES]->(p:Phone)
WHERE size(p.id) = 64 OR p.id STARTS WITH $sealed
RETURN c.id AS customer_id, p.id AS digest, u.first_seen AS first_seen, u.last_seen AS last_seen

// A customer's digest is replaced only while it is still the old one: the check runs under the
// customer's lock (N-5).
// name: phone.rekey_customers
UNWIND $rows AS row
MATCH (c:Customer {id: row.id})
FOREACH (locking IN [c] | SET locking._lock = true REMOVE locking._lock)
WITH c, row
WHERE c.phone_hash = row.old
SET c.phone_hash = row.new
RETURN toInteger(count(c)) AS n

// name: phone.drop_nodes
UNWIND $digests AS old
MATCH (p:Phone {id: old})
DETACH DELETE p
RETURN toInteger(count(old)) AS n
