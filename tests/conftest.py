"""Shared fixtures: the real embedded engine on a temporary data directory, and a real Neo4j 5
server (marker ``neo4j``) at ``TEAMGRAPH_TEST_NEO4J_URI``, which ``make test`` starts
(tools/neo4j). The ``engine`` fixture is parametrised over both: every test written on it runs
on FalkorDB and on Neo4j; ``-m "not neo4j"`` runs the FalkorDB half alone."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from teamgraph.config import Settings
from teamgraph.graph import Engine, GraphStore, connect

ROOT = Path(__file__).resolve().parents[1]

# The scheduled jobs (issue 17) stay off in every process the suite starts (`teamgraph serve`,
# `up`, the UI): a fraud scan of every shop of the session's engine at each start would change
# what other tests read. tests/jobs turns them on where it tests them.
os.environ.setdefault("TEAMGRAPH_JOBS", "false")


def run_cli(
    data: Path, *args: str, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``teamgraph ARGS`` in its own process on data directory ``data``, as a user runs it
    (``env``: the whole environment, e.g. :func:`engine_env` for the engine of a test)."""
    env = env or dict(os.environ, TEAMGRAPH_DATA=str(data))
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


NEO4J_TEST_URI = "TEAMGRAPH_TEST_NEO4J_URI"
NEO4J_PHONE_KEY = "7e57" * 16
"""The phone key of every process on the suite's Neo4j, given as ``TEAMGRAPH_PHONE_KEY`` as
several hosts on one Neo4j are given theirs (docs/architecture.md): the tests' data
directories differ, and phones written by one process must be linked by another."""


def neo4j_env() -> dict[str, str]:
    """The environment that points teamgraph (in process or a CLI / API subprocess) at the test
    suite's Neo4j; empty where there is none."""
    uri = os.environ.get(NEO4J_TEST_URI)
    if not uri:
        return {}
    return {
        "NEO4J_URI": uri,
        "NEO4J_USER": os.environ.get("TEAMGRAPH_TEST_NEO4J_USER", "neo4j"),
        "NEO4J_PASSWORD": os.environ.get("TEAMGRAPH_TEST_NEO4J_PASSWORD", "teamgraph"),
        "TEAMGRAPH_PHONE_KEY": NEO4J_PHONE_KEY,
    }


def required_neo4j_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """:func:`neo4j_env` for a test that needs the suite's Neo4j, its user and password also
    put in this process's environment (the benchmarks read them from there). Without one the
    test is skipped, and fails on CI, where `make test` always starts one."""
    env = neo4j_env()
    if not env:
        reason = f"{NEO4J_TEST_URI} is not set: `make test` starts a Neo4j for the suite"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    monkeypatch.setenv("NEO4J_USER", env["NEO4J_USER"])
    monkeypatch.setenv("NEO4J_PASSWORD", env["NEO4J_PASSWORD"])
    return env


def plain_env(data: Path) -> dict[str, str]:
    """This process's environment on data directory ``data``, without any engine variable (a
    subprocess given it starts or attaches to the embedded engine of ``data``)."""
    env = dict(os.environ, TEAMGRAPH_DATA=str(data))
    for name in (
        "NEO4J_URI",
        "NEO4J_USER",
        "NEO4J_PASSWORD",
        "FALKORDB_URL",
        "TEAMGRAPH_PHONE_KEY",
    ):
        env.pop(name, None)
    return env


def engine_env(engine: Engine, data: Path) -> dict[str, str]:
    """The environment of a subprocess (``teamgraph serve``, the CLI) on the same engine."""
    return plain_env(data) | (neo4j_env() if engine.kind == "neo4j" else {})


def connect_neo4j(env: dict[str, str]) -> Engine:
    """A connection of its own to the suite's Neo4j (``env`` from :func:`neo4j_env`)."""
    return connect(
        Settings(NEO4J_URI=env["NEO4J_URI"], NEO4J_USER=env["NEO4J_USER"],
                 NEO4J_PASSWORD=env["NEO4J_PASSWORD"],
                 TEAMGRAPH_PHONE_KEY=env.get("TEAMGRAPH_PHONE_KEY", NEO4J_PHONE_KEY))
    )  # fmt: skip


@pytest.fixture(scope="session")
def neo4j_engine() -> Iterator[Engine]:
    env = neo4j_env()
    if not env:
        reason = f"{NEO4J_TEST_URI} is not set: `make test` starts a Neo4j for the suite"
        if os.environ.get("CI"):
            pytest.fail(reason)  # CI runs every test on both engines; a skip would hide that
        pytest.skip(reason)
    engine = connect_neo4j(env)
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


def whole_graph(store: GraphStore) -> dict[str, list[str]]:
    """Every node and edge of a shop with all its properties, in a canonical order: what a
    test compares before and after something that must write nothing (``dump.*``; a small shop
    only)."""

    def canonical(rows: list[dict[str, Any]]) -> list[str]:
        return sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)

    return {
        "nodes": canonical(store.read("dump.nodes")),
        "edges": canonical(store.read("dump.edges")),
    }
