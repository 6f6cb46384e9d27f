// The audit log (issue 16): every decision by a person, a key or the program is one Change,
// written by the statement that made it (docs/integration.md "The audit log"). The reader is
// generic: whatever writes a Change (settings, distributors, bindings, withdrawals, rings, keys,
// webhooks, personal data) shows here. A Change written before issue 16 has no object/object_id:
// they are derived from its action and its customer_id / ring_id.

// name: audit.list
// Newest first, paged by (at, id) going down; each filter is optional ($kind is an action such
// as `key.revoke` or an object kind such as `withdrawal`).
MATCH (c:Change)
WHERE ($from IS NULL OR c.at >= $from) AND ($to IS NULL OR c.at < $to)
  AND ($actor IS NULL OR c.actor_key = $actor)
  AND ($kind IS NULL OR c.action = $kind OR c.object = $kind
       OR (c.object IS NULL AND split(c.action, '.')[0] = $kind)
       OR (c.object IS NULL AND c.action STARTS WITH 'binding.' AND $kind = 'customer'))
  AND ($object IS NULL OR c.object_id = $object
       OR (c.object_id IS NULL AND coalesce(c.customer_id, c.ring_id) = $object))
  AND ($after_at IS NULL OR c.at < $after_at OR (c.at = $after_at AND c.id < $after_id))
RETURN c.id AS id, c.at AS at, c.action AS action,
       coalesce(c.object, CASE WHEN c.action STARTS WITH 'binding.' THEN 'customer'
                               ELSE split(c.action, '.')[0] END) AS object,
       coalesce(c.object_id, c.customer_id, c.ring_id) AS object_id,
       c.actor AS actor, c.actor_key AS actor_key, c.reason AS reason,
       c.before AS before, c.after AS after
ORDER BY at DESC, id DESC
LIMIT $limit
