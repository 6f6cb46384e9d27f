// API keys: only the SHA-256 of the secret is stored (docs/api.md "Conventions").

// name: key.create
CREATE (k:ApiKey {id: $id, role: $role, distributor_id: $distributor_id, created_at: $now})
RETURN k.id AS id, k.role AS role, k.distributor_id AS distributor_id

// name: key.get
// A key with an end (a distributor center's session) stops at it.
MATCH (k:ApiKey {id: $id})
WHERE k.expires_at IS NULL OR k.expires_at > $now
RETURN k.role AS role, k.distributor_id AS distributor_id, k.name AS name
