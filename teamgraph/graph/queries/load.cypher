// Bulk writes: each is one UNWIND over a batch deduplicated in Python (GraphStore.write_batch).

// name: customer.upsert_batch
UNWIND $rows AS row
MERGE (c:Customer {id: row.id})
  ON CREATE SET c.name = row.name, c.joined_at = row.joined_at
  ON MATCH SET c.name = coalesce(row.name, c.name)
RETURN toInteger(count(c)) AS n

// name: distributor.upsert_batch
UNWIND $rows AS row
MATCH (c:Customer {id: row.id})
SET c:Distributor, c.level = row.level, c.status = row.status, c.became_at = row.became_at
RETURN toInteger(count(c)) AS n

// name: invitation.create_batch
UNWIND $rows AS row
MATCH (d:Distributor {id: row.id})
MATCH (i:Distributor {id: row.inviter_id})
MERGE (d)-[r:INVITED_BY]->(i)
  ON CREATE SET r.at = row.at
RETURN toInteger(count(r)) AS n

// name: binding.create_batch
UNWIND $rows AS row
MATCH (c:Customer {id: row.customer_id})
MATCH (d:Distributor {id: row.distributor_id})
MERGE (c)-[b:BOUND_TO {since: row.since}]->(d)
  ON CREATE SET b.source = row.source, b.expires_at = row.expires_at
RETURN toInteger(count(b)) AS n

// name: customer.get
MATCH (c:Customer {id: $id})
RETURN c.id AS id, c.name AS name, c.joined_at AS joined_at
