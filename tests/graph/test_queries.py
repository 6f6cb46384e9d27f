"""Every Cypher statement compiles on both engines (FalkorDB's GRAPH.EXPLAIN, Neo4j's EXPLAIN
of the shop-scoped text it runs); the offline Neo4j 5 lint is in test_cypher_lint.py.
Statements are loaded by name, never built from strings. On Neo4j every statement is scoped
to one shop (teamgraph.graph.scope), checked here for all of them."""

from __future__ import annotations

import re

import pytest

from teamgraph.graph import Engine, queries
from teamgraph.graph.neo4j import statement
from teamgraph.graph.scope import scoped, unscoped_paths


@pytest.mark.parametrize("name", sorted(queries.catalogue()))
def test_statement_compiles(engine: Engine, name: str) -> None:
    store = engine.open("explain")
    store.setup_schema()
    assert store.explain(queries.get(name))


@pytest.mark.parametrize("name", sorted(queries.catalogue()))
def test_every_statement_is_scoped_to_one_shop_on_neo4j(name: str) -> None:
    text = statement(name)
    assert not unscoped_paths(text)
    assert "$shop" in text


def test_the_scope_check_refuses_what_could_read_another_shop() -> None:
    assert unscoped_paths("MATCH (n) RETURN n") == ["(n)"]
    assert unscoped_paths("MATCH ()-[b:BOUND_TO]->(d) RETURN d") == ["()-[b:BOUND_TO]->(d)"]
    assert unscoped_paths("MATCH (c:Customer) RETURN c") == ["(c:Customer)"]
    # a variable bound earlier carries its scope; a new one does not
    assert not unscoped_paths(
        scoped("MATCH (c:Customer {id: $id}) MATCH (c)-[:USES]->(s) RETURN s")
    )
    assert unscoped_paths(
        "MATCH (c:Customer {id: $id, shop: $shop}) MATCH (x)-[:USES]->(s) RETURN s"
    )


def test_scoping_adds_the_shop_to_every_labelled_node_and_to_bare_paths() -> None:
    assert scoped("MATCH (c:Customer {id: $id})-[:PLACED]->(o:Order) RETURN o") == (
        "MATCH (c:Customer {id: $id, shop: $shop})-[:PLACED]->(o:Order {shop: $shop}) RETURN o"
    )
    assert scoped("MATCH ()-[b:BOUND_TO]->(d) WHERE b.due <= $now RETURN d") == (
        "MATCH ({shop: $shop})-[b:BOUND_TO]->(d {shop: $shop}) WHERE b.due <= $now RETURN d"
    )
    assert scoped("CREATE (c:Customer:Distributor {id: $id})") == (
        "CREATE (c:Customer:Distributor {id: $id, shop: $shop})"
    )


def test_dropping_a_neo4j_shop_deletes_every_label_the_statements_write() -> None:
    written = set()
    for text in queries.catalogue().values():
        written |= set(re.findall(r"\(\w*:(\w+)", text))
        written |= set(re.findall(r"SET \w+:(\w+)", text))
    drop = queries.admin("neo4j")["neo4j.drop_shop"]
    dropped = set(re.findall(r"MATCH \(n:(\w+) \{shop: \$shop\}\)", drop))
    assert dropped == written | {"ShopGraph"}  # and the shop's own entry (neo4j.register_shop)


def test_every_file_is_loaded_and_sections_parse() -> None:
    files = sorted(p for p in queries.QUERY_DIR.glob("*.cypher"))
    assert files, "no query files"
    names = queries.catalogue()
    assert "customer.upsert_batch" in names and "team.tree" in names
    assert queries.parse("// name: a\nRETURN 1\n// name: b\nRETURN 2", "f") == {
        "a": "RETURN 1",
        "b": "RETURN 2",
    }
    assert queries.parse("RETURN 1", "f") == {"f": "RETURN 1"}
    with pytest.raises(KeyError):
        queries.get("no.such.statement")


def test_property_keys_are_the_names_statements_read_and_write() -> None:
    """What FalkorDB registers before any write (``FalkorStore.setup_schema``): the names
    after a dot and the keys of maps, not labels, functions or what sits in a comment or a
    string."""
    keys = queries.property_keys()
    assert {"account", "gross_fen", "holder", "_lock", "id", "digest"} <= keys
    assert not keys & {"Entry", "Distributor", "TO", "toInteger", "coalesce", "propertyKeys"}
    assert all(k[0].islower() or k[0] == "_" for k in keys)


def test_engine_specific_files_stay_out_of_the_portable_catalogue() -> None:
    assert all(not n.startswith(("index_", "unique_", "neo4j.")) for n in queries.catalogue())
    neo4j_ids = {
        m
        for t in queries.schema("neo4j")
        for m in re.findall(r":(\w+)\) REQUIRE \(\w+\.shop, \w+\.id\)", t)
    }
    falkor_ids = {
        m for t in queries.schema("falkordb") for m in re.findall(r":(\w+)\) ON \(\w+\.id\)", t)
    }
    assert neo4j_ids == falkor_ids  # the same ids unique on both engines


def test_every_lock_is_removed_in_the_statement_that_takes_it() -> None:
    """Concurrent writers (queries/__init__.py): a guarded write takes its node's lock with
    ``FOREACH (locking IN [x] | SET locking._lock = true REMOVE locking._lock)``, which removes
    the property at once, so no read or export ever sees it; the guard comes after a WITH, under
    the lock."""
    lock = re.compile(
        r"^FOREACH \(locking IN \[(\w+)\] \| SET locking\._lock = true REMOVE locking\._lock\)$"
    )
    locked = []
    for name, text in queries.catalogue().items():
        lines = [line.strip() for line in text.splitlines()]
        for i, line in enumerate(lines):
            m = lock.match(line)
            if "_lock" in line and not m:
                pytest.fail(f"{name}: {line!r} is not the lock idiom")
            if m:
                assert lines[i + 1].startswith("WITH "), name
                locked.append(name)
    for name in (
        "withdrawal.create", "withdrawal.transition", "refund.create", "order.create",
        "order.complete", "binding.expire_due", "visit.bind", "visit.renew", "visit.share",
        "binding.set", "binding.end", "binding.end_all", "binding.reexpire_all",
        "distributor.approve", "shop.put_settings", "ladder.award_batch",
    ):  # fmt: skip
        assert name in locked, f"{name} checks before it locks"


def test_a_statement_that_keeps_the_memo_makes_nothing_due_and_leaves_the_settings() -> None:
    """K-4: a write marked ``// keeps: memo`` leaves what a process remembers about its shop
    true, so it must not write a ``due`` nor the shop's settings (nor end bindings)."""
    kept = [name for name in queries.catalogue() if queries.keeps_memo(name)]
    assert kept == ["order.create"]
    for name in kept:
        code = "\n".join(
            line for line in queries.get(name).splitlines() if not line.lstrip().startswith("//")
        )
        assert not re.search(r"\.due\b|\bdue\s*:|settings|BOUND_TO|:Shop\b", code), name
