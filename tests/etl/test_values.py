"""Cells to values: exact money (R-3.9), times with a zone, flags, lists."""

from __future__ import annotations

from datetime import datetime

import pytest

from teamgraph.etl import values as v


@pytest.mark.parametrize(
    ("cell", "fen"),
    [("0.07", 7), ("12.3", 1230), ("12.34", 1234), ("12", 1200), ("0", 0), (12.34, 1234),
     (3, 300), ("+1.50", 150), ("19999999.99", 1_999_999_999)],
)  # fmt: skip
def test_yuan_is_converted_exactly(cell: object, fen: int) -> None:
    assert v.money(cell, "yuan") == fen


@pytest.mark.parametrize(
    ("cell", "why"),
    [("12.345", "more than 2 decimal places"), ("-1.00", "negative"), ("1,000", "not an amount"),
     ("abc", "not an amount"), (True, "not a number")],
)  # fmt: skip
def test_bad_yuan_is_refused_with_the_reason(cell: object, why: str) -> None:
    with pytest.raises(v.CellError, match=why):
        v.money(cell, "yuan")


def test_fen_are_integers_and_a_decimal_hints_at_yuan() -> None:
    assert v.money("1234", "fen") == 1234
    assert v.money(1234.0, "fen") == 1234  # Excel stores every number as a double
    with pytest.raises(v.CellError, match=r"not an integer \(decimal yuan\? use --money yuan\)"):
        v.money("12.50", "fen")
    with pytest.raises(v.CellError, match="negative"):
        v.money("-5", "fen")


def test_times_need_a_zone() -> None:
    assert v.instant("2026-01-01T00:00:00+08:00", None) == 1_767_196_800_000
    assert v.instant("1767196800000", None) == 1_767_196_800_000
    assert v.instant(1_767_196_800_000, None) == 1_767_196_800_000
    assert v.instant("2026-01-01 00:00:00", "Asia/Shanghai") == 1_767_196_800_000
    assert v.instant(datetime(2026, 1, 1), "Asia/Shanghai") == 1_767_196_800_000
    with pytest.raises(v.CellError, match="no time zone"):
        v.instant("2026-01-01 00:00:00", None)
    with pytest.raises(v.CellError, match="not ISO-8601"):
        v.instant("yesterday", None)


def test_flags_lists_and_empty_cells() -> None:
    assert [v.boolean(x) for x in ("1", "true", "是", 0, "no", False)] == [
        True, True, True, False, False, False,
    ]  # fmt: skip
    assert v.items("vip; new;;") == ["vip", "new"]
    assert [v.given(x) for x in (None, float("nan"), "  ", "", "x", 0)] == [
        False, False, False, False, True, True,
    ]  # fmt: skip
    assert v.text(12.0) == "12"
