"""docker-compose.yml is valid and wires the API and UI to Neo4j (no engine runs here: only
the client validates the file)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from tests.conftest import ROOT


def _compose() -> list[str]:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")  # Debian's package, installed by `make test`
    if legacy is None:
        pytest.fail("neither `docker compose` nor `docker-compose` is installed: run `make test`")
    return [legacy]


def test_compose_file_is_valid_and_points_the_api_at_neo4j() -> None:
    result = subprocess.run(
        [*_compose(), "config"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    services = config["services"]
    assert {"neo4j", "api", "ui"} <= set(services)
    assert services["neo4j"]["image"] == "neo4j:5.26-community"  # Community by default
    assert "healthcheck" in services["neo4j"]
    for name in ("api", "ui"):
        assert services[name]["environment"]["NEO4J_URI"] == "bolt://neo4j:7687"
        assert services[name]["environment"]["NEO4J_DATABASE_PER_SHOP"] == "false"
    assert services["api"]["depends_on"]["neo4j"]["condition"] == "service_healthy"
    # P-3: every teamgraph service keeps its data directory, the phone key's, on one volume
    for name in ("setup", "api", "ui"):
        data = services[name]["environment"]["TEAMGRAPH_DATA"]
        mounts = {  # the long form (docker compose) or the short one (docker-compose 1.x)
            (v["source"], v["target"]) if isinstance(v, dict) else tuple(v.split(":")[:2])
            for v in services[name]["volumes"]
        }
        assert ("teamgraph-data", data) in mounts, (name, mounts)
