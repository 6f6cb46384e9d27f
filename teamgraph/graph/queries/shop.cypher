// The shop's own node: its settings (a JSON document validated by teamgraph.rules.settings)
// and a version for optimistic concurrency, so a settings change is one atomic statement.

// name: shop.ensure
MERGE (s:Shop {id: $id})
  ON CREATE SET s.created_at = $now, s.settings = $settings, s.settings_version = 1
RETURN s.id AS id, s.created_at AS created_at, s.settings AS settings,
       s.settings_version AS settings_version

// name: shop.get
MATCH (s:Shop {id: $id})
RETURN s.id AS id, s.created_at AS created_at, s.settings AS settings,
       s.settings_version AS settings_version

// name: shop.put_settings
// Compare-and-set on the version and the settings text the writer read ($seen), both read under
// the shop node's lock: of several writers that read the same version exactly one wins; the
// others get no row (409 settings.concurrent). The text too: on Neo4j a read without the lock
// can see part of another commit (the new version beside the old text), and a write on the
// version alone then put back the old text with one change of its own, losing the other's.
MATCH (s:Shop {id: $id})
FOREACH (locking IN [s] | SET locking._lock = true REMOVE locking._lock)
WITH s
WHERE s.settings_version = $version AND s.settings = $seen
SET s.settings = $settings, s.settings_version = $version + 1
CREATE (:Change {id: $change_id, at: $now, action: $action, actor: $actor,
                 actor_key: $actor_key, object: 'settings', object_id: s.id, reason: null,
                 before: $before, after: $settings})
// R-3.1: a switch of the reward kind ($reset_products) sets every product's own reward back to
// 0 in the new basis ($product_bp / $product_fen), in this same statement.
WITH s
OPTIONAL MATCH (p:Product)
WHERE $reset_products AND (p.reward_bp IS NOT NULL OR p.reward_fen IS NOT NULL)
FOREACH (x IN CASE WHEN p IS NULL THEN [] ELSE [p] END |
  SET x.reward_bp = $product_bp, x.reward_fen = $product_fen, x.updated_at = $now)
RETURN s.settings_version AS settings_version, toInteger(count(p)) AS products_reset

// name: shop.counts
MATCH (c:Customer)
WITH toInteger(count(c)) AS customers
OPTIONAL MATCH (d:Distributor)
WITH customers, toInteger(count(d)) AS distributors
OPTIONAL MATCH (o:Order)
RETURN customers, distributors, toInteger(count(o)) AS orders

// name: shop.due
// What catch_up has to do: the shop's settings, and how many bindings and ledger entries are
// due by $now (to act on) and by $until (none: nothing falls due before then, K-4). Both scans
// are on indexed `due` properties that only unfinished items carry. `signals_pruned_at`: when
// the signal retention pass last ran (docs/choices.md PD-4).
MATCH (s:Shop {id: $id})
OPTIONAL MATCH ()-[b:BOUND_TO]->()
WHERE b.due <= $until
WITH s, toInteger(count(b)) AS bindings_soon,
     toInteger(sum(CASE WHEN b.due <= $now THEN 1 ELSE 0 END)) AS bindings
OPTIONAL MATCH (e:Entry)
WHERE e.due <= $until
WITH s, bindings, bindings_soon, toInteger(count(e)) AS entries_soon,
     toInteger(sum(CASE WHEN e.due <= $now THEN 1 ELSE 0 END)) AS entries
RETURN s.settings AS settings, s.settings_version AS settings_version, bindings, entries,
       bindings_soon + entries_soon AS soon, s.signals_pruned_at AS signals_pruned_at
