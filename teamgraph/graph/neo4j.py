"""Neo4j 5 engine through the official driver: one driver per process, reads routed as reads.

Where a shop lives (docs/neo4j.md):

- **One database, several shops** — the default, and the only way on Community, AuraDB Free and
  Professional, which have one user database. The shops share the database ``NEO4J_DATABASE``
  (default ``neo4j``); every node carries its shop in a ``shop`` property and every statement
  is run in its scoped form (:mod:`teamgraph.graph.scope`), so no statement can read or write
  another shop's nodes. Uniqueness is per shop: ``(shop, id)`` constraints.
- **A database per shop** (``NEO4J_DATABASE_PER_SHOP=true``, Enterprise only): shop ``x`` is the
  database ``tg-x``, created on ``setup_schema``; the statements are scoped the same way, so both
  modes run the same text.

The edition and version are read once at connect (``dbms.components()``) and reported by
:meth:`Neo4jEngine.describe` (``GET /v1/health``).

Errors: an unreachable server or a lost connection is ``graph.unavailable`` (503), refused
credentials ``graph.auth_failed`` (503), a write still failing on a transient error (a deadlock)
after the driver's retries ``graph.busy`` (503; nothing of it is stored: one statement is one
transaction), a uniqueness violation ``graph.duplicate`` (409). A shop whose database does not
exist reads as empty, as an unknown FalkorDB graph does, so an unknown shop is the same 401/404
on both engines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from functools import cache
from typing import Any, NoReturn, TypeVar

from neo4j import Driver, GraphDatabase, ManagedTransaction, Query, Record, RoutingControl
from neo4j import exceptions as neo4j_errors

from teamgraph.errors import Conflict, EngineError, TeamgraphError
from teamgraph.graph import queries
from teamgraph.graph.group import Groups
from teamgraph.graph.scope import SHOP_PARAM, scoped, unscoped_paths
from teamgraph.graph.store import Columns, Row, check_keys, check_shop_id, dedupe
from teamgraph.phones import PhoneKey

DB_PREFIX = "tg-"
DATABASE_NOT_FOUND = "Neo.ClientError.Database.DatabaseNotFound"
# The driver retries a transaction on transient errors (deadlocks, leader switches) and lost
# connections with exponential backoff for this long before giving up.
RETRY_SECONDS = 15.0

T = TypeVar("T")


@cache
def statement(name: str) -> str:
    """The shop-scoped text of a named statement, checked once per process."""
    text = scoped(queries.get(name))
    left = unscoped_paths(text)
    if left:
        raise TeamgraphError("graph.unscoped", f"{name}: paths not scoped to a shop: {left}")
    return text


def _unavailable(where: str, exc: BaseException) -> EngineError:
    return EngineError("graph.unavailable", f"Neo4j at {where} does not answer: {exc}")


def translate(exc: Exception, name: str, where: str) -> NoReturn:
    """The one mapping from driver errors to teamgraph's errors."""
    if isinstance(exc, neo4j_errors.AuthError):
        raise EngineError(
            "graph.auth_failed", f"Neo4j at {where} refused the credentials: {exc.message}"
        ) from None
    if isinstance(exc, neo4j_errors.ConstraintError):
        raise Conflict("graph.duplicate", f"{name}: {exc.message}") from None
    if isinstance(exc, neo4j_errors.TransientError):
        raise EngineError(
            "graph.busy",
            f"{name}: still failing after {RETRY_SECONDS:.0f} s of retries ({exc.message}); "
            "nothing of it was stored, send it again",
        ) from None
    if isinstance(exc, (neo4j_errors.DriverError, OSError)):
        raise _unavailable(where, exc) from None
    if isinstance(exc, neo4j_errors.Neo4jError):
        raise TeamgraphError("graph.query_failed", f"{name}: {exc.message}") from None
    raise exc


class Neo4jStore:
    engine = "neo4j"

    def __init__(self, owner: Neo4jEngine, shop: str) -> None:
        self.shop = check_shop_id(shop)
        self._owner = owner
        self.database = owner.database_of(self.shop)
        self.memo = owner.memos[self.shop]
        self.phones = owner.phones

    def _run(self, name: str, params: Mapping[str, Any], routing: RoutingControl) -> list[Row]:
        records, _ = self._execute(name, params, routing)
        return [r.data() for r in records]

    def _execute(
        self, name: str, params: Mapping[str, Any], routing: RoutingControl
    ) -> tuple[list[Record], list[str]]:
        """The records and column names of one statement, run as ``routing``."""
        if SHOP_PARAM in params:
            raise ValueError(f"{name}: the parameter ${SHOP_PARAM} is reserved for the shop")
        check_keys(params, writing=routing is RoutingControl.WRITE)
        text = statement(name)
        try:
            records, _, keys = self._owner.driver.execute_query(
                Query(text),
                parameters_={**params, SHOP_PARAM: self.shop},
                database_=self.database,
                routing_=routing,
            )
        except neo4j_errors.ClientError as exc:
            if exc.code == DATABASE_NOT_FOUND and routing is RoutingControl.READ:
                return [], []  # a shop that does not exist reads as empty, as on FalkorDB
            translate(exc, name, self._owner.uri)
        except Exception as exc:
            translate(exc, name, self._owner.uri)
        return records, list(keys)

    def read(self, name: str, /, **params: Any) -> list[Row]:
        return self._run(name, params, RoutingControl.READ)

    def read_columns(self, name: str, /, **params: Any) -> Columns:
        records, keys = self._execute(name, params, RoutingControl.READ)
        if not records:
            return {k: [] for k in keys}
        return dict(zip(keys, map(list, zip(*records, strict=True)), strict=True))

    def write(self, name: str, /, **params: Any) -> list[Row]:
        if not queries.keeps_memo(name):
            self.memo.clear()
        return self._run(name, params, RoutingControl.WRITE)

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

    def write_together(
        self, name: str, row: Mapping[str, Any], keys: Sequence[Hashable] = ()
    ) -> list[Row]:
        check_keys(row)  # here too: a bad row must fail alone, not its group
        group = self._owner.groups.of(self.shop, lambda n, rows: self.write(n, rows=rows))
        return group.write(name, row, keys)

    def setup_schema(self, timeout: float = 120.0) -> None:
        self._owner.setup_database(self.database, timeout)
        register = queries.admin("neo4j")["neo4j.register_shop"]
        self._owner.call(
            lambda driver: driver.execute_query(
                register, {SHOP_PARAM: self.shop}, database_=self.database
            )
        )

    def explain(self, text: str) -> str:
        """Neo4j's plan for the statement as this store would run it (scoped)."""

        def run(tx: ManagedTransaction) -> str:
            return str(tx.run("EXPLAIN " + scoped(text)).consume().plan)

        try:
            with self._owner.driver.session(database=self.database) as session:
                return session.execute_read(run)
        except neo4j_errors.Neo4jError as exc:
            raise TeamgraphError("graph.explain_failed", str(exc.message)) from None

    def drop(self) -> None:
        """Delete every node of the shop (in batches of their own transactions), or its
        database where a shop has one."""
        self.memo.clear()
        admin = queries.admin("neo4j")
        if self._owner.database_per_shop:
            self._owner.system(admin["neo4j.drop_database"], database=self.database)
            self._owner.forget_schema(self.database)
            return

        def run(driver: Driver) -> None:
            with driver.session(database=self.database) as session:  # an implicit transaction
                session.run(admin["neo4j.drop_shop"], {SHOP_PARAM: self.shop}).consume()

        self._owner.call(run)


class Neo4jEngine:
    kind = "neo4j"

    def __init__(
        self,
        uri: str,
        user: str,
        password: str,
        *,
        database: str = "neo4j",
        database_per_shop: bool = False,
        phones: PhoneKey | None = None,
    ) -> None:
        self.uri = uri
        self.phones = phones
        self.groups = Groups()
        self.memos: defaultdict[str, dict[str, Any]] = defaultdict(dict)
        """Per shop: :attr:`Neo4jStore.memo`."""
        """Group commit of concurrent writes, per shop (:mod:`teamgraph.graph.group`)."""
        # No notifications: the statements use portable forms Neo4j 5 calls deprecated
        # (CALL { WITH x ... }) and read properties a shop may not have written yet; a warning
        # per call in the log would say nothing.
        self.driver: Driver = GraphDatabase.driver(
            uri,
            auth=(user, password),
            max_transaction_retry_time=RETRY_SECONDS,
            notifications_min_severity="OFF",
        )
        try:
            self.driver.verify_connectivity()
            records, _, _ = self.driver.execute_query(
                queries.admin("neo4j")["neo4j.components"], database_="system"
            )
        except Exception as exc:
            self.driver.close()
            translate(exc, "connect", uri)
        component = next((r for r in records if r["name"] == "Neo4j Kernel"), records[0])
        self.version = str(component["versions"][0])
        self.edition = str(component["edition"])
        if database_per_shop and self.edition == "community":
            self.driver.close()
            raise EngineError(
                "graph.database_per_shop_unsupported",
                f"Neo4j at {uri} is Community edition, which has one user database: unset "
                "NEO4J_DATABASE_PER_SHOP to keep the shops side by side in one database",
            )
        self.database = database
        self.database_per_shop = database_per_shop
        self._schema_done: set[str] = set()

    def database_of(self, shop: str) -> str:
        return DB_PREFIX + shop if self.database_per_shop else self.database

    def call(self, work: Callable[[Driver], T]) -> T:
        """Run ``work`` on the driver, its errors translated."""
        try:
            return work(self.driver)
        except Exception as exc:
            translate(exc, "admin", self.uri)

    def system(self, text: str, **params: Any) -> list[Row]:
        """An administration statement on the system database."""

        def run(driver: Driver) -> list[Row]:
            records, _, _ = driver.execute_query(text, params, database_="system")
            return [r.data() for r in records]

        return self.call(run)

    def setup_database(self, database: str, timeout: float) -> None:
        """Create the database where a shop has its own, then the schema (``IF NOT EXISTS``:
        idempotent, and several processes may race), once per process and database."""
        if database in self._schema_done:
            return
        admin = queries.admin("neo4j")
        if self.database_per_shop:
            self.system(admin["neo4j.create_database"], database=database)

        def run(driver: Driver) -> None:
            with driver.session(database=database) as session:
                for text in queries.schema("neo4j"):
                    session.run(text).consume()
                session.run(admin["neo4j.await_indexes"], seconds=int(timeout)).consume()

        self.call(run)
        self._schema_done.add(database)

    def forget_schema(self, database: str) -> None:
        self._schema_done.discard(database)

    def open(self, shop: str) -> Neo4jStore:
        return Neo4jStore(self, shop)

    def can_bulk_create(self, shop: str) -> bool:
        """Never: a new shop on Neo4j is written by the batched statements (for a very large
        first load, ``neo4j-admin database import``: docs/neo4j.md)."""
        return False

    def bulk_create(self, shop: str, nodes: Sequence[Any], edges: Sequence[Any]) -> tuple[int, int]:
        raise EngineError("graph.no_bulk", "Neo4j has no bulk path here: use the batched loads")

    def shops(self) -> list[str]:
        admin = queries.admin("neo4j")
        if self.database_per_shop:
            names = [r["name"] for r in self.system(admin["neo4j.databases"])]
            return sorted(n[len(DB_PREFIX) :] for n in names if n.startswith(DB_PREFIX))

        def run(driver: Driver) -> list[str]:
            records, _, _ = driver.execute_query(
                admin["neo4j.shops"], database_=self.database, routing_=RoutingControl.READ
            )
            return [str(r["shop"]) for r in records]

        return self.call(run)

    def describe(self) -> dict[str, Any]:
        return {
            "engine": self.kind,
            "version": self.version,
            "edition": self.edition,
            "database": f"{DB_PREFIX}<shop>" if self.database_per_shop else self.database,
            "shops": "database per shop" if self.database_per_shop else "shared database",
        }

    def ping(self) -> bool:
        try:
            self.driver.verify_connectivity()
            return True
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError):
            return False

    def close(self) -> None:
        self.driver.close()
