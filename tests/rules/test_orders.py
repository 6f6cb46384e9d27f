"""The one decision path for orders, completions and refunds (docs/rules.md §3; M-1–M-4, B-6),
pure: worked examples and hypothesis properties. Live events (tests/shop) and bulk history
(tests/etl/test_history.py) both call these functions; these tests pin the decisions down
without a graph."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teamgraph.errors import ValidationError
from teamgraph.rules import orders as O
from teamgraph.rules.binding import Binding, Sharer, attribute
from teamgraph.rules.commission import ProductReward
from teamgraph.rules.levels import raised
from teamgraph.rules.settings import ProgramSettings
from teamgraph.rules.timeutil import MS_PER_DAY
from tests.rules.test_commission import RATE_LEVELS

LEVELS = (
    RATE_LEVELS  # level 1: 10% and 3% to an inviter; level 2 (3 paid orders): 15%, 5%, 20% first
)
SETTINGS = ProgramSettings(levels=LEVELS, tiers=3, settle_days=7)
CHAINS = {"d1": [("d1", 2), ("d2", 1), ("d3", 1)], "d9": [("d9", 1)]}


def context(**kw: Any) -> O.OrderContext:
    base: dict[str, Any] = {
        "order_id": "o1",
        "customer_id": "c1",
        "paid_at": 1_000,
        "lines": O.parse_lines([{"product_id": "p1", "qty": 2, "paid_fen": 10_000}]),
        "products": {"p1": O.Product(cost_fen=1_000)},
        "bindings": [Binding("d1", since=0, expires_at=None)],
        "sharers": [],
        "chains": CHAINS,
        "paid_orders": 1,
    }
    return O.OrderContext(**{**base, **kw})


# -- attribution (M-1, B-6) ------------------------------------------------------------------
def test_attribution_is_the_binding_in_force_then_the_latest_sharer() -> None:
    """B-6: of two bindings in force at once the later begun; else the latest valid sharer
    visit, equally recent ones to the smaller id; nothing once the window has passed."""
    bindings = [Binding("d9", 10, None), Binding("d1", 20, 100)]
    sharers = [Sharer("d4", until=60, since=50)]
    assert attribute(bindings, sharers, 30) == "d1"
    assert attribute(bindings, sharers, 100) == "d9"  # d1 expired at 100
    assert attribute([Binding("d1", 20, None, ended_at=40)], sharers, 55) == "d4"
    assert attribute([Binding("d1", 20, None)], [], 19) is None  # not begun yet
    visits = [Sharer("d9", 55, 45), Sharer("d2", 55, 45), Sharer("d4", 40, 30)]
    assert attribute([], visits, 50) == "d2"
    assert attribute([], visits, 56) is None


# -- orders -----------------------------------------------------------------------------------
def test_an_order_pays_three_tiers_with_the_product_cost_filled_in() -> None:
    """R-3.4–R-3.8: 2 × 50.00 = 10 000 fen paid; the line takes the product's unit cost × 2
    (R-3.8). d1 (level 2) earns 15% = 1500, d2 and d3 (level 1) 3% = 300 each; together 2100,
    under 10 000 − 2 000 cost, so nothing is cut."""
    d = O.decide_order(SETTINGS, context())
    assert d.attributed_to == "d1" and not d.first_order
    assert (d.paid_fen, d.split_fen) == (10_000, 10_000)
    assert d.lines == [{"idx": 0, "product_id": "p1", "qty": 2, "paid_fen": 10_000,
                        "split_fen": 10_000, "cost_fen": 2_000}]  # fmt: skip
    assert [(e["id"], e["distributor_id"], e["amount"]) for e in d.entries] == [
        ("o1:r0:t1", "d1", 1_500),
        ("o1:r0:t2", "d2", 300),
        ("o1:r0:t3", "d3", 300),
    ]
    assert d.counters == {"paid_orders": 1, "transaction_fen": 10_000, "received_fen": 10_000}


def test_a_first_order_pays_the_first_order_rate_and_a_product_rate_beats_it() -> None:
    """R-3.5, C-2: level 2's first-order rate (20%) replaces tier 1's default on the buyer's
    first paid order; a product's own rate beats both."""
    first = O.decide_order(SETTINGS, context(paid_orders=0))
    assert first.first_order and first.entries[0]["amount"] == 2_000
    own = {"p1": O.Product(reward=ProductReward(reward_bp=500))}
    with_own = O.decide_order(SETTINGS, context(paid_orders=0, products=own))
    assert with_own.entries[0]["amount"] == 500


def test_an_order_nobody_is_attributed_pays_nothing_and_moves_no_counter() -> None:
    d = O.decide_order(SETTINGS, context(bindings=[], sharers=[]))
    assert (d.attributed_to, d.entries, d.counters) == (None, [], {})


def test_a_distributor_buying_from_its_own_chain_earns_nothing_on_it() -> None:
    """C-1: the buyer's own tier is skipped, the others keep theirs."""
    d = O.decide_order(SETTINGS, context(customer_id="d2"))
    assert [(e["distributor_id"], e["tier"]) for e in d.entries] == [("d1", 1), ("d3", 3)]


def test_lines_are_checked_with_the_rule_they_break() -> None:
    with pytest.raises(ValidationError) as e:
        O.parse_lines([])
    assert e.value.code == "order.lines"
    with pytest.raises(ValidationError) as e:
        O.parse_lines([{"qty": 1, "paid_fen": 5}])
    assert e.value.field == "lines[0].product_id"
    with pytest.raises(ValidationError) as e:
        O.parse_lines([{"product_id": "p", "paid_fen": 1.5}])
    assert e.value.rule == "R-3.9"


# -- completion --------------------------------------------------------------------------------
def test_completion_starts_the_after_sale_window() -> None:
    """R-3.10: rewards settle settle_days after completion; completion before payment is
    refused."""
    done = O.decide_completion(SETTINGS, paid_at=1_000, at=5_000)
    assert done.settle_at == 5_000 + 7 * MS_PER_DAY
    assert done.counters == {"completed_orders": 1}
    with pytest.raises(ValidationError) as e:
        O.decide_completion(SETTINGS, paid_at=1_000, at=999)
    assert (e.value.code, e.value.rule) == ("order.complete_at", "R-3.10")


# -- refunds ----------------------------------------------------------------------------------
def stored(d: O.OrderDecision, *, status: str = "pending", frozen: bool = False) -> Any:
    lines = [O.StoredLine(x["idx"], x["product_id"], x["paid_fen"], 0) for x in d.lines]
    rewards = [
        O.StoredReward(e["id"], e["distributor_id"], e["tier"], e["line"], e["amount"],
                       e["basis"], e["rate_bp"], 0, status, 10_000, frozen)
        for e in d.entries
    ]  # fmt: skip
    return lines, rewards


def refund(lines: Any, rewards: Any, amount: int, **kw: Any) -> O.RefundDecision:
    args: dict[str, Any] = {"refund_id": "rf1", "order_id": "o1", "amount_fen": amount,
                            "product_id": None, "at": 2_000, "paid_at": 1_000,
                            "lines": lines, "rewards": rewards}  # fmt: skip
    return O.decide_refund(**{**args, **kw})


def test_a_partial_refund_claws_back_at_the_rate_with_the_rewards_status() -> None:
    """R-3.11, C-9: refunding 40.00 of 100.00 claws back 40.00 × 15% = 600 from tier 1 and
    40.00 × 3% = 120 from tiers 2 and 3; M-4: a reward due by the refund's time is settled,
    so the clawback is settled too, and held when its distributor is frozen."""
    two_lines = O.parse_lines(
        [{"product_id": "p1", "paid_fen": 10_000}, {"product_id": "p2", "paid_fen": 5_000}]
    )
    order = O.decide_order(SETTINGS, context(lines=two_lines))
    lines, rewards = stored(order)
    d = refund(lines, rewards, 4_000, product_id="p1")
    assert d.lines == [{"idx": 0, "amount": 4_000}]
    assert [(c["id"], c["amount"], c["status"]) for c in d.clawbacks] == [
        ("rf1:o1:r0:t1", 600, "pending"),
        ("rf1:o1:r0:t2", 120, "pending"),
        ("rf1:o1:r0:t3", 120, "pending"),
    ]
    assert d.counters == {"received_fen": -4_000}
    later = refund(lines, rewards, 4_000, product_id="p1", at=10_000)
    assert {c["status"] for c in later.clawbacks} == {"settled"}
    _, held = stored(order, frozen=True)
    assert {c["status"] for c in refund(lines, held, 10, at=10_000).clawbacks} == {"held"}


@pytest.mark.parametrize(
    ("amount", "kw", "code"),
    [
        (0, {}, "refund.amount"),
        (10_001, {}, "refund.too_much"),
        (1, {"product_id": "nope"}, "refund.product"),
        (1, {"at": 999}, "refund.at"),
    ],
)
def test_a_refund_the_order_cannot_take_is_refused(
    amount: int, kw: dict[str, Any], code: str
) -> None:
    lines, rewards = stored(O.decide_order(SETTINGS, context()))
    with pytest.raises(ValidationError) as e:
        refund(lines, rewards, amount, **kw)
    assert (e.value.code, e.value.rule) == (code, "R-3.11")


@given(
    paid=st.lists(st.integers(1, 50_000), min_size=1, max_size=4),
    cuts=st.lists(st.integers(1, 100), min_size=1, max_size=6),
    tiers=st.integers(1, 3),
)
def test_refunds_up_to_the_whole_order_claw_back_exactly_what_was_paid(
    paid: list[int], cuts: list[int], tiers: int
) -> None:
    """R-3.11: however a full refund is cut into partial ones, the clawbacks add up to the
    rewards to the fen, none ever takes back more than its reward still holds, and each
    refund lowers received by exactly its amount (M-2)."""
    lines_in = [{"product_id": f"p{i}", "paid_fen": x} for i, x in enumerate(paid)]
    order = O.decide_order(
        ProgramSettings(levels=LEVELS, tiers=tiers), context(lines=O.parse_lines(lines_in))
    )
    lines, rewards = stored(order)
    total, weights = sum(paid), sum(cuts)
    amounts = [total * c // weights for c in cuts]
    amounts[-1] += total - sum(amounts)
    returned: dict[str, int] = {}
    refunded = {x.idx: 0 for x in lines}
    for n, amount in enumerate(a for a in amounts if a > 0):
        now_lines = [O.StoredLine(x.idx, x.product_id, x.paid_fen, refunded[x.idx]) for x in lines]
        now_rewards = [
            O.StoredReward(r.id, r.distributor_id, r.tier, r.line, r.amount, r.basis,
                           r.rate_bp, returned.get(r.id, 0), r.status, r.settle_at, r.frozen)
            for r in rewards
        ]  # fmt: skip
        d = refund(now_lines, now_rewards, amount, refund_id=f"rf{n}")
        assert d.counters == {"received_fen": -amount}
        assert sum(p["amount"] for p in d.lines) == amount
        for p in d.lines:
            refunded[p["idx"]] += p["amount"]
        for c in d.clawbacks:
            returned[c["entry_id"]] = returned.get(c["entry_id"], 0) + c["amount"]
    assert returned == {e["id"]: e["amount"] for e in order.entries if e["amount"] > 0}


# -- levels ------------------------------------------------------------------------------------
def test_a_level_is_raised_only_when_the_counters_earn_a_higher_one() -> None:
    """R-4.3: three paid orders earn level 2 at once; a single level, or a level already held,
    raises nothing."""
    assert raised(LEVELS, {"paid_orders": 3}, 1) == 2
    assert raised(LEVELS, {"paid_orders": 2}, 1) is None
    assert raised(LEVELS, {"paid_orders": 3}, 2) is None
    assert raised(LEVELS[:1], {"paid_orders": 99}, 1) is None
