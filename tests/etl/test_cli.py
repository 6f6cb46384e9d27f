"""`teamgraph load` as a user runs it: separate processes on one data directory (each process
costs seconds, so one test walks the whole path)."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.conftest import run_cli as run
from tests.etl.conftest import write_csv
from tests.etl.test_crmeb import users


def test_load_prints_counts_writes_rejects_and_a_rerun_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run(data, "shop", "create", "acme").returncode == 0
    people = write_csv(tmp_path / "people.csv", ["uid", "name", "joined_at"], [
        ["c7", "王伟", "2026-01-01 09:00"], ["c8", "李娜", "2026-01-01 10:00"],
    ], encoding="gbk")  # fmt: skip
    loaded = run(data, "load", "customers", str(people), "--shop", "acme", "--map", "uid=id",
                 "--tz", "Asia/Shanghai")  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr
    assert "customers: 2 loaded, 0 unchanged, 0 rejected" in loaded.stdout
    assert not (tmp_path / "people.csv.rejects.csv").exists()
    export = users(tmp_path)  # CRMEB eb_user, GBK, two bad rows
    first = run(data, "load", "customers", str(export), "--shop", "acme", "--preset", "crmeb")
    assert first.returncode == 2, first.stderr  # rows were rejected
    assert "crmeb users: 4 loaded, 0 unchanged, 2 rejected" in first.stdout
    assert "  bindings: 3 loaded, 0 unchanged, 2 rejected" in first.stdout
    assert "eb_user.csv.rejects.csv" in first.stderr
    with (tmp_path / "eb_user.csv.rejects.csv").open(encoding="utf-8-sig") as f:
        assert [r["uid"] for r in csv.DictReader(f)] == ["4", "5"]
    again = run(data, "load", "customers", str(export), "--shop", "acme", "--preset", "crmeb")
    assert "crmeb users: 0 loaded, 4 unchanged, 2 rejected" in again.stdout, again.stdout
