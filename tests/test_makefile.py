"""The Makefile's `make demo` passes the ports of `teamgraph up` on (issue 17: it could not):
checked with `make -n`, which prints the commands without running them."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import ROOT


def _demo_command(*args: str) -> str:
    make = shutil.which("make")
    if make is None:
        pytest.fail("make is not installed")
    done = subprocess.run(
        [make, "-n", "demo", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return next(line for line in done.stdout.splitlines() if "teamgraph up" in line)


def test_make_demo_takes_the_api_and_ui_ports() -> None:
    assert _demo_command().endswith("teamgraph up --api-port 8000 --ui-port 8050")
    custom = _demo_command("API_PORT=8001", "UI_PORT=8051")
    assert custom.endswith("teamgraph up --api-port 8001 --ui-port 8051")
