"""`teamgraph load shop DIR`: a whole shop's files in one command (E-11). A new shop on FalkorDB
is written by the engine's bulk path (``GRAPH.BULK``); the tests hold it equal, node by node and
property by property, to the same files loaded one by one into a created shop, bad rows and
rejects files included, on both engines."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from teamgraph.errors import Conflict, ValidationError
from teamgraph.etl import generator
from teamgraph.etl.importer import Options, Result, load_shop, shop_files
from teamgraph.graph import Engine
from teamgraph.graph import bulk as graph_bulk
from teamgraph.shop import Shop
from tests.conftest import engine_env, new_shop_id
from tests.conftest import run_cli as run

NOW = 1_790_000_000_000  # 2026-09-21, after every generated time

BAD_ROWS: dict[str, list[dict[str, Any]]] = {
    # each refused by its loader's own check, so the rejects files must match too
    "distributors": [{"id": "c000001", "status": "active", "level": 9}],  # no level 9
    "customers": [{"id": "x-1", "name": "甲", "via_distributor_id": "nobody"}],
    "invitations": [{"id": "c000100", "inviter_id": "c000100"}],  # self-invitation
    "bindings": [{"customer_id": "c000150", "distributor_id": "x-1", "since": 1_750_000_000_000}],
    "signals": [{"customer_id": "nobody", "kind": "device", "value": "dev-x"}],
}


def shop_dir(out: Path) -> Path:
    """A small generated shop (every kind, two planted rings) as CSV, with a bad row or two
    appended to the member files."""
    generator.write(generator.generate(400, 40, 300, 7, 2, generator.END_MS), out, "csv")
    for kind, rows in BAD_ROWS.items():
        path = out / f"{kind}.csv"
        with path.open(encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f))
        with path.open("a", encoding="utf-8", newline="") as f:
            csv.DictWriter(f, header, quoting=csv.QUOTE_MINIMAL).writerows(rows)
    return out


def _dropped(engine: Engine) -> Iterator[list[str]]:
    made: list[str] = []
    yield made
    for shop_id in made:
        engine.open(shop_id).drop()


@pytest.fixture
def shops(engine: Engine) -> Iterator[list[str]]:
    """Ids of the shops a test makes on ``engine``, dropped afterwards."""
    yield from _dropped(engine)


@pytest.fixture
def falkor_shops(embedded_engine: Engine) -> Iterator[list[str]]:
    yield from _dropped(embedded_engine)


def dump(engine: Engine, shop_id: str) -> tuple[list[Any], list[Any]]:
    """Every node (labels, properties) and edge (type, ends, properties) of the shop, sorted,
    with the shop's own id taken out (the two shops compared have different ids)."""
    store = engine.open(shop_id)

    def plain(props: dict[str, Any]) -> str:
        props = {k: v for k, v in props.items() if k != "shop"}  # Neo4j: the shop scope
        if props.get("id") == shop_id:
            props["id"] = "<shop>"
        return json.dumps(props, sort_keys=True, ensure_ascii=False)

    nodes = sorted((sorted(r["labels"]), plain(r["props"])) for r in store.read("dump.nodes"))
    edges = sorted(
        (r["type"], r["from_id"], r["to_id"], plain(r["props"])) for r in store.read("dump.edges")
    )
    return nodes, edges


def per_kind(result: Result) -> dict[str, tuple[int, int, int, int]]:
    return {
        p.kind: (p.rows, p.loaded, p.unchanged, p.rejected)
        for p in result.parts
        if p.kind != "bulk write"
    }


def rejects(directory: Path) -> dict[str, list[dict[str, str]]]:
    out = {}
    for path in sorted(directory.glob("*.rejects.csv")):
        with path.open(encoding="utf-8-sig", newline="") as f:
            out[path.name] = list(csv.DictReader(f))
    return out


def test_a_new_shop_loaded_whole_equals_the_files_loaded_one_by_one(
    engine: Engine, shops: list[str], tmp_path: Path
) -> None:
    """E-11: same nodes, edges, properties (counters, codes, the shop node), same counts and
    rejects, whichever path wrote the shop."""
    one_by_one, whole = shop_dir(tmp_path / "a"), tmp_path / "b"
    shutil.copytree(one_by_one, whole)
    settings = json.loads((one_by_one / "settings.json").read_text("utf-8"))
    old, new = new_shop_id("old"), new_shop_id("new")
    shops += [old, new]
    Shop.create(engine, old, settings, now=NOW)  # it exists: loaded file by file
    assert not engine.can_bulk_create(old)
    assert engine.can_bulk_create(new) == (engine.kind != "neo4j")
    a = load_shop(engine, old, one_by_one, Options(now=NOW))
    b = load_shop(engine, new, whole, Options(now=NOW))

    assert ("bulk write" in [p.kind for p in b.parts]) == (engine.kind != "neo4j")
    assert "bulk write" not in [p.kind for p in a.parts]
    assert per_kind(a) == per_kind(b)
    assert a.rejected == b.rejected == sum(len(rows) for rows in BAD_ROWS.values())
    assert rejects(one_by_one) == rejects(whole)
    assert set(rejects(whole)) == {f"{k}.csv.rejects.csv" for k in BAD_ROWS}
    nodes_a, edges_a = dump(engine, old)
    nodes_b, edges_b = dump(engine, new)
    assert len(nodes_a) > 1000 and len(edges_a) > 1000
    assert nodes_a == nodes_b
    assert edges_a == edges_b
    # the counters the recount wrote are there, not only zeroes
    top = Shop.open(engine, new).bulk.distributor_page("", 1000)
    assert sum(d["direct_clients"] for d in top) > 0 and sum(d["invitees"] for d in top) > 0


def test_loading_the_shop_again_changes_nothing(
    engine: Engine, shops: list[str], tmp_path: Path
) -> None:
    directory = shop_dir(tmp_path / "s")
    shop_id = new_shop_id("again")
    shops.append(shop_id)
    first = load_shop(engine, shop_id, directory, Options(now=NOW))
    Shop.open(engine, shop_id).catch_up(NOW)  # entries due by NOW settle, as again
    before = dump(engine, shop_id)
    again = load_shop(engine, shop_id, directory, Options(now=NOW))
    assert "bulk write" not in [p.kind for p in again.parts]
    assert again.loaded == 0
    assert again.unchanged + again.rejected == first.rows
    assert dump(engine, shop_id) == before


def test_the_bulk_written_shop_has_its_schema(
    embedded_engine: Engine, falkor_shops: list[str], tmp_path: Path
) -> None:
    """The indexes and unique constraints are made after GRAPH.BULK: a second customer with a
    stored id is refused."""
    shop_id = new_shop_id("schema")
    falkor_shops.append(shop_id)
    load_shop(embedded_engine, shop_id, shop_dir(tmp_path / "s"), Options(now=NOW))
    store = embedded_engine.open(shop_id)
    with pytest.raises(Conflict):
        store.write_batch("etl.customers_create", [{"id": "c000000"}])


def test_bulk_values_and_commands(embedded_engine: Engine, falkor_shops: list[str]) -> None:
    """Every value type the loaders write, a null left unset, several labels, and a graph
    split over several GRAPH.BULK commands; an existing graph is refused."""
    shop_id = new_shop_id("values")
    falkor_shops.append(shop_id)
    people = [
        {"id": f"p{i}", "name": "王伟" if i % 2 else None, "n": i, "ok": i % 3 == 0,
         "groups": ["vip", "新客"] if i % 2 else [], "by_depth": [i, 2 * i]}
        for i in range(200)
    ]  # fmt: skip
    nodes = [
        graph_bulk.Nodes(("Customer", "Distributor"), people[:50]),
        graph_bulk.Nodes(("Customer",), people[50:]),
    ]
    edges = [graph_bulk.Edges("INVITED_BY", [(i, 0, {"at": i}) for i in range(1, 50)])]
    assert len(list(graph_bulk.commands("k", nodes, edges, limit=2_000))) > 3
    conn = embedded_engine._db.connection  # type: ignore[attr-defined]
    rewrite = conn.config_get("auto-aof-rewrite-percentage")
    made = embedded_engine.bulk_create(shop_id, nodes, edges, limit=2_000)  # type: ignore[call-arg]
    assert made == (200, 49)
    assert conn.config_get("auto-aof-rewrite-percentage") == rewrite  # paused, then put back
    stored = {r["props"]["id"]: r for r in embedded_engine.open(shop_id).read("dump.nodes")}
    assert stored["p1"]["props"] == {k: v for k, v in people[1].items()}
    assert stored["p0"]["props"] == {k: v for k, v in people[0].items() if v is not None}
    assert sorted(stored["p3"]["labels"]) == ["Customer", "Distributor"]
    assert stored["p60"]["labels"] == ["Customer"]
    edges_read = embedded_engine.open(shop_id).read("dump.edges")
    assert {(r["from_id"], r["to_id"], r["props"]["at"]) for r in edges_read} == {
        (f"p{i}", "p0", i) for i in range(1, 50)
    }
    with pytest.raises(Conflict):
        embedded_engine.bulk_create(shop_id, nodes, edges)
    with pytest.raises(ValidationError, match="NUL"):  # the format ends text at a NUL
        list(graph_bulk.commands("k", [graph_bulk.Nodes(("Customer",), [{"id": "a\x00b"}])], []))


def test_shop_files_reads_a_directory(tmp_path: Path) -> None:
    generator.write(generator.generate(20, 2, 5, 7, 0, generator.END_MS), tmp_path, "parquet")
    (tmp_path / "customers.parquet.rejects.csv").write_text("x")
    files = shop_files(tmp_path)
    assert set(files) == {*generator.LOAD_ORDER, "settings"}
    (tmp_path / "customers.csv").write_text("id\nc1\n")
    with pytest.raises(Exception, match="two customers files"):
        shop_files(tmp_path)


def test_load_shop_on_the_command_line(engine: Engine, shops: list[str], tmp_path: Path) -> None:
    env = engine_env(engine, tmp_path / "data")
    directory = shop_dir(tmp_path / "files")
    shop_id = new_shop_id("cli")
    shops.append(shop_id)
    first = run(tmp_path / "data", "load", "shop", str(directory), "--shop", shop_id, env=env)
    assert first.returncode == 2, first.stderr  # the bad rows
    assert ("bulk write:" in first.stdout) == (engine.kind != "neo4j")
    assert "  bindings: " in first.stdout and "  orders: " in first.stdout
    assert "bindings.csv.rejects.csv" in first.stderr
    again = run(tmp_path / "data", "load", "shop", str(directory), "--shop", shop_id, env=env)
    assert "bulk write" not in again.stdout
    assert "shop: 0 loaded" in again.stdout, again.stdout


def test_times_read_a_column_at_once_equal_times_read_cell_by_cell() -> None:
    """The importer's fast path for ``YYYY-MM-DDTHH:MM:SS+HH:MM`` cells gives what
    ``values.instant`` gives; every other cell is left to it (and to its refusals)."""
    import pandas as pd

    from teamgraph.etl import kinds
    from teamgraph.etl import values as v

    cells = [
        "2025-01-22T23:58:37+08:00", "2025-02-30T00:00:00+08:00", None,
        " 2025-01-22T23:58:37+08:00", "2025-01-22T23:58:37Z", "1969-12-31T23:59:59-05:30", "",
        "x", "0001-01-01T00:00:00+00:00", 5, "2999-12-31T23:59:59+14:00",
        "２０２５-01-22T23:58:37+08:00",
    ]  # fmt: skip
    column = pd.Series(cells, dtype=object)
    fast = kinds._iso_times(column)
    assert [c for c, f in zip(cells, fast, strict=True) if f is not None] == [
        cells[0],
        cells[5],
        cells[10],
    ]  # year 1 is left to values.instant, which refuses it (1970 to 2999)
    with pytest.raises(v.CellError, match="out of range"):
        v.instant(cells[8], None)
    for cell, value in zip(cells, fast, strict=True):
        if value is not None:
            assert value == v.instant(cell, None)
    assert kinds._present(column).tolist() == [v.given(c) for c in cells]


class Interrupt(Exception):
    pass


def test_a_bulk_load_stopped_after_the_write_is_finished_by_running_it_again(
    embedded_engine: Engine,
    falkor_shops: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Killed between GRAPH.BULK and the shop's creation (its nodes and edges there, no schema,
    no shop node, no counters), ``load shop`` again takes the file-by-file path, which creates
    the schema and the shop on them and ends equal to an uninterrupted load."""
    one, two = shop_dir(tmp_path / "a"), tmp_path / "b"
    shutil.copytree(one, two)
    whole, stopped = new_shop_id("whole"), new_shop_id("stopped")
    falkor_shops += [whole, stopped]
    load_shop(embedded_engine, whole, one, Options(now=NOW))
    real_create = Shop.create

    def stop(*args: Any, **kwargs: Any) -> Shop:
        raise Interrupt

    monkeypatch.setattr(Shop, "create", stop)
    with pytest.raises(Interrupt):
        load_shop(embedded_engine, stopped, two, Options(now=NOW))
    monkeypatch.setattr(Shop, "create", real_create)
    assert not embedded_engine.can_bulk_create(stopped)  # the graph is there, half made
    again = load_shop(embedded_engine, stopped, two, Options(now=NOW))
    assert "bulk write" not in [p.kind for p in again.parts]
    assert dump(embedded_engine, whole) == dump(embedded_engine, stopped)


def test_the_demo_shop_is_made_new_by_load_shop(
    engine: Engine, shops: list[str], tmp_path: Path
) -> None:
    """``teamgraph up`` makes its demo shop with ``demo.create`` (E-11): the same rows as
    ``demo.build`` file by file, and the withdrawal queue on top."""
    from teamgraph.etl import demo

    size = {"customers": 600, "distributors": 60, "orders": 150, "rings": 4}
    size["end"] = generator.default_end()  # both dated alike, whatever the minute (D-2)
    new, built = new_shop_id("demo"), new_shop_id("built")
    shops += [new, built]
    _, counts = demo.create(engine, new, workdir=tmp_path / "new", **size)
    by_file = demo.build(
        Shop.create(engine, built, generator.SETTINGS), workdir=tmp_path / "built", **size
    )
    assert counts == by_file
    assert counts["customers"] == 600 and counts["signals"] > 0 and counts["withdrawals"] > 0
    assert 0 < counts["order_ids"] < counts["orders"]  # orders, and (more) order lines
    assert demo.describe(counts).count(f"{counts['order_ids']} orders (") == 1
