"""R-6.4 through Shop: freezing a ring holds exactly its distributor members' pending rewards
until it is released; nothing is deleted; a ring's hold and a distributor's own freeze are
kept apart (F-2, F-4, F-5)."""

from __future__ import annotations

from typing import Any

import pytest

from teamgraph.errors import NotFound
from teamgraph.shop import Actor, Shop
from tests.shop.conftest import DAY, HOUR, T0, ShopFactory, distributors

SETTLE = 7 * DAY


def _money(shop: Shop, did: str, now: int) -> tuple[int, int, int]:
    b = shop.balances(did, now=now)
    return b["pending"], b["held"], b["settled"]


def _ring(ring_id: str, *members: tuple[str, str], score: int = 80) -> dict[str, Any]:
    return {
        "id": ring_id,
        "score": score,
        "kinds": ["self_dealing"],
        "members": [{"id": m, "role": role} for m, role in members],
        "distributors": sum(1 for _, role in members if role == "distributor"),
        "top_signals": ["device shared by 3 accounts"],
        "inside_fen": 1000,
        "contributions": [{"signal": "self_dealing", "points": 40, "detail": "x"}],
        "edges": [{"source": "c1", "target": "d1", "kind": "bound_to", "detail": ""}],
        "signals": [{"kind": "device", "value": "dev-ab…cd", "members": ["c1", "d1"]}],
    }


@pytest.fixture
def shop(make_shop: ShopFactory) -> Shop:
    """d1 (in the ring) and d2 (not) each earn 1,000 fen from an order completed at T0+1h."""
    shop = make_shop()
    distributors(shop, "d1", "d2")
    for c, d in (("c1", "d1"), ("c2", "d2")):
        shop.visit(c, d, at=T0 + 10)
        o = f"o-{c}"
        shop.record_order(
            o, c, [{"product_id": "p", "paid_fen": 10_000}], paid_at=T0 + 20, now=T0 + 20
        )
        shop.complete_order(o, at=T0 + HOUR, now=T0 + HOUR)
    shop.save_rings(
        [_ring("ring-a", ("d1", "distributor"), ("c1", "alt"))], scan_id="s1", now=T0 + HOUR
    )
    return shop


def test_r6_4_freezing_holds_exactly_the_ring_members_pending_rewards(shop: Shop) -> None:
    before = shop.ring("ring-a")
    assert before["status"] == "open"
    assert before["at_stake"]["pending_fen"] == 1000
    frozen = shop.freeze_ring(
        "ring-a", actor=Actor.system("analyst"), reason="shared device", now=T0 + 2 * HOUR
    )
    assert frozen["status"] == "frozen" and frozen["frozen_by"] == "analyst"
    after_window = T0 + HOUR + SETTLE + 1
    assert _money(shop, "d1", after_window) == (0, 1000, 0)  # held, not settled
    assert _money(shop, "d2", after_window) == (0, 0, 1000)  # not a member: settles
    assert shop.ring("ring-a")["at_stake"] == {
        "pending_fen": 0,
        "held_fen": 1000,
        "settled_fen": 0,
        "total_fen": 1000,
        "inside_fen": 1000,
    }  # c1's order: it flowed inside (F-3)
    assert shop.ring("ring-a")["outside"]["total_fen"] == 0
    released = shop.release_ring("ring-a", actor=Actor.system("merchant"), now=after_window + HOUR)
    assert released["status"] == "released"
    assert _money(shop, "d1", after_window + HOUR) == (0, 0, 1000)
    changes = [c["action"] for c in shop.ring("ring-a")["changes"]]
    assert changes == ["ring.freeze", "ring.release"]


def test_r6_4_freeze_and_release_are_idempotent(shop: Shop) -> None:
    shop.freeze_ring("ring-a", actor=Actor.system("analyst"), now=T0 + 2 * HOUR)
    again = shop.freeze_ring("ring-a", actor=Actor.system("someone else"), now=T0 + 3 * HOUR)
    assert again["frozen_by"] == "analyst" and again["frozen_at"] == T0 + 2 * HOUR
    assert [c["action"] for c in again["changes"]] == ["ring.freeze"]
    shop.release_ring("ring-a", actor=Actor.system("analyst"), now=T0 + 4 * HOUR)
    shop.release_ring("ring-a", actor=Actor.system("analyst"), now=T0 + 5 * HOUR)
    assert [c["action"] for c in shop.ring("ring-a")["changes"]] == ["ring.freeze", "ring.release"]
    # an open ring that was never frozen: release changes nothing
    shop.save_rings(
        [_ring("ring-a", ("d1", "distributor")), _ring("ring-b", ("d2", "distributor"))],
        scan_id="s2",
        now=T0 + 6 * HOUR,
    )
    assert (
        shop.release_ring("ring-b", actor=Actor.system("analyst"), now=T0 + 7 * HOUR)["status"]
        == "open"
    )


def test_f4_a_rings_release_does_not_undo_a_freeze_by_hand(shop: Shop) -> None:
    shop.set_status("d1", "frozen", actor=Actor.system("merchant"), now=T0 + 2 * HOUR)
    shop.freeze_ring("ring-a", actor=Actor.system("analyst"), now=T0 + 3 * HOUR)
    due = T0 + HOUR + SETTLE + 1
    assert _money(shop, "d1", due) == (0, 1000, 0)
    shop.release_ring("ring-a", actor=Actor.system("analyst"), now=due + 1)
    assert _money(shop, "d1", due + 2) == (0, 1000, 0)  # still frozen by hand
    assert shop.distributor("d1", now=due + 2)["status"] == "frozen"
    shop.set_status("d1", "active", actor=Actor.system("merchant"), now=due + 3)
    assert _money(shop, "d1", due + 4) == (0, 0, 1000)


def test_f4_an_unfreeze_by_hand_does_not_release_what_a_ring_holds(shop: Shop) -> None:
    shop.freeze_ring("ring-a", actor=Actor.system("analyst"), now=T0 + 2 * HOUR)
    shop.set_status("d1", "frozen", actor=Actor.system("merchant"), now=T0 + 3 * HOUR)
    due = T0 + HOUR + SETTLE + 1
    assert _money(shop, "d1", due) == (0, 1000, 0)
    shop.set_status("d1", "active", actor=Actor.system("merchant"), now=due + 1)
    assert _money(shop, "d1", due + 2) == (0, 1000, 0)  # the ring still holds it
    shop.release_ring("ring-a", actor=Actor.system("analyst"), now=due + 3)
    assert _money(shop, "d1", due + 4) == (0, 0, 1000)


def test_f1_a_scan_replaces_open_rings_and_keeps_reviewed_ones(shop: Shop) -> None:
    shop.freeze_ring("ring-a", actor=Actor.system("analyst"), now=T0 + 2 * HOUR)
    shop.save_rings(
        [_ring("ring-a", ("c2", "alt")), _ring("ring-b", ("d2", "distributor"), score=30)],
        scan_id="s2",
        now=T0 + 3 * HOUR,
    )
    a = shop.ring("ring-a")
    assert [m["id"] for m in a["member_list"]] == ["d1", "c1"]  # a decision's record stays
    assert a["status"] == "frozen"
    assert [r["id"] for r in shop.rings()] == ["ring-a", "ring-b"]
    assert [r["id"] for r in shop.rings(status="open")] == ["ring-b"]
    shop.save_rings([], scan_id="s3", now=T0 + 4 * HOUR)  # ring-b not found again: dropped
    assert [r["id"] for r in shop.rings()] == ["ring-a"]
    with pytest.raises(NotFound):
        shop.ring("ring-b")


def test_r6_2_ring_shape(shop: Shop) -> None:
    ring = shop.ring("ring-a")
    assert set(ring) >= {
        "id", "score", "status", "kinds", "members", "distributors", "at_stake", "found_at",
        "top_signals", "contributions", "member_list", "edges", "signals",
    }  # fmt: skip
    assert ring["member_list"][0] == {
        "id": "d1", "name": "d1", "is_distributor": True, "level": 1, "role": "distributor",
        "held": False,
    }  # fmt: skip
    assert ring["members"] == 2 and ring["distributors"] == 1
    listed = shop.rings()[0]
    assert set(listed) <= set(ring) and listed["at_stake"] == ring["at_stake"]
    with pytest.raises(NotFound):
        shop.ring("nope")
