"""Withdrawal rules (R-5.1–R-5.4, R-3.11), pure: time and balances are arguments."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teamgraph.errors import Conflict, ValidationError
from teamgraph.rules import withdrawals as W
from teamgraph.rules.settings import Withdrawal
from teamgraph.rules.timeutil import to_ms

SH = ZoneInfo("Asia/Shanghai")
RULES = Withdrawal(methods=["bank", "alipay"], min_fen=1_000, max_fen=500_000, max_count=3)


def at(*args: int, tz: ZoneInfo = SH) -> int:
    return to_ms(datetime(*args, tzinfo=tz))  # type: ignore[arg-type, misc]


# --- periods ----------------------------------------------------------------------------


def test_r5_1_w1_periods_are_local_calendar_periods() -> None:
    now = at(2026, 3, 4, 10, 30)  # a Wednesday, Shanghai
    assert W.period_start(now, "day", "Asia/Shanghai") == at(2026, 3, 4)
    assert W.period_start(now, "week", "Asia/Shanghai") == at(2026, 3, 2)  # Monday
    assert W.period_start(now, "month", "Asia/Shanghai") == at(2026, 3, 1)


def test_r5_1_w1_a_sunday_belongs_to_the_week_from_the_monday_before() -> None:
    now = at(2026, 3, 1, 23, 59)  # Sunday 1 March
    assert W.period_start(now, "week", "Asia/Shanghai") == at(2026, 2, 23)
    assert W.period_start(now, "month", "Asia/Shanghai") == at(2026, 3, 1)
    assert W.period_start(at(2026, 3, 2), "week", "Asia/Shanghai") == at(2026, 3, 2)


def test_r5_1_w1_the_shop_time_zone_decides_the_day() -> None:
    # 17:00 UTC on 3 March is 01:00 on 4 March in Shanghai: the day began at 16:00 UTC.
    now = at(2026, 3, 3, 17, 0, tz=ZoneInfo("UTC"))
    assert W.period_start(now, "day", "Asia/Shanghai") == at(2026, 3, 3, 16, 0, tz=ZoneInfo("UTC"))
    assert W.period_start(now, "day", "UTC") == at(2026, 3, 3, tz=ZoneInfo("UTC"))


def test_r5_1_w1_a_dst_day_starts_at_local_midnight() -> None:
    berlin = ZoneInfo("Europe/Berlin")  # 29 March 2026: clocks go forward at 02:00
    now = at(2026, 3, 29, 12, 0, tz=berlin)
    start = W.period_start(now, "day", "Europe/Berlin")
    assert start == at(2026, 3, 29, tz=berlin)
    assert now - start == 11 * 3_600_000  # a 23-hour day: 00:00 CET to 12:00 CEST is 11 hours


def test_r5_1_unknown_period_is_refused() -> None:
    with pytest.raises(ValueError):
        W.period_start(at(2026, 3, 4), "year", "Asia/Shanghai")  # type: ignore[arg-type]


@given(
    now=st.integers(0, 4_000_000_000_000),
    per=st.sampled_from(["day", "week", "month"]),
    tz=st.sampled_from(["Asia/Shanghai", "UTC", "Europe/Berlin", "America/New_York"]),
)
def test_r5_1_property_period_start_is_the_start_of_the_period_containing_now(
    now: int, per: W.Per, tz: str
) -> None:
    start = W.period_start(now, per, tz)
    assert start <= now
    assert W.period_start(start, per, tz) == start  # a start is its own period's start
    local = datetime.fromtimestamp(start / 1000, ZoneInfo(tz))
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    if per == "week":
        assert local.weekday() == 0
    if per == "month":
        assert local.day == 1
    longest = {"day": 1, "week": 7, "month": 31}[per]
    assert now - start < (longest * 24 + 1) * 3_600_000


# --- requests -------------------------------------------------------------------


def ask(**kw: Any) -> None:
    args: dict[str, Any] = {
        "amount": 10_000,
        "method": "bank",
        "withdrawable": 50_000,
        "count_in_period": 0,
    }
    args.update(kw)
    W.check_request(RULES, **args)


def test_r5_1_a_valid_request_passes() -> None:
    ask()
    ask(amount=1_000, method="alipay", count_in_period=2)  # the minimum, the last slot
    ask(amount=50_000, withdrawable=50_000)  # all of it


@pytest.mark.parametrize(
    ("kw", "code", "rule", "field"),
    [
        ({"method": "wechat"}, "withdrawal.method", "R-5.1", "method"),
        ({"amount": 999}, "withdrawal.amount", "R-5.1", "amount_fen"),
        ({"amount": 500_001, "withdrawable": 10**9}, "withdrawal.amount", "R-5.1", "amount_fen"),
        ({"amount": 0}, "withdrawal.amount", "R-5.1", "amount_fen"),
        ({"amount": -5}, "withdrawal.amount", "R-5.1", "amount_fen"),
        ({"count_in_period": 3}, "withdrawal.too_many", "R-5.1", "distributor_id"),
        ({"amount": 50_001}, "withdrawal.insufficient", "R-5.2", "amount_fen"),
        ({"withdrawable": 0}, "withdrawal.insufficient", "R-5.2", "amount_fen"),
    ],
)
def test_r5_1_requests_are_refused_with_the_rule(
    kw: dict[str, Any], code: str, rule: str, field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        ask(**kw)
    assert (info.value.code, info.value.rule, info.value.field) == (code, rule, field)


def test_r5_1_w4_the_first_failure_is_reported() -> None:
    with pytest.raises(ValidationError) as info:
        ask(method="wechat", amount=1, count_in_period=9, withdrawable=0)
    assert info.value.code == "withdrawal.method"
    with pytest.raises(ValidationError) as info:
        ask(amount=1, count_in_period=9, withdrawable=0)
    assert info.value.code == "withdrawal.amount"
    with pytest.raises(ValidationError) as info:
        ask(count_in_period=9, withdrawable=0)
    assert info.value.code == "withdrawal.too_many"
    assert info.value.extra == {"max_count": 3, "per": "month"}


def test_r3_11_a_negative_balance_withdraws_nothing() -> None:
    # ledger.withdrawable turns a settled balance of −400 into 0 (G-6).
    with pytest.raises(ValidationError) as info:
        ask(amount=1_000, withdrawable=0)
    assert info.value.extra["withdrawable_fen"] == 0


def test_r5_1_w3_a_zero_minimum_still_needs_a_positive_amount() -> None:
    rules = Withdrawal(min_fen=0)
    with pytest.raises(ValidationError):
        W.check_request(rules, amount=0, method="bank", withdrawable=100, count_in_period=0)
    W.check_request(rules, amount=1, method="bank", withdrawable=100, count_in_period=0)


# --- tax --------------------------------------------------------------------------------


def test_r5_4_tax_rounds_down() -> None:
    assert W.tax(12_345, 2000) == 2469  # 12345 × 0.2 = 2469.0
    assert W.tax(99, 2000) == 19  # 19.8 → 19
    assert W.tax(10_000, 0) == 0
    assert W.tax(10_000, 10_000) == 10_000
    assert W.tax(0, 2000) == 0


def test_r5_4_tax_rate_and_amount_are_in_range() -> None:
    with pytest.raises(ValueError):
        W.tax(100, 10_001)
    with pytest.raises(ValueError):
        W.tax(100, -1)
    with pytest.raises(ValueError):
        W.tax(-100, 100)


@given(amount=st.integers(0, 10**12), bp=st.integers(0, 10_000))
def test_r5_4_property_tax_is_the_floor(amount: int, bp: int) -> None:
    t = W.tax(amount, bp)
    assert 0 <= t <= amount
    assert t * 10_000 <= amount * bp < (t + 1) * 10_000


# --- masking ----------------------------------------------------------------------------


def test_r5_3_mask_keeps_the_last_four() -> None:
    assert W.mask_account("6222021234567890") == "************7890"
    assert W.mask_account("13800138000") == "*******8000"
    assert W.mask_account("12345") == "*2345"


def test_r5_3_w6_short_accounts_are_masked_entirely() -> None:
    assert W.mask_account("1234") == "****"
    assert W.mask_account("ab") == "**"
    assert W.mask_account("") == ""


@given(st.text(max_size=40))
def test_r5_3_property_mask_keeps_length_and_shows_at_most_four(account: str) -> None:
    masked = W.mask_account(account)
    hidden = len(account) - 4 if len(account) > 4 else len(account)
    assert masked == "*" * hidden + account[hidden:]


# --- status transitions -----------------------------------------------------------------


def test_r5_2_the_allowed_path() -> None:
    assert W.transition("requested", "approve") == "approved"
    assert W.transition("approved", "pay") == "paid"
    assert W.transition("requested", "reject") == "rejected"
    assert W.transition("approved", "reject") == "rejected"


def test_r5_2_w7_repeating_an_action_changes_nothing() -> None:
    assert W.transition("approved", "approve") == "approved"
    assert W.transition("rejected", "reject") == "rejected"
    assert W.transition("paid", "pay") == "paid"


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("requested", "pay"),  # W-7: approve first
        ("paid", "approve"),
        ("paid", "reject"),
        ("rejected", "approve"),
        ("rejected", "pay"),
    ],
)
def test_r5_2_other_transitions_conflict(status: str, action: W.Action) -> None:
    with pytest.raises(Conflict) as info:
        W.transition(status, action)
    assert (info.value.code, info.value.rule) == ("withdrawal.state", "R-5.2")
    assert info.value.extra == {"status": status, "action": action}


def test_r5_2_unknown_action_is_a_bug() -> None:
    with pytest.raises(ValueError):
        W.transition("requested", "paid")  # type: ignore[arg-type]


@given(
    status=st.sampled_from(["requested", "approved", "paid", "rejected"]),
    actions=st.lists(st.sampled_from(W.ACTIONS), max_size=6),
)
def test_r5_2_property_transitions_are_idempotent_and_final_states_stay(
    status: str, actions: list[W.Action]
) -> None:
    for action in actions:
        try:
            after = W.transition(status, action)
        except Conflict:
            continue
        assert W.transition(after, action) == after
        if status in ("paid", "rejected"):
            assert after == status
        status = after


# --- no floats --------------------------------------------------------------------------

not_money = st.floats(allow_nan=True, allow_infinity=True) | st.just(True) | st.just(False)


@given(not_money)
def test_r3_9_property_floats_and_bools_are_not_money(value: Any) -> None:
    for case in (
        lambda: ask(amount=value),
        lambda: ask(withdrawable=value),
        lambda: ask(count_in_period=value),
        lambda: W.tax(value, 100),
        lambda: W.tax(100, value),
        lambda: W.period_start(value, "day", "UTC"),
    ):
        with pytest.raises(TypeError):
            case()


def test_r5_1_periods_step_by_calendar_months() -> None:
    # 31 January → 1 January; 1 February 00:00 starts the next month.
    jan31 = at(2026, 1, 31, 23, 59)
    assert W.period_start(jan31, "month", "Asia/Shanghai") == at(2026, 1, 1)
    feb1 = jan31 + 60_000  # one minute later
    assert W.period_start(feb1, "month", "Asia/Shanghai") == at(2026, 2, 1) == feb1
