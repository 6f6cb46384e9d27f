// The product catalogue as the API and the Products page read it (GET /v1/products); products
// are written by product.upsert (orders.cypher) and R-3.1's reset (shop.put_settings).

// name: product.list
// The shop's products by id, after $after (the previous page's last id; null: from the start).
MATCH (p:Product)
WHERE $after IS NULL OR p.id > $after
RETURN p.id AS id, p.name AS name, p.price_fen AS price_fen, p.cost_fen AS cost_fen,
       p.reward_bp AS reward_bp, p.reward_fen AS reward_fen, p.updated_at AS updated_at
ORDER BY id
LIMIT $limit
