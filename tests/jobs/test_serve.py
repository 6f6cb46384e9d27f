"""Issue 17 end to end: the runner inside a real ``teamgraph serve`` runs the jobs that are due
(each period's run recorded once, read back over ``GET /v1/jobs``), and operators see and run
jobs with ``teamgraph jobs list|run``. On an engine of its own (the embedded FalkorDB of a
fresh data directory): a runner runs every shop of its engine, and the session's engine holds
other tests' shops."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from teamgraph.config import Settings
from teamgraph.graph import Engine, connect
from teamgraph.shop import Shop
from tests.api.conftest import start_server, stop_server
from tests.conftest import plain_env, run_cli

LADDER = {"ladder": [{"threshold_fen": 10_000, "bonus_fen": 500}]}


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, Path]]:
    data = tmp_path_factory.mktemp("jobs-data")
    engine = connect(Settings(TEAMGRAPH_DATA=str(data)))
    yield engine, data
    engine.close()


def test_jobs_run_and_list_for_operators(own: tuple[Engine, Path]) -> None:
    """`teamgraph jobs run NAME --period P` runs and records a period once (--again: once
    more); `teamgraph jobs list` shows each job's schedule, last run and next run."""
    engine, data = own
    Shop.create(engine, "ops", LADDER)
    env = plain_env(data)
    listed = run_cli(data, "jobs", "list", "--shop", "ops", env=env)
    assert listed.returncode == 0, listed.stderr
    out = listed.stdout
    assert "shop ops (Asia/Shanghai)" in out and out.count("last: never") == 4
    assert "monthly, on the 1st at 03:00" in out and "nightly at 03:00" in out
    ran = run_cli(data, "jobs", "run", "ladder", "--shop", "ops", "--period", "2026-10", env=env)
    assert ran.returncode == 0, ran.stderr
    assert '"month": "2026-10"' in ran.stdout and "ok in" in ran.stderr
    again = run_cli(data, "jobs", "run", "ladder", "--shop", "ops", "--period", "2026-10", env=env)
    assert again.returncode == 0 and "not run (ok" in again.stderr
    bad = run_cli(data, "jobs", "run", "ladder", "--shop", "ops", "--period", "Oct", env=env)
    assert bad.returncode == 1 and "job.period" in bad.stderr
    unknown = run_cli(data, "jobs", "run", "payroll", "--shop", "ops", env=env)
    assert unknown.returncode == 1 and "job.not_found" in unknown.stderr
    listed = run_cli(data, "jobs", "list", "--shop", "ops", env=env).stdout
    assert "last: 2026-10 ok at" in listed
    run = Shop.open(engine, "ops").job_run("ladder", "2026-10")
    assert run is not None and (run["status"], run["attempts"], run["runner"]) == ("ok", 1, "cli")


def test_the_scheduler_inside_teamgraph_serve_runs_the_due_jobs(own: tuple[Engine, Path]) -> None:
    """A real `teamgraph serve` with TEAMGRAPH_JOBS on: its runner thread runs each job's due
    period (the ladder of last month, last night's scan and retention) without anyone asking,
    records it, and GET /v1/jobs shows it."""
    engine, data = own
    shop = Shop.create(engine, "served", LADDER)
    key = shop.create_key("merchant")
    env = plain_env(data) | {
        "TEAMGRAPH_JOBS": "true",
        "TEAMGRAPH_JOBS_POLL_S": "0.2",
        "TEAMGRAPH_WEBHOOKS_DELIVER": "false",
    }
    proc, url = start_server(env)
    try:
        deadline = time.monotonic() + 120
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as client:
            while True:
                answer = client.get("/v1/jobs")
                assert answer.status_code == 200, answer.text
                items = {i["job"]: i for i in answer.json()["items"]}
                done = {j: (i["last_run"] or {}).get("status") for j, i in items.items()}
                if all(s == "ok" for s in done.values()) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
        assert done == {
            "ladder": "ok", "team-reward": "ok", "fraud-scan": "ok", "signal-retention": "ok"
        }  # fmt: skip
        ladder = items["ladder"]["last_run"]
        assert ladder["runner"].endswith(f":{proc.pid}") and ladder["attempts"] == 1
        assert ladder["summary"] == {"month": ladder["period"], "bonuses": 0, "amount_fen": 0}
        assert ladder["started_at"].endswith("+08:00")  # shop time
        assert items["ladder"]["next_period"] > ladder["period"]
        assert len(items["fraud-scan"]["runs"]) == 1
    finally:
        stop_server(proc)
    assert os.environ.get("TEAMGRAPH_JOBS") == "false"  # the rest of the suite runs none
