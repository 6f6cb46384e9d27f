// Neo4j-only administration (teamgraph.graph.neo4j): the server's edition, the shops of a
// shared database, and a database per shop where the server can create them (Enterprise).

// name: neo4j.components
CALL dbms.components() YIELD name, versions, edition
RETURN name, versions, edition

// name: neo4j.register_shop
// A shop's entry in the shared database, made by setup_schema (what a FalkorDB graph key is).
MERGE (:ShopGraph {shop: $shop})

// name: neo4j.shops
// The shops of a shared database: the one statement that reads across shops.
MATCH (g:ShopGraph)
RETURN g.shop AS shop
ORDER BY shop

// name: neo4j.drop_shop
// Every node of one shop, with its relationships, in transactions of 10,000 (a large shop does
// not need one transaction holding it all). Every label teamgraph writes is listed (a test
// checks the list against the statements).
CALL () {
  MATCH (n:Shop {shop: $shop}) RETURN n
  UNION
  MATCH (n:ApiKey {shop: $shop}) RETURN n
  UNION
  MATCH (n:CenterLink {shop: $shop}) RETURN n
  UNION
  MATCH (n:Customer {shop: $shop}) RETURN n
  UNION
  MATCH (n:Distributor {shop: $shop}) RETURN n
  UNION
  MATCH (n:Order {shop: $shop}) RETURN n
  UNION
  MATCH (n:Product {shop: $shop}) RETURN n
  UNION
  MATCH (n:Entry {shop: $shop}) RETURN n
  UNION
  MATCH (n:Change {shop: $shop}) RETURN n
  UNION
  MATCH (n:Event {shop: $shop}) RETURN n
  UNION
  MATCH (n:Refund {shop: $shop}) RETURN n
  UNION
  MATCH (n:Device {shop: $shop}) RETURN n
  UNION
  MATCH (n:Phone {shop: $shop}) RETURN n
  UNION
  MATCH (n:Address {shop: $shop}) RETURN n
  UNION
  MATCH (n:Account {shop: $shop}) RETURN n
  UNION
  MATCH (n:IP {shop: $shop}) RETURN n
  UNION
  MATCH (n:Ring {shop: $shop}) RETURN n
  UNION
  MATCH (n:Line {shop: $shop}) RETURN n
  UNION
  MATCH (n:Webhook {shop: $shop}) RETURN n
  UNION
  MATCH (n:Delivery {shop: $shop}) RETURN n
  UNION
  MATCH (n:Attempt {shop: $shop}) RETURN n
  UNION
  MATCH (n:Visit {shop: $shop}) RETURN n
  UNION
  MATCH (n:JobRun {shop: $shop}) RETURN n
  UNION
  MATCH (n:ShopGraph {shop: $shop}) RETURN n
}
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS

// name: neo4j.create_database
CREATE DATABASE $database IF NOT EXISTS WAIT

// name: neo4j.drop_database
DROP DATABASE $database IF EXISTS WAIT

// name: neo4j.databases
SHOW DATABASES YIELD name

// name: neo4j.await_indexes
CALL db.awaitIndexes($seconds)
