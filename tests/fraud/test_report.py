"""The scan's report files without a scan: ``rings.csv`` is written by the one table writer, so
member ids and signals a spreadsheet would run as formulas come out inert (X-1)."""

from __future__ import annotations

from pathlib import Path

from teamgraph.fraud import report
from tests.formulas import FORMULAS, assert_inert_csv, csv_table

RING = {
    "id": "ring-1",
    "score": 80,
    "status": "open",
    "kinds": ["self_dealing"],
    "members": len(FORMULAS),
    "distributors": 1,
    "at_stake": {
        "inside_fen": 1200, "pending_fen": 300, "held_fen": 0, "settled_fen": -50,
        "total_fen": 250,
    },
    "outside": {"pending_fen": 7, "held_fen": 0, "settled_fen": 90_000, "total_fen": 90_007},
    "hold": None,
    "top_signals": [FORMULAS[0], "shared device"],
    "member_list": [
        {"id": text, "name": None, "is_distributor": i == 0} for i, text in enumerate(FORMULAS)
    ],
    "edges": [],
    "contributions": [],
    "signals": [],
}  # fmt: skip


def test_rings_csv_writes_formulas_inert(tmp_path: Path) -> None:
    paths = report.write([RING], tmp_path, shop="s", summary="1 ring")
    data = paths["csv"].read_bytes()
    header, row = csv_table(data)
    assert header == [c.name for c in report.CSV_COLUMNS]
    assert row[:7] == ["ring-1", "80", "open", "self_dealing", "4", "1", "1200"]
    # issue 18 (F-3): what flowed inside, net, then the members' other earnings, apart
    assert row[7:15] == ["300", "0", "-50", "250", "7", "0", "90000", "90007"]
    assert row[15] == ""  # not frozen: no hold
    assert row[16] == "'" + FORMULAS[0] + " | shared device"
    assert row[17] == "'" + ";".join(FORMULAS)
    assert_inert_csv(data, [FORMULAS[0] + " | shared device", ";".join(FORMULAS)])
    assert paths["html"].read_text(encoding="utf-8").count("<svg") == 1
