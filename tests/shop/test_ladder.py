"""R-3.13: the optional monthly ladder bonus on settled sales."""

from __future__ import annotations

import pytest

from teamgraph.errors import ValidationError
from tests.shop.conftest import DAY, T0, ShopFactory, distributors

LADDER = {
    "ladder": [
        {"threshold_fen": 10_000, "bonus_fen": 500},
        {"threshold_fen": 30_000, "bonus_fen": 2_000},
    ],
    "settle_days": 7,
}


def _sale(shop, order_id: str, amount: int, at: int) -> None:  # type: ignore[no-untyped-def]
    shop.record_order(order_id, "c1", [{"product_id": "p", "paid_fen": amount}], paid_at=at, now=at)
    shop.complete_order(order_id, at=at, now=at)


def test_r3_13_highest_step_once_a_month_with_top_ups(make_shop: ShopFactory) -> None:
    shop = make_shop(LADDER)
    distributors(shop, "d1")
    shop.visit("c1", "d1", at=T0 + 1)
    _sale(shop, "o1", 12_000, T0 + DAY)  # settles T0 + 8 days: January
    now = T0 + 9 * DAY
    assert [r["amount"] for r in shop.award_ladder("2026-01", now=now)] == [500]
    assert shop.award_ladder("2026-01", now=now) == []  # once per month
    _sale(shop, "o2", 20_000, T0 + 2 * DAY)  # January sales now 32,000: the 30,000 step
    assert [r["amount"] for r in shop.award_ladder("2026-01", now=now)] == [1_500]
    assert shop.balances("d1", now=now)["settled"] == 1_200 + 2_000 + 500 + 1_500  # 10% + bonuses
    assert shop.award_ladder("2026-02", now=now) == []  # nothing settled in February yet


def test_r3_13_unsettled_sales_do_not_count(make_shop: ShopFactory) -> None:
    shop = make_shop(LADDER)
    distributors(shop, "d1")
    shop.visit("c1", "d1", at=T0 + 1)
    _sale(shop, "o1", 50_000, T0 + DAY)
    assert shop.award_ladder("2026-01", now=T0 + 3 * DAY) == []  # still in its window
    with pytest.raises(ValidationError):
        shop.award_ladder("January", now=T0)
