"""The monthly team reward (issue 17; docs/choices.md TR-1, TR-2): a distributor whose
team's (R-2.3) settled sales in a month reach the shop's threshold earns the reward once that
month, in points or cash, from the ledger; idempotent; cash counts the team only within the
tiers the shop pays and is capped (R-3.3, R-3.7, R-3.14)."""

from __future__ import annotations

from typing import Any

import pytest

from teamgraph.errors import ValidationError
from teamgraph.rules.team_reward import team_sales
from teamgraph.shop import Shop
from tests.shop.conftest import DAY, T0, ShopFactory, ledger_entries


def _forest(shop: Shop) -> None:
    """a invites b, b invites c (a's team: b at depth 1, c at depth 2)."""
    for i, (did, via) in enumerate((("a", None), ("b", "a"), ("c", "b"))):
        shop.create_customer(did, name=did, via_distributor_id=via, now=T0 + i)
        shop.apply(did, now=T0 + i)


def _sale(shop: Shop, order_id: str, buyer: str, via: str, amount: int, at: int) -> None:
    shop.create_customer(buyer, name=buyer, via_distributor_id=via, now=at)
    shop.record_order(order_id, buyer, [{"product_id": "p", "paid_fen": amount}], paid_at=at,
                      now=at)  # fmt: skip
    shop.complete_order(order_id, at=at, now=at)


def _team_entries(shop: Shop, did: str, now: int) -> list[tuple[Any, ...]]:
    return [
        (e["id"], e["amount"], e["unit"])
        for e in ledger_entries(shop, did, now=now)
        if e["id"].startswith("team:")
    ]


def test_team_reward_points_once_a_month_over_the_whole_team(make_shop: ShopFactory) -> None:
    shop = make_shop({"team_reward": {"threshold_fen": 30_000, "kind": "points", "amount": 200}})
    _forest(shop)
    _sale(shop, "o1", "x1", "b", 20_000, T0 + DAY)  # b's sale: a's team
    _sale(shop, "o2", "x2", "c", 15_000, T0 + DAY)  # c's sale: a's and b's team
    _sale(shop, "o3", "x3", "a", 90_000, T0 + DAY)  # a's own: nobody's team
    now = T0 + 9 * DAY  # settled (settle_days 7) in January
    rows = shop.award_team_reward("2026-01", now=now)
    assert [(r["distributor_id"], r["sales"], r["amount"], r["unit"]) for r in rows] == [
        ("a", 35_000, 200, "point")
    ]
    assert shop.award_team_reward("2026-01", now=now) == []  # once a month
    assert _team_entries(shop, "a", now) == [("team:2026-01:a", 200, "point")]
    assert _team_entries(shop, "b", now) == []
    assert shop.balances("a", now=now)["points"] == 200
    assert shop.award_ladder("2026-01", now=now) == []  # no ladder: not mistaken for one


def test_team_reward_cash_counts_the_paid_tiers_only(make_shop: ShopFactory) -> None:
    """TR-2: with two tiers a cash team reward counts direct invitees' sales only."""
    program = {"team_reward": {"threshold_fen": 30_000, "kind": "cash", "amount": 1_000}}
    shop = make_shop(program)
    _forest(shop)
    _sale(shop, "o1", "x1", "b", 20_000, T0 + DAY)
    _sale(shop, "o2", "x2", "c", 15_000, T0 + DAY)
    now = T0 + 9 * DAY
    assert shop.award_team_reward("2026-01", now=now) == []  # a's depth-1 team: 20,000
    _sale(shop, "o3", "x3", "b", 10_000, T0 + 2 * DAY)
    rows = shop.award_team_reward("2026-01", now=now)
    assert [(r["distributor_id"], r["sales"], r["unit"]) for r in rows] == [("a", 30_000, "fen")]
    before = shop.balances("a", now=now)["settled"]
    assert shop.award_team_reward("2026-01", now=now) == []
    assert shop.balances("a", now=now)["settled"] == before


def test_team_reward_ladder_keeps_its_own_month(make_shop: ShopFactory) -> None:
    """A team reward is a bonus of the month too; the ladder's top-ups do not count it."""
    shop = make_shop({
        "team_reward": {"threshold_fen": 10_000, "kind": "cash", "amount": 700},
        "ladder": [{"threshold_fen": 10_000, "bonus_fen": 500}],
    })  # fmt: skip
    _forest(shop)
    _sale(shop, "o1", "x1", "b", 12_000, T0 + DAY)
    _sale(shop, "o2", "x2", "a", 12_000, T0 + DAY)
    now = T0 + 9 * DAY
    assert [r["distributor_id"] for r in shop.award_team_reward("2026-01", now=now)] == ["a"]
    ladder = shop.award_ladder("2026-01", now=now)
    assert sorted((r["distributor_id"], r["amount"]) for r in ladder) == [("a", 500), ("b", 500)]


@pytest.mark.parametrize(
    ("patch", "rule"),
    [
        ({"team_reward": {"threshold_fen": 10_000, "kind": "cash", "amount": 5_001}}, "R-3.3"),
        ({"tiers": 1, "team_reward": {"threshold_fen": 10_000, "kind": "cash", "amount": 10}},
         "R-3.7"),
    ],
)  # fmt: skip
def test_team_reward_cash_is_capped(
    make_shop: ShopFactory, patch: dict[str, Any], rule: str
) -> None:
    shop = make_shop()
    with pytest.raises(ValidationError) as err:
        shop.update_settings(patch, now=T0)
    assert err.value.code == "settings.team_reward" and err.value.rule == rule


def test_team_sales_sums_every_depth_or_the_given_ones() -> None:
    forest = {"a": None, "b": "a", "c": "b", "d": "c"}
    sales = {"b": 1, "c": 10, "d": 100, "a": 1000}
    assert team_sales(forest, sales, None) == {"a": 111, "b": 110, "c": 100}
    assert team_sales(forest, sales, 1) == {"a": 1, "b": 10, "c": 100}
    assert team_sales({"a": "b", "b": "a"}, {"a": 5}, None) == {"b": 5}  # a cycle is cut
