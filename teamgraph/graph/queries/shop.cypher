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
MATCH (s:Shop {id: $id})
WHERE s.settings_version = $version
SET s.settings = $settings, s.settings_version = $version + 1
RETURN s.settings_version AS settings_version

// name: shop.counts
MATCH (c:Customer)
WITH toInteger(count(c)) AS customers
OPTIONAL MATCH (d:Distributor)
WITH customers, toInteger(count(d)) AS distributors
OPTIONAL MATCH (o:Order)
RETURN customers, distributors, toInteger(count(o)) AS orders
