// The distributor center's sign-in (docs/integration.md): a merchant's backend asks for a link,
// the distributor's phone opens it once. Only SHA-256 digests of the secrets are stored.

// name: center.link_create
// A single-use link for one distributor; refused (no row) when it is not a distributor.
MATCH (d:Distributor {id: $distributor_id})
CREATE (l:CenterLink {id: $id, distributor_id: d.id, created_at: $now, expires_at: $expires_at})
RETURN l.id AS id

// name: center.link_redeem
// The link's one use: under its lock (N-5) a link not used yet and not expired is marked used
// and gives a distributor key that expires (the session cookie's secret); no row back = refused.
// The state the link is in comes back from center.link_state for the refusal page.
MATCH (l:CenterLink {id: $id})
FOREACH (locking IN [l] | SET locking._lock = true REMOVE locking._lock)
WITH l
WHERE l.used_at IS NULL AND l.expires_at > $now
SET l.used_at = $now
CREATE (k:ApiKey {id: $key, role: 'distributor', distributor_id: l.distributor_id,
                  created_at: $now, expires_at: $key_expires_at, via: 'center'})
RETURN l.distributor_id AS distributor_id

// name: center.link_state
MATCH (l:CenterLink {id: $id})
RETURN l.used_at AS used_at, l.expires_at AS expires_at

// name: center.session_end
// Signing out: the session's key expires now.
MATCH (k:ApiKey {id: $id, via: 'center'})
SET k.expires_at = $now
RETURN k.id AS id
