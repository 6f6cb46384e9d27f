// Team views (R-2.3).

// name: team.by_depth
MATCH p = (m:Distributor)-[:INVITED_BY*1..15]->(d:Distributor {id: $id})
RETURN length(p) AS depth, toInteger(count(DISTINCT m)) AS distributors
ORDER BY depth
