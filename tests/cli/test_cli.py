"""The CLI as a user runs it: separate processes on one data directory."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import ROOT, free_port
from tests.conftest import run_cli as run


def test_shop_create_is_idempotent_and_key_create_prints_the_key_alone(tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"tiers": 1, "attribution_mode": "sharer"}))
    first = run(tmp_path, "shop", "create", "acme", "--settings", str(settings))
    assert first.returncode == 0, first.stderr
    again = run(tmp_path, "shop", "create", "acme")
    assert again.returncode == 0, again.stderr
    key = run(tmp_path, "key", "create", "--shop", "acme", "--role", "merchant")
    assert key.returncode == 0, key.stderr
    assert re.fullmatch(r"acme\.[\w-]{20,}\n", key.stdout)


def test_bad_input_is_a_clear_error_with_its_code(tmp_path: Path) -> None:
    bad = run(tmp_path, "shop", "create", "Bad.Name")
    assert bad.returncode == 1
    assert "shop.invalid_id" in bad.stderr
    settings = tmp_path / "s.json"
    settings.write_text(json.dumps({"tiers": 5}))
    refused = run(tmp_path, "shop", "create", "acme", "--settings", str(settings))
    assert refused.returncode == 1 and "(R-3.7)" in refused.stderr
    missing = run(tmp_path, "key", "create", "--shop", "nobody", "--role", "merchant")
    assert missing.returncode == 1 and "shop.not_found" in missing.stderr
    role = run(tmp_path, "key", "create", "--shop", "acme", "--role", "admin")
    assert role.returncode == 1


def test_up_serves_api_and_ui_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    api_port, ui_port = free_port(), free_port()
    env = dict(os.environ, TEAMGRAPH_DATA=str(tmp_path))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "teamgraph",
            "up",
            "--api-port",
            str(api_port),
            "--ui-port",
            str(ui_port),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "merchant key" in line:
                break
        key = lines[-1].split()[-1]
        engine_pid = json.loads((tmp_path / "engine.json").read_text())["pid"]
        health = httpx.get(f"http://127.0.0.1:{api_port}/v1/health").json()
        assert health["engine"] == "falkordb-embedded" and health["answers"]
        settings = httpx.get(
            f"http://127.0.0.1:{api_port}/v1/settings", headers={"Authorization": f"Bearer {key}"}
        )
        assert settings.status_code == 200
        assert httpx.get(f"http://127.0.0.1:{ui_port}/").status_code == 200
        assert any("customers" in line for line in lines)  # the demo shop was generated
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
        if proc.stdout:
            proc.stdout.close()
    assert proc.returncode == 0
    deadline = time.monotonic() + 10
    while Path(f"/proc/{engine_pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{engine_pid}").exists(), "redis-server outlived `teamgraph up`"
    assert not (tmp_path / "engine.json").exists()


def test_shop_recount_reports_and_repairs(tmp_path: Path) -> None:
    assert run(tmp_path, "shop", "create", "acme").returncode == 0
    ok = run(tmp_path, "shop", "recount", "acme")
    assert ok.returncode == 0, ok.stderr
    assert "0 distributors' counters differ" in ok.stderr
