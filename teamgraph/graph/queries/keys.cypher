// API keys: only the SHA-256 of the secret is stored (docs/api.md "Conventions"). A key's public
// id (`key_` and the first 16 hex digits of that hash, teamgraph.shop.keys.key_ref) names it in
// lists, revocation and the audit log; the statements below find a key by it ($prefix: those 16
// digits). Each merchant decision writes its audit Change in the same statement.

// name: key.create
CREATE (k:ApiKey {id: $id, role: $role, distributor_id: $distributor_id, created_at: $now,
                  name: $name})
CREATE (:Change {id: $change_id, at: $now, action: 'key.create', actor: $actor,
                 actor_key: $actor_key, object: 'key', object_id: $ref, reason: null,
                 before: null, after: $after})
RETURN k.id AS id, k.role AS role, k.distributor_id AS distributor_id

// name: key.get
// A key with an end (a distributor center's session, a rotated key's overlap) stops at it; a
// revoked key at once.
MATCH (k:ApiKey {id: $id})
WHERE (k.expires_at IS NULL OR k.expires_at > $now) AND k.revoked_at IS NULL
RETURN k.role AS role, k.distributor_id AS distributor_id, k.name AS name,
       k.last_used_at AS last_used_at

// name: key.touch
// K-6: a key's last use, written at most once per $stale window (the caller passes now - 60 s).
MATCH (k:ApiKey {id: $id})
WHERE k.last_used_at IS NULL OR k.last_used_at <= $stale
SET k.last_used_at = $now
RETURN k.id AS id

// name: key.list
// The shop's keys, newest first; without $ended only those that work now. Paged by
// (created_at, public id) going down.
MATCH (k:ApiKey)
WHERE ($ended OR (k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $now)))
  AND ($after_at IS NULL OR k.created_at < $after_at
       OR (k.created_at = $after_at AND substring(k.id, 0, 16) < $after_prefix))
RETURN k.id AS digest, k.name AS name, k.role AS role, k.distributor_id AS distributor_id,
       k.created_at AS created_at, k.last_used_at AS last_used_at, k.expires_at AS expires_at,
       k.revoked_at AS revoked_at, k.via AS via, k.rotated_to AS rotated_to,
       k.rotated_from AS rotated_from
ORDER BY created_at DESC, digest DESC
LIMIT $limit

// name: key.find
MATCH (k:ApiKey)
WHERE k.id STARTS WITH $prefix
RETURN k.id AS digest, k.name AS name, k.role AS role, k.distributor_id AS distributor_id,
       k.created_at AS created_at, k.last_used_at AS last_used_at, k.expires_at AS expires_at,
       k.revoked_at AS revoked_at, k.via AS via, k.rotated_to AS rotated_to,
       k.rotated_from AS rotated_from

// name: key.revoke
// Idempotent: a revoked key stays revoked, its first revocation is the one audited (checked
// under the key's lock, so two revocations racing write one Change).
MATCH (k:ApiKey)
WHERE k.id STARTS WITH $prefix
FOREACH (locking IN [k] | SET locking._lock = true REMOVE locking._lock)
WITH k
WHERE k.revoked_at IS NULL
SET k.revoked_at = $now
CREATE (:Change {id: $change_id, at: $now, action: 'key.revoke', actor: $actor,
                 actor_key: $actor_key, object: 'key', object_id: $ref, reason: $reason,
                 before: $before, after: null})
RETURN k.id AS id

// name: key.rotate
// A new secret for the same name, role and distributor; the old one works until $old_until
// (the overlap window) and is marked rotated, so it is rotated once. Checked under the old
// key's lock: of two rotations racing one makes a new key, the other gets no row.
MATCH (k:ApiKey)
WHERE k.id STARTS WITH $prefix
FOREACH (locking IN [k] | SET locking._lock = true REMOVE locking._lock)
WITH k
WHERE k.revoked_at IS NULL AND k.rotated_to IS NULL AND k.via IS NULL
  AND (k.expires_at IS NULL OR k.expires_at > $now)
SET k.expires_at = $old_until, k.rotated_to = $new_ref
CREATE (n:ApiKey {id: $id, role: k.role, distributor_id: k.distributor_id, name: k.name,
                  created_at: $now, rotated_from: $ref})
CREATE (:Change {id: $change_id, at: $now, action: 'key.rotate', actor: $actor,
                 actor_key: $actor_key, object: 'key', object_id: $ref, reason: $reason,
                 before: $before, after: $after})
RETURN n.id AS id
