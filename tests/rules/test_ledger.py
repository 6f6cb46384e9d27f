"""Ledger rules (R-3.10, R-3.11, R-3.12, R-5.2, R-5.4, R-6.4), pure: balances are sums of
entries as of a time; nothing is created or lost."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teamgraph.rules import ledger as G
from teamgraph.rules import withdrawals as W

DAY = 86_400_000
T0 = 1_770_000_000_000  # some time in 2026


def entry(
    eid: str, kind: str, amount: int, status: str = "settled", settle_at: int | None = None
) -> G.Entry:
    return G.Entry(eid, kind, amount, status, settle_at)


def reward(eid: str, amount: int, settle_at: int | None = T0 + 7 * DAY) -> G.Entry:
    return entry(eid, "reward", amount, "pending", settle_at)


# --- when money settles --------------------------------------------------------


def test_r3_10_a_reward_is_pending_until_its_window_passes() -> None:
    e = reward("r1", 1000)
    assert G.status_at(e, T0 + 7 * DAY - 1, frozen=False) == "pending"
    assert G.status_at(e, T0 + 7 * DAY, frozen=False) == "settled"  # G-1: no job needed
    assert G.balances([e], T0).to_dict() == {
        "pending": 1000,
        "held": 0,
        "settled": 0,
        "requested": 0,
        "withdrawn": 0,
    }
    assert G.balances([e], T0 + 7 * DAY).settled == 1000


def test_r3_10_g1_an_uncompleted_order_stays_pending() -> None:
    e = reward("r1", 1000, settle_at=None)
    assert G.status_at(e, T0 + 1000 * DAY, frozen=False) == "pending"


def test_r3_10_g1_clawbacks_and_bonuses_settle_like_rewards() -> None:
    for kind, amount in (("clawback", -300), ("bonus", 500)):
        e = entry("x", kind, amount, "pending", T0)
        assert G.status_at(e, T0, frozen=False) == "settled"


def test_r3_10_g3_adjustments_and_tax_keep_their_status() -> None:
    for kind, amount in (("adjustment", 100), ("tax", -100)):
        e = entry("x", kind, amount, "pending", T0)
        assert G.status_at(e, T0 + DAY, frozen=False) == "pending"


def test_r6_4_frozen_rewards_are_held_and_settle_on_release() -> None:
    # 1000 due, 400 not yet due, 250 settled before the freeze (G-2).
    entries = [reward("r1", 1000, T0), reward("r2", 400, T0 + DAY), entry("r0", "reward", 250)]
    frozen = G.balances(entries, T0, frozen=True)
    assert (frozen.pending, frozen.held, frozen.settled) == (400, 1000, 250)
    released = G.balances(entries, T0, frozen=False)
    assert (released.pending, released.held, released.settled) == (400, 0, 1250)
    assert frozen.total == released.total == 1650


def test_r6_4_stored_held_stays_held() -> None:
    e = entry("r1", "reward", 700, "held", T0)
    assert G.status_at(e, T0 + DAY, frozen=False) == "held"
    assert G.balances([e], T0 + DAY).held == 700


# --- withdrawals move money between balances --------------------------------------------


def test_r5_2_a_request_moves_settled_money_into_requested() -> None:
    # 5000 settled; 3000 requested: settled 2000, requested 3000; the total stays 5000.
    earned = entry("r1", "reward", 5000)
    w = entry("w1", "withdrawal", -3000, "requested")
    b = G.balances([earned, w], T0)
    assert (b.settled, b.requested, b.withdrawn, b.total) == (2000, 3000, 0, 5000)
    assert G.withdrawable(b) == 2000
    # approved: still requested
    b = G.balances([earned, entry("w1", "withdrawal", -3000, "approved")], T0)
    assert (b.settled, b.requested, b.withdrawn) == (2000, 3000, 0)
    # paid: withdrawn
    b = G.balances([earned, entry("w1", "withdrawal", -3000, "paid")], T0)
    assert (b.settled, b.requested, b.withdrawn, b.total) == (2000, 0, 3000, 5000)


def test_r5_2_a_rejection_returns_the_money() -> None:
    earned = entry("r1", "reward", 5000)
    b = G.balances([earned, entry("w1", "withdrawal", -3000, "rejected")], T0)
    assert (b.settled, b.requested, b.withdrawn) == (5000, 0, 0)


def test_r3_11_a_clawback_after_settlement_is_netted_before_withdrawing() -> None:
    # 1000 earned and withdrawn; the order is then refunded: −400 after settlement.
    # settled: 1000 − 1000 − 400 = −400, nothing withdrawable. A later 1000 reward settles:
    # settled 600, withdrawable 600.
    entries = [
        entry("r1", "reward", 1000),
        entry("w1", "withdrawal", -1000, "paid"),
        entry("c1", "clawback", -400),
    ]
    b = G.balances(entries, T0)
    assert (b.settled, b.withdrawn, G.withdrawable(b)) == (-400, 1000, 0)
    later = [*entries, reward("r2", 1000, T0 + DAY)]
    assert G.withdrawable(G.balances(later, T0)) == 0  # still pending
    b = G.balances(later, T0 + DAY)
    assert (b.settled, G.withdrawable(b), b.total) == (600, 600, 1600)


def test_r5_4_w5_tax_story() -> None:
    # 10 000 settled; a withdrawal of 10 000 gross at 20% tax: tax 2000 (its own entry, R-5.4,
    # in its withdrawal's status, G-4); the withdrawal entry is the net 8000. Settled 0,
    # requested 8000; the total 8000 is what was earned less tax.
    tax = W.tax(10_000, 2000)
    assert tax == 2000

    def ledger(status: str) -> list[G.Entry]:
        return [
            entry("r1", "reward", 10_000),
            entry("w1:tax", "tax", -tax, status),
            entry("w1", "withdrawal", -(10_000 - tax), status),
        ]

    b = G.balances(ledger("requested"), T0)
    assert (b.settled, b.requested, b.withdrawn, b.total) == (0, 8000, 0, 8000)
    b = G.balances(ledger("paid"), T0)
    assert (b.settled, b.requested, b.withdrawn, b.total) == (0, 0, 8000, 8000)
    # Rejected: the withdrawal and its tax count nowhere; all 10 000 is withdrawable again.
    b = G.balances(ledger("rejected"), T0)
    assert (b.settled, b.requested, b.total, G.withdrawable(b)) == (10_000, 0, 10_000, 10_000)


def test_r5_4_g3_tax_written_settled_stays_settled() -> None:
    b = G.balances([entry("r1", "reward", 1000), entry("t1", "tax", -100)], T0)
    assert (b.settled, b.total) == (900, 900)


def test_r3_12_full_story_balances_are_sums_of_entries() -> None:
    # Day 0: two rewards 1200 and 300 (pending until day 7). Day 3: a partial refund claws back
    # 400 of the first (pending too). Day 7: all settle: 1200 + 300 − 400 = 1100. Day 8: 1000
    # requested → settled 100. Day 9: paid. Day 10: a merchant adjustment of −50 → settled 50.
    s7 = T0 + 7 * DAY
    entries = [
        reward("r1", 1200, s7),
        reward("r2", 300, s7),
        entry("c1", "clawback", -400, "pending", s7),
    ]
    b = G.balances(entries, T0 + 3 * DAY)
    assert (b.pending, b.settled) == (1100, 0)
    b = G.balances(entries, s7)
    assert (b.pending, b.settled) == (0, 1100)
    entries.append(entry("w1", "withdrawal", -1000, "requested"))
    assert G.balances(entries, s7 + DAY).to_dict() == {
        "pending": 0,
        "held": 0,
        "settled": 100,
        "requested": 1000,
        "withdrawn": 0,
    }
    entries[-1] = entry("w1", "withdrawal", -1000, "paid")
    entries.append(entry("a1", "adjustment", -50))
    b = G.balances(entries, s7 + 3 * DAY)
    assert (b.settled, b.requested, b.withdrawn, b.total) == (50, 0, 1000, 1050)


def test_r3_12_an_empty_ledger_is_zero() -> None:
    b = G.balances([], T0)
    assert b == G.Balances(0, 0, 0, 0, 0) and b.total == 0 and G.withdrawable(b) == 0


# --- G-5: entries check themselves -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "amount", "status"),
    [
        ("refund", 1, "settled"),  # unknown kind
        ("reward", -1, "settled"),
        ("bonus", -1, "settled"),
        ("clawback", 1, "settled"),
        ("withdrawal", 1, "requested"),
        ("tax", 1, "settled"),
        ("reward", 1, "paid"),  # a withdrawal status
        ("withdrawal", -1, "settled"),  # an earning status
        ("adjustment", 1, "rejected"),
        ("reward", 1, "requested"),
    ],
)
def test_r3_12_g5_entries_refuse_a_wrong_kind_status_or_sign(
    kind: str, amount: int, status: str
) -> None:
    with pytest.raises(ValueError):
        G.Entry("e", kind, amount, status, None)


def test_r3_12_g5_adjustments_go_either_way() -> None:
    assert G.balances([entry("a", "adjustment", -5), entry("b", "adjustment", 7)], T0).settled == 2


# --- properties --------------------------------------------------------------------------------

_SIGN = {"reward": 1, "bonus": 1, "clawback": -1, "withdrawal": -1, "tax": -1, "adjustment": 0}


@st.composite
def entries(draw: st.DrawFn) -> G.Entry:
    kind = draw(st.sampled_from(G.KINDS))
    statuses = {
        "withdrawal": G.WITHDRAWAL_STATUSES,
        "tax": G.EARNING_STATUSES + G.WITHDRAWAL_STATUSES,
    }.get(kind, G.EARNING_STATUSES)
    magnitude = draw(st.integers(0, 10**9))
    sign = _SIGN[kind] or draw(st.sampled_from([1, -1]))
    settle_at = draw(st.none() | st.integers(T0 - 30 * DAY, T0 + 30 * DAY))
    return G.Entry(
        f"e{magnitude}", kind, sign * magnitude, draw(st.sampled_from(statuses)), settle_at
    )


@given(
    ledger=st.lists(entries(), max_size=40),
    now=st.integers(T0 - 40 * DAY, T0 + 40 * DAY),
    frozen=st.booleans(),
)
def test_r3_12_property_nothing_is_created_or_lost(
    ledger: list[G.Entry], now: int, frozen: bool
) -> None:
    b = G.balances(ledger, now, frozen=frozen)
    # a rejected tax entry (G-4) is returned with its withdrawal: out of both sides
    kept = [e for e in ledger if e.kind != "withdrawal" and e.status != "rejected"]
    assert b.total == sum(e.amount for e in kept)
    if all(e.status != "rejected" for e in ledger if e.kind == "tax"):
        assert b.total == sum(e.amount for e in ledger if e.kind != "withdrawal")
    assert b.requested >= 0 and b.withdrawn >= 0
    assert G.withdrawable(b) >= 0 and G.withdrawable(b) >= b.settled
    # freezing moves money between settled and held only
    other = G.balances(ledger, now, frozen=not frozen)
    assert (b.pending, b.requested, b.withdrawn) == (
        other.pending,
        other.requested,
        other.withdrawn,
    )
    assert b.held + b.settled == other.held + other.settled
    # the order of entries does not matter
    assert G.balances(list(reversed(ledger)), now, frozen=frozen) == b


@given(ledger=st.lists(entries(), max_size=20), now=st.integers(T0 - DAY, T0 + DAY))
def test_r3_10_property_time_only_moves_pending_to_settled(ledger: list[G.Entry], now: int) -> None:
    earlier, later = G.balances(ledger, now), G.balances(ledger, now + DAY)
    assert later.pending + later.settled == earlier.pending + earlier.settled
    assert (later.held, later.requested, later.withdrawn) == (
        earlier.held,
        earlier.requested,
        earlier.withdrawn,
    )


not_money = st.floats(allow_nan=True, allow_infinity=True) | st.just(True) | st.just(False)


@given(not_money)
def test_r3_9_property_floats_and_bools_are_not_money(value: Any) -> None:
    with pytest.raises(TypeError):
        G.Entry("e", "reward", value, "settled", None)
    with pytest.raises(TypeError):
        G.Entry("e", "reward", 1, "pending", value)
    with pytest.raises(TypeError):
        G.status_at(entry("e", "reward", 1), value, frozen=False)
