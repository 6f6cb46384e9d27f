"""Neo4j 5 engine through the official driver: one driver per process, reads routed as reads.

One shop is one database ``tg-<shop>`` (multiple databases need Neo4j Enterprise or Aura;
``docker-compose.yml`` runs the Enterprise image under its evaluation licence). Schema: the
statements of ``queries/schema_neo4j.cypher`` (``IF NOT EXISTS`` makes them idempotent),
then ``db.awaitIndexes``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from neo4j import GraphDatabase, ManagedTransaction, Query, RoutingControl
from neo4j import exceptions as neo4j_errors

from teamgraph.errors import Conflict, EngineError, TeamgraphError
from teamgraph.graph import queries
from teamgraph.graph.store import Row, check_shop_id, dedupe

DB_PREFIX = "tg-"


def _raise(exc: neo4j_errors.Neo4jError, name: str) -> None:
    if isinstance(exc, neo4j_errors.ConstraintError):
        raise Conflict("graph.duplicate", f"{name}: {exc.message}") from None
    raise TeamgraphError("graph.query_failed", f"{name}: {exc.message}") from None


class Neo4jStore:
    engine = "neo4j"

    def __init__(self, driver: Any, shop: str) -> None:
        self.shop = check_shop_id(shop)
        self.database = DB_PREFIX + shop
        self._driver = driver

    def _run(self, name: str, text: str, params: Mapping[str, Any], routing: Any) -> list[Row]:
        try:
            records, _, _ = self._driver.execute_query(
                Query(text),
                parameters_=dict(params),
                database_=self.database,
                routing_=routing,
            )
        except neo4j_errors.Neo4jError as exc:
            _raise(exc, name)
        return [r.data() for r in records]

    def read(self, name: str, /, **params: Any) -> list[Row]:
        return self._run(name, queries.get(name), params, RoutingControl.READ)

    def write(self, name: str, /, **params: Any) -> list[Row]:
        return self._run(name, queries.get(name), params, RoutingControl.WRITE)

    def write_batch(
        self,
        name: str,
        rows: Iterable[Mapping[str, Any]],
        key: Sequence[str] = ("id",),
        **params: Any,
    ) -> list[Row]:
        batch = dedupe(rows, key)
        if not batch:
            return []
        return self.write(name, rows=batch, **params)

    def setup_schema(self, timeout: float = 120.0) -> None:
        with self._driver.session(database="system") as system:
            system.run(
                queries.admin("neo4j")["neo4j.create_database"], database=self.database
            ).consume()
        with self._driver.session(database=self.database) as session:
            for statement in queries.schema("neo4j"):
                session.run(statement).consume()
            session.run(
                queries.admin("neo4j")["neo4j.await_indexes"], seconds=int(timeout)
            ).consume()

    def explain(self, text: str) -> str:
        def run(tx: ManagedTransaction) -> str:
            return str(tx.run("EXPLAIN " + text).consume().plan)

        try:
            with self._driver.session(database=self.database) as session:
                return session.execute_read(run)
        except neo4j_errors.Neo4jError as exc:
            raise TeamgraphError("graph.explain_failed", str(exc.message)) from None

    def drop(self) -> None:
        with self._driver.session(database="system") as system:
            system.run(
                queries.admin("neo4j")["neo4j.drop_database"], database=self.database
            ).consume()


class Neo4jEngine:
    kind = "neo4j"

    def __init__(self, uri: str, user: str, password: str) -> None:
        self._driver = GraphDatabase.driver(uri, auth=(user, password))
        try:
            self._driver.verify_connectivity()
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError) as exc:
            self._driver.close()
            raise EngineError("engine.unreachable", f"Neo4j at {uri}: {exc}") from None

    def open(self, shop: str) -> Neo4jStore:
        return Neo4jStore(self._driver, shop)

    def shops(self) -> list[str]:
        records, _, _ = self._driver.execute_query(
            queries.admin("neo4j")["neo4j.databases"], database_="system"
        )
        names = {r["name"] for r in records}
        return sorted(n[len(DB_PREFIX) :] for n in names if n.startswith(DB_PREFIX))

    def ping(self) -> bool:
        try:
            self._driver.verify_connectivity()
            return True
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError):
            return False

    def close(self) -> None:
        self._driver.close()
