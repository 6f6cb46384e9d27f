"""Every Cypher statement compiles on FalkorDB (GRAPH.EXPLAIN); the Neo4j 5 lint is in
test_cypher_lint.py. Statements are loaded by name, never built from strings."""

from __future__ import annotations

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
