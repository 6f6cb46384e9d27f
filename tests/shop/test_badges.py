"""Badges (issue 17; docs/choices.md BG-1, BG-2): derived from a distributor's data when
read, each turned on or off and given its threshold by the shop."""

from __future__ import annotations

from typing import Any

from teamgraph.rules.badges import badges
from teamgraph.rules.settings import Badges
from teamgraph.shop import Shop
from tests.shop.conftest import DAY, HOUR, T0, ShopFactory

LEVELS: list[dict[str, Any]] = [
    {"level": 1, "name": "L1", "reward_bp": 1000, "inviter_reward_bp": 300},
    {"level": 2, "name": "L2", "reward_bp": 1200, "inviter_reward_bp": 300,
     "conditions": {"bound_customers": 3}},
]  # fmt: skip


def _held(shop: Shop, did: str, now: int) -> dict[str, bool]:
    return {b["badge"]: b["earned"] for b in shop.badges(did, now=now)["items"]}


def test_b1_badges_follow_the_data(make_shop: ShopFactory) -> None:
    """First sale after one attributed order, clients at the threshold, level 2 when the level
    rises, the month's top while ranked within it."""
    shop = make_shop({"levels": LEVELS, "badges": {"clients": {"threshold": 3},
                      "month_top": {"threshold": 1}}})  # fmt: skip
    for i, did in enumerate(("d1", "d2")):
        shop.create_customer(did, name=did, now=T0 + i)
        shop.apply(did, now=T0 + i)
    now = T0 + HOUR
    assert _held(shop, "d1", now) == {
        "first_sale": False, "clients": False, "level": False, "month_top": False
    }  # fmt: skip
    for k in range(3):
        shop.visit(f"c{k}", "d1", at=now + k)
    shop.visit("c9", "d2", at=now)
    shop.record_order("o1", "c0", [{"product_id": "p", "paid_fen": 5_000}], paid_at=now + 5,
                      now=now + 5)  # fmt: skip
    shop.record_order("o2", "c9", [{"product_id": "p", "paid_fen": 1_000}], paid_at=now + 6,
                      now=now + 6)  # fmt: skip
    later = now + DAY
    assert _held(shop, "d1", later) == {
        "first_sale": True, "clients": True, "level": True, "month_top": True
    }  # fmt: skip
    assert _held(shop, "d2", later) == {
        "first_sale": True, "clients": False, "level": False, "month_top": False
    }  # fmt: skip
    items = {b["badge"]: b for b in shop.badges("d2", now=later)["items"]}
    assert items["clients"]["current"] == 1 and items["clients"]["threshold"] == 3
    assert items["month_top"]["current"] == 2  # ranked second
    next_month = T0 + 40 * DAY
    assert _held(shop, "d1", next_month)["month_top"] is False  # a new month's board


def test_b1_badges_turned_off_are_not_listed(make_shop: ShopFactory) -> None:
    shop = make_shop({"badges": {"first_sale": {"enabled": False, "threshold": 1},
                                 "month_top": {"enabled": False, "threshold": 10}}})  # fmt: skip
    shop.create_customer("d1", name="d1", now=T0)
    shop.apply("d1", now=T0)
    # one level only: no level badge (R-4.1, BG-2)
    assert [b["badge"] for b in shop.badges("d1", now=T0 + 1)["items"]] == ["clients"]


def test_b2_level_badge_needs_the_level_to_exist() -> None:
    rules = Badges.model_validate({"level": {"threshold": 4}})
    common = {"paid_orders": 0, "direct_clients": 0, "level": 3, "month_rank": None}
    assert "level" not in [b["badge"] for b in badges(rules, levels=3, **common)]
    assert [b for b in badges(rules, levels=4, **common) if b["badge"] == "level"] == [
        {"badge": "level", "earned": False, "current": 3, "threshold": 4}
    ]
