"""docs/rules.md sections 3 and 5 (and the order-fed part of 4) through Shop, with explicit times:
who an order pays, how much, when it settles, what a refund takes back, and money going out."""

from __future__ import annotations

from typing import Any

import pytest

from teamgraph.errors import Conflict, ValidationError
from teamgraph.shop import Shop
from tests.shop.conftest import (
    DAY,
    HOUR,
    T0,
    ShopFactory,
    distributors,
    ledger_entries,
    paid_to,
)

MINUTE = 60_000


def line(paid: int, product: str = "p", **more: Any) -> dict[str, Any]:
    return {"product_id": product, "paid_fen": paid, **more}


def buy(shop: Shop, order_id: str, customer: str, *lines: dict[str, Any], at: int) -> dict:
    """An order paid and recorded at ``at``."""
    return shop.record_order(order_id, customer, list(lines), paid_at=at, now=at)


def levels(*specs: dict[str, Any]) -> dict[str, Any]:
    return {
        "levels": [{"level": i, "name": f"L{i}", **spec} for i, spec in enumerate(specs, start=1)]
    }


def money(shop: Shop, distributor_id: str, now: int) -> tuple[int, int, int, int, int]:
    b = shop.balances(distributor_id, now=now)
    return b["pending"], b["held"], b["settled"], b["requested"], b["withdrawn"]


# -- attribution at paid time (R-1.2–, M-1) ---------------------------------------------------


def test_r1_12_an_order_pays_whoever_it_was_attributed_to_when_paid(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop()
    distributors(shop, "top", "d1", "d2", via={"d1": "top"})
    shop.visit("c", "d1", at=T0 + HOUR)
    shop.rebind("c", "d2", reason="moved", now=T0 + 5 * HOUR)
    # paid before the rebind, reported after it: the old binding pays (with its inviter)
    late = shop.record_order(
        "before", "c", [line(10_000)], paid_at=T0 + 3 * HOUR, now=T0 + 6 * HOUR
    )
    assert late["attributed_to"] == "d1"
    assert paid_to(late) == [("d1", 1, 1000), ("top", 2, 300)]
    after = buy(shop, "after", "c", line(10_000), at=T0 + 6 * HOUR)
    assert after["attributed_to"] == "d2"
    assert paid_to(after) == [("d2", 1, 1000)]  # d2 has no inviter
    # paid before any binding or visit: nobody earns
    early = shop.record_order("early", "c", [line(10_000)], paid_at=T0, now=T0 + 7 * HOUR)
    assert (early["attributed_to"], early["rewards"]) == (None, [])
    # earnings already issued stay with the distributor that earned them
    assert shop.balances("d1", now=T0 + 7 * HOUR)["pending"] == 1000


def test_r1_4_an_unbound_customer_pays_its_sharer_for_24_hours(make_shop: ShopFactory) -> None:
    shop = make_shop({"new_customers_only": True})
    distributors(shop, "top", "d1", via={"d1": "top"})
    shop.create_customer("old", now=T0)  # joined on its own: a visit cannot bind it
    assert shop.visit("old", "d1", at=T0 + HOUR)["bound_to"] is None
    inside = buy(shop, "o1", "old", line(10_000), at=T0 + 25 * HOUR - 1)
    assert inside["attributed_to"] == "d1"
    assert paid_to(inside) == [("d1", 1, 1000), ("top", 2, 300)]
    outside = buy(shop, "o2", "old", line(10_000), at=T0 + 25 * HOUR)
    assert (outside["attributed_to"], outside["rewards"]) == (None, [])


def test_r1_2_a_bound_customer_pays_its_binding_not_a_later_sharer(make_shop: ShopFactory) -> None:
    shop = make_shop()
    distributors(shop, "d1", "d2")
    shop.visit("c", "d1", at=T0 + HOUR)
    shop.visit("c", "d2", at=T0 + 2 * HOUR)  # recorded as sharer, binding unchanged
    assert paid_to(buy(shop, "o1", "c", line(10_000), at=T0 + 3 * HOUR)) == [("d1", 1, 1000)]


def test_r1_3_sharer_mode_pays_the_latest_sharer(make_shop: ShopFactory) -> None:
    shop = make_shop({"attribution_mode": "sharer"})
    distributors(shop, "d1", "d2")
    shop.visit("c", "d1", at=T0 + HOUR)
    assert paid_to(buy(shop, "o1", "c", line(10_000), at=T0 + 2 * HOUR)) == [("d1", 1, 1000)]
    shop.visit("c", "d2", at=T0 + 3 * HOUR)
    assert paid_to(buy(shop, "o2", "c", line(10_000), at=T0 + 4 * HOUR)) == [("d2", 1, 1000)]
    assert buy(shop, "o3", "c", line(10_000), at=T0 + 27 * HOUR)["rewards"] == []


def test_m1_a_late_recorded_order_pays_the_sharer_valid_when_it_was_paid(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop({"new_customers_only": True})
    distributors(shop, "d1", "d2")
    shop.create_customer("old", now=T0)
    shop.visit("old", "d1", at=T0 + HOUR)
    shop.visit("old", "d2", at=T0 + 5 * HOUR)  # replaces the sharer
    paid_between = shop.record_order(
        "o1", "old", [line(10_000)], paid_at=T0 + 3 * HOUR, now=T0 + 6 * HOUR
    )
    assert paid_between["attributed_to"] == "d1"
    shop.create_customer("old2", now=T0)
    shop.visit("old2", "d1", at=T0 + 10 * HOUR)
    paid_before = shop.record_order(
        "o2", "old2", [line(10_000)], paid_at=T0 + 3 * HOUR, now=T0 + 11 * HOUR
    )
    assert paid_before["attributed_to"] is None


def test_m1_a_later_visit_by_the_same_sharer_does_not_erase_an_earlier_window(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop({"new_customers_only": True})
    distributors(shop, "d1", "d2")
    shop.create_customer("old", now=T0)
    shop.visit("old", "d1", at=T0 + HOUR)
    shop.visit("old", "d1", at=T0 + 30 * HOUR)  # d1 shares again the next day
    late = shop.record_order("o1", "old", [line(10_000)], paid_at=T0 + 3 * HOUR, now=T0 + 31 * HOUR)
    assert late["attributed_to"] == "d1"  # got None
    shop.create_customer("old2", now=T0)
    shop.visit("old2", "d1", at=T0 + HOUR)
    shop.visit("old2", "d2", at=T0 + 5 * HOUR)
    shop.visit("old2", "d1", at=T0 + 6 * HOUR)
    late = shop.record_order("o2", "old2", [line(10_000)], paid_at=T0 + 3 * HOUR, now=T0 + 7 * HOUR)
    assert late["attributed_to"] == "d1"  # got None


# -- tiers and own purchases (R-1.6, R-1.7, R-3.7) -------------------------------------------------

TIER_RATES = {"reward_bp": 1000, "inviter_reward_bp": 500}


@pytest.mark.parametrize(
    ("tiers", "expected"),
    [
        (1, [("d3", 1, 1000)]),
        (2, [("d3", 1, 1000), ("d2", 2, 500)]),
        (3, [("d3", 1, 1000), ("d2", 2, 500), ("d1", 3, 500)]),
    ],
)
def test_r3_7_tiers_pay_the_direct_distributor_and_its_inviters(
    make_shop: ShopFactory, tiers: int, expected: list[tuple[str, int, int]]
) -> None:
    shop = make_shop({"tiers": tiers, **levels(TIER_RATES)})
    distributors(shop, "d0", "d1", "d2", "d3", via={"d1": "d0", "d2": "d1", "d3": "d2"})
    shop.visit("c", "d3", at=T0 + HOUR)
    order = buy(shop, "o1", "c", line(10_000), at=T0 + 2 * HOUR)
    assert paid_to(order) == expected  # d0 (a fourth tier) never earns
    assert shop.balances("d0", now=T0 + 2 * HOUR)["pending"] == 0


@pytest.mark.parametrize("tiers", [2, 3])
def test_r1_6_r3_7_nobody_earns_from_its_own_purchase(make_shop: ShopFactory, tiers: int) -> None:
    """A is bound to B, and B was invited by A: A's purchase pays B only."""
    shop = make_shop({"tiers": tiers, **levels(TIER_RATES)})
    distributors(shop, "A", "B", via={"B": "A"})
    shop.visit("A", "B", at=T0 + HOUR)  # A, unbound so far, binds to B
    assert shop.customer("A", now=T0 + HOUR)["attributed_to"] == "B"
    own = buy(shop, "o1", "A", line(10_000), at=T0 + 2 * HOUR)
    assert paid_to(own) == [("B", 1, 1000)]
    assert shop.balances("A", now=T0 + 2 * HOUR)["pending"] == 0
    shop.visit("c", "B", at=T0 + 3 * HOUR)  # another customer of B pays B and A
    other = buy(shop, "o2", "c", line(10_000), at=T0 + 4 * HOUR)
    assert paid_to(other) == [("B", 1, 1000), ("A", 2, 500)]


def test_r3_7_c1_the_buyers_tier_is_skipped_not_filled_from_above(make_shop: ShopFactory) -> None:
    """Three tiers, A (invited by root) rebound to B (invited by A): A's purchase pays B as
    tier 1 and root as tier 3; A's own tier 2 is left out, nobody moves up into it (C-1)."""
    shop = make_shop({"tiers": 3, **levels(TIER_RATES)})
    distributors(shop, "root", "A", "B", via={"A": "root", "B": "A"})
    shop.rebind("A", "B", now=T0 + HOUR)
    own = buy(shop, "o1", "A", line(10_000), at=T0 + 2 * HOUR)
    assert paid_to(own) == [("B", 1, 1000), ("root", 3, 500)]
    with_two = make_shop({"tiers": 2, **levels(TIER_RATES)})
    distributors(with_two, "root", "A", "B", via={"A": "root", "B": "A"})
    with_two.rebind("A", "B", now=T0 + HOUR)
    assert paid_to(buy(with_two, "o1", "A", line(10_000), at=T0 + 2 * HOUR)) == [("B", 1, 1000)]


def test_r1_6_a_distributors_purchase_pays_its_own_distributor_and_that_ones_inviter(
    make_shop: ShopFactory,
) -> None:
    """The A1/B1/C1 story of R-1.6 with money: b1 (invited by c1) is rebound to b2 (invited by
    c2); a1's purchases pay b1 and c1, b1's own purchases pay b2 and c2."""
    shop = make_shop()
    distributors(shop, "c1", "c2", "b1", "b2", via={"b1": "c1", "b2": "c2"})
    shop.visit("a1", "b1", at=T0 + HOUR)
    shop.rebind("b1", "b2", reason="R-1.6 story", now=T0 + 2 * HOUR)
    a1 = buy(shop, "a1-order", "a1", line(10_000), at=T0 + 3 * HOUR)
    assert paid_to(a1) == [("b1", 1, 1000), ("c1", 2, 300)]
    b1 = buy(shop, "b1-order", "b1", line(10_000), at=T0 + 3 * HOUR)
    assert paid_to(b1) == [("b2", 1, 1000), ("c2", 2, 300)]


# -- how much (R-3.3–) ----------------------------------------------------------


def test_r3_5_product_rate_beats_first_order_rate_beats_level_default(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop(
        levels({"reward_bp": 1000, "inviter_reward_bp": 300, "first_order_reward_bp": 2000})
    )
    distributors(shop, "top", "d1", via={"d1": "top"})
    shop.upsert_product("own", name="own rate", price_fen=10_000, reward_bp=1500, now=T0)
    shop.visit("c", "d1", at=T0 + HOUR)
    first = buy(shop, "o1", "c", line(10_000, "plain"), line(10_000, "own"), at=T0 + 2 * HOUR)
    # line 0: first-order rate replaces the level default; line 1: the product's own (C-2);
    # the inviter tier always uses its level's inviter rate (C-4)
    assert paid_to(first) == [("d1", 1, 2000), ("top", 2, 300), ("d1", 1, 1500), ("top", 2, 300)]
    rates = {(r["line"], r["tier"]): r["rate_bp"] for r in first["rewards"]}
    assert rates == {(0, 1): 2000, (0, 2): 300, (1, 1): 1500, (1, 2): 300}
    repeat = buy(shop, "o2", "c", line(10_000, "plain"), line(10_000, "own"), at=T0 + 3 * HOUR)
    assert paid_to(repeat) == [("d1", 1, 1000), ("top", 2, 300), ("d1", 1, 1500), ("top", 2, 300)]
    # the first-order rate is the *customer's* first order: another customer gets it again
    shop.visit("c2", "d1", at=T0 + 4 * HOUR)
    fresh = buy(shop, "o3", "c2", line(10_000, "plain"), at=T0 + 5 * HOUR)
    assert paid_to(fresh) == [("d1", 1, 2000), ("top", 2, 300)]


def test_r3_6_the_inviter_reward_uses_the_inviters_own_level(make_shop: ShopFactory) -> None:
    shop = make_shop(
        levels(
            {"reward_bp": 1000, "inviter_reward_bp": 300},
            {"reward_bp": 2000, "inviter_reward_bp": 800, "conditions": {"paid_orders": 99}},
        )
    )
    distributors(shop, "top", "d1", via={"d1": "top"})
    shop.visit("c", "d1", at=T0 + HOUR)
    shop.set_level("top", 2, now=T0 + HOUR)
    assert paid_to(buy(shop, "o1", "c", line(10_000), at=T0 + 2 * HOUR)) == [
        ("d1", 1, 1000),
        ("top", 2, 800),
    ]
    shop.set_level("top", 1, now=T0 + 3 * HOUR)
    shop.set_level("d1", 2, now=T0 + 3 * HOUR)
    assert paid_to(buy(shop, "o2", "c", line(10_000), at=T0 + 4 * HOUR)) == [
        ("d1", 1, 2000),
        ("top", 2, 300),
    ]


def test_r3_4_fixed_reward_is_quantity_times_the_amount(make_shop: ShopFactory) -> None:
    shop = make_shop(
        {"reward_basis": "fixed", **levels({"reward_fen": 150, "inviter_reward_fen": 50})}
    )
    distributors(shop, "top", "d1", via={"d1": "top"})
    shop.upsert_product("own", name="own", price_fen=3000, reward_fen=200, now=T0)
    shop.visit("c", "d1", at=T0 + HOUR)
    order = buy(
        shop,
        "o1",
        "c",
        line(9000, "plain", qty=3),
        line(6000, "own", qty=2),
        at=T0 + 2 * HOUR,
    )
    assert paid_to(order) == [("d1", 1, 450), ("top", 2, 150), ("d1", 1, 400), ("top", 2, 100)]
    assert {r["basis"] for r in order["rewards"]} == {"fixed"}
    # C-6: on the fixed basis all tiers of a line are cut to half its split, highest tier first
    capped = buy(shop, "o2", "c", line(700, "plain", qty=4), at=T0 + 3 * HOUR)
    assert paid_to(capped) == [("d1", 1, 350)]


def test_r3_4_rate_reward_is_the_split_amount_times_the_rate(make_shop: ShopFactory) -> None:
    shop = make_shop()
    distributors(shop, "top", "d1", via={"d1": "top"})
    shop.visit("c", "d1", at=T0 + HOUR)
    order = buy(shop, "o1", "c", line(10_000, split_fen=6000, qty=5), at=T0 + 2 * HOUR)
    assert paid_to(order) == [("d1", 1, 600), ("top", 2, 180)]  # qty plays no part
    assert (order["paid_fen"], order["split_fen"]) == (10_000, 6000)


def test_r3_9_rewards_round_down_to_the_fen(make_shop: ShopFactory) -> None:
    shop = make_shop(levels({"reward_bp": 1234, "inviter_reward_bp": 333}))
    distributors(shop, "top", "d1", via={"d1": "top"})
    shop.visit("c", "d1", at=T0 + HOUR)
    order = buy(shop, "o1", "c", line(999), line(1), at=T0 + 2 * HOUR)
    # 999 × 12.34% = 123.2766 → 123; 999 × 3.33% = 33.2667 → 33; 1 fen pays nothing (C-8)
    assert paid_to(order) == [("d1", 1, 123), ("top", 2, 33)]
    assert all(isinstance(r["amount"], int) for r in order["rewards"])


def test_r3_3_a_product_rate_above_the_cap_is_refused(make_shop: ShopFactory) -> None:
    shop = make_shop()  # tiers 2, inviter rate 300 bp
    with pytest.raises(ValidationError) as info:
        shop.upsert_product("p", name="p", price_fen=100, reward_bp=5001, now=T0)
    assert info.value.rule == "R-3.3"
    with pytest.raises(ValidationError) as info:
        shop.upsert_product("p", name="p", price_fen=100, reward_bp=4701, now=T0)
    assert (info.value.code, info.value.rule) == ("product.rate_cap", "R-3.3")
    assert (
        shop.upsert_product("p", name="p", price_fen=100, reward_bp=4700, now=T0)["reward_bp"]
        == 4700
    )


def test_r3_8_cost_protection_cuts_the_lowest_tiers_first(make_shop: ShopFactory) -> None:
    settings = {"tiers": 3, "cost_protection": True, **levels(TIER_RATES)}
    shop = make_shop(settings)
    distributors(shop, "d1", "d2", "d3", via={"d2": "d1", "d3": "d2"})
    shop.visit("c", "d3", at=T0 + HOUR)
    order = buy(
        shop,
        "o1",
        "c",
        line(10_000, cost_fen=8700),  # room 1300 of 2000: tier 3 → 0, tier 2 → 300
        line(10_000, cost_fen=9500),  # room 500: tiers 3 and 2 → 0, tier 1 → 500
        line(10_000, cost_fen=10_000),  # no room: nothing
        line(10_000),  # no cost given: not protected
        at=T0 + 2 * HOUR,
    )
    rewards = sorted(order["rewards"], key=lambda r: (r["line"], r["tier"]))
    assert [(r["line"], r["distributor_id"], r["amount"]) for r in rewards] == [
        (0, "d3", 1000),
        (0, "d2", 300),
        (1, "d3", 500),
        (3, "d3", 1000),
        (3, "d2", 500),
        (3, "d1", 500),
    ]
    plain = make_shop({"tiers": 3, **levels(TIER_RATES)})
    distributors(plain, "d1", "d2", "d3", via={"d2": "d1", "d3": "d2"})
    plain.visit("c", "d3", at=T0 + HOUR)
    unprotected = buy(plain, "o1", "c", line(10_000, cost_fen=9500), at=T0 + 2 * HOUR)
    assert paid_to(unprotected) == [("d3", 1, 1000), ("d2", 2, 500), ("d1", 3, 500)]


def test_r3_8_cost_protection_uses_the_products_unit_cost(make_shop: ShopFactory) -> None:
    """A line without its own cost takes its product's unit cost × quantity; a line's own cost
    wins."""
    shop = make_shop({"cost_protection": True})
    distributors(shop, "d1")
    shop.upsert_product("p", name="p", price_fen=5000, cost_fen=4750, now=T0)
    shop.visit("c", "d1", at=T0 + HOUR)
    order = buy(shop, "o1", "c", line(10_000, qty=2), at=T0 + 2 * HOUR)
    assert paid_to(order) == [("d1", 1, 500)]  # room 10 000 − 2 × 4750
    own = buy(shop, "o2", "c", line(10_000, qty=2, cost_fen=9900), at=T0 + 3 * HOUR)
    assert paid_to(own) == [("d1", 1, 100)]
    plain = make_shop()  # without protection the cost plays no part
    distributors(plain, "d1")
    plain.upsert_product("p", name="p", price_fen=5000, cost_fen=4750, now=T0)
    plain.visit("c", "d1", at=T0 + HOUR)
    assert paid_to(buy(plain, "o1", "c", line(10_000, qty=2), at=T0 + 2 * HOUR)) == [
        ("d1", 1, 1000)
    ]


def test_r3_1_m5_points_rewards_are_kept_apart_from_money(make_shop: ShopFactory) -> None:
    """Points are always fixed (R-3.2), counted in their own unit (M-5, G-7) and neither capped
    at half the split nor cost-protected, which are about money (C-6, C-7)."""
    shop = make_shop(
        {
            "reward_kind": "points",
            "reward_basis": "fixed",
            "cost_protection": True,
            "settle_days": 0,
            **levels({"reward_fen": 30, "inviter_reward_fen": 10}),
        }
    )
    distributors(shop, "top", "d1", via={"d1": "top"})
    shop.visit("c", "d1", at=T0 + HOUR)
    order = buy(shop, "o1", "c", line(50, qty=2, cost_fen=50), at=T0 + 2 * HOUR)
    assert paid_to(order) == [("d1", 1, 60), ("top", 2, 20)]
    assert {r["unit"] for r in order["rewards"]} == {"point"}
    shop.complete_order("o1", at=T0 + 3 * HOUR, now=T0 + 3 * HOUR)
    b = shop.balances("d1", now=T0 + 4 * HOUR)
    assert (b["points"], b["settled"], b["pending"], b["withdrawable"]) == (60, 0, 0, 0)
    back = shop.refund("o1", "r1", 25, at=T0 + 5 * HOUR, now=T0 + 5 * HOUR)
    assert [(c["distributor_id"], c["amount"]) for c in back["clawbacks"]] == [
        ("d1", -30),
        ("top", -10),
    ]
    assert shop.balances("d1", now=T0 + 5 * HOUR)["points"] == 30


# -- settlement and freezing (R-3.10, R-6.4) -------------------------------------------------------


def test_r3_10_a_reward_settles_settle_days_after_completion(make_shop: ShopFactory) -> None:
    shop = make_shop({"settle_days": 7})
    distributors(shop, "d1")
    shop.visit("c", "d1", at=T0 + HOUR)
    order = buy(shop, "o1", "c", line(10_000), at=T0 + 2 * HOUR)
    assert [r["status"] for r in order["rewards"]] == ["pending"]
    assert money(shop, "d1", T0 + 100 * DAY) == (1000, 0, 0, 0, 0)  # never completed
    done = T0 + 100 * DAY
    completed = shop.complete_order("o1", at=done, now=done)
    assert (completed["completed_at"], completed["settle_at"]) == (done, done + 7 * DAY)
    assert money(shop, "d1", done + 7 * DAY - 1) == (1000, 0, 0, 0, 0)
    assert money(shop, "d1", done + 7 * DAY) == (0, 0, 1000, 0, 0)
    assert shop.balances("d1", now=done + 7 * DAY)["withdrawable"] == 1000
    assert [r["status"] for r in shop.order("o1", now=done + 7 * DAY)["rewards"]] == ["settled"]
    # completing again changes nothing (idempotent)
    again = shop.complete_order("o1", at=done + 8 * DAY, now=done + 8 * DAY)
    assert again["settle_at"] == done + 7 * DAY


def test_r3_10_r6_4_a_frozen_distributors_due_rewards_are_held_until_released(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop({"settle_days": 7})
    distributors(shop, "d1")
    shop.visit("c", "d1", at=T0 + HOUR)
    buy(shop, "early", "c", line(5000), at=T0 + 2 * HOUR)
    shop.complete_order("early", at=T0 + DAY, now=T0 + DAY)
    buy(shop, "late", "c", line(10_000), at=T0 + 2 * DAY)
    shop.complete_order("late", at=T0 + 3 * DAY, now=T0 + 3 * DAY)
    assert money(shop, "d1", T0 + 8 * DAY) == (1000, 0, 500, 0, 0)
    shop.set_status("d1", "frozen", reason="ring", now=T0 + 9 * DAY)
    # G-2: what had settled before the freeze stays settled; what falls due now is held
    assert money(shop, "d1", T0 + 10 * DAY - 1) == (1000, 0, 500, 0, 0)
    assert money(shop, "d1", T0 + 10 * DAY) == (0, 1000, 500, 0, 0)
    assert shop.balances("d1", now=T0 + 10 * DAY)["withdrawable"] == 500
    assert {r["status"] for r in shop.order("late", now=T0 + 11 * DAY)["rewards"]} == {"held"}
    with pytest.raises(ValidationError) as info:  # not even what had settled before
        shop.request_withdrawal("d1", 100, "bank", "6222000011112222", now=T0 + 11 * DAY)
    assert (info.value.code, info.value.rule) == ("withdrawal.frozen", "R-6.4")
    # a refund while held claws back as held; releasing settles both
    refund = shop.refund("late", "r1", 5000, at=T0 + 12 * DAY, now=T0 + 12 * DAY)
    assert [(c["amount"], c["status"]) for c in refund["clawbacks"]] == [(-500, "held")]
    assert money(shop, "d1", T0 + 12 * DAY) == (0, 500, 500, 0, 0)
    shop.set_status("d1", "active", now=T0 + 13 * DAY)
    assert money(shop, "d1", T0 + 13 * DAY) == (0, 0, 1000, 0, 0)
    assert {r["status"] for r in shop.order("late", now=T0 + 13 * DAY)["rewards"]} == {"settled"}
    shop.request_withdrawal("d1", 1000, "bank", "6222000011112222", now=T0 + 13 * DAY)
    assert money(shop, "d1", T0 + 13 * DAY) == (0, 0, 0, 1000, 0)


def test_r3_10_unfreezing_before_the_window_ends_settles_normally(make_shop: ShopFactory) -> None:
    shop = make_shop({"settle_days": 7})
    distributors(shop, "d1")
    shop.visit("c", "d1", at=T0 + HOUR)
    buy(shop, "o1", "c", line(10_000), at=T0 + 2 * HOUR)
    shop.complete_order("o1", at=T0 + DAY, now=T0 + DAY)
    shop.set_status("d1", "frozen", now=T0 + 2 * DAY)
    shop.set_status("d1", "active", now=T0 + 3 * DAY)
    assert money(shop, "d1", T0 + 8 * DAY) == (0, 0, 1000, 0, 0)


# -- refunds (R-3.11) ------------------------------------------------------------------------------


def clawed(answer: dict) -> dict[str, int]:
    """A refund's clawbacks as ``{distributor: amount}`` (amounts are negative entries)."""
    out: dict[str, int] = {}
    for c in answer["clawbacks"]:
        out[c["distributor_id"]] = out.get(c["distributor_id"], 0) + c["amount"]
    return out


def nets_to_zero(order: dict) -> bool:
    return sum(e["amount"] for e in order["rewards"] + order["clawbacks"]) == 0


def test_r3_11_fixed_basis_returns_refunded_over_paid_times_issued(make_shop: ShopFactory) -> None:
    shop = make_shop(
        {"reward_basis": "fixed", **levels({"reward_fen": 150, "inviter_reward_fen": 50})}
    )
    distributors(shop, "top", "d1", via={"d1": "top"})
    shop.visit("c", "d1", at=T0 + HOUR)
    order = buy(shop, "o1", "c", line(10_000, qty=3), at=T0 + 2 * HOUR)
    assert paid_to(order) == [("d1", 1, 450), ("top", 2, 150)]
    t = T0 + 3 * HOUR
    # 3333/10000 × 450 = 149.985 → 149; × 150 = 49.995 → 49
    assert clawed(shop.refund("o1", "r1", 3333, at=t, now=t)) == {"d1": -149, "top": -49}
    # cumulative 6666: 299.97 → 299 (150 more), 99.99 → 99 (50 more)
    assert clawed(shop.refund("o1", "r2", 3333, at=t, now=t)) == {"d1": -150, "top": -50}
    # the rest is a full refund: exactly what remains
    last = shop.refund("o1", "r3", 3334, at=t, now=t)
    assert clawed(last) == {"d1": -151, "top": -51}
    assert nets_to_zero(last["order"])
    assert [r["returned"] for r in last["order"]["rewards"]] == [450, 150]
    assert last["order"]["status"] == "refunded"


def test_r3_11_rate_basis_returns_refunded_amount_times_rate(make_shop: ShopFactory) -> None:
    shop = make_shop()  # 1000 bp, inviter 300 bp
    distributors(shop, "top", "d1", via={"d1": "top"})
    shop.visit("c", "d1", at=T0 + HOUR)
    order = buy(shop, "o1", "c", line(10_000, split_fen=8000), at=T0 + 2 * HOUR)
    assert paid_to(order) == [("d1", 1, 800), ("top", 2, 240)]
    t = T0 + 3 * HOUR
    steps = [  # (refund, d1's clawback, top's clawback), on the cumulative refunded amount
        (1000, -100, -30),  # 1000 × 10% = 100, × 3% = 30
        (2555, -255, -76),  # 3555: 355.5 → 355, 106.65 → 106
        (4000, -400, -120),  # 7555: 755, 226.65 → 226
        (1500, -45, -14),  # 9055: 905.5 capped at 800 issued; 271.65 capped at 240
    ]
    for i, (amount, d1, top) in enumerate(steps):
        assert clawed(shop.refund("o1", f"r{i}", amount, at=t, now=t)) == {"d1": d1, "top": top}
    last = shop.refund("o1", "r-last", 945, at=t, now=t)
    assert last["clawbacks"] == []  # everything was already returned
    assert nets_to_zero(last["order"])


def test_r3_11_partial_refunds_add_up_to_a_full_one(make_shop: ShopFactory) -> None:
    shop = make_shop({"tiers": 3, **levels({"reward_bp": 1111, "inviter_reward_bp": 777})})
    distributors(shop, "d1", "d2", "d3", via={"d2": "d1", "d3": "d2"})
    shop.visit("c", "d3", at=T0 + HOUR)
    order = buy(shop, "o1", "c", line(6001, "a", split_fen=5003), line(3999, "b"), at=T0 + 2 * HOUR)
    assert len(order["rewards"]) == 6
    t = T0 + 3 * HOUR
    for i, (amount, product) in enumerate(
        [(17, None), (1234, "a"), (999, None), (1, "b"), (2000, None), (3333, None)]
    ):
        shop.refund("o1", f"r{i}", amount, product_id=product, at=t, now=t)
    view = shop.order("o1", now=t)
    assert view["refunded_fen"] == 7584
    assert not nets_to_zero(view)
    rest = shop.refund("o1", "r-rest", 10_000 - 7584, at=t, now=t)["order"]
    assert nets_to_zero(rest)
    for reward in rest["rewards"]:
        back = [c for c in rest["clawbacks"] if c["id"].endswith(":" + reward["id"])]
        assert -sum(c["amount"] for c in back) == reward["amount"] == reward["returned"]
    with pytest.raises(ValidationError) as info:
        shop.refund("o1", "r-more", 1, at=t, now=t)
    assert (info.value.code, info.value.extra["refundable_fen"]) == ("refund.too_much", 0)


def test_r3_11_a_refund_of_one_product_claws_back_only_its_lines(make_shop: ShopFactory) -> None:
    shop = make_shop()
    distributors(shop, "d1")
    shop.visit("c", "d1", at=T0 + HOUR)
    buy(shop, "o1", "c", line(6000, "a"), line(4000, "b"), at=T0 + 2 * HOUR)
    t = T0 + 3 * HOUR
    with pytest.raises(ValidationError) as info:
        shop.refund("o1", "r0", 4001, product_id="b", at=t, now=t)
    assert (info.value.code, info.value.extra["refundable_fen"]) == ("refund.too_much", 4000)
    with pytest.raises(ValidationError) as info:
        shop.refund("o1", "r0", 1, product_id="zzz", at=t, now=t)
    assert info.value.code == "refund.product"
    with pytest.raises(ValidationError) as info:
        shop.refund("o1", "r0", 0, at=t, now=t)
    assert info.value.code == "refund.amount"
    answer = shop.refund("o1", "r1", 4000, product_id="b", at=t, now=t)
    assert [(c["line"], c["amount"]) for c in answer["clawbacks"]] == [(1, -400)]
    assert shop.order("o1", now=t)["status"] == "paid"  # line a is untouched


def test_r3_11_a_refund_before_settlement_nets_in_pending(make_shop: ShopFactory) -> None:
    shop = make_shop({"settle_days": 7})
    distributors(shop, "d1")
    shop.visit("c", "d1", at=T0 + HOUR)
    buy(shop, "o1", "c", line(10_000), at=T0 + 2 * HOUR)
    answer = shop.refund("o1", "r1", 3000, at=T0 + 3 * HOUR, now=T0 + 3 * HOUR)
    assert [(c["amount"], c["status"]) for c in answer["clawbacks"]] == [(-300, "pending")]
    assert money(shop, "d1", T0 + 3 * HOUR) == (700, 0, 0, 0, 0)
    shop.complete_order("o1", at=T0 + DAY, now=T0 + DAY)
    assert money(shop, "d1", T0 + 8 * DAY) == (0, 0, 700, 0, 0)


def test_r3_11_a_clawback_after_settlement_is_netted_before_any_withdrawal(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop({"settle_days": 0, "withdrawal": {"min_fen": 1}})
    distributors(shop, "d1")
    shop.visit("c", "d1", at=T0 + HOUR)

    def earn(order_id: str, reward: int, at: int) -> None:
        buy(shop, order_id, "c", line(reward * 10), at=at)
        shop.complete_order(order_id, at=at, now=at)

    earn("o1", 1000, T0 + DAY)
    shop.request_withdrawal("d1", 600, "bank", "6222000011112222", withdrawal_id="w1",
                            now=T0 + 2 * DAY)  # fmt: skip
    assert money(shop, "d1", T0 + 2 * DAY) == (0, 0, 400, 600, 0)
    refund = shop.refund("o1", "r1", 10_000, at=T0 + 3 * DAY, now=T0 + 3 * DAY)
    assert [(c["amount"], c["status"]) for c in refund["clawbacks"]] == [(-1000, "settled")]
    b = shop.balances("d1", now=T0 + 3 * DAY)
    assert (b["settled"], b["requested"], b["withdrawable"]) == (-600, 600, 0)
    earn("o2", 400, T0 + 4 * DAY)
    b = shop.balances("d1", now=T0 + 4 * DAY)
    assert (b["settled"], b["withdrawable"]) == (-200, 0)
    with pytest.raises(ValidationError) as info:
        shop.request_withdrawal("d1", 1, "bank", "6222000011112222", now=T0 + 4 * DAY)
    assert (info.value.code, info.value.extra["withdrawable_fen"]) == ("withdrawal.insufficient", 0)
    earn("o3", 500, T0 + 5 * DAY)
    b = shop.balances("d1", now=T0 + 5 * DAY)
    assert (b["settled"], b["withdrawable"]) == (300, 300)
    with pytest.raises(ValidationError):
        shop.request_withdrawal("d1", 301, "bank", "6222000011112222", now=T0 + 5 * DAY)
    shop.request_withdrawal("d1", 300, "bank", "6222000011112222", now=T0 + 5 * DAY)
    assert money(shop, "d1", T0 + 5 * DAY) == (0, 0, 0, 900, 0)


# -- idempotent events (R-3.12) --------------------------------------------------------------------


def test_r3_12_a_repeated_order_or_refund_answers_the_same_and_writes_nothing(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop()
    distributors(shop, "top", "d1", via={"d1": "top"})
    shop.visit("c", "d1", at=T0 + HOUR)
    t = T0 + 2 * HOUR
    lines = [line(10_000, "a", qty=2), line(5000, "b", cost_fen=100)]
    first = shop.record_order("o1", "c", lines, paid_at=t, now=t)
    entries = {d: ledger_entries(shop, d, now=t) for d in ("top", "d1")}
    assert shop.record_order("o1", "c", lines, paid_at=t, now=t) == first
    assert {d: ledger_entries(shop, d, now=t) for d in ("top", "d1")} == entries
    assert shop.distributor("d1", now=t)["paid_orders"] == 1  # counted once
    with pytest.raises(Conflict) as info:
        shop.record_order("o1", "c", [line(10_001, "a", qty=2)], paid_at=t, now=t)
    assert (info.value.code, info.value.rule) == ("event.conflict", "R-3.12")
    with pytest.raises(Conflict):
        shop.record_order("o1", "c", lines, paid_at=t + 1, now=t)

    refund = shop.refund("o1", "r1", 3000, product_id="a", at=t, now=t)
    entries = {d: ledger_entries(shop, d, now=t) for d in ("top", "d1")}
    assert shop.refund("o1", "r1", 3000, product_id="a", at=t, now=t) == refund
    assert {d: ledger_entries(shop, d, now=t) for d in ("top", "d1")} == entries
    assert shop.order("o1", now=t)["refunded_fen"] == 3000
    for other in ({"amount_fen": 3001}, {"product_id": None}, {"at": t + 1}):
        args: dict[str, Any] = {"amount_fen": 3000, "product_id": "a", "at": t} | other
        with pytest.raises(Conflict) as info:
            shop.refund("o1", "r1", args["amount_fen"], product_id=args["product_id"],
                        at=args["at"], now=t)  # fmt: skip
        assert (info.value.code, info.value.rule) == ("event.conflict", "R-3.12")
    assert {d: ledger_entries(shop, d, now=t) for d in ("top", "d1")} == entries


def test_r3_12_a_repeated_withdrawal_request_is_the_same_request(make_shop: ShopFactory) -> None:
    shop = make_shop({"settle_days": 0})
    distributors(shop, "d1")
    shop.visit("c", "d1", at=T0 + HOUR)
    buy(shop, "o1", "c", line(100_000), at=T0 + HOUR)
    shop.complete_order("o1", at=T0 + HOUR, now=T0 + HOUR)
    t = T0 + 2 * HOUR
    first = shop.request_withdrawal("d1", 5000, "bank", "62220001", withdrawal_id="w1", now=t)
    again = shop.request_withdrawal("d1", 5000, "bank", "62220001", withdrawal_id="w1", now=t)
    assert again == first
    assert money(shop, "d1", t) == (0, 0, 5000, 5000, 0)
    with pytest.raises(Conflict) as info:
        shop.request_withdrawal("d1", 5001, "bank", "62220001", withdrawal_id="w1", now=t)
    assert info.value.code == "event.conflict"


def test_r3_12_a_repeated_order_answers_as_of_its_now(make_shop: ShopFactory) -> None:
    shop = make_shop({"settle_days": 7})
    distributors(shop, "d1")
    shop.visit("c", "d1", at=T0 + HOUR)
    buy(shop, "o1", "c", line(10_000), at=T0 + 2 * HOUR)
    shop.complete_order("o1", at=T0 + DAY, now=T0 + DAY)  # settles at T0 + 8 days
    t = T0 + 2 * DAY
    before = shop.order("o1", now=t)
    again = shop.record_order("o1", "c", [line(10_000)], paid_at=T0 + 2 * HOUR, now=t)
    assert again == before
    assert money(shop, "d1", t) == (1000, 0, 0, 0, 0)


# -- performance counters and levels (R-4.2, R-4.3, M-2) -------------------------------------------


def test_r4_3_the_second_paid_order_upgrades_and_the_third_pays_the_new_rate(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop(
        levels(
            {"reward_bp": 1000, "inviter_reward_bp": 300},
            {"reward_bp": 2000, "inviter_reward_bp": 500, "conditions": {"paid_orders": 2}},
        )
    )
    distributors(shop, "top", "d1", via={"d1": "top"})
    shop.visit("c", "d1", at=T0 + HOUR)
    shop.visit("c2", "d1", at=T0 + HOUR)
    assert paid_to(buy(shop, "o1", "c", line(10_000), at=T0 + 2 * HOUR))[0] == ("d1", 1, 1000)
    assert shop.distributor("d1", now=T0 + 2 * HOUR)["level"] == 1
    assert paid_to(buy(shop, "o2", "c2", line(10_000), at=T0 + 3 * HOUR))[0] == ("d1", 1, 1000)
    assert shop.distributor("d1", now=T0 + 3 * HOUR)["level"] == 2
    assert paid_to(buy(shop, "o3", "c", line(10_000), at=T0 + 4 * HOUR)) == [
        ("d1", 1, 2000),
        ("top", 2, 300),  # the inviter's own level is still 1
    ]
    top = shop.distributor("top", now=T0 + 4 * HOUR)
    assert (top["level"], top["paid_orders"]) == (1, 0)  # only the attributed one counts


def test_r4_2_order_events_feed_the_attributed_distributors_counters(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop()
    distributors(shop, "top", "d1", via={"d1": "top"})
    shop.visit("c", "d1", at=T0 + HOUR)
    t = T0 + 2 * HOUR
    buy(shop, "o1", "c", line(6000, "a", split_fen=3000), line(4000, "b"), at=t)
    buy(shop, "o2", "c", line(5000), at=t)
    shop.create_customer("stranger", now=t)
    assert buy(shop, "nobody", "stranger", line(5000), at=t)["attributed_to"] is None
    shop.complete_order("o1", at=t, now=t)
    shop.complete_order("o1", at=t + 1, now=t + 1)  # counted once
    shop.refund("o1", "r1", 2500, at=t, now=t)
    shop.refund("o2", "r2", 5000, at=t, now=t)
    d1 = shop.distributor("d1", now=t + 2)
    assert (d1["paid_orders"], d1["transaction_fen"], d1["received_fen"]) == (2, 15_000, 7500)
    assert d1["completed_orders"] == 1
    top = shop.distributor("top", now=t + 2)
    assert (top["paid_orders"], top["received_fen"], top["completed_orders"]) == (0, 0, 0)


def test_r4_2_completed_orders_and_received_amount_upgrade_too(make_shop: ShopFactory) -> None:
    shop = make_shop(
        levels(
            {"reward_bp": 1000, "inviter_reward_bp": 300},
            {"reward_bp": 1500, "inviter_reward_bp": 300, "conditions": {"completed_orders": 1}},
            {"reward_bp": 2000, "inviter_reward_bp": 300, "conditions": {"received_fen": 20_000}},
        )
    )
    distributors(shop, "d1")
    shop.visit("c", "d1", at=T0 + HOUR)
    t = T0 + 2 * HOUR
    buy(shop, "o1", "c", line(15_000), at=t)
    assert shop.distributor("d1", now=t)["level"] == 1
    shop.complete_order("o1", at=t, now=t)
    assert shop.distributor("d1", now=t)["level"] == 2
    shop.refund("o1", "r1", 10_000, at=t, now=t)
    buy(shop, "o2", "c", line(10_000), at=t + 1)
    d1 = shop.distributor("d1", now=t + 1)
    assert (d1["received_fen"], d1["level"]) == (15_000, 2)  # 25 000 paid, 10 000 refunded
    buy(shop, "o3", "c", line(5000), at=t + 2)
    d1 = shop.distributor("d1", now=t + 2)
    assert (d1["received_fen"], d1["level"]) == (20_000, 3)
    shop.refund("o3", "r3", 5000, at=t + 3, now=t + 3)
    assert shop.distributor("d1", now=t + 3)["level"] == 3  # levels never drop


# -- withdrawals (R-5.1–) ---------------------------------------------------------------------

ACCOUNT = "6222021234567890"


def rich(make_shop: ShopFactory, withdrawal: dict[str, Any], **more: Any) -> Shop:
    """A shop where d1 has 100 000 fen settled at T0 + 1 hour (and more as it needs)."""
    shop = make_shop(
        {
            "settle_days": 0,
            "withdrawal": withdrawal,
            **levels({"reward_bp": 5000, "inviter_reward_bp": 0}),
            **more,
        }
    )
    distributors(shop, "d1")
    shop.visit("c", "d1", at=T0)
    buy(shop, "o1", "c", line(200_000), at=T0)
    shop.complete_order("o1", at=T0, now=T0)
    assert shop.balances("d1", now=T0 + HOUR)["withdrawable"] == 100_000
    return shop


def test_r5_1_one_withdrawal_is_between_min_and_max(make_shop: ShopFactory) -> None:
    shop = rich(make_shop, {"min_fen": 100, "max_fen": 5000, "max_count": 99})
    t = T0 + HOUR
    for amount in (0, -5, 99, 5001):
        with pytest.raises(ValidationError) as info:
            shop.request_withdrawal("d1", amount, "bank", ACCOUNT, now=t)
        assert (info.value.code, info.value.rule) == ("withdrawal.amount", "R-5.1")
    assert shop.request_withdrawal("d1", 100, "bank", ACCOUNT, now=t)["amount_fen"] == 100
    assert shop.request_withdrawal("d1", 5000, "bank", ACCOUNT, now=t)["amount_fen"] == 5000
    assert shop.balances("d1", now=t)["requested"] == 5100


def test_r5_1_only_enabled_methods(make_shop: ShopFactory) -> None:
    shop = rich(make_shop, {"methods": ["bank", "alipay"]})
    t = T0 + HOUR
    with pytest.raises(ValidationError) as info:
        shop.request_withdrawal("d1", 1000, "wechat", ACCOUNT, now=t)
    assert (info.value.code, info.value.extra["methods"]) == (
        "withdrawal.method",
        ["bank", "alipay"],
    )
    assert shop.request_withdrawal("d1", 1000, "alipay", "a@b.cn", now=t)["method"] == "alipay"
    with pytest.raises(ValidationError) as info:
        shop.request_withdrawal("d1", 1000, "bank", "   ", now=t)
    assert info.value.code == "withdrawal.account"


def test_r5_1_at_most_n_per_day_in_the_shops_time_zone(make_shop: ShopFactory) -> None:
    shop = rich(make_shop, {"max_count": 2, "per": "day"})
    late = T0 + DAY - 30 * MINUTE  # 23:30 in Shanghai, 15:30 UTC
    first = shop.request_withdrawal("d1", 1000, "bank", ACCOUNT, withdrawal_id="w1", now=late)
    shop.request_withdrawal("d1", 1000, "bank", ACCOUNT, withdrawal_id="w2", now=late + 1)
    with pytest.raises(ValidationError) as info:
        shop.request_withdrawal("d1", 1000, "bank", ACCOUNT, now=late + 2)
    assert (info.value.code, info.value.extra) == (
        "withdrawal.too_many",
        {"max_count": 2, "per": "day"},
    )
    # W-2: a rejected request gives its slot back
    shop.move_withdrawals([first["id"]], "reject", now=late + 3)
    shop.request_withdrawal("d1", 1000, "bank", ACCOUNT, withdrawal_id="w3", now=late + 4)
    with pytest.raises(ValidationError):
        shop.request_withdrawal("d1", 1000, "bank", ACCOUNT, now=late + 5)
    # 00:10 in Shanghai is a new day, though still the same UTC day
    shop.request_withdrawal("d1", 1000, "bank", ACCOUNT, now=T0 + DAY + 10 * MINUTE)


@pytest.mark.parametrize(
    ("per", "next_start"),
    [
        ("week", T0 + 4 * DAY),  # Monday 2026-01-05 00:00 in Shanghai (T0 is a Thursday)
        ("month", T0 + 31 * DAY),  # 2026-02-01 00:00 in Shanghai
    ],
)
def test_r5_1_weekly_and_monthly_limits_reset_at_the_local_period_start(
    make_shop: ShopFactory, per: str, next_start: int
) -> None:
    shop = rich(make_shop, {"max_count": 1, "per": per})
    shop.request_withdrawal("d1", 1000, "bank", ACCOUNT, now=T0 + HOUR)
    for t in (T0 + 2 * HOUR, next_start - 1):
        with pytest.raises(ValidationError) as info:
            shop.request_withdrawal("d1", 1000, "bank", ACCOUNT, now=t)
        assert info.value.extra == {"max_count": 1, "per": per}
    shop.request_withdrawal("d1", 1000, "bank", ACCOUNT, now=next_start)
    with pytest.raises(ValidationError):
        shop.request_withdrawal("d1", 1000, "bank", ACCOUNT, now=next_start + 1)


def test_r5_2_only_settled_money_can_be_requested(make_shop: ShopFactory) -> None:
    shop = make_shop({"settle_days": 7, "withdrawal": {"min_fen": 1}})
    distributors(shop, "d1")
    shop.visit("c", "d1", at=T0)
    buy(shop, "o1", "c", line(10_000), at=T0)
    shop.complete_order("o1", at=T0, now=T0)
    with pytest.raises(ValidationError) as info:
        shop.request_withdrawal("d1", 1, "bank", ACCOUNT, now=T0 + 7 * DAY - 1)
    assert (info.value.code, info.value.rule) == ("withdrawal.insufficient", "R-5.2")
    with pytest.raises(ValidationError) as info:
        shop.request_withdrawal("d1", 1001, "bank", ACCOUNT, now=T0 + 7 * DAY)
    assert info.value.extra["withdrawable_fen"] == 1000
    shop.request_withdrawal("d1", 1000, "bank", ACCOUNT, now=T0 + 7 * DAY)
    assert money(shop, "d1", T0 + 7 * DAY) == (0, 0, 0, 1000, 0)


def test_r5_2_request_approve_pay(make_shop: ShopFactory) -> None:
    shop = rich(make_shop, {})
    t = T0 + HOUR
    w = shop.request_withdrawal("d1", 30_000, "bank", ACCOUNT, holder="张三", withdrawal_id="w1",
                                now=t)  # fmt: skip
    assert (w["status"], w["net_fen"], w["tax_fen"]) == ("requested", 30_000, 0)
    assert w["account_masked"] == "************7890"
    assert money(shop, "d1", t) == (0, 0, 70_000, 30_000, 0)
    with pytest.raises(Conflict) as info:
        shop.move_withdrawals(["w1"], "pay", now=t)  # a payment needs an approval first
    assert (info.value.code, info.value.rule) == ("withdrawal.state", "R-5.2")
    assert shop.move_withdrawals(["w1"], "approve", now=t + 1)[0]["status"] == "approved"
    assert money(shop, "d1", t + 1) == (0, 0, 70_000, 30_000, 0)
    assert [x["id"] for x in shop.withdrawals(status="approved")["items"]] == ["w1"]
    paid = shop.move_withdrawals(["w1"], "pay", now=t + 2)[0]
    assert (paid["status"], paid["approved_at"], paid["paid_at"]) == ("paid", t + 1, t + 2)
    assert shop.move_withdrawals(["w1"], "pay", now=t + 3)[0]["paid_at"] == t + 2  # idempotent
    assert money(shop, "d1", t + 3) == (0, 0, 70_000, 0, 30_000)
    with pytest.raises(Conflict):
        shop.move_withdrawals(["w1"], "reject", now=t + 4)  # paid is final
    assert money(shop, "d1", t + 4) == (0, 0, 70_000, 0, 30_000)


def test_r5_2_a_rejection_returns_the_money(make_shop: ShopFactory) -> None:
    shop = rich(make_shop, {})
    t = T0 + HOUR
    shop.request_withdrawal("d1", 10_000, "bank", ACCOUNT, withdrawal_id="w1", now=t)
    shop.request_withdrawal("d1", 20_000, "bank", ACCOUNT, withdrawal_id="w2", now=t)
    shop.move_withdrawals(["w2"], "approve", now=t)
    assert money(shop, "d1", t) == (0, 0, 70_000, 30_000, 0)
    out = shop.move_withdrawals(["w1", "w2"], "reject", reason="wrong account", now=t + 1)
    assert [(w["status"], w["reason"]) for w in out] == [("rejected", "wrong account")] * 2
    assert money(shop, "d1", t + 1) == (0, 0, 100_000, 0, 0)
    with pytest.raises(Conflict):
        shop.move_withdrawals(["w1"], "approve", now=t + 2)  # rejected is final


def test_r5_2_a_batch_moves_all_or_nothing(make_shop: ShopFactory) -> None:
    shop = rich(make_shop, {})
    t = T0 + HOUR
    shop.request_withdrawal("d1", 1000, "bank", ACCOUNT, withdrawal_id="w1", now=t)
    shop.request_withdrawal("d1", 1000, "bank", ACCOUNT, withdrawal_id="w2", now=t)
    shop.move_withdrawals(["w1"], "approve", now=t)
    with pytest.raises(Conflict):
        shop.move_withdrawals(["w1", "w2"], "pay", now=t + 1)  # w2 is not approved
    assert [shop.withdrawal(i)["status"] for i in ("w1", "w2")] == ["approved", "requested"]


def test_r5_4_tax_is_withheld_as_its_own_entry(make_shop: ShopFactory) -> None:
    shop = rich(make_shop, {}, tax_bp=2000)
    t = T0 + HOUR
    w = shop.request_withdrawal("d1", 12_345, "bank", ACCOUNT, withdrawal_id="w1", now=t)
    assert (w["amount_fen"], w["tax_fen"], w["net_fen"]) == (12_345, 2469, 9876)
    assert money(shop, "d1", t) == (0, 0, 100_000 - 12_345, 9876, 0)
    kinds = {
        e["id"]: (e["kind"], e["amount"], e["status"]) for e in ledger_entries(shop, "d1", now=t)
    }
    assert kinds["w1"] == ("withdrawal", -9876, "requested")
    assert kinds["w1:tax"] == ("tax", -2469, "requested")
    shop.move_withdrawals(["w1"], "approve", now=t + 1)
    shop.move_withdrawals(["w1"], "pay", now=t + 2)
    assert money(shop, "d1", t + 2) == (0, 0, 100_000 - 12_345, 0, 9876)
    assert {e["id"]: e["status"] for e in ledger_entries(shop, "d1", now=t + 2)}["w1:tax"] == "paid"
    # a rejected request returns the tax with it
    shop.request_withdrawal("d1", 10_000, "bank", ACCOUNT, withdrawal_id="w2", now=t + 3)
    assert shop.balances("d1", now=t + 3)["settled"] == 100_000 - 22_345
    shop.move_withdrawals(["w2"], "reject", now=t + 4)
    assert money(shop, "d1", t + 4) == (0, 0, 100_000 - 12_345, 0, 9876)
    assert {e["id"]: e["status"] for e in ledger_entries(shop, "d1", now=t + 4)}["w2:tax"] == (
        "rejected"
    )


def test_r3_12_the_ledger_pages_through_every_entry_newest_first(make_shop: ShopFactory) -> None:
    shop = make_shop()
    distributors(shop, "d1")
    shop.visit("c", "d1", at=T0)
    for i in range(7):
        buy(shop, f"o{i}", "c", line(1000 * (i + 1)), line(500), at=T0 + i * HOUR)
    items = ledger_entries(shop, "d1", now=T0 + DAY, limit=3)
    assert len(items) == 14 and len({e["id"] for e in items}) == 14
    assert [e["at"] for e in items] == sorted((e["at"] for e in items), reverse=True)
    assert sum(e["amount"] for e in items) == shop.balances("d1", now=T0 + DAY)["pending"]


def test_r3_2_a_product_reward_is_a_rate_or_an_amount_not_both(make_shop: ShopFactory) -> None:
    """Decided in rules/ and enforced by Shop, whichever entry point calls it (API, ETL, UI)."""
    shop = make_shop()
    with pytest.raises(ValidationError) as info:
        shop.upsert_product("p", reward_bp=500, reward_fen=100, now=T0)
    assert (info.value.code, info.value.rule) == ("product.reward", "R-3.2")
    assert shop.upsert_product("p", reward_fen=100, now=T0)["reward_fen"] == 100
