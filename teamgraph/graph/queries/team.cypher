// Team views (R-2.3). Counts come from the counters on the nodes; these statements list
// members, one page at a time (keyset pagination on id).

// name: team.direct_clients
MATCH (c:Customer)-[b:BOUND_TO {active: true}]->(d:Distributor {id: $id})
WHERE c.id > $after AND (b.expires_at IS NULL OR b.expires_at > $now)
RETURN c.id AS id, c.name AS name, b.since AS since, b.expires_at AS expires_at,
       d.id AS via
ORDER BY id
LIMIT $limit

// name: team.indirect_clients
MATCH (c:Customer)-[b:BOUND_TO {active: true}]->(m:Distributor)-[:INVITED_BY]->(d:Distributor {id: $id})
WHERE c.id > $after AND (b.expires_at IS NULL OR b.expires_at > $now)
RETURN c.id AS id, c.name AS name, b.since AS since, b.expires_at AS expires_at,
       m.id AS via
ORDER BY id
LIMIT $limit

// name: team.invitees
MATCH (m:Distributor)-[r:INVITED_BY]->(d:Distributor {id: $id})
WHERE m.id > $after
RETURN m.id AS id, m.name AS name, m.level AS level, m.status AS status, r.at AS invited_at,
       m.last_active_at AS last_active_at, m.direct_clients AS direct_clients,
       m.team_size AS team_size
ORDER BY id
LIMIT $limit

// name: team.tree
// The team below $id to depth $depth (at most 15), parent first.
MATCH p = (m:Distributor)-[:INVITED_BY*1..15]->(d:Distributor {id: $id})
WHERE length(p) <= $depth
WITH m, length(p) AS depth
MATCH (m)-[:INVITED_BY]->(parent:Distributor)
RETURN m.id AS id, parent.id AS parent_id, depth, m.name AS name, m.level AS level,
       m.status AS status, m.last_active_at AS last_active_at,
       m.direct_clients AS direct_clients, m.team_size AS team_size
ORDER BY depth, id
LIMIT $limit

// name: team.edges
// The invitation forest, for the recount (R-2.3).
MATCH (m:Distributor)-[:INVITED_BY]->(d:Distributor)
RETURN m.id AS id, d.id AS inviter_id

// name: team.active_bindings
// Active bindings per distributor, for the recount.
MATCH ()-[b:BOUND_TO]->(d)
WHERE b.active = true
RETURN d.id AS id, toInteger(count(b)) AS n

// name: team.counters
MATCH (d:Distributor)
RETURN d.id AS id, d.direct_clients AS direct_clients, d.indirect_clients AS indirect_clients,
       d.invitees AS invitees, d.team_size AS team_size, d.by_depth AS by_depth

// name: team.apply_counts
UNWIND $rows AS row
MATCH (d:Distributor {id: row.id})
SET d.direct_clients = row.direct_clients, d.indirect_clients = row.indirect_clients,
    d.invitees = row.invitees, d.team_size = row.team_size, d.by_depth = row.by_depth
RETURN toInteger(count(d)) AS n
