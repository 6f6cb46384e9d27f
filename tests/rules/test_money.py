"""The one integer guard and the yuan formatter of rules/money.py (R-3.9)."""

from __future__ import annotations

from typing import Any

import pytest

from teamgraph.rules import commission, ledger, levels, money, withdrawals


@pytest.mark.parametrize("value", [0, -5, 12_345, 10**20])
def test_require_int_passes_ints_through(value: int) -> None:
    assert money.require_int(value, "amount") is value


@pytest.mark.parametrize("value", [1.0, 12.5, True, False, "12", None])
def test_r3_9_require_int_refuses_floats_bools_and_text(value: Any) -> None:
    with pytest.raises(TypeError, match=r"^amount must be an int, got "):
        money.require_int(value, "amount")


def test_the_rules_modules_share_the_one_guard() -> None:
    for module in (commission, ledger, levels, withdrawals):
        assert module.require_int is money.require_int
        assert not hasattr(module, "_int")
    with pytest.raises(TypeError, match="fen must be an int"):
        money.yuan(1.5)  # type: ignore[arg-type]
