"""FalkorDB engine over the Redis protocol (client: ``falkordb``).

One shop is one graph key ``tg:<shop>``. Schema: the ``CREATE INDEX`` statements of
``queries/schema_falkordb.cypher`` plus a unique constraint (``GRAPH.CONSTRAINT``, a Redis
command, not Cypher) on the id property of each label that has one; both are built
asynchronously by FalkorDB, so :meth:`FalkorStore.setup_schema` waits until they are
``OPERATIONAL``.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlparse

import redis
from falkordb import FalkorDB
from falkordb.helpers import stringify_param_value

from teamgraph.errors import Conflict, EngineError, TeamgraphError
from teamgraph.graph import bulk, queries
from teamgraph.graph.embedded import ServerHandle, Watchdog
from teamgraph.graph.group import Groups
from teamgraph.graph.store import Columns, Row, check_keys, check_shop_id, dedupe
from teamgraph.phones import PhoneKey

KEY_PREFIX = "tg:"
AOF_REWRITE = "auto-aof-rewrite-percentage"
_INDEX = re.compile(
    r"FOR\s*(?:\(\w+:(\w+)\)|\(\)-\[\w+:(\w+)\]-\(\))\s*ON\s*\(\w+\.(\w+)\)", re.IGNORECASE
)


def _plain(value: Any) -> Any:
    """Engine values to plain Python (OrderedDict -> dict, recursively)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _header(params: Mapping[str, Any]) -> str:
    """The ``CYPHER name=value ...`` prefix that carries a statement's parameters. The falkordb
    client writes it in Python, value by value (``stringify_param_value``): a third to a half
    of a batch write's time. A list is written by ``json.dumps`` (in C) instead when the engine
    reads that text as the same value: when it holds no map (JSON quotes map keys, Cypher does
    not) and no string that JSON escapes (no backslash in the text: the engine reads
    ``\\u0001`` literally). Anything else goes the client's way."""
    parts = ["CYPHER"]
    for name, value in params.items():
        text = _json_list(value) if isinstance(value, list | tuple) else None
        parts.append(f"`{name}`={stringify_param_value(value) if text is None else text}")
    return " ".join(parts) + " "


def _json_list(value: list[Any] | tuple[Any, ...]) -> str | None:
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError):  # not JSON (a set, bytes, NaN): the client's way
        return None
    return None if "{" in text or "\\" in text else text


def _rows(result: Any) -> list[Row]:
    names = [h[1] for h in result.header]
    return [{n: _plain(v) for n, v in zip(names, row, strict=True)} for row in result.result_set]


def _columns(result: Any) -> Columns:
    names = [h[1] for h in result.header]
    if not result.result_set:
        return {n: [] for n in names}
    return {
        n: _plain_column(col)
        for n, col in zip(names, zip(*result.result_set, strict=True), strict=True)
    }


def _plain_column(col: Sequence[Any]) -> list[Any]:
    """A column's values as :func:`_plain` makes them; a column of scalars as it is."""
    if any(issubclass(t, (dict, list)) for t in set(map(type, col))):
        return [_plain(v) for v in col]
    return list(col)


def _unavailable(exc: redis.exceptions.RedisError, name: str) -> EngineError:
    """A lost or refused connection, or refused credentials: the same errors as Neo4j's."""
    if isinstance(exc, redis.exceptions.AuthenticationError):
        return EngineError("graph.auth_failed", f"{name}: FalkorDB refused the credentials: {exc}")
    return EngineError("graph.unavailable", f"{name}: FalkorDB does not answer: {exc}")


def _raise(exc: redis.exceptions.ResponseError, name: str) -> None:
    text = str(exc)
    if "unique constraint violation" in text:
        raise Conflict("graph.duplicate", f"{name}: {text}") from None
    raise TeamgraphError("graph.query_failed", f"{name}: {text}") from None


class FalkorStore:
    engine = "falkordb"

    def __init__(
        self,
        db: FalkorDB,
        shop: str,
        groups: Groups | None = None,
        memo: dict[str, Any] | None = None,
        phones: PhoneKey | None = None,
    ) -> None:
        self.shop = check_shop_id(shop)
        self.phones = phones
        self._db = db
        self._graph = db.select_graph(KEY_PREFIX + shop)
        self._groups = groups if groups is not None else Groups()
        self.memo: dict[str, Any] = memo if memo is not None else {}

    def read(self, name: str, /, **params: Any) -> list[Row]:
        result = self._read(name, params)
        return [] if result is None else _rows(result)

    def read_columns(self, name: str, /, **params: Any) -> Columns:
        result = self._read(name, params)
        return {} if result is None else _columns(result)

    def _read(self, name: str, params: Mapping[str, Any]) -> Any:
        """The client's result of a read, or None when the shop has no graph yet."""
        check_keys(params, writing=False)
        try:
            return self._graph.ro_query(_header(params) + queries.get(name))
        except redis.exceptions.ResponseError as exc:
            if "empty key" in str(exc) or "Invalid graph operation on empty key" in str(exc):
                return None
            _raise(exc, name)
            raise  # unreachable
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
            raise _unavailable(exc, name) from None

    def write(self, name: str, /, **params: Any) -> list[Row]:
        check_keys(params)
        if not queries.keeps_memo(name):
            self.memo.clear()
        try:
            return _rows(self._graph.query(_header(params) + queries.get(name)))
        except redis.exceptions.ResponseError as exc:
            _raise(exc, name)
            raise  # unreachable
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
            raise _unavailable(exc, name) from None

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
        group = self._groups.of(self.shop, lambda n, rows: self.write(n, rows=rows))
        return group.write(name, row, keys)

    def setup_schema(self, timeout: float = 60.0) -> None:
        """Create what is missing only (the client's list_indices / list_constraints tell),
        then wait until FalkorDB's asynchronous builds are operational."""
        conn = self._db.connection
        indexed, constrained = self._existing_schema()
        labels: list[str] = []
        created = False
        for statement in queries.schema("falkordb"):
            match = _INDEX.search(statement)
            if match is None:
                raise EngineError("engine.schema_failed", f"not an index statement: {statement}")
            label, prop = match.group(1) or match.group(2), match.group(3)
            if (label, prop) not in indexed:
                created = True
                try:
                    self._graph.query(statement)
                except redis.exceptions.ResponseError as exc:
                    if "already indexed" not in str(exc):  # a concurrent setup got there first
                        raise EngineError("engine.schema_failed", f"{statement}: {exc}") from None
            if match.group(1) and prop == "id" and label not in constrained:
                labels.append(label)
        for label in labels:
            try:
                conn.execute_command(
                    "GRAPH.CONSTRAINT", "CREATE", KEY_PREFIX + self.shop,
                    "UNIQUE", "NODE", label, "PROPERTIES", "1", "id",
                )  # fmt: skip
            except redis.exceptions.ResponseError as exc:
                if "already exists" not in str(exc):
                    raise EngineError("engine.schema_failed", f"{label}.id: {exc}") from None
        self._wait_operational(timeout)
        self._register_keys()
        if created or labels:
            self._snapshot_schema()

    def _register_keys(self) -> None:
        """Commit every property name the statements use that the graph does not know yet
        (``queries.property_keys``): FalkorDB 4.16 takes a name back when the statement that
        first used it fails, even from a concurrent statement that committed a value under it
        (docs/architecture.md, "Property names first")."""
        missing = sorted(queries.property_keys() - self.property_keys())
        if missing:
            admin = queries.admin("falkordb")
            keys = {"keys": dict.fromkeys(missing, 0)}
            self._graph.query(_header(keys) + admin["falkordb.register_keys"])
            self._graph.query(admin["falkordb.clear_keys"])

    def property_keys(self) -> set[str]:
        """The property names the shop's graph knows."""
        rows = self._graph.ro_query(queries.admin("falkordb")["falkordb.property_keys"])
        return {row[0] for row in rows.result_set}

    def _snapshot_schema(self) -> None:
        """Ask the server to rewrite its log now that the shop has indexes, in the background.

        A log that replays index and constraint commands replays the writes after them
        without those indexes (their builds wait for the replay to end), and every lookup by
        id scans its label: measured here, a restart after 20,000 customers written since the
        shop's creation took 49 s, after 200,000 it had not finished in 10 minutes. From a
        snapshot that holds the indexes, restarts after 20,000 and 40,000 took 0.6 and 0.8 s.
        A server that refuses the command (a managed one) keeps its own policy."""
        with contextlib.suppress(redis.exceptions.ResponseError):
            self._db.connection.bgrewriteaof()

    def _existing_schema(self) -> tuple[set[tuple[str, str]], set[str]]:
        """(label, property) pairs indexed, and labels with a unique id constraint."""
        try:
            indexes = self._graph.list_indices().result_set
            constraints = self._graph.list_constraints()
        except redis.exceptions.ResponseError:  # the graph does not exist yet
            return set(), set()
        indexed = {(row[0], prop) for row in indexes for prop in row[1]}
        constrained = {
            str(c["label"])
            for c in constraints
            if c["type"] == "UNIQUE" and c["properties"] == ["id"]
        }
        return indexed, constrained

    def _wait_operational(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            states = [str(c["status"]) for c in self._graph.list_constraints()]
            states += [r[7] for r in self._graph.list_indices().result_set]
            if all(s == "OPERATIONAL" for s in states):
                return
            if any(s == "FAILED" for s in states):
                raise EngineError("engine.schema_failed", f"a constraint failed: {states}")
            if time.monotonic() > deadline:
                raise EngineError("engine.schema_timeout", f"schema not ready: {states}")
            time.sleep(0.05)

    def explain(self, text: str) -> str:
        # GRAPH.EXPLAIN wants every parameter bound; LIMIT wants an integer
        names = re.findall(r"\$(\w+)", text)
        params = {n: 1 if n == "limit" else None for n in names}
        try:
            return str(self._graph.explain(text, params))
        except redis.exceptions.ResponseError as exc:
            raise TeamgraphError("graph.explain_failed", str(exc)) from None

    def drop(self) -> None:
        self.memo.clear()
        try:
            self._graph.delete()
        except redis.exceptions.ResponseError as exc:
            if "empty key" not in str(exc) and "Invalid graph" not in str(exc):
                raise


class FalkorEngine:
    """A connection to one FalkorDB server, embedded (``server`` given) or external."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        server: ServerHandle | None = None,
        password: str | None = None,
        phones: PhoneKey | None = None,
    ) -> None:
        self.kind = "falkordb-embedded" if server is not None else "falkordb"
        self.phones = phones
        self.host, self.port = host, port
        self.groups = Groups()
        self._memos: defaultdict[str, dict[str, Any]] = defaultdict(dict)
        """Group commit of concurrent writes, per shop (:mod:`teamgraph.graph.group`)."""
        try:
            self._db = FalkorDB(host=host, port=port, password=password)
        except redis.exceptions.ConnectionError as exc:
            raise _unavailable(exc, f"connect to {host}:{port}") from None
        self.watchdog = Watchdog(server, self._repoint) if server is not None else None
        """The embedded server, restarted when it dies; an external server is the operator's
        to restart, and the connection pool reconnects once it answers again."""

    @property
    def server(self) -> ServerHandle | None:
        """The embedded server this engine uses now (a new handle after each restart)."""
        return self.watchdog.handle if self.watchdog is not None else None

    def _repoint(self, host: str, port: int) -> None:
        """Send the next commands to a restarted server that listens at another address."""
        pool = self._db.connection.connection_pool
        pool.connection_kwargs.update(host=host, port=port)
        pool.disconnect()
        self.host, self.port = host, port

    @classmethod
    def from_url(cls, url: str, *, phones: PhoneKey | None = None) -> FalkorEngine:
        parsed = urlparse(url)
        return cls(
            parsed.hostname or "127.0.0.1",
            parsed.port or 6379,
            password=parsed.password,
            phones=phones,
        )

    def open(self, shop: str) -> FalkorStore:
        return FalkorStore(self._db, shop, self.groups, self._memos[shop], self.phones)

    def can_bulk_create(self, shop: str) -> bool:
        """Whether :meth:`bulk_create` can write ``shop``: its graph key does not exist."""
        try:
            return not self._db.connection.exists(KEY_PREFIX + check_shop_id(shop))
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
            raise _unavailable(exc, "bulk") from None

    def bulk_create(
        self,
        shop: str,
        nodes: Sequence[bulk.Nodes],
        edges: Sequence[bulk.Edges],
        *,
        limit: int = bulk.MAX_COMMAND_BYTES,
    ) -> tuple[int, int]:
        """Create the graph of the new shop ``shop`` from ``nodes`` and ``edges`` with
        ``GRAPH.BULK`` (:mod:`teamgraph.graph.bulk`); no schema (``setup_schema`` after it).
        Refuses a shop whose graph exists (FalkorDB does too). Returns (nodes, edges) made."""
        key = KEY_PREFIX + check_shop_id(shop)
        if not self.can_bulk_create(shop):
            raise Conflict("shop.exists", f"shop {shop!r} has a graph: a bulk load makes new ones")
        made = [0, 0]
        rewrite = self._pause_aof_rewrite()
        try:
            for command in bulk.commands(key, nodes, edges, limit):
                reply = self._db.connection.execute_command(*command)
                text = reply.decode() if isinstance(reply, bytes) else str(reply)
                for i, part in enumerate(text.split(", ")[:2]):
                    made[i] += int(part.split(" ")[0])
        except redis.exceptions.ResponseError as exc:
            raise EngineError("graph.bulk_failed", f"bulk load of {shop!r}: {exc}") from None
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
            raise _unavailable(exc, "bulk") from None
        finally:
            if rewrite is not None:
                self._db.connection.config_set(AOF_REWRITE, rewrite)
        return made[0], made[1]

    def _pause_aof_rewrite(self) -> str | None:
        """Turn the automatic AOF rewrite off while a bulk load streams in; the setting it had
        (to put back), or None where the server refuses CONFIG. A 1M-customer bulk load once
        left the embedded server answering nobody after such a rewrite forked mid-load
        (benchmarks/RESULTS.md); the log keeps every command either way."""
        conn = self._db.connection
        try:
            before = str(conn.config_get(AOF_REWRITE).get(AOF_REWRITE, ""))
            if not before or before == "0":
                return None
            conn.config_set(AOF_REWRITE, 0)
        except redis.exceptions.ResponseError:  # a managed server without CONFIG
            return None
        return before

    def shops(self) -> list[str]:
        try:
            keys = self._db.connection.execute_command("GRAPH.LIST")
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
            raise _unavailable(exc, "shops") from None
        names = [k.decode() if isinstance(k, bytes) else str(k) for k in keys]
        return sorted(n[len(KEY_PREFIX) :] for n in names if n.startswith(KEY_PREFIX))

    def ping(self) -> bool:
        try:
            return bool(self._db.connection.ping())
        except redis.exceptions.RedisError:
            return False

    def describe(self) -> dict[str, Any]:
        version = None
        try:
            for module in self._db.connection.execute_command("MODULE", "LIST"):
                fields = dict(zip(module[::2], module[1::2], strict=False))
                name = fields.get(b"name", fields.get("name"))
                if name in (b"graph", "graph"):
                    number = int(fields.get(b"ver") or fields.get("ver") or 0)
                    version = f"{number // 10000}.{number // 100 % 100}.{number % 100}"
        except redis.exceptions.RedisError:
            pass
        return {
            "engine": self.kind,
            "version": version,
            "edition": None,
            "database": f"{self.host}:{self.port}",
            "shops": "graph per shop",
        }

    def close(self) -> None:
        self._db.connection.close()
        if self.watchdog is not None:
            self.watchdog.close()
