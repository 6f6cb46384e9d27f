"""The R-6.3 signals, each a pure function, on hand-made groups (no engine)."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from teamgraph.fraud import signals as sig
from teamgraph.fraud.detect import binding_cycles, links, merge, ring_id, signal_components
from teamgraph.fraud.mask import mask

H, D, M = sig.HOUR, sig.DAY, sig.MINUTE


def shared(kind: str, *members: str, k: int | None = None) -> sig.Shared:
    return sig.Shared(kind, "v", tuple(members), k if k is not None else len(members))


# -- F-8 rarity ------------------------------------------------------------------------------------
def test_f8_a_value_shared_by_few_weighs_more_than_one_shared_by_many() -> None:
    assert sig.rarity("device", 2) == 1.0
    assert sig.rarity("device", 2) > sig.rarity("device", 10) > sig.rarity("device", 500)
    assert sig.rarity("ip", 2) == 0.5 * sig.rarity("device", 2)
    frame = pd.DataFrame({"kind": ["device", "ip", "ip", "address"], "k": [100, 8, 9, 30]})
    assert links(frame, 0.25).tolist() == [True, True, False, False]


def test_r6_3_shared_signals_points_follow_rarity() -> None:
    assert sig.shared_signals([]) is None
    pair = sig.shared_signals([shared("device", "a", "b")])
    crowd = sig.shared_signals([shared("device", "a", "b", k=40)])
    assert pair is not None and crowd is not None and pair.points > crowd.points
    many = sig.shared_signals([shared("device", "a", "b")] * 10)
    assert many is not None and many.points == 25  # capped


# -- self-dealing ------------------------------------------------------------------------------
def test_r6_3_self_dealing_a_distributor_sharing_a_device_with_its_own_clients() -> None:
    s = [shared("device", "d", "x", "y"), shared("account", "d", "x")]
    found = sig.self_dealing(s, {"d": {"x", "y"}})
    assert found is not None and found.signal == "self_dealing"
    assert found.points == 20 + 5  # two accounts
    assert "d" in found.detail and "x, y" in found.detail


def test_r6_3_sharing_with_someone_elses_client_is_not_self_dealing() -> None:
    s = [shared("device", "d", "x")]
    assert sig.self_dealing(s, {"d": {"z"}}) is None
    assert sig.self_dealing(s, {"e": {"x"}}) is None


def test_f8_self_dealing_through_a_household_value_counts_half() -> None:
    strong = sig.self_dealing([shared("phone", "d", "x")], {"d": {"x"}})
    weak = sig.self_dealing([shared("address", "d", "x")], {"d": {"x"}})
    assert strong is not None and weak is not None and weak.points == strong.points // 2


def test_f17_a_family_tablet_counts_half_a_device_shared_with_many_clients_in_full() -> None:
    """A device shared by a mother and her two children is a family's tablet (half); shared
    with three or more of a distributor's own clients it is not."""
    tablet = sig.self_dealing([shared("device", "m", "k1", "k2")], {"m": {"k1", "k2"}})
    crowd = sig.self_dealing([shared("device", "d", "a", "b", "c")], {"d": {"a", "b", "c"}})
    assert tablet is not None and tablet.points == (20 + 5) // 2
    assert crowd is not None and crowd.points == 20 + 5 * 2


# -- circular attribution -------------------------------------------------------------------------
def test_r6_3_circular_attribution_of_two_and_of_four() -> None:
    g = nx.DiGraph([("a", "b"), ("b", "a"), ("p", "q"), ("q", "r"), ("r", "s"), ("s", "p")])
    assert sig.cycles(g, 6) == [["a", "b"], ["p", "q", "r", "s"]]
    found = sig.circular(g)
    assert found is not None and found.points == 45
    assert "p → q → r → s → p" in found.detail


def test_r6_3_circular_attribution_is_bounded_and_chains_are_not_cycles() -> None:
    ring = nx.DiGraph([(str(i), str((i + 1) % 8)) for i in range(8)])
    assert sig.cycles(ring, 6) == []
    assert sig.cycles(ring, 8) == [[str(i) for i in range(8)]]
    chain = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d")])
    assert sig.circular(chain) is None
    frame = pd.DataFrame({"customer_id": ["a", "b", "c"], "distributor_id": ["b", "c", "a"]})
    assert binding_cycles(frame, 3) == [["a", "b", "c"]]
    assert binding_cycles(frame, 2) == []


def test_issue18_a_commission_carousel_goes_round_several_payees() -> None:
    """A1's alt buys through A2, A2's through A3, A3's through A4, A4's through A1; each alt is
    tied to its own distributor by an identity value (both ways). No attribution cycle, one
    strongly connected flow through four payees."""
    g = nx.DiGraph()
    for i in range(1, 5):
        nxt = i % 4 + 1
        g.add_edge(f"a{i}-alt", f"a{nxt}", paid=True)
        g.add_edge(f"a{i}", f"a{i}-alt")
        g.add_edge(f"a{i}-alt", f"a{i}")
    found = sig.carousel(g)
    assert found is not None and found.signal == "carousel"
    assert found.facts["n"] == 4 and found.points == 30 + 5 * 2
    assert sig.circular(nx.DiGraph([(u, v) for u, v, d in g.edges(data=True) if d])) is None


def test_issue18_children_buying_through_their_mother_are_not_a_carousel() -> None:
    g = nx.DiGraph()
    for kid in ("k1", "k2"):
        g.add_edge(kid, "mother", paid=True)
        g.add_edge(kid, "mother")
        g.add_edge("mother", kid)
    assert sig.carousel(g) is None  # one payee


def test_f17_a_group_living_on_itself_against_one_with_a_trade_outside() -> None:
    """A ring's distributors earn mostly from the ring; a family's or an office's distributor
    has clients of her own beyond them, which takes points off."""
    ring = sig.inside_share(90_000, 100_000, buyers=5)
    assert ring is not None and ring.points == 18 and ring.facts["share_bp"] == 9_000
    assert sig.inside_share(90_000, 100_000, buyers=2) is None  # one couple is not a ring
    assert sig.inside_share(20_000, 100_000, buyers=5) is None  # under half
    office = sig.outside_clients({"colleague": 14}, 20_000, 100_000)
    assert office is not None and office.points < 0 and office.facts["n"] == 14
    assert sig.outside_clients({"colleague": 14}, 90_000, 100_000) is None
    assert sig.outside_clients({"colleague": 2}, 20_000, 100_000) is None


def test_f17_a_household_is_held_under_the_flag_line() -> None:
    """A family or an office (no payment account or phone shared, no fraud shape) keeps at most
    35 points: the contribution takes the excess off, and nothing when there is none."""
    (held,) = sig.household(52)
    assert held.signal == "household" and held.points == 35 - 52
    assert sig.household(30) == []


def test_f16_refunds_after_settlement_within_the_shops_settle_window() -> None:
    """Issue 18: a farm refunding 3.5 to 5 days after settlement, in a shop settling after 7
    days, is inside the window; a fixed 3-day window missed it."""
    settle = 1_700_000_000_000
    late = [sig.Refund(f"o{i}", settle + int((3.5 + i / 2) * D), settle) for i in range(4)]
    assert sig.refund_after_settle(late, window=3 * D) is None
    found = sig.refund_after_settle(late, window=7 * D)
    assert found is not None and found.facts["n"] == 4 and "7 day(s)" in found.detail


# -- bursts ---------------------------------------------------------------------------------------
def test_r6_3_a_burst_of_joins_on_one_device() -> None:
    t0 = 1_700_000_000_000
    burst = [t0 + i * M for i in range(12)]  # 12 in 11 minutes
    spread = [t0 + i * D for i in range(12)]  # one a day
    assert sig.densest_window(burst, H) == (12, t0)
    assert sig.densest_window(spread, H) == (1, t0)
    found = sig.burst(
        [sig.Events("device dev-1…", burst, {}), sig.Events("ip 1.2.*.*", spread, {})]
    )
    assert found is not None and found.signal == "invite_burst"
    assert found.points == 30 + 12 - 5 and "12 accounts" in found.detail
    assert sig.burst([sig.Events("device", spread, {})]) is None
    assert sig.burst([sig.Events("device", burst[:4], {})]) is None  # below the minimum of 5


def test_f15_a_slow_burst_is_found_in_the_window_it_fits() -> None:
    """Issue 18: 15 accounts on one device over two days are a burst in the three-day window,
    though no hour holds five of them."""
    t0 = 1_700_000_000_000
    slow = [t0 + i * 3 * H for i in range(15)]  # one every three hours: 15 in 42 hours
    found = sig.burst([sig.Events("device dev-9…", slow, {})])
    assert found is not None and found.facts["n"] == 15 and "3 day(s)" in found.detail


def test_f15_a_burst_is_measured_against_what_is_usual_for_its_kind() -> None:
    """The same 15 arrivals within ten minutes: a burst on a value whose kind usually gathers
    2 in that window, none where 6 is usual (fewer than 3 times the usual count), and a
    distributor's own rate counts the same way."""
    t0 = 1_700_000_000_000
    wave = [t0 + i * 30_000 for i in range(15)]
    quiet = {w: 2.0 for w in sig.WINDOWS}
    busy = {w: 6.0 for w in sig.WINDOWS}
    assert sig.burst([sig.Events("ip 100.64.*.*", wave, quiet)]) is not None
    assert sig.burst([sig.Events("ip 100.64.*.*", wave, busy)]) is None
    livestream = {w: 40.0 * w / sig.HOUR for w in sig.WINDOWS}  # 40 an hour is its rate
    assert sig.burst([sig.Events("distributor live", wave, livestream)]) is None


# -- refunds after settlement ---------------------------------------------------------------------
def test_r6_3_refunds_soon_after_the_rewards_settled() -> None:
    settle = 1_700_000_000_000
    soon = [sig.Refund(f"o{i}", settle + 5 * H, settle) for i in range(3)]
    before = [sig.Refund("b", settle - H, settle)]  # within the after-sale window: normal
    late = [sig.Refund("l", settle + 30 * D, settle)]
    unsettled = [sig.Refund("u", settle, None)]
    found = sig.refund_after_settle(soon + before + late + unsettled)
    assert found is not None and found.points == 25 + 2 and "3 order(s)" in found.detail
    assert sig.refund_after_settle(soon[:1] + before + late) is None


# -- amounts just over a threshold ----------------------------------------------------------------
def test_r6_3_amounts_just_over_a_level_or_ladder_threshold() -> None:
    thresholds = [100_000, 500_000]
    totals = {"d1": 100_500, "d2": 99_999, "d3": 250_000, "d4": 514_000, "d5": 516_000}
    assert sig.just_over(totals, thresholds) == [("d1", 100_500, 100_000), ("d4", 514_000, 500_000)]
    money = {"received_fen": thresholds}
    found = sig.just_over_threshold({"received_fen": totals}, money)
    assert found is not None and found.signal == "threshold" and "d1" in found.detail
    assert "¥1,005.00" in found.detail or "¥1005.00" in found.detail
    assert sig.just_over_threshold({"received_fen": {"d2": 99_999}}, money) is None
    assert sig.just_over_threshold({"received_fen": totals}, {}) is None


def test_r6_3_counts_just_over_a_level_condition() -> None:
    """Issue 18: a level reached by counts (bound customers, paid orders) is a threshold too:
    a count equal to the condition or one over is just over it (10% and at least 2), two over
    is not."""
    counts = {"bound_customers": {"d1": 10, "d2": 11, "d3": 9, "d4": 12}}
    found = sig.just_over_threshold(counts, {"bound_customers": (10,)})
    assert found is not None and found.facts["who"] == "d1" and found.facts["n"] == 2
    assert found.facts["money"] is False and "¥" not in found.detail
    assert sig.just_over_threshold(counts, {"paid_orders": (10,)}) is None


def test_r6_2_commission_inside_grows_with_its_log() -> None:
    assert sig.commission_inside(0) is None
    small, big = sig.commission_inside(10_000), sig.commission_inside(10_000_000)
    assert small is not None and big is not None
    assert small.points == 10 and big.points == 15


# -- components and ids ---------------------------------------------------------------------------
def test_components_of_the_customer_signal_graph_and_their_merge() -> None:
    frame = pd.DataFrame(
        {
            "kind": ["device", "device", "phone", "phone", "account", "account"],
            "value": ["d1", "d1", "p1", "p1", "a1", "a1"],
            "customer_id": ["a", "b", "b", "c", "x", "y"],
            "first_seen": [0] * 6,
            "k": [2] * 6,
        }
    )
    assert sorted(signal_components(frame)) == [["a", "b", "c"], ["x", "y"]]
    assert signal_components(frame.iloc[0:0]) == []
    assert merge([["a", "b"], ["b", "c"], ["x", "y"]]) == [["a", "b", "c"], ["x", "y"]]
    assert ring_id(["b", "a"]) == ring_id(["a", "b"]) != ring_id(["a", "c"])


@pytest.mark.parametrize(
    ("kind", "value", "shown"),
    [
        ("phone", "13812345678", "138****5678"),
        ("phone", "Ab3-x9Q" + "0" * 34 + "_z", "#Ab3-x9…"),  # its keyed digest (P-2)
        ("phone", "legacy:Zz9-x9Q" + "0" * 36, "legacy#Zz9-x9…"),  # an old one, sealed (P-4)
        ("phone", "007a" + "0" * 58 + "41", "sha256#007…"),  # an old one, unkeyed (P-4)
        ("ip", "117.136.4.20", "117.136.*.*"),
        ("device", "dev-0123456789ab", "dev-01…ab"),
        ("address", "上海市浦东新区世纪大道100号", "上海市浦东新…"),
        ("account", "wx:1", "w…"),
    ],
)
def test_f11_values_are_shown_masked(kind: str, value: str, shown: str) -> None:
    assert mask(kind, value) == shown
