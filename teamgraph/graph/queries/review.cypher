// An analyst's verdict on a fraud ring (issue 18, F-20..F-23): `fraud` or `not_fraud`, on the
// (:Ring) as `verdict`, `verdict_at`, `verdict_by` (the actor), `verdict_key` (its key's public
// id) and `verdict_note`. Independent of the ring's status (open, frozen, released). A ring with
// a verdict is kept by later scans as a frozen or released one is (risk.write_rings,
// risk.drop_stale, risk.reviewed).

// name: risk.review
// Set the verdict, with its audit Change and its ring.reviewed event (events.cypher), in one
// statement. Idempotent: the same verdict again changes nothing (checked under the ring's
// lock, so two reviews racing with one verdict write one Change); another verdict replaces it,
// audited with the one it replaces as `before`.
MATCH (r:Ring {id: $id})
FOREACH (locking IN [r] | SET locking._lock = true REMOVE locking._lock)
WITH r, r.verdict AS was
WHERE was IS NULL OR was <> $verdict
SET r.verdict = $verdict, r.verdict_at = $now, r.verdict_by = $actor,
    r.verdict_key = $actor_key, r.verdict_note = $note
CREATE (:Change {id: $change_id, at: $now, actor: $actor, action: 'ring.review',
                 ring_id: r.id, reason: $note, before: was, after: $verdict,
                 actor_key: $actor_key, object: 'ring', object_id: r.id})
FOREACH (x IN [r] |
  CREATE (:Event {id: 'ring.reviewed:' + x.id + ':' + $change_id, type: 'ring.reviewed',
                  at: $now, key: x.id, object: 'ring', object_id: x.id, status: x.status,
                  verdict: $verdict, previous_verdict: was, note: $note, score: x.score,
                  kinds: x.kinds, members: x.members, distributors: x.distributors,
                  inside_fen: x.inside_fen, found_at: x.found_at, reviewed_at: $now}))
RETURN r.id AS id, was AS before

// name: risk.verdicts
// Every ring's score, kinds and verdict (none for a ring not reviewed): what the evaluation of
// the reviews counts (teamgraph.fraud.review); with the score the latest scan gave its group
// (`last_score`, none when that scan did not find it), for the evaluation by the latest scan.
MATCH (r:Ring)
RETURN r.id AS id, r.score AS score, r.kinds AS kinds, r.status AS status,
       r.verdict AS verdict, r.last_score AS last_score
ORDER BY id

// name: risk.unseen
// After a scan: a kept ring (frozen, released or with a verdict) the scan did not find again
// has no `last_score` (risk.write_rings sets it on the rings the scan found), so the evaluation
// by the latest scan counts it as not flagged (F-22).
MATCH (r:Ring)
WHERE r.scan_id <> $scan_id AND r.last_score IS NOT NULL
REMOVE r.last_score
RETURN toInteger(count(*)) AS n
