"""R-3.14: rewards pay for sales, never for recruiting. A shop may give points for an accepted
invitation (``invitation_points``), once per invitee, written to the ledger in unit points; no
cash or balance is ever paid for recruiting alone, whatever the program."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teamgraph.graph import Engine
from teamgraph.shop import Shop
from tests.conftest import new_shop_id
from tests.shop.conftest import DAY, T0, ShopFactory, ledger_entries

HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def _invite(shop: Shop, did: str, inviter: str | None, at: int) -> dict[str, Any]:
    shop.create_customer(did, name=did, via_distributor_id=inviter, now=at)
    return shop.apply(did, now=at)


def test_r3_14_invitation_points_once_per_invitee(make_shop: ShopFactory) -> None:
    """An approved invitee earns its inviter ``invitation_points`` points, once, in unit
    points; nothing in fen; with review on, only the approval pays."""
    shop = make_shop({"invitation_points": 50, "application": {"review": True}})
    _invite(shop, "a", None, T0)
    shop.approve("a", now=T0)
    _invite(shop, "b", "a", T0 + 1)
    assert shop.balances("a", now=T0 + 1)["points"] == 0  # pending: nothing yet
    shop.approve("b", now=T0 + 2)
    shop.approve("b", now=T0 + 3)  # again: no second award
    entries = ledger_entries(shop, "a", now=T0 + DAY)
    assert [(e["kind"], e["amount"], e["unit"]) for e in entries] == [("bonus", 50, "point")]
    balances = shop.balances("a", now=T0 + DAY)
    assert balances["points"] == 50
    assert balances["settled"] == balances["pending"] == balances["withdrawable"] == 0


def test_r3_14_no_invitation_points_by_default(make_shop: ShopFactory) -> None:
    shop = make_shop()
    _invite(shop, "a", None, T0)
    _invite(shop, "b", "a", T0 + 1)
    assert shop.distributor("b", now=T0 + 1)["inviter_id"] == "a"
    assert ledger_entries(shop, "a", now=T0 + DAY) == []


programs = st.fixed_dictionaries(
    {
        "reward_kind": st.sampled_from(["cash", "balance", "points"]),
        "invitation_points": st.integers(0, 1000),
        "tiers": st.integers(2, 3),
        "ladder": st.sampled_from([[], [{"threshold_fen": 1, "bonus_fen": 100}]]),
        "team_reward": st.sampled_from(
            [None, {"threshold_fen": 2, "kind": "cash", "amount": 1},
             {"threshold_fen": 1, "kind": "points", "amount": 10}]
        ),
    }
)  # fmt: skip
# Each new distributor is invited by one before it (an index), or by nobody.
forests = st.lists(st.integers(-1, 8), min_size=1, max_size=9)


@settings(max_examples=12, deadline=None, suppress_health_check=HEALTH)
@given(program=programs, forest=forests, visits=st.lists(st.tuples(st.integers(0, 8),
       st.integers(0, 8)), max_size=6))  # fmt: skip
def test_r3_14_recruiting_alone_never_pays_cash_or_balance(
    engine: Engine, program: dict[str, Any], forest: list[int], visits: list[tuple[int, int]]
) -> None:
    """A shop where distributors invite each other, visit each other's links and nobody buys:
    after every approval, the month's ladder and team reward runs, every cash and balance
    total of every distributor is 0 (only invitation points may be paid)."""
    settings_ = dict(program)
    if settings_["reward_kind"] != "cash":
        settings_["reward_basis"] = "fixed"
        settings_["levels"] = [{"level": 1, "name": "L1", "reward_fen": 100,
                                "inviter_reward_fen": 30}]  # fmt: skip
    shop = Shop.create(engine, new_shop_id("r314"), settings_, now=T0)
    try:
        ids = [f"d{i}" for i in range(len(forest))]
        for i, parent in enumerate(forest):
            inviter = ids[parent] if 0 <= parent < i else None
            _invite(shop, ids[i], inviter, T0 + i)
        for k, (a, b) in enumerate(visits):
            if a < len(ids) and b < len(ids) and a != b:
                shop.visit(ids[a], ids[b], at=T0 + 100 + k)
        later = T0 + 40 * DAY
        assert shop.award_ladder("2026-01", now=later) == []
        assert shop.award_team_reward("2026-01", now=later) == []
        totals = shop.store.read("ledger.all_totals")
        assert [t for t in totals if t["unit"] != "point"] == []
        points = sum(t["amount"] for t in totals if t["unit"] == "point")
        invited = sum(1 for i, p in enumerate(forest) if 0 <= p < i)
        assert points == invited * program["invitation_points"]
        for did in ids:
            b = shop.balances(did, now=later)
            assert (b["pending"], b["held"], b["settled"], b["requested"], b["withdrawn"]) == (
                0, 0, 0, 0, 0)  # fmt: skip
    finally:
        shop.store.drop()
