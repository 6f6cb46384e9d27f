"""The interface one shop's graph is used through, and the choice of engine.

An :class:`Engine` is the process's connection to a graph server (one per process, opened by
the CLI or the API lifespan and injected). ``engine.open(shop)`` gives the :class:`GraphStore`
of one shop: a FalkorDB graph key or a Neo4j database, so no query can reach another shop.

Statements are named (``teamgraph/graph/queries``); values go in as parameters only. Results
come back as lists of plain dicts, or, for a large read, as one list per column
(:meth:`GraphStore.read_columns`: no dict per row). Every write is one statement, and one
statement is atomic on both engines (docs/architecture.md): :meth:`GraphStore.write_batch`
sends one deduplicated UNWIND batch as one statement, so a bad row fails the whole batch and
nothing of it is stored.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from teamgraph.errors import ValidationError
from teamgraph.phones import PhoneKey
from teamgraph.rules.ids import id_problem

Row = dict[str, Any]
Columns = dict[str, list[Any]]

SHOP_ID = re.compile(r"^[a-z][a-z0-9-]{1,39}$")


def check_shop_id(shop: str) -> str:
    """Shop ids name a FalkorDB key and a Neo4j database, so they are kept to what both allow."""
    if not SHOP_ID.match(shop):
        raise ValidationError(
            "shop.invalid_id",
            "a shop id is 2–40 characters: lowercase letters, digits and '-', "
            f"starting with a letter (got {shop!r})",
            field="shop",
        )
    return shop


def _is_key(name: str) -> bool:
    """Parameters that become or find a uniquely constrained id; ``value`` is a signal's
    (etl.signals_*: the Device, Phone, Address, Account or IP node's id)."""
    return name in ("id", "ids", "value") or name.endswith("_id") or name.endswith("_ids")


def check_keys(params: Mapping[str, Any], *, writing: bool = True, where: str = "") -> None:
    """Refuse any id a statement would get that the id rule forbids (docs/choices.md I-1):
    parameters named ``id``, ``ids``, ``*_id`` or ``*_ids``, and the same fields of the rows
    and nested rows of a batch. Every entry point checks its ids first; this is the last guard
    before the engine, which a blank id or a control character in a uniquely constrained
    property can kill (FalkorDB 4.16), so that no path sends one unchecked. A read is checked
    for the characters only (a blank value there is a cursor's "from the start", harmless).

    Any other text parameter is refused when it holds a NUL (U+0000): FalkorDB's parameter
    parser stops there and fails the statement with its own parser text (a 400
    ``graph.query_failed`` for a customer's or a product's name); it is 422 ``text.invalid``
    here, on both engines."""
    for name, value in params.items():
        if isinstance(value, Mapping):
            check_keys(value, writing=writing, where=f"{where}{name}.")
        elif isinstance(value, list | tuple):
            key = _is_key(name)
            inner = f"{where}{name}[]."
            for item in value:
                if isinstance(item, Mapping):
                    check_keys(item, writing=writing, where=inner)
                elif key and item is not None and not _plain(item):
                    _check_key(where, name, item, writing)
                elif type(item) is str and "\x00" in item:
                    _refuse_nul(where, name)
        elif value is not None and _is_key(name) and not _plain(value):
            _check_key(where, name, value, writing)
        elif type(value) is str and "\x00" in value:
            _refuse_nul(where, name)


def _refuse_nul(where: str, name: str) -> None:
    raise ValidationError(
        "text.invalid", f"{where}{name}: text holds no NUL character (U+0000)", field=where + name
    )


def _plain(value: Any) -> bool:
    """The common id, decided in C: printable ASCII text that is not blank ("" included)."""
    return type(value) is str and value.isascii() and value.isprintable() and value.strip() != ""


def _check_key(where: str, name: str, value: Any, writing: bool) -> None:
    if isinstance(value, int) and not isinstance(value, bool):
        return  # numeric keys (indexes, counters) are not ids
    if not writing and value == "":
        return
    problem = id_problem(value, max_length=None)
    if problem is not None:
        raise ValidationError("id.invalid", f"{problem} (got {value!r})", field=where + name)


def dedupe(rows: Iterable[Mapping[str, Any]], key: Sequence[str]) -> list[Row]:
    """Keep the last row per key, in first-seen order.

    FalkorDB keeps the first of repeated keys in one UNWIND and Neo4j the last, and a repeated
    relationship pair crashes FalkorDB's MERGE ... ON MATCH SET (docs/architecture.md), so every
    batch is deduplicated here before it is sent.
    """
    out: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        try:
            k = tuple(row[f] for f in key)
        except KeyError as exc:
            raise ValidationError(
                "batch.missing_key",
                f"a batch row has no key field {exc.args[0]!r}",
                field=str(exc.args[0]),
            ) from None
        out.pop(k, None)
        out[k] = dict(row)
    return list(out.values())


class GraphStore(Protocol):
    """One shop's graph."""

    engine: str
    shop: str
    memo: dict[str, Any]
    """What this process remembers about the shop between requests (the shop layer's to
    use), shared by the engine's stores of the shop and emptied by any write through them."""
    phones: PhoneKey | None
    """The installation's phone key, the engine's (None: phones are refused)."""

    def read(self, name: str, /, **params: Any) -> list[Row]:
        """Run the named read-only statement."""
        ...

    def read_columns(self, name: str, /, **params: Any) -> Columns:
        """Run the named read-only statement; its result as one list per returned column, in
        the statement's order (a shop without a graph yet answers no columns at all)."""
        ...

    def write(self, name: str, /, **params: Any) -> list[Row]:
        """Run the named write statement (atomic)."""
        ...

    def write_batch(
        self,
        name: str,
        rows: Iterable[Mapping[str, Any]],
        key: Sequence[str] = ("id",),
        **params: Any,
    ) -> list[Row]:
        """Deduplicate ``rows`` on ``key`` and send them as ``$rows`` (with ``params``) in one
        statement."""
        ...

    def write_together(
        self, name: str, row: Mapping[str, Any], keys: Sequence[Hashable] = ()
    ) -> list[Row]:
        """Write ``row`` as one of the named statement's ``$rows``, in one statement with the
        rows other threads of this process submit meanwhile (group commit,
        :mod:`teamgraph.graph.group`); the result rows of ``row`` alone. Rows naming the same
        ``keys`` are never written together."""
        ...

    def setup_schema(self) -> None:
        """Create the indexes and constraints (idempotent); return once they are usable."""
        ...

    def explain(self, text: str) -> str:
        """The engine's plan for ``text``; raises when the engine cannot compile it."""
        ...

    def drop(self) -> None:
        """Delete the whole graph of this shop."""
        ...


class Engine(Protocol):
    """A process's connection to one graph server."""

    kind: str
    phones: PhoneKey | None
    """The installation's phone key (:func:`teamgraph.graph.connect` reads it), handed to
    every store the engine opens."""

    def open(self, shop: str) -> GraphStore: ...

    def shops(self) -> list[str]:
        """Ids of the shops that have a graph on this server."""
        ...

    def can_bulk_create(self, shop: str) -> bool:
        """Whether :meth:`bulk_create` can write ``shop`` (FalkorDB, and no graph of it yet)."""
        ...

    def bulk_create(self, shop: str, nodes: Sequence[Any], edges: Sequence[Any]) -> tuple[int, int]:
        """Create a new shop's graph from nodes and edges (:mod:`teamgraph.graph.bulk`) by the
        engine's bulk path, without schema; returns (nodes, edges) made."""
        ...

    def ping(self) -> bool: ...

    def describe(self) -> dict[str, Any]:
        """Which engine, version, edition and database serve the shops (``GET /v1/health``)."""
        ...

    def close(self) -> None: ...
