"""``teamgraph db backup`` / ``db restore`` (teamgraph/graph/backup.py, docs/operations.md): a
snapshot taken while the engine serves and writes, restored into a fresh data directory, holds
every node and relationship the shops had; restore refuses a running engine and existing data."""

from __future__ import annotations

import os
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from teamgraph.config import Settings
from teamgraph.etl import demo
from teamgraph.graph import Engine, connect
from teamgraph.graph.embedded import EmbeddedServer
from teamgraph.shop import Shop
from tests.conftest import plain_env, run_cli
from tests.shop import analytics_story as story


def census(engine: Engine, shop_id: str) -> dict[str, Any]:
    """Nodes per label set and relationships per type of one shop, and the whole of both."""
    store = engine.open(shop_id)
    nodes = store.read("dump.nodes")
    edges = store.read("dump.edges")
    return {
        "labels": Counter(":".join(sorted(r["labels"])) for r in nodes),
        "types": Counter(r["type"] for r in edges),
        "nodes": sorted(repr(sorted(r["props"].items())) for r in nodes),
        "edges": sorted(repr((r["type"], r["from_id"], r["to_id"])) for r in edges),
    }


def _customers(shop: Shop) -> int:
    return int(shop.store.read("shop.counts")[0]["customers"])


def test_a_backup_taken_while_serving_restores_every_count(tmp_path: Path) -> None:
    src, dst, snap = tmp_path / "src", tmp_path / "dst", tmp_path / "snap.rdb"
    engine = connect(Settings(TEAMGRAPH_DATA=str(src)))
    try:
        members = Shop.create(engine, "members")
        demo.load(members, demo.generate(customers=200, distributors=20))
        members.create_key("merchant")
        orders = Shop.create(engine, "orders", story.SETTINGS)
        story.build(orders)  # orders, a refund, rewards and their ledger
        busy = Shop.create(engine, "busy")
        before = {s: census(engine, s) for s in ("members", "orders")}
        assert sum(before["orders"]["types"].values()) > 10

        # another shop is written to all along the backup
        stop, written = threading.Event(), [0]

        def write() -> None:
            while not stop.is_set():
                busy.create_customer(f"w{written[0]}", name="写入中")
                written[0] += 1

        writer = threading.Thread(target=write)
        writer.start()
        try:
            while written[0] < 5:
                stop.wait(0.01)
            at_start = written[0]
            run = run_cli(src, "db", "backup", str(snap), env=plain_env(src))
            at_end = written[0]
        finally:
            stop.set()
            writer.join(30)
        assert run.returncode == 0, run.stderr
        assert f"backup: {snap} (" in run.stdout and "3 graph(s)" in run.stdout
        assert at_end > at_start  # the engine kept taking writes while it saved
        assert snap.read_bytes().startswith(b"REDIS")
        assert not (src / "dump.rdb").exists()  # moved to the operator's file, not left behind

        # the running engine's data directory is not restored over
        refused = run_cli(src, "db", "restore", str(snap), "--force", env=plain_env(src))
        assert refused.returncode != 0
        assert "engine.running" in refused.stderr and "stop it first" in refused.stderr
        assert _customers(busy) == written[0]  # and the engine was not touched
    finally:
        engine.close()

    restored = run_cli(dst, "db", "restore", str(snap), env=plain_env(dst))
    assert restored.returncode == 0, restored.stderr
    assert "the next engine start loads it" in restored.stdout
    again = connect(Settings(TEAMGRAPH_DATA=str(dst)))
    try:
        assert sorted(again.shops()) == ["busy", "members", "orders"]
        for shop_id, was in before.items():
            now = census(again, shop_id)
            assert now["labels"] == was["labels"], shop_id
            assert now["types"] == was["types"], shop_id
            assert now == was, shop_id  # property by property
        # the shop written to during the backup: as it stood at some moment of the backup
        assert at_start <= _customers(Shop.open(again, "busy")) <= at_end
        Shop.open(again, "members").create_customer("after-restore")  # and it takes writes
    finally:
        again.close()


def test_restore_refuses_existing_data_and_files_that_are_no_snapshot(tmp_path: Path) -> None:
    data, snap = tmp_path / "data", tmp_path / "snap.rdb"
    engine = connect(Settings(TEAMGRAPH_DATA=str(data)))
    try:
        Shop.create(engine, "one").create_customer("c1", name="甲")
    finally:
        engine.close()
    # no engine runs: the backup starts one for itself and stops it again
    run = run_cli(data, "db", "backup", str(tmp_path), env=plain_env(data))
    assert run.returncode == 0, run.stderr
    assert "started one for the backup" in run.stdout
    assert EmbeddedServer(data).record() is None
    (made,) = tmp_path.glob("teamgraph-*.rdb")
    made.rename(snap)
    again = run_cli(data, "db", "backup", str(snap), env=plain_env(data))
    assert again.returncode == 1 and "backup.exists" in again.stderr  # never overwritten

    over = run_cli(data, "db", "restore", str(snap), env=plain_env(data))
    assert over.returncode == 1 and "backup.data_exists" in over.stderr
    not_rdb = tmp_path / "settings.json"
    not_rdb.write_text("{}")
    wrong = run_cli(tmp_path / "fresh", "db", "restore", str(not_rdb), env=plain_env(data))
    assert wrong.returncode == 1 and "backup.not_a_snapshot" in wrong.stderr

    forced = run_cli(data, "db", "restore", str(snap), "--force", env=plain_env(data))
    assert forced.returncode == 0, forced.stderr
    (aside,) = data.glob("appendonlydir.before-restore-*")
    assert any(aside.iterdir())  # the replaced data is kept, not deleted
    engine = connect(Settings(TEAMGRAPH_DATA=str(data)))
    try:
        assert Shop.open(engine, "one").customer("c1")["name"] == "甲"
    finally:
        engine.close()


def test_backup_and_restore_name_the_neo4j_tools_on_neo4j(tmp_path: Path) -> None:
    env = plain_env(tmp_path) | {"NEO4J_URI": "bolt://127.0.0.1:1"}
    for args in (("backup", str(tmp_path / "x.rdb")), ("restore", str(tmp_path / "x.rdb"))):
        run = run_cli(tmp_path, "db", *args, env=env)
        assert run.returncode == 2 and "neo4j-admin database dump" in run.stderr
    assert not (tmp_path / "x.rdb").exists()
    assert os.listdir(tmp_path) == []
