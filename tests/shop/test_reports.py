"""The merchant's reports (teamgraph/shop/reports.py, issue 17: U-10 funnel, U-11 channels,
U-12 cohorts) on both engines, on the hand-built shop of tests/shop/reports_story.py; every
expected figure is worked out by hand in the comments."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from teamgraph.errors import ValidationError
from teamgraph.graph import Engine
from teamgraph.shop import Shop
from tests.conftest import new_shop_id
from tests.shop import reports_story as story
from tests.shop.conftest import DAY, T0

PERIOD = (T0, T0 + 3 * DAY)  # 2026-01-01 .. 2026-01-03


@pytest.fixture(scope="module")
def shop(engine: Engine) -> Iterator[Shop]:
    """Built once per engine (the tests only read)."""
    s = Shop.create(engine, new_shop_id("rep"), story.SETTINGS, now=T0)
    story.build(s)
    yield s
    s.store.drop()


def test_u10_funnel_stages_are_each_a_subset_of_the_one_before(shop: Shop) -> None:
    """Issue 17 (overview): visitors -> bound -> ordered -> repeat, never inverted."""
    o = shop.overview(*PERIOD, now=story.NOW)
    # visitors: B (visited A), c1, c2, c3, c4 and c5 (an imported visit binding); c6 was bound
    # by the merchant, not a visitor. All six bound; c1 (o1, o3) and c3 (o2) ordered; c1 twice.
    assert o["funnel"] == {"visitors": 6, "bound": 6, "ordered": 2, "repeat": 1}
    stages = list(o["funnel"].values())
    assert stages == sorted(stages, reverse=True)


def test_u4_imported_bindings_made_by_a_visit_count_as_visits(shop: Shop) -> None:
    """Issue 17: no empty "visits" while customers are bound by a visit. Visit times: B->A,
    c1 x2, c2, c3, c4 = 6, and c5's imported binding = 7; on 01-03 only c5's."""
    o = shop.overview(*PERIOD, now=story.NOW)
    assert o["visits"] == 7
    assert [d["visits"] for d in o["daily"]] == [4, 2, 1]
    assert o["new_customers"] == 8  # A, B, c1-c6
    assert o["active_distributors"] == 2


def test_u11_channels_count_visits_bindings_orders_and_commission(shop: Shop) -> None:
    r = shop.channels(*PERIOD, now=story.NOW)
    by = {c["channel"]: c for c in r["channels"]}
    assert list(by) == ["wechat", None, "poster"]  # by sales, then by name ('' first)
    # wechat: visits c1 x2, c3; bindings c1, c3; orders o1 (100.00, reward 10.00),
    # o2 (50.00 - 10.00 refunded; 5.00 + 1.50 to the inviter, less 1.00 + 0.30 clawed back),
    # o3 (20.00, 2.00): sales 160.00, commission 17.20, cost 10.75%.
    assert by["wechat"] == {
        "channel": "wechat", "visits": 3, "bindings": 2, "orders": 3, "sales_fen": 16_000,
        "commission_fen": 1_720, "cost_bp": 1_075, "binding_bp": 6_666,
    }  # fmt: skip
    # poster: c2, c4 visited and bound, nobody bought (yet)
    assert by["poster"] == {
        "channel": "poster", "visits": 2, "bindings": 2, "orders": 0, "sales_fen": 0,
        "commission_fen": 0, "cost_bp": None, "binding_bp": 10_000,
    }  # fmt: skip
    # no channel: B's visit of A and c5's imported one; c6's merchant binding is no channel's
    assert (by[None]["visits"], by[None]["bindings"], by[None]["orders"]) == (2, 2, 0)
    assert r["total"] | {} == {
        "visits": 7, "bindings": 6, "orders": 3, "sales_fen": 16_000, "commission_fen": 1_720,
        "cost_bp": 1_075, "binding_bp": 8_571,
    }  # fmt: skip


def test_u11_levels_group_by_the_distributor_visited_bound_or_attributed(shop: Shop) -> None:
    r = shop.channels(*PERIOD, now=story.NOW)
    levels = {row["level"]: row for row in r["levels"]}
    assert list(levels) == [1, 2]
    # A (level 2 now): visits B, c1 x2, c2; bindings B, c1, c2; o1 + o3: 120.00, 12.00
    assert (levels[2]["visits"], levels[2]["bindings"], levels[2]["orders"]) == (4, 3, 2)
    assert (levels[2]["sales_fen"], levels[2]["commission_fen"], levels[2]["cost_bp"]) == (
        12_000,
        1_200,
        1_000,
    )
    # B (level 1): visits c3, c4, c5; bindings the same; o2 with A's tier-2 share: 5.20 of 40.00
    assert (levels[1]["visits"], levels[1]["bindings"], levels[1]["orders"]) == (3, 3, 1)
    assert (levels[1]["sales_fen"], levels[1]["commission_fen"], levels[1]["cost_bp"]) == (
        4_000,
        520,
        1_300,
    )


def test_u11_an_order_counts_under_the_channel_of_its_binding(shop: Shop) -> None:
    """o4: c2 renewed its poster binding and bought; no new binding in the period."""
    r = shop.channels(T0 + 30 * DAY, T0 + 40 * DAY, now=story.NOW)
    assert [c["channel"] for c in r["channels"]] == ["poster"]
    poster = r["channels"][0]
    assert (poster["visits"], poster["bindings"], poster["orders"]) == (1, 0, 1)
    assert (poster["sales_fen"], poster["commission_fen"], poster["cost_bp"]) == (3_000, 300, 1_000)


def test_u12_cohorts_by_joining_month_with_three_30_day_windows(shop: Shop) -> None:
    r = shop.cohorts(T0, T0 + 59 * DAY, now=story.NOW)  # January and February
    assert r["window_days"] == 30
    jan, feb = r["cohorts"]
    assert (jan["month"], jan["distributors"]) == ("2026-01", 2)
    w1, w2, w3 = jan["windows"]
    # window 1: both active (A: visits, o1, o3; B: visits, o2), sales 100 + 40 + 20,
    # commission 10.00 + 5.00 + 1.50 - 1.00 - 0.30 + 2.00
    assert w1 == {
        "window": 1, "started": 2, "complete": True, "active": 2, "active_bp": 10_000,
        "sales_fen": 16_000, "commission_fen": 1_720,
    }  # fmt: skip
    # window 2 (days 30-59): A alone (c2's visit and o4, reward 3.00); ended by day 65
    assert w2 == {
        "window": 2, "started": 2, "complete": True, "active": 1, "active_bp": 5_000,
        "sales_fen": 3_000, "commission_fen": 300,
    }  # fmt: skip
    # window 3 (days 60-89): started at day 65, not over, nothing yet
    assert (w3["started"], w3["complete"], w3["active_bp"], w3["sales_fen"]) == (2, False, 0, 0)
    # February: C alone, 25 days in: window 1 running and idle, windows 2-3 not started
    assert (feb["month"], feb["distributors"]) == ("2026-02", 1)
    assert [(w["started"], w["complete"], w["active_bp"]) for w in feb["windows"]] == [
        (1, False, 0),
        (0, False, None),
        (0, False, None),
    ]


def test_u12_a_month_without_new_distributors_has_no_cohort(shop: Shop) -> None:
    r = shop.cohorts(T0 + 59 * DAY, T0 + 90 * DAY, now=story.NOW)
    assert r["cohorts"] == []


def test_reports_refuse_a_backwards_or_endless_period(shop: Shop) -> None:
    for call in (shop.channels, shop.cohorts):
        with pytest.raises(ValidationError) as err:
            call(T0, T0, now=story.NOW)
        assert err.value.code == "analytics.period"
    with pytest.raises(ValidationError):
        shop.channels(T0, T0 + 400 * DAY, now=story.NOW)
