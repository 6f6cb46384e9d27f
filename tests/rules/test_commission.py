"""Commission rules (R-1.6, R-1.7, R-3.1–R-3.13), pure: worked examples with the arithmetic in
the comments, and hypothesis properties for the money invariants."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from teamgraph.errors import ValidationError
from teamgraph.rules import commission as C
from teamgraph.rules.settings import Conditions, LadderStep, Level, ProgramSettings

# Rate program: level 1 pays 10% to the direct distributor and 3% to an inviter; level 2 pays
# 15% (20% on a customer's first order) and 5% to an inviter.
RATE_LEVELS = [
    Level(level=1, name="L1", reward_bp=1000, inviter_reward_bp=300),
    Level(
        level=2,
        name="L2",
        conditions=Conditions(paid_orders=3),
        reward_bp=1500,
        inviter_reward_bp=500,
        first_order_reward_bp=2000,
    ),
]
# Fixed program: level 1 pays 2.00 yuan a unit and 0.50 to an inviter; level 2 3.00 and 0.80.
FIXED_LEVELS = [
    Level(level=1, name="L1", reward_fen=200, inviter_reward_fen=50),
    Level(
        level=2,
        name="L2",
        conditions=Conditions(paid_orders=3),
        reward_fen=300,
        inviter_reward_fen=80,
        first_order_reward_bp=2000,  # C-3: a rate, so never used on the fixed basis
    ),
]


def program(**kw: Any) -> ProgramSettings:
    kw.setdefault("levels", RATE_LEVELS)
    return ProgramSettings(**kw)


def fixed_program(**kw: Any) -> ProgramSettings:
    kw.setdefault("levels", FIXED_LEVELS)
    kw.setdefault("reward_basis", "fixed")
    return ProgramSettings(**kw)


def line(
    paid: int, split: int | None = None, *, qty: int = 1, cost: int | None = None, pid: str = "p1"
) -> C.Line:
    return C.Line(pid, qty, paid, paid if split is None else split, cost)


def pay(
    settings: ProgramSettings,
    chain: list[tuple[str, int]],
    lines: list[C.Line],
    *,
    buyer: str = "buyer",
    products: dict[str, C.ProductReward] | None = None,
    first_order: bool = False,
) -> list[tuple[str, int, int]]:
    """(distributor, tier, amount) of each reward, in the order they come out."""
    es = C.earners(chain, buyer, settings.tiers)
    out = C.rewards(settings, es, lines, products or {}, first_order=first_order)
    return [(r.distributor_id, r.tier, r.amount) for r in out]


# --- how much ---------------------------------------------------------------------------


def test_r3_4_rate_is_split_times_rate_rounded_down() -> None:
    # split 99.99 yuan: tier 1 at 10% = 999.9 fen → 999; tier 2 at 3% = 299.97 fen → 299.
    rs = C.rewards(
        program(),
        C.earners([("B1", 1), ("C1", 1)], "A1", 2),
        [line(9999)],
        {},
        first_order=False,
    )
    assert [(r.distributor_id, r.tier, r.amount) for r in rs] == [("B1", 1, 999), ("C1", 2, 299)]
    assert {(r.basis, r.unit, r.rate_bp, r.per_unit) for r in rs} == {
        ("rate", "fen", 1000, None),
        ("rate", "fen", 300, None),
    }


def test_r3_4_rate_uses_the_split_amount_not_the_paid_amount() -> None:
    # paid 100.00, split 80.00 (e.g. a coupon share): 10% of 8000 = 800, 3% = 240.
    assert pay(program(), [("B1", 1), ("C1", 1)], [line(10_000, 8_000)]) == [
        ("B1", 1, 800),
        ("C1", 2, 240),
    ]


def test_r3_4_fixed_is_quantity_times_the_per_unit_reward() -> None:
    # 3 units: tier 1 3 × 200 = 600; tier 2 3 × 50 = 150; the price plays no part (as long as
    # the rewards stay within half the split, C-6).
    rs = C.rewards(
        fixed_program(),
        C.earners([("B1", 1), ("C1", 1)], "A1", 2),
        [line(3_000, qty=3)],
        {},
        first_order=False,
    )
    assert [(r.tier, r.amount, r.basis, r.per_unit, r.rate_bp) for r in rs] == [
        (1, 600, "fixed", 200, None),
        (2, 150, "fixed", 50, None),
    ]


def test_r3_4_each_line_pays_on_its_own() -> None:
    # line 0: 10% of 1234 = 123.4 → 123, 3% = 37.02 → 37; line 1: 10% of 5 = 0.5 → 0 (left out,
    # C-8), 3% of 5 → 0; line 2: 10% of 20000 = 2000, 3% = 600.
    rs = C.rewards(
        program(),
        C.earners([("B1", 1), ("C1", 1)], "A1", 2),
        [line(1234, pid="a"), line(5, pid="b"), line(20_000, pid="c")],
        {},
        first_order=False,
    )
    assert [(r.line, r.product_id, r.tier, r.amount) for r in rs] == [
        (0, "a", 1, 123),
        (0, "a", 2, 37),
        (2, "c", 1, 2000),
        (2, "c", 2, 600),
    ]


# --- kind and basis -------------------------------------------------------------


def test_r3_2_points_are_fixed_and_counted_in_points() -> None:
    s = fixed_program(reward_kind="points")
    rs = C.rewards(s, C.earners([("B1", 1)], "A1", 2), [line(5_000, qty=2)], {}, first_order=False)
    assert [(r.amount, r.unit, r.basis) for r in rs] == [(400, "point", "fixed")]  # 2 × 200


def test_r3_2_balance_rewards_are_fixed_fen() -> None:
    s = fixed_program(reward_kind="balance")
    rs = C.rewards(s, C.earners([("B1", 1)], "A1", 2), [line(5_000, qty=2)], {}, first_order=False)
    assert [(r.amount, r.unit, r.basis) for r in rs] == [(400, "fen", "fixed")]


# --- which rate -----------------------------------------------------------------


def test_r3_5_product_setting_beats_the_level_default() -> None:
    # p1 pays 25% of its own: 25% of 10000 = 2500 for tier 1; tier 2 keeps its level's 3% (C-4).
    products = {"p1": C.ProductReward(reward_bp=2500)}
    assert pay(program(), [("B1", 1), ("C1", 1)], [line(10_000)], products=products) == [
        ("B1", 1, 2500),
        ("C1", 2, 300),
    ]


def test_r3_5_a_product_setting_of_zero_pays_nothing_to_tier_1() -> None:
    products = {"p1": C.ProductReward(reward_bp=0)}
    assert pay(program(), [("B1", 1), ("C1", 1)], [line(10_000)], products=products) == [
        ("C1", 2, 300)
    ]


def test_r3_5_fixed_product_setting() -> None:
    # 4 units × the product's own 1.20 = 480; tier 2 4 × 50 = 200 (680 ≤ half of 2000).
    products = {"p1": C.ProductReward(reward_fen=120)}
    assert pay(fixed_program(), [("B1", 1), ("C1", 1)], [line(2000, qty=4)], products=products) == [
        ("B1", 1, 480),
        ("C1", 2, 200),
    ]


def test_r3_5_c4_a_product_setting_in_the_other_basis_is_ignored() -> None:
    products = {"p1": C.ProductReward(reward_fen=999)}
    assert pay(program(), [("B1", 1)], [line(10_000)], products=products) == [("B1", 1, 1000)]
    products = {"p1": C.ProductReward(reward_bp=4000)}
    assert pay(fixed_program(), [("B1", 1)], [line(10_000)], products=products) == [("B1", 1, 200)]


def test_r3_5_first_order_rate_replaces_the_level_default() -> None:
    # Level 2: 20% on the first paid order (2000 of 10000), 15% afterwards (1500).
    chain = [("B1", 2), ("C1", 1)]
    assert pay(program(), chain, [line(10_000)], first_order=True) == [
        ("B1", 1, 2000),
        ("C1", 2, 300),  # the inviter reward is not a first-order rate
    ]
    assert pay(program(), chain, [line(10_000)], first_order=False) == [
        ("B1", 1, 1500),
        ("C1", 2, 300),
    ]


def test_r3_5_level_without_a_first_order_rate_pays_its_default_on_the_first_order() -> None:
    assert pay(program(), [("B1", 1)], [line(10_000)], first_order=True) == [("B1", 1, 1000)]


def test_r3_5_c2_product_setting_beats_the_first_order_rate() -> None:
    products = {"p1": C.ProductReward(reward_bp=1200)}
    got = pay(program(), [("B1", 2)], [line(10_000)], products=products, first_order=True)
    assert got == [("B1", 1, 1200)]


def test_r3_5_c3_no_first_order_amount_on_the_fixed_basis() -> None:
    assert pay(fixed_program(), [("B1", 2)], [line(10_000, qty=2)], first_order=True) == [
        ("B1", 1, 600)  # 2 × 300, level 2's default
    ]


def test_r3_6_inviters_use_their_own_levels_inviter_reward() -> None:
    # B1 is level 1, its inviter C1 level 2: C1 earns 5% (500 of 10000), not B1's level's 3%.
    assert pay(program(), [("B1", 1), ("C1", 2)], [line(10_000)]) == [
        ("B1", 1, 1000),
        ("C1", 2, 500),
    ]
    # Fixed: C1 at level 2 earns 2 × 80 = 160.
    assert pay(fixed_program(), [("B1", 1), ("C1", 2)], [line(10_000, qty=2)]) == [
        ("B1", 1, 400),
        ("C1", 2, 160),
    ]


def test_r3_6_c5_a_removed_level_counts_as_the_top_level() -> None:
    # B1 holds level 4 but the program has 2: it earns as level 2 (15%), C1 at 0 as level 1 (3%).
    assert pay(program(), [("B1", 4), ("C1", 0)], [line(10_000)]) == [
        ("B1", 1, 1500),
        ("C1", 2, 300),
    ]


def test_r3_6_c5_an_unset_reward_is_zero() -> None:
    levels = [Level(level=1, name="L1", reward_bp=1000)]  # no inviter reward
    assert pay(program(levels=levels), [("B1", 1), ("C1", 1)], [line(10_000)]) == [("B1", 1, 1000)]


# --- who earns ----------------------------------------------------------


def test_r1_7_only_the_direct_distributor_and_its_inviter_earn_by_default() -> None:
    chain = [("B1", 1), ("C1", 1), ("D1", 1)]
    assert [e.distributor_id for e in C.earners(chain, "A1", 2)] == ["B1", "C1"]
    assert pay(program(), chain, [line(10_000)]) == [("B1", 1, 1000), ("C1", 2, 300)]


def test_r3_7_one_tier_pays_only_the_direct_distributor() -> None:
    chain = [("B1", 1), ("C1", 1)]
    assert pay(program(tiers=1), chain, [line(10_000)]) == [("B1", 1, 1000)]


def test_r3_7_three_tiers_pay_the_inviters_inviter() -> None:
    # tier 3 D1 at level 2 earns its inviter 5%: 500.
    chain = [("B1", 1), ("C1", 1), ("D1", 2)]
    assert pay(program(tiers=3), chain, [line(10_000)]) == [
        ("B1", 1, 1000),
        ("C1", 2, 300),
        ("D1", 3, 500),
    ]


def test_r3_7_more_than_three_tiers_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        C.earners([("B1", 1)], "A1", 4)
    assert info.value.rule == "R-3.7"


def test_r3_7_a_short_chain_pays_who_is_there() -> None:
    assert C.earners([("B1", 1)], "A1", 3) == [C.Earner("B1", 1, 1)]
    assert C.earners([], "A1", 2) == []
    assert pay(program(), [], [line(10_000)]) == []


def test_r1_6_story_a1_b1_c1() -> None:
    # C1 invited B1; A1 is bound to B1. A1's order pays B1 (tier 1) and C1 (tier 2).
    assert pay(program(), [("B1", 1), ("C1", 1)], [line(10_000)], buyer="A1") == [
        ("B1", 1, 1000),
        ("C1", 2, 300),
    ]
    # B1 is a customer too, bound to B2 (invited by C2): B1's own purchase earns B2 and C2,
    # never B1 itself, and no longer C1.
    got = pay(program(), [("B2", 1), ("C2", 1)], [line(10_000)], buyer="B1")
    assert got == [("B2", 1, 1000), ("C2", 2, 300)]
    assert all(who not in ("B1", "C1") for who, _, _ in got)


def test_r1_6_c1_the_buyers_own_tier_is_skipped_not_replaced() -> None:
    # Circular attribution: C1 invited B1 and is itself bound to B1. When C1 buys, the
    # chain is B1 (tier 1), C1 (tier 2), D1 (tier 3): C1 earns nothing from its own purchase,
    # and D1 stays tier 3 — it does not move up to take C1's tier-2 reward.
    chain = [("B1", 1), ("C1", 1), ("D1", 2)]
    assert C.earners(chain, "C1", 3) == [C.Earner("B1", 1, 1), C.Earner("D1", 3, 2)]
    assert pay(program(tiers=3), chain, [line(10_000)], buyer="C1") == [
        ("B1", 1, 1000),
        ("D1", 3, 500),
    ]
    # With two tiers the chain is cut first: only B1 earns.
    assert C.earners(chain, "C1", 2) == [C.Earner("B1", 1, 1)]


def test_r1_6_a_buyer_attributed_to_itself_earns_nothing() -> None:
    assert C.earners([("B1", 1), ("C1", 1)], "B1", 2) == [C.Earner("C1", 2, 1)]


def test_rewards_refuses_earners_beyond_the_programs_tiers() -> None:
    with pytest.raises(ValueError):
        C.rewards(program(tiers=1), [C.Earner("C1", 2, 1)], [line(1)], {}, first_order=False)
    with pytest.raises(ValueError):
        earners = [C.Earner("B1", 1, 1), C.Earner("X", 1, 1)]
        C.rewards(program(), earners, [line(1)], {}, first_order=False)


# --- R-3.3 / C-6: the rate cap guard -----------------------------------------------------------


def test_r3_3_rate_at_the_cap_pays_half() -> None:
    products = {"p1": C.ProductReward(reward_bp=5000)}
    assert pay(program(), [("B1", 1)], [line(9_999)], products=products) == [("B1", 1, 4999)]


def test_r3_3_a_rate_above_the_cap_is_a_bug_not_clipped() -> None:
    # A product rate of 60% that slipped past validation: raised, never paid at 50%.
    products = {"p1": C.ProductReward(reward_bp=6000)}
    with pytest.raises(AssertionError, match=r"R-3\.3"):
        pay(program(), [("B1", 1)], [line(10_000)], products=products)


def test_r3_3_product_rate_above_the_cap_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        C.validate_product_reward(C.ProductReward(reward_bp=5001))
    assert (info.value.rule, info.value.field) == ("R-3.3", "reward_bp")
    with pytest.raises(ValidationError):
        C.validate_product_reward(C.ProductReward(reward_fen=-1))
    C.validate_product_reward(C.ProductReward(reward_bp=5000))
    C.validate_product_reward(C.ProductReward())


def test_r3_3_c6_settings_refuse_tiers_that_together_pass_half() -> None:
    with pytest.raises(ValidationError) as info:
        program(levels=[Level(level=1, name="L1", reward_bp=5000, inviter_reward_bp=3000)])
    assert (info.value.code, info.value.rule) == ("settings.rate_cap", "R-3.3")
    levels = [Level(level=1, name="L1", reward_bp=4000, inviter_reward_bp=1000)]
    assert pay(program(levels=levels), [("B1", 1), ("C1", 1)], [line(10_000)]) == [
        ("B1", 1, 4000),
        ("C1", 2, 1000),
    ]


def test_r3_3_c6_fixed_rewards_are_cut_to_half_the_split_highest_tier_first() -> None:
    # fixed: 1 unit, tier 1 300, tier 2 80 on a split of 600: 380 > 300, tier 2 cut to 0.
    levels = [Level(level=1, name="L1", reward_fen=300, inviter_reward_fen=80)]
    s = program(levels=levels, reward_basis="fixed")
    assert pay(s, [("B1", 1), ("C1", 1)], [line(600)]) == [("B1", 1, 300)]


# --- cost-price protection --------------------------------------------------------------


def test_r3_8_cost_protection_cuts_lowest_tier_first() -> None:
    # split 10000, cost 8500: the three rewards 1000 + 300 + 500 = 1800 may total 1500.
    # 300 too much: tier 3 goes from 500 to 200; tiers 1 and 2 untouched.
    s = program(tiers=3, cost_protection=True)
    chain = [("B1", 1), ("C1", 1), ("D1", 2)]
    assert pay(s, chain, [line(10_000, cost=8_500)]) == [
        ("B1", 1, 1000),
        ("C1", 2, 300),
        ("D1", 3, 200),
    ]
    # cost 9500: 500 allowed, 1300 too much: tier 3 500 → 0 (800 left to cut), tier 2 300 → 0
    # (500 left), tier 1 1000 → 500. The zero rewards are left out.
    assert pay(s, chain, [line(10_000, cost=9_500)]) == [("B1", 1, 500)]


def test_r3_8_cost_at_or_above_the_split_pays_nothing() -> None:
    s = program(cost_protection=True)
    assert pay(s, [("B1", 1), ("C1", 1)], [line(10_000, cost=10_000)]) == []
    assert pay(s, [("B1", 1), ("C1", 1)], [line(10_000, 8_000, cost=9_000)]) == []


def test_r3_8_cost_protection_works_on_the_fixed_basis() -> None:
    # 5 units: 5 × 200 = 1000 and 5 × 50 = 250; split 5000 − cost 4100 = 900 allowed:
    # tier 2 250 → 0 (100 left to cut), tier 1 1000 → 900.
    s = fixed_program(cost_protection=True)
    assert pay(s, [("B1", 1), ("C1", 1)], [line(5_000, qty=5, cost=4_100)]) == [("B1", 1, 900)]


def test_r3_8_protection_off_or_no_cost_pays_in_full() -> None:
    chain = [("B1", 1), ("C1", 1)]
    assert pay(program(), chain, [line(10_000, cost=9_900)]) == [("B1", 1, 1000), ("C1", 2, 300)]
    s = program(cost_protection=True)
    assert pay(s, chain, [line(10_000)]) == [("B1", 1, 1000), ("C1", 2, 300)]


def test_r3_8_c7_points_are_not_cut() -> None:
    s = fixed_program(reward_kind="points", cost_protection=True)
    assert pay(s, [("B1", 1)], [line(100, qty=2, cost=100)]) == [("B1", 1, 400)]


# --- lines -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "field", "rule"),
    [
        (C.Line("p", 0, 100, 100, None), "lines[1].qty", "R-3.4"),
        (C.Line("p", 1, -1, 0, None), "lines[1].paid_fen", "R-3.9"),
        (C.Line("p", 1, 100, 101, None), "lines[1].split_fen", "R-3.2"),
        (C.Line("p", 1, 100, -1, None), "lines[1].split_fen", "R-3.2"),
        (C.Line("p", 1, 100, 100, -5), "lines[1].cost_fen", "R-3.8"),
    ],
)
def test_r3_4_lines_are_validated_with_their_field(bad: C.Line, field: str, rule: str) -> None:
    with pytest.raises(ValidationError) as info:
        C.validate_lines([line(100), bad])
    assert (info.value.code, info.value.field, info.value.rule) == ("order.line", field, rule)
    with pytest.raises(ValidationError):
        C.rewards(program(), [C.Earner("B1", 1, 1)], [line(100), bad], {}, first_order=False)


def test_r3_4_an_order_has_lines() -> None:
    with pytest.raises(ValidationError):
        C.validate_lines([])
    C.validate_lines([line(0), line(100, 0, cost=0)])  # free lines and zero splits are fine


# --- refunds ---------------------------------------------------------------------------


def fixed_issued(amount: int, returned: int = 0, eid: str = "e1") -> C.Issued:
    return C.Issued(eid, "B1", 1, 0, amount, "fixed", None, returned)


def rate_issued(amount: int, rate: int, returned: int = 0, eid: str = "e1") -> C.Issued:
    return C.Issued(eid, "B1", 1, 0, amount, "rate", rate, returned)


def test_r3_11_fixed_returns_the_refunded_share() -> None:
    # paid 10000, 600 issued; a refund of 2500 is a quarter: 600 × 2500 / 10000 = 150.
    e = fixed_issued(600)
    assert C.clawbacks([e], line_paid=10_000, refunded_before=0, refund=2_500) == [("e1", 150)]


def test_r3_11_rate_returns_refunded_times_rate() -> None:
    # 10% rate, 800 issued on a split of 8000; a refund of 5000 returns 5000 × 10% = 500.
    e = rate_issued(800, 1000)
    assert C.clawbacks([e], line_paid=10_000, refunded_before=0, refund=5_000) == [("e1", 500)]
    # Refunding 9000 would return 900, but only 800 was issued: capped at 800 (C-9).
    assert C.clawbacks([e], line_paid=10_000, refunded_before=0, refund=9_000) == [("e1", 800)]


def test_r3_11_partial_refunds_add_up_to_a_full_one() -> None:
    # paid 10000, 600 issued (fixed); three refunds of 3333, 3333, 3334.
    # Each on its own: floor(199.98) + floor(199.98) + floor(200.04) = 199 + 199 + 200 = 598,
    # two fen short. Cumulatively: floor(3333 × 600 / 10000) = 199; floor(6666 × 600 / 10000) =
    # 399, so 200 now; the last one is the full refund: 600 − 399 = 201. 199 + 200 + 201 = 600.
    e = fixed_issued(600)
    first = C.clawbacks([e], line_paid=10_000, refunded_before=0, refund=3_333)
    assert first == [("e1", 199)]
    e = fixed_issued(600, returned=199)
    second = C.clawbacks([e], line_paid=10_000, refunded_before=3_333, refund=3_333)
    assert second == [("e1", 200)]
    e = fixed_issued(600, returned=399)
    third = C.clawbacks([e], line_paid=10_000, refunded_before=6_666, refund=3_334)
    assert third == [("e1", 201)]


def test_r3_11_full_refund_returns_exactly_what_remains() -> None:
    # 10% of a 999 split is 99; 30 already returned; the rest of the line is refunded: 69.
    e1 = rate_issued(99, 1000, returned=30, eid="t1")
    e2 = fixed_issued(37, returned=37, eid="t2")  # nothing left: left out
    assert C.clawbacks([e1, e2], line_paid=999, refunded_before=300, refund=699) == [("t1", 69)]


def test_r3_11_rate_cut_by_cost_protection_returns_at_most_what_was_issued() -> None:
    # 10% of 10000 would be 1000; cost protection cut it to 200.
    # refund 1000 → min(200, 100) = 100; then 2000 more → min(200, 300) − 100 = 100;
    # a further 3000 → min(200, 600) − 200 = 0: nothing left, nothing returned.
    assert C.clawbacks([rate_issued(200, 1000)], line_paid=10_000, refunded_before=0, refund=1_000)[
        0
    ] == ("e1", 100)
    got = C.clawbacks(
        [rate_issued(200, 1000, returned=100)],
        line_paid=10_000,
        refunded_before=1_000,
        refund=2_000,
    )
    assert got == [("e1", 100)]
    got = C.clawbacks(
        [rate_issued(200, 1000, returned=200)],
        line_paid=10_000,
        refunded_before=3_000,
        refund=3_000,
    )
    assert got == []


def test_r3_11_each_entry_of_a_line_is_clawed_back_on_its_own() -> None:
    # A line paid 10000: B1 10% (1000, rate), C1 3% (300, rate), a refund of 4000: 400 and 120.
    issued = [
        C.Issued("b", "B1", 1, 0, 1000, "rate", 1000, 0),
        C.Issued("c", "C1", 2, 0, 300, "rate", 300, 0),
    ]
    got = C.clawbacks(issued, line_paid=10_000, refunded_before=0, refund=4_000)
    assert got == [("b", 400), ("c", 120)]


def test_r3_11_refunding_more_than_was_paid_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        C.clawbacks([fixed_issued(600)], line_paid=10_000, refunded_before=6_000, refund=4_001)
    assert (info.value.code, info.value.rule) == ("refund.too_much", "R-3.11")
    assert info.value.extra["refundable_fen"] == 4_000


@pytest.mark.parametrize("refund", [0, -1])
def test_r3_11_a_refund_is_positive(refund: int) -> None:
    with pytest.raises(ValidationError) as info:
        C.clawbacks([fixed_issued(600)], line_paid=10_000, refunded_before=0, refund=refund)
    assert info.value.rule == "R-3.11"


def test_r3_11_issued_entries_are_consistent() -> None:
    with pytest.raises(ValueError):
        fixed_issued(100, returned=101)
    with pytest.raises(ValueError):
        fixed_issued(100, returned=-1)
    with pytest.raises(ValueError):
        C.Issued("e", "B1", 1, 0, 100, "rate", None, 0)


# --- allocate ---------------------------------------------------------------------------


def test_r3_9_allocate_by_largest_remainder() -> None:
    # 100 in thirds: 33.33 each, one fen left goes to the first (C-11).
    assert C.allocate(100, [1, 1, 1]) == [34, 33, 33]
    # 1000 over 1:2:3 = 166.67, 333.33, 500: remainders .67 and .33 → the first gets the fen.
    assert C.allocate(1000, [1, 2, 3]) == [167, 333, 500]
    assert C.allocate(5, [0, 1]) == [0, 5]
    assert C.allocate(0, [3, 4]) == [0, 0]
    assert C.allocate(-100, [1, 1, 1]) == [-34, -33, -33]


def test_r3_9_allocate_needs_a_weight() -> None:
    for weights in ([], [0, 0], [1, -1]):
        with pytest.raises(ValueError):
            C.allocate(100, weights)


# --- ladder ----------------------------------------------------------------------------

LADDER = [
    LadderStep(threshold_fen=100_000, bonus_fen=5_000),
    LadderStep(threshold_fen=300_000, bonus_fen=20_000),
]


def test_r3_13_bonus_of_the_highest_threshold_reached() -> None:
    assert C.ladder_bonus(LADDER, 99_999, 0) == 0
    assert C.ladder_bonus(LADDER, 100_000, 0) == 5_000
    assert C.ladder_bonus(LADDER, 299_999, 0) == 5_000
    assert C.ladder_bonus(LADDER, 1_000_000, 0) == 20_000
    assert C.ladder_bonus([], 1_000_000, 0) == 0


def test_r3_13_c10_once_per_month_topped_up_when_a_higher_step_is_reached() -> None:
    # Mid-month 150 000 settled: 5000 paid. Again at 250 000: nothing more (same step).
    # At 300 000: 20000 − 5000 = 15000 tops up. Afterwards nothing, whatever the sales.
    assert C.ladder_bonus(LADDER, 150_000, 0) == 5_000
    assert C.ladder_bonus(LADDER, 250_000, 5_000) == 0
    assert C.ladder_bonus(LADDER, 300_000, 5_000) == 15_000
    assert C.ladder_bonus(LADDER, 900_000, 20_000) == 0
    assert C.ladder_bonus(LADDER, 100_000, 20_000) == 0  # never negative


def test_r3_13_c10_no_sales_no_bonus() -> None:
    steps = [LadderStep(threshold_fen=0, bonus_fen=100)]
    assert C.ladder_bonus(steps, 0, 0) == 0
    assert C.ladder_bonus(steps, 1, 0) == 100


# --- hypothesis properties ---------------------------------------------------------------------

rates = st.integers(0, 5000)


@st.composite
def rate_levels(draw: st.DrawFn, cap: int = 5000) -> list[Level]:
    """1–3 levels with rates ≤ ``cap`` for a tier-1 rate and ≤ ``cap // 2`` for an inviter."""
    n = draw(st.integers(1, 3))
    out = []
    for i in range(1, n + 1):
        out.append(
            Level(
                level=i,
                name=f"L{i}",
                conditions=Conditions() if i == 1 else Conditions(paid_orders=i),
                reward_bp=draw(st.integers(0, cap)),
                inviter_reward_bp=draw(st.integers(0, cap // 2)),
                first_order_reward_bp=draw(st.none() | st.integers(0, cap)),
            )
        )
    return out


@st.composite
def order_lines(draw: st.DrawFn) -> list[C.Line]:
    out: list[C.Line] = []
    for _ in range(draw(st.integers(1, 4))):
        paid = draw(st.integers(0, 10_000_000))
        split = draw(st.integers(0, paid))
        cost = draw(st.none() | st.integers(0, 10_000_000))
        out.append(C.Line(f"p{len(out)}", draw(st.integers(1, 50)), paid, split, cost))
    return out


chains = st.lists(st.tuples(st.sampled_from(["B", "C", "D"]), st.integers(0, 5)), max_size=3)
products = st.dictionaries(
    st.sampled_from(["p0", "p1", "p2", "p3"]),
    st.builds(C.ProductReward, reward_bp=st.none() | rates),
    max_size=4,
)


def _by_line(rs: list[C.Reward]) -> dict[int, list[C.Reward]]:
    out: dict[int, list[C.Reward]] = {}
    for r in rs:
        out.setdefault(r.line, []).append(r)
    return out


@given(
    levels=rate_levels(),
    lines=order_lines(),
    chain=chains,
    tiers=st.integers(1, 3),
    prods=products,
    first=st.booleans(),
    protect=st.booleans(),
)
def test_r3_3_r3_8_property_rewards_within_the_caps(
    levels: list[Level],
    lines: list[C.Line],
    chain: list[tuple[str, int]],
    tiers: int,
    prods: dict[str, C.ProductReward],
    first: bool,
    protect: bool,
) -> None:
    try:
        s = program(levels=levels, tiers=tiers, cost_protection=protect)
    except ValidationError:
        assume(False)  # settings refuse rates that could pass 50% together (C-6)
    es = C.earners(chain, "A", tiers)
    rs = C.rewards(s, es, lines, prods, first_order=first)
    for i, group in _by_line(rs).items():
        ln = lines[i]
        assert all(r.amount > 0 for r in group)
        if s.reward_kind != "points":
            assert 2 * sum(r.amount for r in group) <= ln.split_fen  # C-6
        assert [r.tier for r in group] == sorted(r.tier for r in group)
        full = [ln.split_fen * (r.rate_bp or 0) // C.BP for r in group]
        assert all(r.amount <= f for r, f in zip(group, full, strict=True))
        if protect and ln.cost_fen is not None:
            assert sum(r.amount for r in group) <= max(0, ln.split_fen - ln.cost_fen)
            # lowest tier cut first: once a tier is cut, every tier above it is 0 (left out)
            cut = [r.tier for r, f in zip(group, full, strict=True) if r.amount < f]
            if cut:
                assert max(r.tier for r in group) == min(cut)
        elif 2 * sum(full) <= ln.split_fen:  # nothing to cut: every tier paid in full
            assert all(r.amount == f for r, f in zip(group, full, strict=True))


@given(
    levels=rate_levels(cap=2500),
    lines=order_lines(),
    chain=chains,
    first=st.booleans(),
    protect=st.booleans(),
)
def test_r3_3_property_a_program_within_the_cap_pays_at_most_half_a_line(
    levels: list[Level],
    lines: list[C.Line],
    chain: list[tuple[str, int]],
    first: bool,
    protect: bool,
) -> None:
    # Tier 1 ≤ 25%, each of two inviter tiers ≤ 12.5%: the rates of a line sum to ≤ 50%.
    s = program(levels=levels, tiers=3, cost_protection=protect)
    rs = C.rewards(s, C.earners(chain, "A", 3), lines, {}, first_order=first)
    for i, group in _by_line(rs).items():
        assert 2 * sum(r.amount for r in group) <= lines[i].split_fen


@given(
    per_unit=st.integers(0, 100_000),
    inviter=st.integers(0, 100_000),
    lines=order_lines(),
    chain=chains,
)
def test_r3_8_property_fixed_rewards_within_split_minus_cost(
    per_unit: int, inviter: int, lines: list[C.Line], chain: list[tuple[str, int]]
) -> None:
    levels = [Level(level=1, name="L1", reward_fen=per_unit, inviter_reward_fen=inviter)]
    s = fixed_program(levels=levels, tiers=3, cost_protection=True)
    rs = C.rewards(s, C.earners(chain, "A", 3), lines, {}, first_order=False)
    for i, group in _by_line(rs).items():
        ln = lines[i]
        if ln.cost_fen is not None:
            assert sum(r.amount for r in group) <= max(0, ln.split_fen - ln.cost_fen)


@st.composite
def refund_case(draw: st.DrawFn) -> tuple[int, list[C.Issued], list[int]]:
    """A line paid ``paid``, the entries issued on it, and cumulative refunded totals."""
    paid = draw(st.integers(1, 1_000_000))
    split = draw(st.integers(0, paid))
    issued = []
    for k in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            rate = draw(rates)
            amount = draw(st.integers(0, split * rate // C.BP))  # maybe cut by cost protection
            issued.append(C.Issued(f"e{k}", f"D{k}", k + 1, 0, amount, "rate", rate, 0))
        else:
            amount = draw(st.integers(0, 1_000_000))
            issued.append(C.Issued(f"e{k}", f"D{k}", k + 1, 0, amount, "fixed", None, 0))
    marks = sorted(set(draw(st.lists(st.integers(1, paid), max_size=6))))
    return paid, issued, marks


def _replay(paid: int, issued: list[C.Issued], marks: list[int]) -> list[C.Issued]:
    before = 0
    for total in marks:
        got = dict(
            C.clawbacks(issued, line_paid=paid, refunded_before=before, refund=total - before)
        )
        assert all(v > 0 for v in got.values())
        issued = [
            C.Issued(
                e.entry_id,
                e.distributor_id,
                e.tier,
                e.line,
                e.amount,
                e.basis,
                e.rate_bp,
                e.returned + got.get(e.entry_id, 0),  # Issued refuses more than the amount
            )
            for e in issued
        ]
        before = total
    return issued


@given(refund_case())
def test_r3_11_property_partial_refunds_never_return_more_than_issued(
    case: tuple[int, list[C.Issued], list[int]],
) -> None:
    paid, issued, marks = case
    assume(not marks or marks[-1] < paid)
    after = _replay(paid, issued, marks)
    refunded = marks[-1] if marks else 0
    for e in after:
        assert 0 <= e.returned <= e.amount
        # path independence: what came back equals one refund of the cumulative amount
        if e.basis == "fixed":
            assert e.returned == refunded * e.amount // paid
        else:
            assert e.rate_bp is not None
            assert e.returned == min(e.amount, refunded * e.rate_bp // C.BP)


@given(refund_case())
def test_r3_11_property_refunds_summing_to_paid_return_exactly_what_was_issued(
    case: tuple[int, list[C.Issued], list[int]],
) -> None:
    paid, issued, marks = case
    marks = [m for m in marks if m < paid] + [paid]
    after = _replay(paid, issued, marks)
    assert [e.returned for e in after] == [e.amount for e in issued]


@given(
    amount=st.integers(-(10**12), 10**12),
    weights=st.lists(st.integers(0, 10**6), min_size=1, max_size=12),
)
def test_r3_9_property_allocate_sums_exactly_and_stays_within_one(
    amount: int, weights: list[int]
) -> None:
    assume(sum(weights) > 0)
    parts = C.allocate(amount, weights)
    total = sum(weights)
    assert sum(parts) == amount
    assert len(parts) == len(weights)
    for part, w in zip(parts, weights, strict=True):
        # |part − amount × w / total| < 1, in integers
        assert abs(part * total - amount * w) < total


# --- no floats --------------------------------------------------------------------------

not_money = st.floats(allow_nan=True, allow_infinity=True) | st.just(True) | st.just(False)


@given(not_money)
def test_r3_9_property_floats_and_bools_are_not_money(value: Any) -> None:
    cases = [
        lambda: C.Line("p", 1, value, 0, None),
        lambda: C.Line("p", 1, 100, value, None),
        lambda: C.Line("p", 1, 100, 100, value),
        lambda: C.Line("p", value, 100, 100, None),
        lambda: C.ProductReward(reward_bp=value),
        lambda: C.ProductReward(reward_fen=value),
        lambda: C.allocate(value, [1, 2]),
        lambda: C.allocate(100, [1, value]),
        lambda: fixed_issued(value),
        lambda: C.clawbacks([], line_paid=100, refunded_before=0, refund=value),
        lambda: C.clawbacks([], line_paid=value, refunded_before=0, refund=1),
        lambda: C.ladder_bonus(LADDER, value, 0),
        lambda: C.ladder_bonus(LADDER, 100, value),
    ]
    for case in cases:
        with pytest.raises(TypeError):
            case()
