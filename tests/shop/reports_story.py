"""One small shop story the report tests share (Shop level and over HTTP), every figure
computed by hand in the tests (issue 17: channels, cohorts, the overview's funnel).

Shop time Asia/Shanghai, T0 = 2026-01-01 00:00. Rewards 10% to the attributed distributor
and 3% to its inviter, at both levels.

- T0: A becomes a distributor; T0+1 ms: B visits A (no channel, bound) and becomes one.
- c1 visits A by ``wechat`` at +1 h and +2 h (bound), buys 100.00 at +3 h (o1) and 20.00 at
  +2 d (o3); c2 visits A by ``poster`` at +5 h (bound); c3 visits B by ``wechat`` at +1 d
  (bound) and buys 50.00 at +1 d 2 h (o2), 10.00 of it refunded at +1 d 3 h; c4 visits B by
  ``poster`` at +1 d 1 h (bound, buys nothing).
- Imported at +2 d 1 h: c5 bound to B by a visit (no visit time, no channel); c6 bound to A by
  the merchant (no visit).
- +35 d - 1 h: c2 visits A again by ``poster`` (renewed) and buys 30.00 at +35 d (o4).
- +40 d: C becomes a distributor (the February cohort); nothing else.
- At the end A is set to level 2 by hand (same rates), B and C stay at level 1.
"""

from __future__ import annotations

from teamgraph.shop import Shop
from tests.shop.analytics_story import SETTINGS as SETTINGS
from tests.shop.analytics_story import line
from tests.shop.conftest import DAY, HOUR, T0, distributors

NOW = T0 + 65 * DAY
"""When the tests read the reports."""


def build(shop: Shop) -> None:
    distributors(shop, "A", "B", via={"B": "A"}, at=T0)
    shop.visit("c1", "A", at=T0 + HOUR, channel="wechat")
    shop.visit("c1", "A", at=T0 + 2 * HOUR, channel="wechat")
    shop.record_order("o1", "c1", line(10_000), paid_at=T0 + 3 * HOUR, now=T0 + 3 * HOUR)
    shop.visit("c2", "A", at=T0 + 5 * HOUR, channel="poster")
    shop.visit("c3", "B", at=T0 + DAY, channel="wechat")
    shop.visit("c4", "B", at=T0 + DAY + HOUR, channel="poster")
    shop.record_order("o2", "c3", line(5_000), paid_at=T0 + DAY + 2 * HOUR, now=T0 + DAY + 2 * HOUR)
    shop.refund("o2", "r1", 1_000, at=T0 + DAY + 3 * HOUR, now=T0 + DAY + 3 * HOUR)
    shop.record_order("o3", "c1", line(2_000), paid_at=T0 + 2 * DAY, now=T0 + 2 * DAY)
    imported = T0 + 2 * DAY + HOUR
    for cid in ("c5", "c6"):
        shop.create_customer(cid, name=cid, now=imported)
    shop.bulk.load_bindings(
        [
            {"customer_id": "c5", "distributor_id": "B", "since": imported, "source": "visit",
             "expires_at": None, "ended_at": None, "end_reason": None},
            {"customer_id": "c6", "distributor_id": "A", "since": imported, "source": "merchant",
             "expires_at": None, "ended_at": None, "end_reason": None},
        ]
    )  # fmt: skip
    shop.visit("c2", "A", at=T0 + 35 * DAY - HOUR, channel="poster")
    shop.record_order("o4", "c2", line(3_000), paid_at=T0 + 35 * DAY, now=T0 + 35 * DAY)
    distributors(shop, "C", at=T0 + 40 * DAY)
    shop.set_level("A", 2, now=T0 + 41 * DAY)
