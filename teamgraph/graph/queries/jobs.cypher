// Scheduled jobs' runs (issue 17 "Jobs that run by themselves"; teamgraph/shop/scheduler.py,
// docs/operations.md "Scheduled jobs").
//
// (:JobRun {id: job + ':' + period, job, period, status, attempts, lease, lease_until, next_at,
//           runner, created_at, started_at, finished_at, ms, summary, error}) — the one run of
// a job for one period (a month of the ladder bonus, a night of the fraud scan): new ->
// running -> ok | failed (tried again from next_at). Its id is the job and the period, so a
// period has one node whichever process gets there first, and the lease on it (a
// compare-and-set under the shop node's lock) lets one runner at a time work on it.
// As in webhooks.cypher, "none" is stored as 0 or '' (never null: FalkorDB 4.16 removes the
// wrong property when one SET removes two).

// name: job.claim
// Take the lease of a period's run, made on first sight. Under the shop node's lock (taken
// before the MERGE, so two runners cannot both create it on Neo4j's read committed): the run
// is free when it did not finish ok ($again: even then, an operator's re-run), no lease is
// running ($now past lease_until: a runner that died mid-run loses it), and a failed try's
// pause is over. No row back = another runner has it, or it is done.
MATCH (found:Shop {id: $shop_id})
FOREACH (locking IN [found] | SET locking._lock = true REMOVE locking._lock)
WITH found
MERGE (r:JobRun {id: $id})
  ON CREATE SET r.job = $job, r.period = $period, r.status = 'new', r.attempts = 0,
                r.lease = '', r.lease_until = 0, r.next_at = 0, r.runner = '',
                r.created_at = $now, r.started_at = 0, r.finished_at = 0, r.ms = 0,
                r.summary = '', r.error = ''
WITH r
WHERE (r.status <> 'ok' OR $again) AND r.lease_until <= $now AND (r.next_at <= $now OR $again)
SET r.status = 'running', r.lease = $lease, r.lease_until = $lease_until,
    r.attempts = r.attempts + 1, r.started_at = $now, r.finished_at = 0, r.ms = 0,
    r.runner = $runner, r.error = ''
RETURN r.id AS id, r.attempts AS attempts

// name: job.renew
// A long run keeps its lease (only while it still holds it).
MATCH (found:JobRun {id: $id})
FOREACH (locking IN [found] | SET locking._lock = true REMOVE locking._lock)
WITH found.id AS rid
MATCH (r:JobRun {id: rid})
WHERE r.lease = $lease AND r.status = 'running'
SET r.lease_until = $lease_until
RETURN r.id AS id

// name: job.finish
// A try's outcome ($status ok | failed; $next_at: when a failed run may be tried again),
// recorded only by the holder of the lease: a runner whose lease ran out and was taken over
// records nothing (the run it did is the taker's to record; the jobs are idempotent).
MATCH (found:JobRun {id: $id})
FOREACH (locking IN [found] | SET locking._lock = true REMOVE locking._lock)
WITH found.id AS rid
MATCH (r:JobRun {id: rid})
WHERE r.lease = $lease
SET r.status = $status, r.finished_at = $finished_at, r.ms = $ms, r.summary = $summary,
    r.error = $error, r.next_at = $next_at, r.lease = '', r.lease_until = 0
RETURN r.id AS id, r.status AS status

// name: job.runs
// The newest runs first ($job '' = every job).
MATCH (r:JobRun)
WHERE $job = '' OR r.job = $job
RETURN r.id AS id, r.job AS job, r.period AS period, r.status AS status,
       r.attempts AS attempts, r.runner AS runner, r.created_at AS created_at,
       r.started_at AS started_at, r.finished_at AS finished_at, r.ms AS ms,
       r.summary AS summary, r.error AS error, r.next_at AS next_at,
       r.lease_until AS lease_until
ORDER BY started_at DESC, id DESC
LIMIT $limit

// name: job.get
MATCH (r:JobRun {id: $id})
RETURN r.id AS id, r.job AS job, r.period AS period, r.status AS status,
       r.attempts AS attempts, r.runner AS runner, r.created_at AS created_at,
       r.started_at AS started_at, r.finished_at AS finished_at, r.ms AS ms,
       r.summary AS summary, r.error AS error, r.next_at AS next_at,
       r.lease_until AS lease_until

// name: job.last_done
// The latest period a job finished ok (periods of one job sort as text: 2026-11 < 2026-12).
MATCH (r:JobRun {job: $job})
WHERE r.status = 'ok'
RETURN max(r.period) AS period
