"""The graph store contract: the same tests on every engine (embedded FalkorDB, and the suite's
Neo4j that `make test` starts). docs/architecture.md describes the contract."""

from __future__ import annotations

from collections import Counter

import pytest
from neo4j import exceptions as neo4j_errors

from teamgraph.errors import Conflict, EngineError, TeamgraphError, ValidationError
from teamgraph.graph import Engine, GraphStore
from teamgraph.graph import neo4j as neo4j_store
from teamgraph.graph.store import check_shop_id, dedupe
from teamgraph.rules.ids import id_problem
from tests.conftest import new_shop_id


def customers(*ids: str, name: str = "n") -> list[dict]:
    return [{"id": i, "name": f"{name}-{i}", "joined_at": 1_700_000_000_000} for i in ids]


def test_upsert_creates_then_updates_without_duplicating(store: GraphStore) -> None:
    store.write_batch("customer.upsert_batch", customers("a", "b"))
    store.write_batch("customer.upsert_batch", customers("a", name="renamed"))
    (row,) = store.read("customer.get", id="a")
    assert (row["id"], row["name"], row["joined_at"]) == ("a", "renamed-a", 1_700_000_000_000)
    assert store.read("shop.counts")[0]["customers"] == 2


def by_depth(store: GraphStore, distributor_id: str) -> dict[int, int]:
    """Distributors below ``distributor_id`` per depth, from the team tree's traversal."""
    rows = store.read("team.tree", id=distributor_id, depth=15, limit=1000)
    return dict(Counter(r["depth"] for r in rows))


def test_batch_keeps_the_last_row_of_a_repeated_key(store: GraphStore) -> None:
    rows = [*customers("a", name="first"), *customers("b"), *customers("a", name="last")]
    store.write_batch("customer.upsert_batch", rows)
    assert store.read("customer.get", id="a")[0]["name"] == "last-a"
    assert store.read("shop.counts")[0]["customers"] == 2


def test_repeated_relationship_pair_in_one_batch_is_safe(store: GraphStore) -> None:
    store.write_batch("customer.upsert_batch", customers("a", "b"))
    store.write_batch(
        "distributor.upsert_batch",
        [{"id": i, "level": 1, "status": "active", "became_at": 1} for i in ("a", "b")],
    )
    # the same (b -> a) pair twice: deduplicated before it reaches the engine (docs/architecture.md)
    rows = [{"id": "b", "inviter_id": "a", "at": 1}, {"id": "b", "inviter_id": "a", "at": 2}]
    assert store.write_batch("invitation.create_batch", rows) == [{"n": 1}]
    assert by_depth(store, "a") == {1: 1}


def test_variable_length_traversal_counts_per_depth(store: GraphStore) -> None:
    ids = ["r", "a", "b", "c", "d", "e"]
    store.write_batch("customer.upsert_batch", customers(*ids))
    store.write_batch(
        "distributor.upsert_batch",
        [{"id": i, "level": 1, "status": "active", "became_at": 1} for i in ids],
    )
    edges = {"a": "r", "b": "r", "c": "a", "d": "c", "e": "c"}
    store.write_batch(
        "invitation.create_batch", [{"id": k, "inviter_id": v, "at": 1} for k, v in edges.items()]
    )
    assert by_depth(store, "r") == {1: 2, 2: 1, 3: 2}
    assert by_depth(store, "e") == {}


def test_a_bad_row_fails_the_whole_batch_and_writes_nothing(store: GraphStore) -> None:
    store.write_batch("customer.upsert_batch", customers("kept"))
    bad = [*customers("x1", "x2"), {"id": None, "name": "no id", "joined_at": 1}]
    with pytest.raises(TeamgraphError) as info:
        store.write_batch("customer.upsert_batch", bad)
    assert info.value.code == "graph.query_failed"
    assert store.read("customer.get", id="x1") == []
    assert store.read("shop.counts")[0]["customers"] == 1


def test_schema_is_idempotent_and_ids_are_unique(store: GraphStore) -> None:
    store.setup_schema()
    audit = {"name": None, "ref": "key_h1", "after": None, "actor": "test", "actor_key": None}
    store.write(
        "key.create", id="h1", role="merchant", distributor_id=None, now=1, change_id="c1", **audit
    )
    with pytest.raises(Conflict) as info:
        store.write(
            "key.create", id="h1", role="analyst", distributor_id=None, now=2, change_id="c2",
            **audit,
        )  # fmt: skip
    assert info.value.code == "graph.duplicate"
    assert store.read("key.get", id="h1", now=2) == [
        {"role": "merchant", "distributor_id": None, "name": None, "last_used_at": None}
    ]


def test_shops_are_separate_graphs(engine: Engine, store: GraphStore) -> None:
    other = engine.open(new_shop_id())
    other.setup_schema()
    try:
        store.write_batch("customer.upsert_batch", customers("only-here"))
        assert other.read("customer.get", id="only-here") == []
        assert store.shop in engine.shops() and other.shop in engine.shops()
    finally:
        other.drop()


# Not a control character other than tab and newline: FalkorDB 4.16 drops the connection on a
# MERGE of an indexed id holding one (found here, whichever way the parameter is written).
ODD_TEXT = ["中文客", "emoji😀", "it's", "$x", "/a", "\u2028", 'q"x', "b\\s", "a\nb", "t\tx",
            "{k: 1}", "`tick`"]  # fmt: skip


def test_parameters_come_back_as_sent_whatever_their_characters(store: GraphStore) -> None:
    """A list of rows is written to FalkorDB as JSON when the engine reads that text as the
    same value, else as the falkordb client writes it (``falkor._header``): odd text, null,
    booleans and nested lists arrive unchanged either way, as maps of them do. Ids hold the odd
    text the id rule allows (docs/choices.md I-1); names hold all of it, line breaks and tabs
    included."""
    ids = [t for t in ODD_TEXT if id_problem(t) is None]
    assert len(ids) == len(ODD_TEXT) - 3  # "\u2028", "a\nb" and "t\tx" are no ids
    rows = [{"id": t, "name": t} for t in ids] + [
        {"id": f"named-{i}", "name": t} for i, t in enumerate(ODD_TEXT)
    ]
    store.write_batch("customer.upsert_batch", rows)
    found = store.read("etl.customer_ids", ids=ids)  # a list of strings, no map
    assert sorted(r["id"] for r in found) == sorted(ids)
    for text in ids:  # each alone: the JSON text when it has no escape, else the client's
        assert [r["id"] for r in store.read("etl.customer_ids", ids=[text])] == [text]
        assert store.read("customer.get", id=text)[0]["name"] == text
    for i, text in enumerate(ODD_TEXT):
        assert store.read("customer.get", id=f"named-{i}")[0]["name"] == text


def test_empty_batch_sends_nothing(store: GraphStore) -> None:
    assert store.write_batch("customer.upsert_batch", []) == []


def test_dedupe_keeps_last_row_in_first_seen_order() -> None:
    rows = [{"id": 1, "v": "a"}, {"id": 2, "v": "b"}, {"id": 1, "v": "c"}]
    assert dedupe(rows, ("id",)) == [{"id": 2, "v": "b"}, {"id": 1, "v": "c"}]
    with pytest.raises(ValidationError):
        dedupe([{"v": 1}], ("id",))


@pytest.mark.parametrize("bad", ["", "A", "1shop", "shop.x", "a" * 41, "sh op"])
def test_shop_ids_are_what_both_engines_can_name(bad: str) -> None:
    with pytest.raises(ValidationError):
        check_shop_id(bad)


@pytest.mark.parametrize(
    ("error", "kind", "code"),
    [
        (neo4j_errors.TransientError, EngineError, "graph.busy"),
        (neo4j_errors.ServiceUnavailable, EngineError, "graph.unavailable"),
        (neo4j_errors.SessionExpired, EngineError, "graph.unavailable"),
        (neo4j_errors.AuthError, EngineError, "graph.auth_failed"),
        (neo4j_errors.ConstraintError, Conflict, "graph.duplicate"),
        (neo4j_errors.ClientError, TeamgraphError, "graph.query_failed"),
    ],
)
def test_every_neo4j_driver_error_becomes_a_teamgraph_error(
    error: type[Exception], kind: type[TeamgraphError], code: str
) -> None:
    """What the driver still raises after its own retries (a deadlock retried for 15 s, a lost
    connection) reaches callers as one of teamgraph's errors with a stable code."""
    with pytest.raises(kind) as info:
        neo4j_store.translate(error("from the driver"), "some.statement", "bolt://x")
    assert info.value.code == code
