"""Engine errors are the same on both engines (docs/neo4j.md "Errors"): a server that does not
answer is ``graph.unavailable``, refused credentials ``graph.auth_failed``; while the engine is
down the API answers 503 with the JSON error, and once it is back the API serves again without
a restart. Each engine here is a server of the test's own, stopped and started on one port."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from teamgraph.config import Settings
from teamgraph.errors import EngineError
from teamgraph.graph import connect
from teamgraph.shop import Shop
from tests.api.conftest import start_server, stop_server
from tests.conftest import ROOT, free_port, neo4j_env, plain_env, run_cli

NEO4J_SCRIPT = ROOT / "tools" / "neo4j" / "neo4j.sh"


class Neo4jServer:
    """A Neo4j of the test's own (tools/neo4j), on a fixed port across restarts."""

    def __init__(self, home: Path) -> None:
        self.home, self.port = home, free_port()
        self.env = {
            "NEO4J_URI": f"bolt://127.0.0.1:{self.port}",
            "NEO4J_USER": "neo4j",
            "NEO4J_PASSWORD": "teamgraph",
        }

    def start(self) -> None:
        subprocess.run(
            [str(NEO4J_SCRIPT), "start", str(self.home), str(self.port)],
            cwd=ROOT, check=True, capture_output=True, timeout=180,
            env=dict(os.environ, NEO4J_PASSWORD="teamgraph", NEO4J_HEAP="512m"),
        )  # fmt: skip

    def stop(self) -> None:
        subprocess.run(
            [str(NEO4J_SCRIPT), "stop", str(self.home)],
            cwd=ROOT, check=True, capture_output=True, timeout=120,
        )  # fmt: skip


class FalkorServer:
    """An embedded FalkorDB run detached (``teamgraph db start``), reached as an external
    server (FALKORDB_URL)."""

    def __init__(self, home: Path) -> None:
        self.home, self.port = home, free_port()
        self.env = {"FALKORDB_URL": f"redis://127.0.0.1:{self.port}"}

    def _db(self, command: str) -> None:
        env = dict(os.environ, TEAMGRAPH_ENGINE_PORT=str(self.port))
        done = run_cli(self.home, "db", command, env=env | {"TEAMGRAPH_DATA": str(self.home)})
        assert done.returncode == 0, done.stderr

    def start(self) -> None:
        self._db("start")

    def stop(self) -> None:
        self._db("stop")


Server = Neo4jServer | FalkorServer


@pytest.fixture(
    params=["falkordb", pytest.param("neo4j", marks=pytest.mark.neo4j)],
)
def own_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    if request.param == "neo4j":
        if not neo4j_env() or not shutil.which("java"):
            pytest.fail("the Neo4j half needs Java and the suite's Neo4j (make test)")
        server: Server = Neo4jServer(tmp_path / "neo4j")
    else:
        server = FalkorServer(tmp_path / "falkordb")
    server.start()
    yield server
    server.stop()


def _until(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False


def test_the_api_answers_503_while_the_engine_is_down_and_serves_again_after(
    own_server: Server, tmp_path: Path
) -> None:
    env = plain_env(tmp_path) | own_server.env
    engine = connect(Settings.model_validate(env))
    try:
        key = Shop.create(engine, "outage").create_key("merchant")
    finally:
        engine.close()
    proc, url = start_server(env)
    headers = {"Authorization": f"Bearer {key}"}
    try:
        assert httpx.get(f"{url}/v1/settings", headers=headers, timeout=30).status_code == 200
        own_server.stop()
        down = httpx.get(f"{url}/v1/settings", headers=headers, timeout=60)
        assert down.status_code == 503, down.text
        assert down.headers["content-type"] == "application/json"
        assert down.json()["error"]["code"] == "graph.unavailable"
        assert down.headers["retry-after"].isdigit()
        garbage = httpx.get(f"{url}/v1/settings", headers={"Authorization": "Bearer x"})
        assert garbage.status_code == 401  # a key that cannot be one needs no engine
        health = httpx.get(f"{url}/v1/health", timeout=60)
        assert (health.status_code, health.json()["answers"]) == (503, False)
        assert int(health.headers["retry-after"]) > 0
        own_server.start()
        assert _until(
            lambda: httpx.get(f"{url}/v1/settings", headers=headers, timeout=60).status_code == 200,
            60,
        ), "the API did not serve again once the engine was back"
        assert httpx.get(f"{url}/v1/health", timeout=30).json()["answers"] is True
    finally:
        stop_server(proc)


@pytest.mark.parametrize(
    "settings",
    [
        {"FALKORDB_URL": "redis://127.0.0.1:{port}"},
        pytest.param({"NEO4J_URI": "bolt://127.0.0.1:{port}"}, marks=pytest.mark.neo4j),
    ],
    ids=["falkordb", "neo4j"],
)
def test_a_server_that_does_not_answer_is_graph_unavailable(settings: dict[str, str]) -> None:
    port = free_port()  # nothing listens there
    values = {k: v.format(port=port) for k, v in settings.items()}
    with pytest.raises(EngineError) as info:
        engine = connect(Settings.model_validate(values))
        engine.open("nowhere").read("shop.get", id="nowhere")
    assert (info.value.code, info.value.status) == ("graph.unavailable", 503)


@pytest.mark.neo4j
def test_refused_credentials_are_graph_auth_failed() -> None:
    env = neo4j_env()
    if not env:
        pytest.fail("needs the suite's Neo4j (make test)")
    with pytest.raises(EngineError) as info:
        connect(Settings(NEO4J_URI=env["NEO4J_URI"], NEO4J_PASSWORD="not-the-password"))
    assert (info.value.code, info.value.status) == ("graph.auth_failed", 503)
