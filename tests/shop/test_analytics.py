"""The whole-shop analytics (teamgraph/shop/analytics.py, U-1–U-5) on the real engine."""

from __future__ import annotations

import pytest

from teamgraph.errors import ValidationError
from teamgraph.shop import Shop
from tests.shop import analytics_story as story
from tests.shop.conftest import DAY, HOUR, T0, ShopFactory


@pytest.fixture
def shop(make_shop: ShopFactory) -> Shop:
    s = make_shop(story.SETTINGS)
    story.build(s)
    return s


def test_u1_overview_counts_distribution_sales_net_of_refunds(shop: Shop) -> None:
    o = shop.overview(T0, T0 + 3 * DAY, now=T0 + 3 * DAY)
    assert o["sales_fen"] == 10_000 + 4_000  # o2 net of its 10.00 refund
    assert o["orders"] == o["all_orders"] == 2
    # R-3.x: A 10% of o1 + 3% of o2; B 10% of o2; clawbacks of the refund's share
    assert o["commission_fen"] == 1_000 + (150 - 30) + (500 - 100)
    assert o["commission_bp"] == 1_520 * 10_000 // 14_000
    assert o["new_distributors"] == 2
    assert o["active_distributors"] == 2  # U-3: both shared a visited link
    assert (o["visits"], o["new_customers"]) == (5, 5)  # A, B, c1-c3 joined
    # U-10: B (visiting A), c1, c2, c3 visited and were bound; c1 and c3 bought once
    assert o["funnel"] == {"visitors": 4, "bound": 4, "ordered": 2, "repeat": 0}


def test_u4_daily_rows_cover_every_day_of_the_period_in_the_shop_zone(shop: Shop) -> None:
    o = shop.overview(T0, T0 + 3 * DAY, now=T0 + 3 * DAY)
    assert [d["day"] for d in o["daily"]] == ["2026-01-01", "2026-01-02", "2026-01-03"]
    first, second, third = o["daily"]
    assert (first["sales_fen"], first["orders"], first["visits"]) == (10_000, 1, 4)
    assert (second["sales_fen"], second["orders"], second["visits"]) == (4_000, 1, 1)
    assert third == {
        "day": "2026-01-03",
        "sales_fen": 0,
        "orders": 0,
        "commission_fen": 0,
        "visits": 0,
        "new_customers": 0,
    }
    assert sum(d["commission_fen"] for d in o["daily"]) == o["commission_fen"]


def test_overview_of_a_period_without_activity_is_zero(shop: Shop) -> None:
    o = shop.overview(T0 + 10 * DAY, T0 + 11 * DAY, now=T0 + 12 * DAY)
    assert (o["sales_fen"], o["orders"], o["commission_bp"]) == (0, 0, None)
    assert o["funnel"] == {"visitors": 0, "bound": 0, "ordered": 0, "repeat": 0}
    assert len(o["daily"]) == 1


def test_overview_refuses_a_backwards_or_endless_period(shop: Shop) -> None:
    with pytest.raises(ValidationError) as err:
        shop.overview(T0, T0)
    assert err.value.code == "analytics.period"
    with pytest.raises(ValidationError):
        shop.overview(T0, T0 + 400 * DAY)


def test_last_order_at_is_the_latest_paid_time(shop: Shop, make_shop: ShopFactory) -> None:
    assert shop.last_order_at() == T0 + DAY + HOUR
    assert make_shop().last_order_at() is None


@pytest.mark.parametrize(
    ("period", "at", "start", "days"),
    [
        ("day", T0 + DAY + HOUR, T0 + DAY, 1),
        ("week", T0 + DAY, T0 - 3 * DAY, 7),  # 2026-01-01 is a Thursday; weeks start Monday
        ("month", T0 + 20 * DAY, T0, 31),
    ],
)
def test_u2_periods_are_calendar_ones_in_the_shop_zone(
    shop: Shop, period: str, at: int, start: int, days: int
) -> None:
    assert shop.period_bounds(period, at) == (start, start + days * DAY)  # type: ignore[arg-type]


def test_u5_leaderboard_by_sales_commission_and_clients(shop: Shop) -> None:
    sales = shop.leaderboard("week", "sales", at=T0)
    assert [(r["rank"], r["distributor_id"], r["value"]) for r in sales["items"]] == [
        (1, "A", 10_000),
        (2, "B", 4_000),
    ]
    day2 = shop.leaderboard("day", "commission", at=T0 + DAY)
    assert [(r["distributor_id"], r["value"]) for r in day2["items"]] == [("B", 400), ("A", 120)]
    clients = shop.leaderboard("month", "clients", at=T0)
    assert [(r["distributor_id"], r["value"]) for r in clients["items"]] == [("A", 3), ("B", 1)]
    assert shop.leaderboard("day", "sales", at=T0 + 5 * DAY)["items"] == []


def test_u5_ties_share_a_rank_and_groups_follow_levels(shop: Shop) -> None:
    shop.set_level("B", 2, now=T0 + 2 * DAY)
    board = shop.leaderboard("month", "sales", at=T0)
    assert [g["level"] for g in board["groups"]] == [2, 1]
    assert board["groups"][0]["items"][0]["distributor_id"] == "B"
    only = shop.leaderboard("month", "sales", at=T0, level=1)
    assert [r["distributor_id"] for r in only["items"]] == ["A"]
    shop.visit("c9", "B", at=T0 + 2 * HOUR)
    shop.visit("c8", "B", at=T0 + 2 * HOUR)
    tie = shop.leaderboard("month", "clients", at=T0)
    assert [(r["rank"], r["distributor_id"], r["value"]) for r in tie["items"]] == [
        (1, "A", 3),
        (1, "B", 3),
    ]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"period": "year", "metric": "sales"}, "leaderboard.period"),
        ({"period": "day", "metric": "visits"}, "leaderboard.metric"),
        ({"period": "day", "metric": "sales", "level": 0}, "leaderboard.level"),
    ],
)
def test_leaderboard_refuses_unknown_choices(shop: Shop, kwargs: dict, code: str) -> None:
    with pytest.raises(ValidationError) as err:
        shop.leaderboard(**kwargs)
    assert err.value.code == code


def test_distributor_table_tree_and_earnings(shop: Shop) -> None:
    page = shop.distributor_table(now=T0 + 2 * DAY)
    assert page["total"] == 2 and [r["id"] for r in page["items"]] == ["A", "B"]  # by sales
    table = {r["id"]: r for r in page["items"]}
    assert (table["A"]["direct_clients"], table["A"]["invitees"]) == (3, 1)
    assert table["B"]["received_fen"] == 4_000
    tree = shop.team_tree("A", depth=2)
    assert [(n["id"], n["parent_id"], n["depth"], n["sales_fen"]) for n in tree["nodes"]] == [
        ("B", "A", 1, 4_000)
    ]
    assert tree["truncated"] is False
    (month,) = shop.earnings("A", now=T0 + 2 * DAY)
    assert month == {"month": "2026-01", "pending": 1_000 + 120, "settled": 0, "withdrawn": 0}
    assert shop.earnings("nobody") == []


@pytest.mark.parametrize(
    ("kwargs", "ids", "total"),
    [
        ({"sort": "id"}, ["A", "B"], 2),
        ({"sort": "sales", "limit": 1}, ["A"], 2),
        ({"search": "b"}, ["B"], 1),  # ids, names and share codes, any case
        ({"levels": [2]}, [], 0),
        ({"statuses": ["active"]}, ["A", "B"], 2),
        ({"statuses": ["dormant"]}, [], 0),
    ],
)
def test_distributor_list_filters_sorts_and_cuts_in_the_engine(
    shop: Shop, kwargs: dict, ids: list[str], total: int
) -> None:
    page = shop.distributor_table(now=T0 + 2 * DAY, **kwargs)
    assert [r["id"] for r in page["items"]] == ids and page["total"] == total


def test_r2_1_dormant_is_computed_as_read_in_the_list_filter(shop: Shop) -> None:
    later = T0 + 40 * DAY  # past the default 30 dormant days since their last activity
    page = shop.distributor_table(now=later, statuses=["dormant"], sort="id")
    assert [(r["id"], r["status"]) for r in page["items"]] == [("A", "dormant"), ("B", "dormant")]
    assert shop.distributor_table(now=later, statuses=["active"])["total"] == 0
    with pytest.raises(ValidationError):
        shop.distributor_table(sort="name")


def test_r2_3_recent_clients_direct_and_indirect_newest_first(shop: Shop) -> None:
    direct = shop.recent_clients("A", "direct", now=T0 + 2 * DAY)
    assert [c["id"] for c in direct] == ["c2", "c1", "B"]  # newest binding first
    assert {c["via"] for c in direct} == {"A"}
    indirect = shop.recent_clients("A", "indirect", now=T0 + 2 * DAY)
    assert [(c["id"], c["via"]) for c in indirect] == [("c3", "B")]
    assert shop.recent_clients("A", "direct", limit=1, now=T0 + 2 * DAY)[0]["id"] == "c2"
    with pytest.raises(ValidationError):
        shop.recent_clients("A", "all")  # type: ignore[arg-type]


def test_team_tree_is_the_same_through_every_statement(shop: Shop) -> None:
    """Depth 1 and 2 read bounded statements, deeper ones the generic walk: same rows."""
    shop.create_customer("C", name="C")
    shop.visit("C", "B", at=T0 + 3 * HOUR)
    shop.apply("C", now=T0 + 3 * HOUR)
    two = shop.team_tree("A", depth=2)["nodes"]
    assert [(n["id"], n["parent_id"], n["depth"]) for n in two] == [
        ("B", "A", 1),
        ("C", "B", 2),
    ]
    assert shop.team_tree("A", depth=3)["nodes"] == two
    assert [n["id"] for n in shop.team_tree("A", depth=1)["nodes"]] == ["B"]
    assert shop.team_tree("A", depth=1, limit=0)["truncated"] is True
