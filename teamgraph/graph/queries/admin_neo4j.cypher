// Neo4j-only administration: one database per shop (Enterprise / Aura).

// name: neo4j.create_database
CREATE DATABASE $database IF NOT EXISTS WAIT

// name: neo4j.drop_database
DROP DATABASE $database IF EXISTS WAIT

// name: neo4j.databases
SHOW DATABASES YIELD name

// name: neo4j.await_indexes
CALL db.awaitIndexes($seconds)
