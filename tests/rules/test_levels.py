"""Level rules (R-4.1–R-4.4), pure: levels and values in, a level or a progress out."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teamgraph.rules import levels as L
from teamgraph.rules.settings import Conditions, Level


def lv(n: int, **conditions: int) -> Level:
    return Level(level=n, name=f"L{n}", conditions=Conditions(**conditions))


# A four-level program: level 2 by 5 bound customers OR 3 paid orders, level 3 by 20 customers,
# level 4 by 10 000.00 yuan received OR 2 invited distributors OR 50 completed orders.
LEVELS = [
    lv(1),
    lv(2, bound_customers=5, paid_orders=3),
    lv(3, bound_customers=20),
    lv(4, received_fen=1_000_000, invited_distributors=2, completed_orders=50),
]


def test_r4_2_condition_names_are_the_settings_fields() -> None:
    assert set(L.CONDITIONS) == set(Conditions.model_fields)
    assert len(L.CONDITIONS) == len(set(L.CONDITIONS))


def test_r4_2_one_condition_met_is_enough() -> None:
    assert L.earned_level(LEVELS, {"paid_orders": 3}, 1) == 2
    assert L.earned_level(LEVELS, {"bound_customers": 5, "paid_orders": 0}, 1) == 2
    assert L.earned_level(LEVELS, {"bound_customers": 4, "paid_orders": 2}, 1) == 1


def test_r4_2_threshold_is_inclusive_and_missing_values_count_as_zero() -> None:
    assert L.earned_level(LEVELS, {"bound_customers": 5}, 1) == 2
    assert L.earned_level(LEVELS, {}, 1) == 1
    assert L.earned_level(LEVELS, {"unrelated": 10**9}, 1) == 1


def test_r4_3_l1_jump_over_an_unmet_level() -> None:
    # L-1: level 4 is met by invitations; levels 2 and 3 are not met, the jump is allowed.
    assert L.earned_level(LEVELS, {"invited_distributors": 2}, 1) == 4
    assert L.earned_level(LEVELS, {"bound_customers": 20}, 1) == 3


def test_r4_3_the_highest_level_met_wins() -> None:
    values = {"bound_customers": 25, "received_fen": 1_000_000}
    assert L.earned_level(LEVELS, values, 1) == 4


def test_r4_3_levels_never_drop() -> None:
    assert L.earned_level(LEVELS, {}, 3) == 3
    assert L.earned_level(LEVELS, {"paid_orders": 3}, 3) == 3


def test_r4_3_manual_higher_current_kept() -> None:
    # The merchant set level 4 by hand with nothing met: it stays, and progress is the top's.
    assert L.earned_level(LEVELS, {"paid_orders": 1}, 4) == 4
    assert L.progress(LEVELS, {"paid_orders": 1}, 4).next_level is None


def test_r4_3_l3_current_out_of_range_is_clamped() -> None:
    assert L.earned_level(LEVELS, {}, 9) == 4  # levels were removed
    assert L.earned_level(LEVELS[:2], {"received_fen": 10**9}, 4) == 2
    assert L.earned_level(LEVELS, {}, 0) == 1
    assert L.progress(LEVELS[:2], {}, 4).level == 2


def test_r4_3_l2_entry_level_conditions_are_not_required() -> None:
    levels = [lv(1, paid_orders=1), lv(2, paid_orders=5)]
    assert L.earned_level(levels, {}, 1) == 1
    assert L.progress(levels, {"paid_orders": 1}, 1).conditions == (
        L.ConditionProgress("paid_orders", 1, 5, 20),
    )


def test_r4_3_levels_need_not_be_given_in_order() -> None:
    assert L.earned_level(list(reversed(LEVELS)), {"bound_customers": 20}, 1) == 3
    assert L.progress(list(reversed(LEVELS)), {}, 1).next_level == 2


def test_r4_4_progress_is_the_highest_condition() -> None:
    p = L.progress(LEVELS, {"bound_customers": 2, "paid_orders": 2}, 1)
    assert p == L.Progress(
        level=1,
        next_level=2,
        percent=66,
        conditions=(
            L.ConditionProgress("bound_customers", 2, 5, 40),
            L.ConditionProgress("paid_orders", 2, 3, 66),
        ),
    )


def test_r4_4_progress_with_multiple_chosen_conditions() -> None:
    values = {"invited_distributors": 1, "received_fen": 333_333, "completed_orders": 49}
    p = L.progress(LEVELS, values, 3)
    assert p.next_level == 4
    # Listed in CONDITIONS order, whatever order they were chosen in.
    assert [(c.name, c.current, c.threshold, c.percent) for c in p.conditions] == [
        ("invited_distributors", 1, 2, 50),
        ("received_fen", 333_333, 1_000_000, 33),
        ("completed_orders", 49, 50, 98),
    ]
    assert p.percent == 98


def test_r4_4_progress_is_for_the_next_level_only() -> None:
    # Level 3 is met, but the distributor holds 1: progress is towards level 2.
    p = L.progress(LEVELS, {"bound_customers": 20}, 1)
    assert (p.next_level, p.percent) == (2, 100)
    assert [c.name for c in p.conditions] == ["bound_customers", "paid_orders"]


def test_r4_4_top_level_progress() -> None:
    p = L.progress(LEVELS, {"bound_customers": 1}, 4)
    assert p == L.Progress(level=4, next_level=None, percent=100, conditions=())
    assert p.to_dict() == {"level": 4, "next_level": None, "percent": 100, "conditions": []}
    assert L.progress([lv(1)], {}, 1).next_level is None


def test_r4_4_progress_to_dict_is_the_api_shape() -> None:
    body: dict[str, Any] = L.progress(LEVELS, {"paid_orders": 1}, 1).to_dict()
    assert body == {
        "level": 1,
        "next_level": 2,
        "percent": 33,
        "conditions": [
            {"name": "bound_customers", "current": 0, "threshold": 5, "percent": 0},
            {"name": "paid_orders", "current": 1, "threshold": 3, "percent": 33},
        ],
    }


def test_r4_4_progress_is_frozen() -> None:
    p = L.progress(LEVELS, {}, 1)
    with pytest.raises(AttributeError):
        p.percent = 100  # type: ignore[misc]


@pytest.mark.parametrize(
    ("current", "threshold", "expected"),
    [
        (0, 3, 0),
        (1, 3, 33),
        (2, 3, 66),  # floor, not round
        (3, 3, 100),
        (4, 3, 100),  # capped
        (999_999, 1_000_000, 99),  # 99.9999% is not yet met
        (-5, 3, 0),
        (0, 0, 100),  # L-4: a threshold of 0 is always met
        (10**30, 10**30 + 1, 99),  # integers only, no float rounding
    ],
)
def test_r4_4_progress_percentages_floor(current: int, threshold: int, expected: int) -> None:
    assert L.percent(current, threshold) == expected


@pytest.mark.parametrize("bad", [0.5, True, "3", None])
def test_r4_4_percent_refuses_non_integers(bad: Any) -> None:
    with pytest.raises(TypeError):
        L.percent(bad, 3)
    with pytest.raises(TypeError):
        L.earned_level(LEVELS, {"paid_orders": bad}, 1)


@given(current=st.integers(-(10**12), 10**12), threshold=st.integers(1, 10**12))
def test_r4_4_percent_is_100_exactly_when_met(current: int, threshold: int) -> None:
    p = L.percent(current, threshold)
    assert 0 <= p <= 100
    assert (p == 100) == (current >= threshold)


def test_r4_1_one_level_is_not_shown() -> None:
    assert L.shown([lv(1)]) is False
    assert L.shown(LEVELS[:2]) is True
    assert L.earned_level([lv(1)], {"paid_orders": 10**6}, 1) == 1


def test_r4_1_no_levels_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        L.earned_level([], {}, 1)


values_st = st.dictionaries(
    st.sampled_from(L.CONDITIONS), st.integers(min_value=0, max_value=2_000_000), max_size=6
)


@given(
    values=values_st,
    name=st.sampled_from(L.CONDITIONS),
    bump=st.integers(min_value=0, max_value=2_000_000),
    current=st.integers(min_value=1, max_value=4),
)
def test_r4_3_earned_level_is_monotonic_and_never_below_current(
    values: dict[str, int], name: str, bump: int, current: int
) -> None:
    earned = L.earned_level(LEVELS, values, current)
    assert current <= earned <= len(LEVELS)
    more = {**values, name: values.get(name, 0) + bump}
    assert L.earned_level(LEVELS, more, current) >= earned
    # A higher current never earns a lower level, and earning is a fixed point.
    assert L.earned_level(LEVELS, values, min(current + 1, 4)) >= earned
    assert L.earned_level(LEVELS, values, earned) == earned


@given(values=values_st, current=st.integers(min_value=1, max_value=4))
def test_r4_4_progress_agrees_with_earned_level(values: dict[str, int], current: int) -> None:
    p = L.progress(LEVELS, values, current)
    assert p.percent == max((c.percent for c in p.conditions), default=100)
    if p.next_level is not None:
        met = L.earned_level(LEVELS[: p.next_level], values, current) == p.next_level
        assert (p.percent == 100) == met
