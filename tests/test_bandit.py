"""bandit over teamgraph/ with the project's configuration (``[tool.bandit]`` in pyproject.toml,
each skipped test id with its reason): no High-severity finding (docs/reliability.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import ROOT


def _bandit(target: Path, out: Path) -> dict[str, Any]:
    """bandit's JSON report on ``target`` (a file or a directory), configured as the project is
    (written to ``out``: bandit draws its progress bar on standard output)."""
    args = ["-c", "pyproject.toml", "-q", "-r", str(target), "-f", "json", "-o", str(out)]
    run = subprocess.run(
        [sys.executable, "-m", "bandit", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode in (0, 1), run.stderr  # 1: findings, reported below
    report: dict[str, Any] = json.loads(out.read_text())
    assert not report["errors"], report["errors"]  # every file was read
    return report


def _high(report: dict[str, Any]) -> list[str]:
    return [
        f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
        for r in report["results"]
        if r["issue_severity"] == "HIGH"
    ]


def test_bandit_finds_no_high_severity_issue_in_teamgraph(tmp_path: Path) -> None:
    report = _bandit(ROOT / "teamgraph", tmp_path / "report.json")
    assert report["metrics"]["_totals"]["loc"] > 10_000  # it read the package
    assert _high(report) == []


def test_the_gate_sees_a_high_finding(tmp_path: Path) -> None:
    """The configuration skips no High test: a weak hash and a shell command are caught."""
    planted = tmp_path / "planted.py"
    planted.write_text(
        "import hashlib, subprocess\n"
        "def digest(x: bytes) -> str:\n"
        "    return hashlib.md5(x).hexdigest()\n"
        "def run(cmd: str) -> None:\n"
        "    subprocess.call(cmd, shell=True)\n"
    )
    found = _high(_bandit(planted, tmp_path / "report.json"))
    assert [f.split()[1] for f in found] == ["B324", "B602"], found
