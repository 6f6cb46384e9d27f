"""Issue 16 "Nothing lost": every webhook event is an ``Event`` written in the same statement as
the change that causes it (an outbox in the graph), exactly once: a repeated idempotent call
writes no second event, a refused change writes none. The node's contract is at the top of
``teamgraph/graph/queries/events.cypher``; these tests check each type's documented fields on
both engines."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teamgraph.errors import Conflict, TeamgraphError
from teamgraph.etl.importer import Options, load_file
from teamgraph.shop import Actor, Shop
from teamgraph.shop.events import EVENT_OBJECTS, EVENT_TYPES, list_events
from tests.etl.conftest import write_csv
from tests.shop.conftest import DAY, HOUR, T0, ShopFactory, distributors

CONTRACT = ("id", "type", "at", "key", "object", "object_id")


def line(paid: int, product: str = "p") -> dict[str, Any]:
    return {"product_id": product, "paid_fen": paid}


def events(shop: Shop, type_: str | None = None, key: str | None = None) -> list[dict[str, Any]]:
    found = list_events(shop.store, type=type_, key=key)
    for ev in found:  # the contract every event keeps (events.cypher)
        assert all(ev.get(k) is not None for k in CONTRACT), ev
        assert ev["type"] in EVENT_TYPES and ev["object"] in EVENT_OBJECTS, ev
        assert not any(k.startswith("_") for k in ev), ev
        assert all(not isinstance(v, dict) for v in ev.values()), ev
        assert isinstance(ev["at"], int)
    return found


def types(shop: Shop) -> Counter[str]:
    return Counter(ev["type"] for ev in events(shop))


def one(shop: Shop, type_: str) -> dict[str, Any]:
    found = events(shop, type_)
    assert len(found) == 1, found
    return found[0]


def test_issue16_the_catalogue_names_every_type_the_statements_write() -> None:
    from teamgraph.graph import queries

    text = "\n".join(queries.catalogue().values())
    for name in EVENT_TYPES:
        kind, verb = name.split(".")  # literally, or built as '<kind>.' + '<verb>'
        assert f"'{name}'" in text or (f"'{kind}.' +" in text and f"'{verb}'" in text), name
    assert len(set(EVENT_TYPES)) == len(EVENT_TYPES)


# -- orders and rewards ---------------------------------------------------------------------------


def test_issue16_an_attributed_order_writes_order_attributed_with_its_rewards_once(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop()
    distributors(shop, "top", "d1", via={"d1": "top"})
    shop.visit("c", "d1", at=T0 + HOUR)
    t = T0 + 2 * HOUR
    order = shop.record_order("o1", "c", [line(10_000)], paid_at=t, now=t)
    again = shop.record_order("o1", "c", [line(10_000)], paid_at=t, now=t + HOUR)
    assert again["id"] == order["id"]
    ev = one(shop, "order.attributed")
    assert ev["id"] == "order.attributed:o1"
    assert (ev["object"], ev["object_id"], ev["key"], ev["at"]) == ("order", "o1", "d1", t)
    assert (ev["customer_id"], ev["distributor_id"], ev["amount_fen"], ev["paid_at"]) == (
        "c",
        "d1",
        10_000,
        t,
    )
    rewards = sorted(
        zip(
            ev["reward_ids"],
            ev["reward_distributor_ids"],
            ev["reward_tiers"],
            ev["reward_amounts"],
            ev["reward_units"],
            strict=True,
        ),
        key=lambda r: r[2],
    )
    stored = sorted(order["rewards"], key=lambda r: r["tier"])
    assert rewards == [
        (r["id"], r["distributor_id"], r["tier"], r["amount"], r["unit"]) for r in stored
    ]
    assert [(r[1], r[3]) for r in rewards] == [("d1", 1000), ("top", 300)]


def test_issue16_an_unattributed_order_writes_no_event(make_shop: ShopFactory) -> None:
    shop = make_shop()
    shop.create_customer("c", now=T0)
    shop.record_order("o1", "c", [line(10_000)], paid_at=T0 + HOUR, now=T0 + HOUR)
    assert "order.attributed" not in types(shop)


def test_issue16_settling_writes_reward_settled_once_per_reward(make_shop: ShopFactory) -> None:
    shop = make_shop({"settle_days": 7})
    distributors(shop, "top", "d1", via={"d1": "top"})
    shop.visit("c", "d1", at=T0 + HOUR)
    shop.record_order("o1", "c", [line(10_000)], paid_at=T0 + 2 * HOUR, now=T0 + 2 * HOUR)
    shop.complete_order("o1", at=T0 + DAY, now=T0 + DAY)
    assert "reward.settled" not in types(shop)  # not due yet
    due = T0 + 8 * DAY
    later = due + HOUR
    shop.balances("d1", now=later)  # the catch-up settles
    shop.balances("d1", now=later + HOUR)  # and again: nothing new
    shop.catch_up(later + 2 * HOUR)
    settled = events(shop, "reward.settled")
    assert sorted((e["key"], e["amount"]) for e in settled) == [("d1", 1000), ("top", 300)]
    for e in settled:
        assert e["id"] == "reward.settled:" + e["object_id"]
        assert (e["object"], e["status"], e["order_id"], e["unit"]) == (
            "reward",
            "settled",
            "o1",
            "fen",
        )
        assert e["settle_at"] == due and e["at"] == later
        assert e["distributor_id"] == e["key"]


def test_issue16_a_frozen_distributors_rewards_are_held_then_released(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop({"settle_days": 0})
    distributors(shop, "d1")
    shop.visit("c", "d1", at=T0 + HOUR)
    shop.record_order("o1", "c", [line(10_000)], paid_at=T0 + 2 * HOUR, now=T0 + 2 * HOUR)
    shop.set_status("d1", "frozen", reason="checking", now=T0 + 3 * HOUR)
    shop.set_status("d1", "frozen", reason="checking", now=T0 + 3 * HOUR + 1)  # no change
    frozen = one(shop, "distributor.frozen")
    assert (frozen["key"], frozen["object"], frozen["object_id"], frozen["status"]) == (
        "d1",
        "distributor",
        "d1",
        "frozen",
    )
    assert frozen["at"] == T0 + 3 * HOUR and frozen["reason"] == "checking"
    shop.complete_order("o1", at=T0 + 4 * HOUR, now=T0 + 4 * HOUR)
    shop.balances("d1", now=T0 + 5 * HOUR)
    held = one(shop, "reward.held")
    assert (held["key"], held["amount"], held["status"]) == ("d1", 1000, "held")
    assert "reward.settled" not in types(shop)
    shop.set_status("d1", "active", now=T0 + 6 * HOUR)
    shop.set_status("d1", "active", now=T0 + 6 * HOUR + 1)
    unfrozen = one(shop, "distributor.unfrozen")
    assert (unfrozen["key"], unfrozen["status"]) == ("d1", "active")
    released = one(shop, "reward.released")
    assert released["id"] == "reward.released:" + held["object_id"]
    assert (released["object_id"], released["amount"], released["status"]) == (
        held["object_id"],
        1000,
        "settled",
    )
    assert released["at"] == T0 + 6 * HOUR
    # frozen again on another day: a second frozen event (a new decision)
    shop.set_status("d1", "frozen", now=T0 + 7 * HOUR)
    assert types(shop)["distributor.frozen"] == 2


def test_issue16_a_refund_writes_reward_clawed_back_per_reward_once(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop()
    distributors(shop, "top", "d1", via={"d1": "top"})
    shop.visit("c", "d1", at=T0 + HOUR)
    shop.record_order("o1", "c", [line(10_000)], paid_at=T0 + 2 * HOUR, now=T0 + 2 * HOUR)
    t = T0 + 3 * HOUR
    shop.refund("o1", "r1", 5_000, at=t, now=t)
    shop.refund("o1", "r1", 5_000, at=t, now=t + HOUR)  # a repeat: the same refund
    with pytest.raises(Conflict):
        shop.refund("o1", "r1", 4_000, at=t, now=t + HOUR)  # refused: no event
    clawed = events(shop, "reward.clawed_back")
    assert sorted((e["key"], e["clawed_back"], e["amount"]) for e in clawed) == [
        ("d1", 500, 1000),
        ("top", 150, 300),
    ]
    for e in clawed:
        assert (e["object"], e["order_id"], e["refund_id"], e["at"]) == ("reward", "o1", "r1", t)
        assert e["id"] == "reward.clawed_back:" + e["clawback_id"]
        assert e["returned"] == e["clawed_back"]
    order = shop.order("o1", now=t)
    assert {e["object_id"] for e in clawed} == {r["id"] for r in order["rewards"]}


# -- withdrawals -----------------------------------------------------------------------------------


def _earned(shop: Shop) -> None:
    distributors(shop, "d1")
    shop.visit("c", "d1", at=T0 + HOUR)
    shop.record_order("o1", "c", [line(100_000)], paid_at=T0 + HOUR, now=T0 + HOUR)
    shop.complete_order("o1", at=T0 + HOUR, now=T0 + HOUR)


def test_issue16_withdrawal_events_follow_its_statuses_once_and_show_no_account(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop({"settle_days": 0})
    _earned(shop)
    t = T0 + 2 * HOUR
    shop.request_withdrawal("d1", 5000, "bank", "6222000012345678", withdrawal_id="w1", now=t)
    shop.request_withdrawal("d1", 5000, "bank", "6222000012345678", withdrawal_id="w1", now=t)
    shop.move_withdrawals(["w1"], "approve", now=t + 1)
    shop.move_withdrawals(["w1"], "approve", now=t + 2)  # already approved: no change
    shop.move_withdrawals(["w1"], "pay", now=t + 3)
    with pytest.raises(TeamgraphError):
        shop.move_withdrawals(["w1"], "reject", now=t + 4)  # refused: paid
    shop.request_withdrawal("d1", 2000, "bank", "6222000012345678", withdrawal_id="w2", now=t + 5)
    shop.move_withdrawals(["w2"], "reject", reason="wrong account", now=t + 6)
    seen = [(e["type"], e["object_id"], e["at"]) for e in events(shop, key="d1")]
    withdrawals = [s for s in seen if s[0].startswith("withdrawal.")]
    assert withdrawals == [
        ("withdrawal.requested", "w1", t),
        ("withdrawal.approved", "w1", t + 1),
        ("withdrawal.paid", "w1", t + 3),
        ("withdrawal.requested", "w2", t + 5),
        ("withdrawal.rejected", "w2", t + 6),
    ]
    for e in events(shop):
        if e["object"] == "withdrawal":
            assert e["distributor_id"] == "d1" and e["method"] == "bank"
            assert e["amount_fen"] == {"w1": 5000, "w2": 2000}[e["object_id"]]
            assert e["net_fen"] + e["tax_fen"] == e["amount_fen"]
            assert e["status"] == e["type"].split(".")[1]
            assert not any("12345678" in str(v) for v in e.values())  # no account number
    assert one(shop, "withdrawal.rejected")["reason"] == "wrong account"


def test_issue16_a_refused_withdrawal_writes_no_event(make_shop: ShopFactory) -> None:
    shop = make_shop({"settle_days": 0})
    _earned(shop)
    with pytest.raises(TeamgraphError):
        shop.request_withdrawal("d1", 10**9, "bank", "62220001", withdrawal_id="w9", now=T0 + DAY)
    assert not [t for t in types(shop) if t.startswith("withdrawal.")]


# -- distributors ----------------------------------------------------------------------------------


def test_issue16_applications_write_applied_approved_and_rejected(make_shop: ShopFactory) -> None:
    shop = make_shop({"application": {"review": True}})
    shop.create_customer("a", now=T0)
    shop.create_customer("b", now=T0)
    shop.apply("a", now=T0 + 1)
    shop.apply("a", now=T0 + 2)  # already pending: refused quietly, no second event
    shop.apply("b", now=T0 + 3)
    shop.approve("a", now=T0 + 4)
    shop.approve("a", now=T0 + 5)  # the same approval again
    shop.reject("b", reason="no", now=T0 + 6)
    shop.reject("b", reason="no", now=T0 + 7)
    assert types(shop) == Counter(
        {"distributor.applied": 2, "distributor.approved": 1, "distributor.rejected": 1}
    )
    approved = one(shop, "distributor.approved")
    assert (approved["id"], approved["key"], approved["object_id"]) == (
        "distributor.approved:a",
        "a",
        "a",
    )
    assert (approved["status"], approved["level"], approved["at"]) == ("active", 1, T0 + 4)
    assert approved["code"] == shop.distributor("a", now=T0 + 5)["code"]
    rejected = one(shop, "distributor.rejected")
    assert (rejected["key"], rejected["application"], rejected["at"]) == ("b", "rejected", T0 + 6)
    applied = sorted((e["key"], e["at"]) for e in events(shop, "distributor.applied"))
    assert applied == [("a", T0 + 1), ("b", T0 + 3)]


def test_issue16_level_changes_by_hand_and_by_rule_write_level_changed(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop(
        {
            "levels": [
                {"level": 1, "name": "L1", "reward_bp": 1000},
                {"level": 2, "name": "L2", "reward_bp": 2000, "conditions": {"paid_orders": 1}},
                {"level": 3, "name": "L3", "reward_bp": 3000, "conditions": {"paid_orders": 99}},
            ]
        }
    )
    distributors(shop, "d1")
    shop.visit("c", "d1", at=T0 + HOUR)
    shop.record_order("o1", "c", [line(10_000)], paid_at=T0 + 2 * HOUR, now=T0 + 2 * HOUR)
    raised = one(shop, "distributor.level_changed")
    assert (raised["key"], raised["level_from"], raised["level_to"], raised["manual"]) == (
        "d1",
        1,
        2,
        False,
    )
    shop.set_level("d1", 3, reason="vip", now=T0 + 3 * HOUR)
    shop.set_level("d1", 3, reason="vip", now=T0 + 4 * HOUR)  # already 3: nothing changes
    changes = [
        (e["level_from"], e["level_to"], e["manual"], e["at"])
        for e in events(shop, "distributor.level_changed")
    ]
    assert changes == [(1, 2, False, T0 + 2 * HOUR), (2, 3, True, T0 + 3 * HOUR)]


# -- customers -------------------------------------------------------------------------------------


def test_issue16_bindings_write_bound_rebound_and_unbound(make_shop: ShopFactory) -> None:
    shop = make_shop({"binding_days": 10, "auto_unbind": "on_expiry"})
    distributors(shop, "d1", "d2")
    shop.visit("c", "d1", at=T0 + HOUR)
    shop.visit("c", "d1", at=T0 + 2 * HOUR)  # a renewal, not a new binding
    bound = one(shop, "customer.bound")
    assert (bound["key"], bound["object"], bound["object_id"], bound["distributor_id"]) == (
        "d1",
        "customer",
        "c",
        "d1",
    )
    assert bound["at"] == T0 + HOUR
    shop.rebind("c", "d2", reason="moved", now=T0 + 3 * HOUR)
    shop.rebind("c", "d2", reason="moved", now=T0 + 4 * HOUR)  # already d2: no change
    rebound = one(shop, "customer.rebound")
    assert (rebound["key"], rebound["distributor_id"], rebound["previous_distributor_id"]) == (
        "d2",
        "d2",
        "d1",
    )
    shop.unbind("c", reason="asked", now=T0 + 5 * HOUR)
    unbound = one(shop, "customer.unbound")
    assert (unbound["key"], unbound["previous_distributor_id"], unbound["at"]) == (
        "d2",
        "d2",
        T0 + 5 * HOUR,
    )
    # a binding that expires is unbound too, by the catch-up, once
    shop.visit("e", "d1", at=T0 + 6 * HOUR)
    shop.catch_up(T0 + 20 * DAY)
    shop.catch_up(T0 + 21 * DAY)
    expired = [e for e in events(shop, "customer.unbound") if e["object_id"] == "e"]
    assert len(expired) == 1
    assert (expired[0]["key"], expired[0]["end_reason"]) == ("d1", "expired")


def test_issue16_a_switch_to_sharer_attribution_unbinds_every_customer_once(
    make_shop: ShopFactory,
) -> None:
    """R-1.10: chain -> sharer ends every binding when due; each is a customer.unbound."""
    shop = make_shop()
    distributors(shop, "d1", "d2")
    shop.visit("c1", "d1", at=T0 + HOUR)
    shop.visit("c2", "d2", at=T0 + HOUR)
    shop.update_settings({"attribution_mode": "sharer"}, now=T0 + 2 * HOUR)
    due = T0 + DAY + 5 * HOUR
    shop.catch_up(due)
    shop.catch_up(due + HOUR)
    ended = sorted(
        (e["object_id"], e["key"], e["end_reason"], e["at"])
        for e in events(shop, "customer.unbound")
    )
    assert ended == [("c1", "d1", "mode_switch", due), ("c2", "d2", "mode_switch", due)]


# -- rings -----------------------------------------------------------------------------------------


def _ring(ring_id: str, *members: tuple[str, str]) -> dict[str, Any]:
    return {
        "id": ring_id,
        "score": 80,
        "kinds": ["self_dealing"],
        "members": [{"id": m, "role": role} for m, role in members],
        "distributors": sum(1 for _, role in members if role == "distributor"),
        "top_signals": ["device shared by 3 accounts"],
        "inside_fen": 1000,
    }


def test_issue16_rings_write_detected_frozen_released_and_release_their_rewards(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop({"settle_days": 0})
    distributors(shop, "d1")
    shop.visit("c1", "d1", at=T0 + 10)
    shop.record_order("o1", "c1", [line(10_000)], paid_at=T0 + 20, now=T0 + 20)
    ring = _ring("ring-a", ("d1", "distributor"), ("c1", "alt"))
    shop.save_rings([ring], scan_id="s1", now=T0 + HOUR)
    shop.save_rings([ring], scan_id="s2", now=T0 + HOUR + 1)  # found again: not new
    detected = one(shop, "ring.detected")
    assert (detected["key"], detected["object"], detected["object_id"]) == (
        "ring-a",
        "ring",
        "ring-a",
    )
    assert (detected["score"], detected["status"], sorted(detected["member_ids"])) == (
        80,
        "open",
        ["c1", "d1"],
    )
    shop.freeze_ring(
        "ring-a", actor=Actor.system("analyst"), reason="shared device", now=T0 + 2 * HOUR
    )
    shop.freeze_ring("ring-a", actor=Actor.system("analyst"), now=T0 + 2 * HOUR + 1)
    assert one(shop, "ring.frozen")["reason"] == "shared device"
    assert one(shop, "ring.frozen")["hold"] == "inside"  # issue 18 (F-2): the default
    shop.complete_order("o1", at=T0 + 3 * HOUR, now=T0 + 3 * HOUR)
    shop.balances("d1", now=T0 + 4 * HOUR)
    assert one(shop, "reward.held")["key"] == "d1"
    shop.release_ring("ring-a", actor=Actor.system("merchant"), now=T0 + 5 * HOUR)
    shop.release_ring("ring-a", actor=Actor.system("merchant"), now=T0 + 5 * HOUR + 1)
    assert one(shop, "ring.released")["status"] == "released"
    released = one(shop, "reward.released")
    assert (released["key"], released["amount"], released["at"]) == ("d1", 1000, T0 + 5 * HOUR)


# -- money: the events add up to the ledger --------------------------------------------------------


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    orders=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=50_000),  # paid fen
            st.lists(st.integers(min_value=1, max_value=20_000), max_size=3),  # refunds
        ),
        min_size=1,
        max_size=4,
    )
)
def test_issue16_reward_events_sum_to_the_ledger_in_integer_fen(
    make_shop: ShopFactory, orders: list[tuple[int, list[int]]]
) -> None:
    """Rewards attributed minus rewards clawed back, as the events say, equal each
    distributor's ledger of rewards and clawbacks (R-3.11, R-3.12: all integer fen)."""
    shop = make_shop({"settle_days": 0})
    distributors(shop, "top", "d1", via={"d1": "top"})
    shop.visit("c", "d1", at=T0 + HOUR)
    t = T0 + 2 * HOUR
    for n, (paid, refunds) in enumerate(orders):
        t += 1
        shop.record_order(f"o{n}", "c", [line(paid)], paid_at=t, now=t)
        left = paid
        for k, amount in enumerate(refunds):
            if amount > left:
                break
            t += 1
            shop.refund(f"o{n}", f"r{n}-{k}", amount, at=t, now=t)
            left -= amount
        if n % 2 == 0:
            t += 1
            shop.complete_order(f"o{n}", at=t, now=t)
    t += DAY
    by_event: Counter[str] = Counter()
    for e in events(shop):
        if e["type"] == "order.attributed":
            for did, amount in zip(e["reward_distributor_ids"], e["reward_amounts"], strict=True):
                assert isinstance(amount, int)
                by_event[did] += amount
        elif e["type"] == "reward.clawed_back":
            assert isinstance(e["clawed_back"], int)
            by_event[e["key"]] -= e["clawed_back"]
    for did in ("d1", "top"):
        b = shop.balances(did, now=t)
        assert by_event[did] == b["pending"] + b["held"] + b["settled"]


# -- imports ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("bulk", [True, False])
def test_issue16_imported_history_writes_no_events_and_its_rewards_settle_silently(
    make_shop: ShopFactory, tmp_path: Path, bulk: bool
) -> None:
    """docs/integration.md "Webhook events": a history import (the batched path) is not a live
    change, so it writes no events, and its rewards settle without one; an import sent one
    event at a time (``Options(bulk=False)``) goes through the live statements and writes
    theirs."""
    shop = make_shop({"settle_days": 0})
    distributors(shop, "d1")
    shop.upsert_product("p", name="tea", price_fen=10_000, now=T0)
    shop.visit("c", "d1", at=T0 + HOUR)
    orders = write_csv(
        tmp_path / "orders.csv",
        ["id", "customer_id", "paid_at", "product_id", "paid_fen", "qty", "split_fen",
         "completed_at"],
        [["h1", "c", T0 + 2 * HOUR, "p", 10_000, 1, 10_000, T0 + 3 * HOUR]],
    )  # fmt: skip
    result = load_file(shop, "orders", orders, Options(now=T0 + DAY, bulk=bulk))
    assert result.loaded == 1
    assert shop.balances("d1", now=T0 + 2 * DAY)["settled"] == 1000
    seen = types(shop)
    if bulk:
        assert "order.attributed" not in seen and "reward.settled" not in seen
    else:
        assert (seen["order.attributed"], seen["reward.settled"]) == (1, 1)


# -- racing writers --------------------------------------------------------------------------------


def test_issue16_racing_repeats_and_sweeps_write_each_event_once(make_shop: ShopFactory) -> None:
    """Neo4j runs writers side by side: the same order sent by 8 clients at once, then 8 settle
    sweeps at once (the sweep takes no lock; its events are MERGEd on their unique ids), still
    write one order.attributed and one reward.settled per reward."""
    from tests.shop.test_concurrency import race, wins

    shop = make_shop({"settle_days": 1})
    distributors(shop, "top", "d1", via={"d1": "top"})
    shop.visit("c", "d1", at=T0 + HOUR)
    t = T0 + 2 * HOUR
    outcomes = race(lambda i: shop.record_order("o1", "c", [line(10_000)], paid_at=t, now=t), 8)
    assert len(wins(outcomes)) == 8
    shop.complete_order("o1", at=t, now=t)
    assert "reward.settled" not in types(shop)
    race(lambda i: shop.store.write("ledger.settle_due", now=t + 2 * DAY), 8)
    seen = types(shop)
    assert (seen["order.attributed"], seen["reward.settled"]) == (1, 2)
