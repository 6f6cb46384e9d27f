"""Visits are events like the others (issue 17, R-3.12): a visit posted with an ``id`` is
recorded once; a repeat with the same body changes nothing and answers the first result, the
same id with another body is 409 ``event.conflict``. Without an id every visit counts, as
before. Checked on every engine, concurrent repeats included (Neo4j runs them side by side at
read committed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from teamgraph.errors import Conflict
from teamgraph.shop import Shop
from tests.shop.conftest import DAY, HOUR, T0
from tests.shop.test_concurrency import THREADS, error_codes, race, wins

SETTINGS: dict[str, Any] = {"binding_days": 30, "auto_unbind": "on_expiry"}


def _shop(make_shop: Callable[..., Shop]) -> Shop:
    shop = make_shop(SETTINGS)
    for i, did in enumerate(("d1", "d2")):
        shop.create_customer(did, name=did, now=T0 + i)
        shop.apply(did, now=T0 + i)
    return shop


def _visit_times(shop: Shop, customer_id: str) -> dict[str, int]:
    rows = shop.store.read("orders.history_customers", ids=[customer_id])
    return {d: len(times) for d, times in rows[0]["shares"]} if rows else {}


def _funnel_visits(shop: Shop) -> int:
    return shop.overview(T0, T0 + 2 * DAY, now=T0 + 2 * DAY)["visits"]


def test_visit_id_repeat_changes_nothing_and_answers_the_same(
    make_shop: Callable[..., Shop],
) -> None:
    """Three identical posts of one visit id: one binding, one visit counted, three equal
    answers (today without an id: bind, renew, renew and three visits)."""
    shop = _shop(make_shop)
    at = T0 + HOUR
    answers = [
        shop.visit("c1", "d1", at=at, channel="wechat", visit_id="v-1", now=at + k)
        for k in range(3)
    ]
    assert [a["outcome"] for a in answers] == ["bind"] * 3
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["bound_to"] == "d1" and answers[0]["expires_at"] == at + 30 * DAY
    assert answers[0]["attributed_to"] == "d1"
    assert _visit_times(shop, "c1") == {"d1": 1}
    assert _funnel_visits(shop) == 1
    assert shop.distributor("d1", now=at)["direct_clients"] == 1


def test_visits_without_id_each_count_as_before(make_shop: Callable[..., Shop]) -> None:
    """Without an id a visit is not an idempotent event: each post renews and counts."""
    shop = _shop(make_shop)
    at = T0 + HOUR
    answers = [shop.visit("c1", "d1", at=at + k) for k in range(3)]
    assert [a["outcome"] for a in answers] == ["bind", "renew", "renew"]
    assert _visit_times(shop, "c1") == {"d1": 3}
    assert _funnel_visits(shop) == 3


def test_visit_id_with_another_body_is_event_conflict(make_shop: Callable[..., Shop]) -> None:
    """The same id with another distributor, customer, time or channel: 409 event.conflict
    (R-3.12), and nothing written."""
    shop = _shop(make_shop)
    at = T0 + HOUR
    first = shop.visit("c1", "d1", at=at, visit_id="v-1")
    for changed in (
        {"customer_id": "c1", "distributor_id": "d2", "at": at},
        {"customer_id": "c2", "distributor_id": "d1", "at": at},
        {"customer_id": "c1", "distributor_id": "d1", "at": at + 1},
        {"customer_id": "c1", "distributor_id": "d1", "at": at, "channel": "poster"},
    ):
        body = dict(changed)
        with pytest.raises(Conflict) as err:
            shop.visit(body.pop("customer_id"), body.pop("distributor_id"), visit_id="v-1",
                       **body)  # fmt: skip
        assert err.value.code == "event.conflict" and err.value.rule == "R-3.12"
    assert _visit_times(shop, "c1") == {"d1": 1}
    assert _visit_times(shop, "c2") == {}
    assert shop.visit("c1", "d1", at=at, visit_id="v-1") == first


def test_visit_ids_renew_and_share_are_recorded_once(make_shop: Callable[..., Shop]) -> None:
    """A renewal and a visit through another distributor (no override, R-1.2) are events too:
    their repeats renew and count nothing more."""
    shop = _shop(make_shop)
    shop.visit("c1", "d1", at=T0 + HOUR, visit_id="v-1")
    renew = [shop.visit("c1", "d1", at=T0 + DAY, visit_id="v-2") for _ in range(2)]
    other = [shop.visit("c1", "d2", at=T0 + DAY + 1, visit_id="v-3") for _ in range(2)]
    assert renew[0] == renew[1] and renew[0]["outcome"] == "renew"
    assert renew[0]["expires_at"] == T0 + DAY + 30 * DAY
    assert other[0] == other[1] and other[0]["outcome"] == "none"
    assert other[0]["bound_to"] == "d1" and other[0]["sharer_id"] == "d2"
    assert _visit_times(shop, "c1") == {"d1": 2, "d2": 1}


def test_visit_id_concurrent_repeats_count_one_visit(make_shop: Callable[..., Shop]) -> None:
    """16 identical posts of one visit id at once: one binding, one visit counted, every
    answer the first's; 16 posts of one id for 16 customers at once: one recorded, the others
    409 event.conflict."""
    shop = _shop(make_shop)
    at = T0 + HOUR
    outcomes = race(lambda i: shop.visit("c1", "d1", at=at, visit_id="v-1"))
    answers = wins(outcomes)
    assert len(answers) == THREADS
    assert all(a == answers[0] for a in answers)
    assert answers[0]["outcome"] == "bind" and answers[0]["bound_to"] == "d1"
    assert _visit_times(shop, "c1") == {"d1": 1}
    assert shop.distributor("d1", now=at)["direct_clients"] == 1

    others = race(lambda i: shop.visit(f"x{i:02d}", "d2", at=at, visit_id="v-2"))
    assert len(wins(others)) == 1
    assert error_codes(others) == {"event.conflict": THREADS - 1}
    counted = sum(sum(_visit_times(shop, f"x{i:02d}").values()) for i in range(THREADS))
    assert counted == 1
