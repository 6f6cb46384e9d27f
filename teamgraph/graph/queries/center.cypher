// The distributor center's sign-in (docs/integration.md): a merchant's backend asks for a link,
// the distributor's phone opens it once. Only SHA-256 digests of the secrets are stored.

// name: center.link_create
// A single-use link for one member: a distributor, or a customer who may apply (C-4); refused
// (no row) when there is no such customer.
MATCH (c:Customer {id: $distributor_id})
CREATE (l:CenterLink {id: $id, distributor_id: c.id, created_at: $now, expires_at: $expires_at})
RETURN l.id AS id

// name: center.link_redeem
// The link's one use: under its lock (N-5) a link not used yet and not expired is marked used.
// A distributor's gives a distributor key that expires (the session cookie's secret); another
// customer's keeps the applicant's session on the link itself (C-4: it opens the application
// page and nothing else). No row back = refused; center.link_state then says why.
MATCH (l:CenterLink {id: $id})
FOREACH (locking IN [l] | SET locking._lock = true REMOVE locking._lock)
WITH l
WHERE l.used_at IS NULL AND l.expires_at > $now
SET l.used_at = $now
WITH l
OPTIONAL MATCH (d:Distributor {id: l.distributor_id})
FOREACH (x IN CASE WHEN d IS NULL THEN [] ELSE [1] END |
  CREATE (k:ApiKey {id: $key, role: 'distributor', distributor_id: l.distributor_id,
                    created_at: $now, expires_at: $key_expires_at, via: 'center'}))
FOREACH (x IN CASE WHEN d IS NULL THEN [l] ELSE [] END |
  SET x.session = $applicant, x.session_expires = $key_expires_at)
RETURN l.distributor_id AS distributor_id, d IS NOT NULL AS distributor

// name: center.applicant
// The customer an applicant's session (C-4) belongs to, while it lasts.
MATCH (l:CenterLink {session: $id})
WHERE l.session_expires > $now
RETURN l.distributor_id AS customer_id

// name: center.link_state
MATCH (l:CenterLink {id: $id})
RETURN l.used_at AS used_at, l.expires_at AS expires_at

// name: center.session_end
// Signing out: the session's key expires now.
MATCH (k:ApiKey {id: $id, via: 'center'})
SET k.expires_at = $now
RETURN k.id AS id

// name: center.poster_set
// The shop's own share-poster background (a JPEG, base64), or none ($image null). A settings
// change, audited (issue 16): before/after say `custom` or `none`, not the image.
MATCH (s:Shop {id: $id})
CREATE (:Change {id: $change_id, at: $now, action: 'settings.poster', actor: $actor,
                 actor_key: $actor_key, object: 'settings', object_id: s.id, reason: null,
                 before: CASE WHEN s.poster_background IS NULL THEN 'none' ELSE 'custom' END,
                 after: CASE WHEN $image IS NULL THEN 'none' ELSE 'custom' END})
SET s.poster_background = $image
RETURN s.id AS id

// name: center.poster_get
MATCH (s:Shop {id: $id})
RETURN s.poster_background AS image
