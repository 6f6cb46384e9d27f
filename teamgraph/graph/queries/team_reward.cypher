// The monthly team reward (teamgraph/rules/team_reward.py TR-1, TR-2; shop.team_reward). The
// month's settled sales per distributor come from ladder.month_sales (orders.cypher); the team
// is summed in Python over the invitation forest read here.

// name: team_reward.forest
// Every distributor with its inviter (R-2.2), by id.
MATCH (d:Distributor)
OPTIONAL MATCH (d)-[:INVITED_BY]->(i:Distributor)
RETURN d.id AS distributor_id, i.id AS inviter_id
ORDER BY distributor_id

// name: team_reward.paid
// The team rewards already written for $month (ids `team:<month>:<distributor>`).
MATCH (e:Entry {kind: 'bonus'})
WHERE e.month = $month AND e.id STARTS WITH 'team:'
RETURN e.distributor_id AS distributor_id, e.amount AS amount, e.unit AS unit

// name: team_reward.award_batch
// Once per distributor per month: the entry's id names both, so two runs racing MERGE one entry
// (its unique constraint) and its TO is MERGEd under the entry's lock (as ladder.award_batch).
UNWIND $rows AS row
MATCH (d:Distributor {id: row.distributor_id})
MERGE (e:Entry {id: row.id})
  ON CREATE SET e.kind = 'bonus', e.program = 'team', e.distributor_id = row.distributor_id,
                e.amount = row.amount, e.unit = row.unit, e.status = 'settled', e.at = $now,
                e.month = $month, e.team_sales_fen = row.sales
FOREACH (locking IN [e] | SET locking._lock = true REMOVE locking._lock)
WITH e, d
MERGE (e)-[:TO]->(d)
RETURN toInteger(count(e)) AS n
