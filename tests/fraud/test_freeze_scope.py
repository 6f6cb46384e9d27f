"""Issue 18: "at stake" is the commission that flowed inside the group, the members' other
earnings shown apart (F-3); freezing a ring holds only what flowed inside it unless the reviewer
chooses to hold all (F-2), released as before (F-4). Through Shop, on both engines."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teamgraph.errors import ValidationError
from teamgraph.graph import Engine
from teamgraph.shop import Actor, Shop
from tests.conftest import new_shop_id
from tests.shop.conftest import DAY, HOUR, T0, ShopFactory, distributors

SETTLE = 7 * DAY
DUE = T0 + HOUR + SETTLE + 1  # every order below completes at T0 + 1h
ANALYST = Actor.system("analyst")
CLIENTS = ("o1", "o2", "o3", "o4", "o5", "o6")


def _money(shop: Shop, did: str, now: int) -> tuple[int, int, int]:
    b = shop.balances(did, now=now)
    return b["pending"], b["held"], b["settled"]


def _ring(ring_id: str, *members: tuple[str, str]) -> dict[str, Any]:
    return {
        "id": ring_id,
        "score": 49,
        "kinds": ["self_dealing"],
        "members": [{"id": m, "role": role} for m, role in members],
        "distributors": sum(1 for _, role in members if role == "distributor"),
        "top_signals": ["device shared by 3 accounts"],
        "inside_fen": 2000,
        "contributions": [{"signal": "self_dealing", "points": 40, "detail": "x"}],
        "edges": [],
        "signals": [],
    }


def _orders(shop: Shop, distributor: str, buyers: tuple[str, ...], paid_fen: int = 10_000) -> None:
    """Each buyer visits ``distributor`` and places one order, completed at T0 + 1h: the
    distributor earns 10% of it."""
    for c in buyers:
        shop.visit(c, distributor, at=T0 + 10)
        shop.record_order(
            f"o-{c}", c, [{"product_id": "p", "paid_fen": paid_fen}], paid_at=T0 + 20, now=T0 + 20
        )
        shop.complete_order(f"o-{c}", at=T0 + HOUR, now=T0 + HOUR)


@pytest.fixture
def family(make_shop: ShopFactory) -> Shop:
    """The issue's honest family: mother m, a distributor, with her children k1 and k2 buying
    through her, and six ordinary clients o1..o6; each order earns m 1,000 fen. ring-f is
    {m, k1, k2}: 2,000 fen flowed inside it, 6,000 came from outside."""
    shop = make_shop()
    distributors(shop, "m")
    _orders(shop, "m", ("k1", "k2", *CLIENTS))
    shop.save_rings(
        [_ring("ring-f", ("m", "distributor"), ("k1", "alt"), ("k2", "alt"))],
        scan_id="s1",
        now=T0 + HOUR,
    )
    return shop


def test_issue_18_at_stake_is_what_flowed_inside_the_other_earnings_apart(family: Shop) -> None:
    """F-3: ¥20 flowed inside (the children's orders), ¥60 from the clients is shown apart,
    not as the ring's."""
    ring = family.ring("ring-f")
    assert ring["at_stake"] == {
        "pending_fen": 2000, "held_fen": 0, "settled_fen": 0, "total_fen": 2000,
        "inside_fen": 2000,
    }  # fmt: skip
    assert ring["outside"] == {
        "pending_fen": 6000, "held_fen": 0, "settled_fen": 0, "total_fen": 6000,
    }  # fmt: skip
    assert ring["hold"] is None
    assert _money(family, "m", DUE) == (0, 0, 8000)  # not frozen: all of it settles
    after = family.ring("ring-f")
    assert after["at_stake"]["settled_fen"] == 2000 and after["outside"]["settled_fen"] == 6000
    assert family.rings()[0]["outside"] == after["outside"]


def test_issue_18_freezing_holds_only_what_flowed_inside_by_default(family: Shop) -> None:
    """F-2 (hold=inside, the default): the children's rewards are held as they come due, the
    outside clients' settle; release settles what was held (F-4)."""
    frozen = family.freeze_ring("ring-f", actor=ANALYST, reason="family tablet", now=T0 + 2 * HOUR)
    assert frozen["hold"] == "inside" and frozen["changes"][0]["hold"] == "inside"
    assert [m["held"] for m in frozen["member_list"]] == [True, False, False]  # m first
    assert _money(family, "m", DUE) == (0, 2000, 6000)
    ring = family.ring("ring-f")
    assert (ring["at_stake"]["held_fen"], ring["at_stake"]["settled_fen"]) == (2000, 0)
    assert (ring["outside"]["held_fen"], ring["outside"]["settled_fen"]) == (0, 6000)
    # an order of an outside client after the freeze settles too; a child's is held
    _orders(family, "m", ("o7",))
    family.record_order(
        "o-k1-2", "k1", [{"product_id": "p", "paid_fen": 5000}], paid_at=DUE, now=DUE
    )
    family.complete_order("o-k1-2", at=DUE, now=DUE)
    later = DUE + SETTLE + 1
    assert _money(family, "m", later) == (0, 2500, 7000)
    released = family.release_ring("ring-f", actor=ANALYST, now=later + 1)
    assert released["hold"] == "inside" and not any(m["held"] for m in released["member_list"])
    assert _money(family, "m", later + 2) == (0, 0, 9500)


def test_issue_18_hold_all_holds_every_reward_of_the_member_distributors(family: Shop) -> None:
    """F-2 (hold=all, the reviewer's choice): today's behaviour, the clients' rewards too."""
    frozen = family.freeze_ring("ring-f", actor=ANALYST, hold="all", now=T0 + 2 * HOUR)
    assert frozen["hold"] == "all" and frozen["changes"][0]["hold"] == "all"
    assert _money(family, "m", DUE) == (0, 8000, 0)
    ring = family.ring("ring-f")
    assert ring["at_stake"]["held_fen"] == 2000 and ring["outside"]["held_fen"] == 6000
    family.release_ring("ring-f", actor=ANALYST, now=DUE + 1)
    assert _money(family, "m", DUE + 2) == (0, 0, 8000)
    with pytest.raises(ValidationError) as bad:
        family.freeze_ring("ring-f", actor=ANALYST, hold="some", now=DUE + 3)
    assert bad.value.code == "ring.hold"
    assert family.ring("ring-f")["status"] == "released"  # nothing written
    # frozen again after a release: the Change says from what
    again = family.freeze_ring("ring-f", actor=ANALYST, now=DUE + 4)
    assert [c["hold"] for c in again["changes"]] == ["all", "all", "inside"]


def test_issue_18_clawbacks_follow_their_rewards_and_at_stake_is_net(family: Shop) -> None:
    """F-2/F-3: a refund's clawback is held with its reward (k1's, inside) or settles with it
    (o1's, outside); both figures are net of clawbacks."""
    family.freeze_ring("ring-f", actor=ANALYST, now=T0 + 2 * HOUR)
    family.refund("o-k1", "r-k1", 4000, at=T0 + 3 * HOUR, now=T0 + 3 * HOUR)  # before due
    assert _money(family, "m", DUE) == (0, 1600, 6000)
    family.refund("o-o1", "r-o1", 10_000, at=DUE + 1, now=DUE + 1)  # after it settled
    assert _money(family, "m", DUE + 2) == (0, 1600, 5000)
    ring = family.ring("ring-f")
    assert ring["at_stake"]["total_fen"] == 1600 and ring["at_stake"]["held_fen"] == 1600
    assert ring["at_stake"]["inside_fen"] == 2000  # the scan's measure: as issued
    assert ring["outside"] == {
        "pending_fen": 0, "held_fen": 0, "settled_fen": 5000, "total_fen": 5000,
    }  # fmt: skip
    family.refund("o-k2", "r-k2", 10_000, at=DUE + 3, now=DUE + 3)  # a held reward clawed
    assert _money(family, "m", DUE + 4) == (0, 600, 5000)
    family.release_ring("ring-f", actor=ANALYST, now=DUE + 5)
    assert _money(family, "m", DUE + 6) == (0, 0, 5600)


def test_issue_18_f4_a_freeze_by_hand_and_an_inside_hold_stay_apart(family: Shop) -> None:
    """F-4 with hold=inside: unfreezing the distributor by hand settles what only the hand held
    (the clients'); the ring still holds the children's until released."""
    family.freeze_ring("ring-f", actor=ANALYST, now=T0 + 2 * HOUR)
    family.set_status("m", "frozen", actor=Actor.system("merchant"), now=T0 + 3 * HOUR)
    assert _money(family, "m", DUE) == (0, 8000, 0)
    family.set_status("m", "active", actor=Actor.system("merchant"), now=DUE + 1)
    assert _money(family, "m", DUE + 2) == (0, 2000, 6000)
    family.release_ring("ring-f", actor=ANALYST, now=DUE + 3)
    assert _money(family, "m", DUE + 4) == (0, 0, 8000)


def test_issue_18_an_inside_hold_is_per_ring(family: Shop) -> None:
    """A reward is held by an inside hold only when one frozen ring holds both its distributor
    and its buyer: ring-h {o2, o3} (no distributor) holds none of m's rewards; ring-g {m, o1}
    holds o1's, and releasing ring-f leaves it held."""
    family.save_rings(
        [
            _ring("ring-f", ("m", "distributor"), ("k1", "alt"), ("k2", "alt")),
            _ring("ring-g", ("m", "distributor"), ("o1", "alt")),
            _ring("ring-h", ("o2", "alt"), ("o3", "alt")),
        ],
        scan_id="s2",
        now=T0 + HOUR,
    )
    for rid in ("ring-f", "ring-g", "ring-h"):
        family.freeze_ring(rid, actor=ANALYST, now=T0 + 2 * HOUR)
    assert _money(family, "m", DUE) == (0, 3000, 5000)
    family.release_ring("ring-f", actor=ANALYST, now=DUE + 1)
    assert _money(family, "m", DUE + 2) == (0, 1000, 7000)  # o1's: ring-g holds it
    family.release_ring("ring-g", actor=ANALYST, now=DUE + 3)
    assert _money(family, "m", DUE + 4) == (0, 0, 8000)


# -- the ledger's invariants (hypothesis) -------------------------------------------------------
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    children=st.integers(0, 3),
    clients=st.integers(0, 3),
    refunds=st.lists(st.integers(0, 5), max_size=3, unique=True),
    hold=st.sampled_from(["inside", "all"]),
    by_hand=st.booleans(),
)
def test_issue_18_ledger_invariants_under_either_hold(
    engine: Engine,
    children: int,
    clients: int,
    refunds: list[int],
    hold: str,
    by_hand: bool,
) -> None:
    """R-3.12 / F-2 / F-3 over random families: a freeze moves money between statuses and never
    changes a total; at stake plus other earnings is all the distributor earned; with
    hold=inside exactly the inside part is held (with all, everything), unless the distributor
    is also frozen by hand; after the release and the unfreeze nothing stays held."""
    shop = Shop.create(engine, new_shop_id("fz"), None, now=T0)
    try:
        distributors(shop, "m")
        kids = tuple(f"k{i}" for i in range(children))
        others = tuple(f"c{i}" for i in range(clients))
        _orders(shop, "m", kids + others)
        buyers = kids + others
        for i in refunds:
            if i < len(buyers):
                shop.refund(f"o-{buyers[i]}", f"r{i}", 3000, at=T0 + 2 * HOUR, now=T0 + 2 * HOUR)
        members = [("m", "distributor")] + [(k, "alt") for k in kids]
        shop.save_rings([_ring("ring-r", *members)], scan_id="s", now=T0 + 2 * HOUR)
        before = shop.balances("m", now=T0 + 3 * HOUR)
        earned = before["pending"] + before["held"] + before["settled"]
        shop.freeze_ring("ring-r", actor=ANALYST, hold=hold, now=T0 + 3 * HOUR)
        if by_hand:
            shop.set_status("m", "frozen", actor=Actor.system("merchant"), now=T0 + 4 * HOUR)
        pending, held, settled = _money(shop, "m", DUE)
        assert pending + held + settled == earned
        ring = shop.ring("ring-r")
        inside, outside = ring["at_stake"], ring["outside"]
        assert inside["total_fen"] + outside["total_fen"] == earned
        assert inside["held_fen"] + outside["held_fen"] == held
        expect_held = earned if hold == "all" or by_hand else inside["total_fen"]
        assert held == expect_held
        assert outside["held_fen"] == (
            0 if hold == "inside" and not by_hand else outside["total_fen"]
        )
        shop.release_ring("ring-r", actor=ANALYST, now=DUE + 1)
        if by_hand:
            assert _money(shop, "m", DUE + 2) == (0, earned, 0)  # F-4: the hand still holds
            shop.set_status("m", "active", actor=Actor.system("merchant"), now=DUE + 3)
        assert _money(shop, "m", DUE + 4) == (0, 0, earned)
    finally:
        shop.store.drop()


# -- concurrency (read-committed Neo4j too) ------------------------------------------------------
def test_issue_18_overlapping_rings_frozen_and_released_at_once_lose_no_hold(
    family: Shop,
) -> None:
    """Three rings sharing the distributor m, each holding inside, frozen at once and released
    at once, round after round: each statement takes its ring's lock first and rewrites the
    members' lists under their locks, so no ring's id is lost from (or left on) a member —
    while frozen exactly the rewards from the three rings' members are held, after the releases
    nothing is."""
    from tests.shop.test_concurrency import race

    rings = {"ring-f": ("k1", "k2"), "ring-g": ("o1",), "ring-h": ("o2", "o3")}
    family.save_rings(
        [
            _ring(rid, ("m", "distributor"), *((c, "alt") for c in kids))
            for rid, kids in rings.items()
        ],
        scan_id="s2",
        now=T0 + HOUR,
    )
    ids = sorted(rings)
    buyers = ("k1", "k2", *CLIENTS)
    start = DUE  # the fixture's orders settle before the first round
    settled = 8000
    for n in range(3):
        t = start + n * 2 * SETTLE
        for c in buyers:
            family.record_order(
                f"o-{c}-{n}", c, [{"product_id": "p", "paid_fen": 10_000}], paid_at=t, now=t
            )
            family.complete_order(f"o-{c}-{n}", at=t, now=t)
        outcomes = race(
            lambda i, t=t: family.freeze_ring(ids[i], actor=ANALYST, now=t + 1), n=len(ids)
        )
        assert all(kind == "ok" for kind, _ in outcomes), outcomes
        due = t + SETTLE + 1
        assert _money(family, "m", due) == (0, 5000, settled + 3000)  # k1 k2 o1 o2 o3 held
        outcomes = race(
            lambda i, due=due: family.release_ring(ids[i], actor=ANALYST, now=due + 1),
            n=len(ids),
        )
        assert all(kind == "ok" for kind, _ in outcomes), outcomes
        settled += 8000
        assert _money(family, "m", due + 2) == (0, 0, settled)
        assert not any(m["held"] for rid in ids for m in family.ring(rid)["member_list"])
