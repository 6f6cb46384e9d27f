"""The CLI as a user runs it: separate processes on one data directory (the embedded engine),
or on the suite's Neo4j (the shop commands run on both engines)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest

from teamgraph.graph import Engine
from tests.conftest import ROOT, engine_env, free_port, new_shop_id, plain_env
from tests.conftest import run_cli as run

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(engine: Engine, tmp_path: Path) -> Iterator[tuple[Cli, str]]:
    """``teamgraph ...`` in its own process on the test's engine, and a shop id of its own
    (dropped afterwards: on Neo4j the suite's shops share one database)."""
    env = engine_env(engine, tmp_path)
    shop = new_shop_id("acme")
    yield (lambda *args: run(tmp_path, *args, env=env)), shop
    engine.open(shop).drop()


def test_shop_create_is_idempotent_and_key_create_prints_the_key_alone(
    cli: tuple[Cli, str], tmp_path: Path
) -> None:
    teamgraph, shop = cli
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"tiers": 1, "attribution_mode": "sharer"}))
    first = teamgraph("shop", "create", shop, "--settings", str(settings))
    assert first.returncode == 0, first.stderr
    again = teamgraph("shop", "create", shop)
    assert again.returncode == 0, again.stderr
    key = teamgraph("key", "create", "--shop", shop, "--role", "merchant")
    assert key.returncode == 0, key.stderr
    assert re.fullmatch(rf"{shop}\.[\w-]{{20,}}\n", key.stdout)


def test_keys_are_named_listed_and_revoked_from_the_cli(cli: tuple[Cli, str]) -> None:
    """Issue 16: `key create --name`, `key list`, `key revoke ID`; each change audited by `cli`."""
    teamgraph, shop = cli
    assert teamgraph("shop", "create", shop).returncode == 0
    made = teamgraph("key", "create", "--shop", shop, "--role", "analyst", "--name", "报表")
    assert made.returncode == 0, made.stderr
    key_id = re.search(r"created (key_[0-9a-f]{16})", made.stderr)
    assert key_id is not None, made.stderr
    listed = teamgraph("key", "list", "--shop", shop)
    assert listed.returncode == 0, listed.stderr
    [record] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (record["id"], record["name"], record["role"]) == (key_id[1], "报表", "analyst")
    assert made.stdout.strip().split(".", 1)[1] not in listed.stdout, "never the secret"
    revoked = teamgraph("key", "revoke", key_id[1], "--shop", shop, "--reason", "rotated out")
    assert revoked.returncode == 0, revoked.stderr
    assert json.loads(revoked.stdout)["status"] == "revoked"
    assert teamgraph("key", "list", "--shop", shop).stdout == ""
    again = teamgraph("key", "list", "--shop", shop, "--ended")
    assert json.loads(again.stdout)["status"] == "revoked"
    unknown = teamgraph("key", "revoke", "key_0000000000000000", "--shop", shop)
    assert unknown.returncode == 1 and "key.not_found" in unknown.stderr


def test_bad_input_is_a_clear_error_with_its_code(cli: tuple[Cli, str], tmp_path: Path) -> None:
    teamgraph, shop = cli
    bad = teamgraph("shop", "create", "Bad.Name")
    assert bad.returncode == 1
    assert "shop.invalid_id" in bad.stderr
    settings = tmp_path / "s.json"
    settings.write_text(json.dumps({"tiers": 5}))
    refused = teamgraph("shop", "create", shop, "--settings", str(settings))
    assert refused.returncode == 1 and "(R-3.7)" in refused.stderr
    missing = teamgraph("key", "create", "--shop", "nobody", "--role", "merchant")
    assert missing.returncode == 1 and "shop.not_found" in missing.stderr
    role = teamgraph("key", "create", "--shop", shop, "--role", "admin")
    assert role.returncode == 1


def _start_up(data: Path, api_port: int, ui_port: int, err: IO[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "teamgraph", "up", "--api-port", str(api_port),
         "--ui-port", str(ui_port)],
        env=dict(os.environ, TEAMGRAPH_DATA=str(data)),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=err,
        text=True,
        start_new_session=True,  # its own group, as a terminal's foreground job has
        # started with SIGINT ignored, as a shell's background job is: Ctrl-C must still work
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )  # fmt: skip


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize("stop", ["ctrl-c", "sigterm"])
def test_up_serves_api_and_ui_and_a_stop_signal_stops_everything(tmp_path: Path, stop: str) -> None:
    """`teamgraph up` serves the API and the UI on a demo shop. Ctrl-C at a terminal (SIGINT to
    the whole foreground group) and SIGTERM to `up` alone (kill, systemd, docker stop) both stop
    the API, the UI and the engine, which teamgraph stops itself: its log is compacted (the
    engine runs in a group of its own, so Ctrl-C does not reach it first). A second `up` on the
    same data directory or ports is refused with exit 1 (issue 14)."""
    api_port, ui_port = free_port(), free_port()
    err = (tmp_path / "up.err").open("w")
    proc = _start_up(tmp_path, api_port, ui_port, err)
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "merchant key" in line:
                break
        key = lines[-1].split()[-1]
        engine_pid = json.loads((tmp_path / "engine.json").read_text())["pid"]
        assert os.getpgid(engine_pid) != os.getpgid(proc.pid)
        health = httpx.get(f"http://127.0.0.1:{api_port}/v1/health").json()
        assert health["engine"] == "falkordb-embedded" and health["answers"]
        settings = httpx.get(
            f"http://127.0.0.1:{api_port}/v1/settings", headers={"Authorization": f"Bearer {key}"}
        )
        assert settings.status_code == 200
        page = httpx.get(f"http://127.0.0.1:{ui_port}/")
        assert page.status_code == 200
        assert "waitress" in page.headers.get("server", "")  # not Flask's development server
        assert any("customers" in line for line in lines)  # the demo shop was generated
        link = next(line.split()[2] for line in lines if "distributor center" in line)
        with httpx.Client(follow_redirects=True) as phone:  # issue 15: make demo's center link
            center = phone.get(link)
            assert center.status_code == 200 and "分销中心" in center.text
        again = run(tmp_path, "up", "--api-port", str(free_port()), "--ui-port", str(free_port()))
        assert again.returncode == 1 and "already runs on" in again.stderr, again.stderr
        taken = run(tmp_path / "other", "up", "--api-port", str(api_port))
        assert taken.returncode == 1 and f"cannot listen on 127.0.0.1:{api_port}" in taken.stderr
    finally:
        if stop == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # leave nothing running for the next tests
            proc.wait(10)
            log = (tmp_path / "up.err").read_text(errors="replace")[-3000:]
            pytest.fail(f"teamgraph up did not stop within 60 s of {stop}; its log ends:\n{log}")
        finally:
            err.close()
            if proc.stdout:
                proc.stdout.close()
    assert proc.returncode == 0
    deadline = time.monotonic() + 10
    while Path(f"/proc/{engine_pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{engine_pid}").exists(), "redis-server outlived `teamgraph up`"
    assert not (tmp_path / "engine.json").exists()
    assert _port_free(api_port) and _port_free(ui_port)
    aof = tmp_path / "appendonlydir"
    assert sum(f.stat().st_size for f in aof.glob("*.incr.aof")) == 0  # stopped by teamgraph
    log = (tmp_path / "up.err").read_text(errors="replace")
    assert "development server" not in log and "GET /" not in log  # no request lines


def test_shop_recount_reports_and_repairs(cli: tuple[Cli, str]) -> None:
    teamgraph, shop = cli
    assert teamgraph("shop", "create", shop).returncode == 0
    ok = teamgraph("shop", "recount", shop)
    assert ok.returncode == 0, ok.stderr
    assert "0 distributors' counters differ" in ok.stderr


def test_serve_with_workers_shares_one_engine_and_stops_it(tmp_path: Path) -> None:
    """`teamgraph serve --workers 2`: two API processes on one port and the one embedded
    engine the serving process owns; every request answers, and SIGTERM stops all of it."""
    port = free_port()
    env = plain_env(tmp_path)
    assert run(tmp_path, "shop", "create", "workers", env=env).returncode == 0
    made = run(tmp_path, "key", "create", "--shop", "workers", "--role", "merchant", env=env)
    key_text = made.stdout.strip()
    proc = subprocess.Popen(
        [sys.executable, "-m", "teamgraph", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        engine_pid = json.loads((tmp_path / "engine.json").read_text())["pid"]
        auth = {"Authorization": f"Bearer {key_text}"}
        with httpx.Client(base_url=url, headers=auth) as client:
            answers = [
                client.post("/v1/customers", json={"id": f"c{i}"}).status_code for i in range(20)
            ]
            assert answers == [201] * 20
            assert client.get("/v1/customers/c19").json()["id"] == "c19"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    assert proc.returncode == 0
    deadline = time.monotonic() + 10
    while Path(f"/proc/{engine_pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{engine_pid}").exists(), "redis-server outlived `teamgraph serve`"


def test_shop_team_reward_runs_for_a_month_and_refuses_a_bad_one(cli: tuple[Cli, str]) -> None:
    """`teamgraph shop team-reward` (docs/choices.md TR-1), the ladder's twin: safe to run
    again; a month that is not YYYY-MM is a clear error."""
    teamgraph, shop = cli
    assert teamgraph("shop", "create", shop).returncode == 0
    done = teamgraph("shop", "team-reward", shop, "--month", "2026-01")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and "0 team rewards awarded for 2026-01" in done.stderr
    bad = teamgraph("shop", "team-reward", shop, "--month", "January")
    assert bad.returncode != 0 and "ladder.month" in bad.stderr
