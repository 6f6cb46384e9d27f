// FalkorDB administration: registering the property names every statement uses, before any
// write needs them (FalkorStore.setup_schema; docs/architecture.md, "Property names first").
// FalkorDB 4.16 adds a name the first time a statement uses it and, when that statement then
// fails (a unique-id conflict), takes the name back, even from a concurrent statement that
// committed a value under it: of 16 identical withdrawal requests, the one that won lost its
// account, method and amounts. A name committed once, here, is never taken back.

// name: falkordb.property_keys
CALL db.propertyKeys() YIELD propertyKey
RETURN propertyKey AS key

// name: falkordb.register_keys
MERGE (k:PropertyKeys {id: 'keys'})
SET k += $keys

// name: falkordb.clear_keys
MATCH (k:PropertyKeys)
DELETE k
