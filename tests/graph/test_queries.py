"""Every Cypher statement compiles on FalkorDB (GRAPH.EXPLAIN); the Neo4j 5 lint is in
test_cypher_lint.py. Statements are loaded by name, never built from strings."""

from __future__ import annotations

import re

import pytest

from teamgraph.graph import Engine, queries


@pytest.mark.parametrize("name", sorted(queries.catalogue()))
def test_statement_compiles_on_falkordb(embedded_engine: Engine, name: str) -> None:
    store = embedded_engine.open("explain")
    store.setup_schema()
    assert store.explain(queries.get(name))


def test_every_file_is_loaded_and_sections_parse() -> None:
    files = sorted(p for p in queries.QUERY_DIR.glob("*.cypher"))
    assert files, "no query files"
    names = queries.catalogue()
    assert "customer.upsert_batch" in names and "team.by_depth" in names
    assert queries.parse("// name: a\nRETURN 1\n// name: b\nRETURN 2", "f") == {
        "a": "RETURN 1",
        "b": "RETURN 2",
    }
    assert queries.parse("RETURN 1", "f") == {"f": "RETURN 1"}
    with pytest.raises(KeyError):
        queries.get("no.such.statement")


def test_engine_specific_files_stay_out_of_the_portable_catalogue() -> None:
    assert all(not n.startswith(("index_", "unique_", "neo4j.")) for n in queries.catalogue())
    assert len(queries.schema("neo4j")) == len(queries.schema("falkordb"))


def test_every_lock_is_removed_in_the_statement_that_takes_it() -> None:
    """Concurrent writers (queries/__init__.py): a guarded write takes its node's lock with
    ``SET x._lock = true`` and removes the property on the next line, so no read or export ever
    sees it; the guard comes after a WITH, under the lock."""
    lock = re.compile(r"^SET (\w+)\._lock = true$")
    locked = []
    for name, text in queries.catalogue().items():
        lines = [line.strip() for line in text.splitlines()]
        for i, line in enumerate(lines):
            m = lock.match(line)
            if "_lock" in line and not m and not line.startswith("REMOVE"):
                pytest.fail(f"{name}: {line!r} is not the lock idiom")
            if m:
                var = m.group(1)
                assert lines[i + 1] == f"REMOVE {var}._lock", name
                assert lines[i + 2].startswith("WITH "), name
                locked.append(name)
    for name in (
        "withdrawal.create", "withdrawal.transition", "refund.create", "order.create",
        "order.complete", "binding.expire_due", "visit.bind", "visit.renew", "visit.share",
        "binding.set", "binding.end", "binding.end_all", "binding.reexpire_all",
        "distributor.approve", "shop.put_settings", "ladder.award_batch",
    ):  # fmt: skip
        assert name in locked, f"{name} checks before it locks"
