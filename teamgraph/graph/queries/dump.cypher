// The whole graph of one shop, every node and every edge with all its properties: what the
// tests compare when they hold two shops loaded different ways equal (E-11: the bulk path of a
// new shop against file-by-file loads). Unbounded results: never on a request path.

// name: dump.nodes
MATCH (n)
RETURN labels(n) AS labels, properties(n) AS props

// name: dump.edges
MATCH (a)-[r]->(b)
RETURN type(r) AS type, labels(a) AS from_labels, a.id AS from_id, labels(b) AS to_labels,
       b.id AS to_id, properties(r) AS props
