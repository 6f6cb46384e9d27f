"""Issue 16 "Nothing lost" over real HTTP: the API's changes write their webhook events in the
same statement, and a client that sends the same request again (a retry after a timeout) gets
the same answer and writes no second event (R-3.12)."""

from __future__ import annotations

from collections import Counter

from teamgraph.clock import now_ms
from teamgraph.shop.events import list_events
from tests.api.test_money import MakeShop, line, order, refund
from tests.api.test_relationships import customer, distributor, ok, visit

DAY = 86_400_000


def test_issue16_retried_api_calls_write_each_event_once(make_shop: MakeShop) -> None:
    shop = make_shop()
    m = shop.merchant
    t0 = now_ms() - 2 * DAY
    distributor(m, "D1", at=t0)
    customer(m, "C1", joined_at=t0)
    visit(m, "C1", "D1", at=t0 + 1)
    for status in (201, 200):  # the order, then the same order again
        order(m, "O1", "C1", [line("p", 10_000)], paid_at=t0 + 2, status=status)
    for status in (201, 200):
        refund(m, "O1", "R1", 4_000, status=status)
    ok(m.post("/v1/distributors/D1/freeze", json={"reason": "check"}))
    ok(m.post("/v1/distributors/D1/freeze", json={"reason": "check"}))

    events = list_events(shop.shop.store)
    assert Counter(e["type"] for e in events) == Counter(
        {
            "distributor.applied": 1,
            "distributor.approved": 1,
            "customer.bound": 1,
            "order.attributed": 1,
            "reward.clawed_back": 1,
            "distributor.frozen": 1,
        }
    )
    assert {e["key"] for e in events} == {"D1"}
    attributed = next(e for e in events if e["type"] == "order.attributed")
    clawed = next(e for e in events if e["type"] == "reward.clawed_back")
    assert attributed["reward_amounts"] == [1000] and clawed["clawed_back"] == 400
    assert clawed["object_id"] == attributed["reward_ids"][0]
