"""Shared fixtures: the real embedded engine on a temporary data directory, and Neo4j when
``NEO4J_URI`` is set (marker ``neo4j``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from teamgraph.config import Settings
from teamgraph.graph import Engine, GraphStore, connect

ROOT = Path(__file__).resolve().parents[1]


def run_cli(data: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``teamgraph ARGS`` in its own process on data directory ``data``, as a user runs it."""
    env = dict(os.environ, TEAMGRAPH_DATA=str(data))
    return subprocess.run(
        [sys.executable, "-m", "teamgraph", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("teamgraph-data")


@pytest.fixture(scope="session")
def embedded_engine(data_dir: Path) -> Iterator[Engine]:
    """One embedded FalkorDB for the session, started by teamgraph itself."""
    engine = connect(Settings(TEAMGRAPH_DATA=str(data_dir)))
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def neo4j_engine() -> Iterator[Engine]:
    if not os.environ.get("NEO4J_URI"):
        pytest.skip("NEO4J_URI is not set: the Neo4j contract runs where a Neo4j 5 server is")
    engine = connect(Settings())
    yield engine
    engine.close()


@pytest.fixture(
    scope="session",
    params=["falkordb", pytest.param("neo4j", marks=pytest.mark.neo4j)],
)
def engine(request: pytest.FixtureRequest) -> Engine:
    """Every engine the contract runs on: embedded FalkorDB always, Neo4j when configured."""
    name = "embedded_engine" if request.param == "falkordb" else "neo4j_engine"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


def new_shop_id(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def store(engine: Engine) -> Iterator[GraphStore]:
    """A fresh shop graph with its schema, dropped afterwards."""
    s = engine.open(new_shop_id())
    s.setup_schema()
    yield s
    s.drop()
