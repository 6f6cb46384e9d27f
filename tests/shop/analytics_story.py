"""One small shop story the analytics tests share (Shop level and over HTTP).

On 2026-01-01 (shop time, Asia/Shanghai): A and B become distributors, B invited by A.
c1 visits A twice and buys 100.00 (o1); c2 visits A. On 01-02: c3 visits B and buys 50.00
(o2), 10.00 of it refunded. 10% order reward, 3% to the inviter (tier 2); two levels.
"""

from __future__ import annotations

from teamgraph.shop import Shop
from tests.shop.conftest import DAY, HOUR, T0, distributors

SETTINGS = {
    "levels": [
        {"level": 1, "name": "L1", "reward_bp": 1000, "inviter_reward_bp": 300},
        {"level": 2, "name": "金牌", "conditions": {"bound_customers": 100},
         "reward_bp": 1000, "inviter_reward_bp": 300},
    ]
}  # fmt: skip
"""Two levels (the second far off) with the default rewards."""


def line(fen: int) -> list[dict[str, object]]:
    return [{"product_id": "p1", "qty": 1, "paid_fen": fen}]


def build(shop: Shop) -> None:
    distributors(shop, "A", "B", via={"B": "A"}, at=T0)
    shop.visit("c1", "A", at=T0 + HOUR)
    shop.visit("c1", "A", at=T0 + 2 * HOUR)
    shop.visit("c2", "A", at=T0 + 5 * HOUR)
    shop.record_order("o1", "c1", line(10_000), paid_at=T0 + 3 * HOUR, now=T0 + 3 * HOUR)
    shop.visit("c3", "B", at=T0 + DAY)
    shop.record_order("o2", "c3", line(5_000), paid_at=T0 + DAY + HOUR, now=T0 + DAY + HOUR)
    shop.refund("o2", "r1", 1_000, at=T0 + DAY + 2 * HOUR, now=T0 + DAY + 2 * HOUR)
