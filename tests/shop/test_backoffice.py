"""The merchant's back-office decisions at the shop level, on both engines (issue 17):
R-2.1 the application queue with each applicant's progress, approval and rejection with a
reason (audited), customer groups set by hand; R-3.12 ledger adjustments (idempotent, audited,
refused below zero: AJ-1) and, with hypothesis, the ledger invariant with adjustments among
rewards, clawbacks and withdrawals; R-4.3 a level set by hand, audited."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teamgraph.errors import Conflict, NotFound, ValidationError
from teamgraph.graph import Engine
from teamgraph.rules import ledger as rules_ledger
from teamgraph.shop import Actor, Shop
from teamgraph.shop.events import list_events
from tests.conftest import new_shop_id
from tests.shop.conftest import DAY, HOUR, T0, ShopFactory, distributors, ledger_entries

MERCHANT = Actor("key_ops", "ops")
REVIEW = {"application": {"review": True}}


def changes(shop: Shop, action: str) -> list[dict[str, Any]]:
    return [c for c in shop.audit_log(kind=action, limit=200)["items"] if c["action"] == action]


def earn(shop: Shop, did: str, reward_fen: int, tag: str, at: int) -> None:
    """``did`` earns ``reward_fen`` (level 1: 10%), settled a day after ``at`` (settle_days 0)."""
    cid = f"{did}-{tag}"
    shop.create_customer(cid, now=at)
    shop.visit(cid, did, at=at)
    shop.record_order(
        f"o-{cid}",
        cid,
        [{"product_id": "p", "paid_fen": reward_fen * 10}],
        paid_at=at + 1,
        now=at + 1,
    )
    shop.complete_order(f"o-{cid}", at=at + 2, now=at + 2)


# -- the queue, progress, approve / reject with a reason ------------------------------------
def test_r_2_1_the_queue_shows_each_applicants_progress_oldest_first(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop(
        {
            "application": {
                "review": True,
                "verified_phone": True,
                "min_paid_orders": 0,
                "groups": ["vip", "staff"],
            }
        }
    )
    shop.create_customer("a1", phone="17300000001", phone_verified=True, now=T0)
    shop.create_customer("a2", phone="17300000002", phone_verified=True, now=T0)
    shop.set_groups("a1", ["vip"], actor=MERCHANT, now=T0)
    shop.set_groups("a2", ["staff"], actor=MERCHANT, now=T0)
    shop.apply("a2", now=T0 + 1)
    shop.apply("a1", now=T0 + 2)
    shop.set_groups("a2", [], reason="left the staff", actor=MERCHANT, now=T0 + 3)
    page = shop.applications(now=T0 + 4)
    assert [a["id"] for a in page["items"]] == ["a2", "a1"]
    a2, a1 = page["items"]
    assert a1["ready"] and not a2["ready"]
    assert [(c["name"], c["met"]) for c in a2["conditions"]] == [
        ("verified_phone", True),
        ("min_paid_orders", True),
        ("groups", False),
    ]
    assert a1["groups"] == ["vip"] and a1["applied_at"] == T0 + 2
    first = shop.applications(limit=1, now=T0 + 4)
    second = shop.applications(limit=1, cursor=first["next_cursor"], now=T0 + 4)
    assert [a["id"] for a in first["items"] + second["items"]] == ["a2", "a1"]
    assert second["next_cursor"] is None


def test_r_2_1_approval_and_rejection_keep_their_reason_in_the_audit(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop(REVIEW)
    for cid in ("ok", "no"):
        shop.create_customer(cid, now=T0)
        shop.apply(cid, now=T0)
    shop.approve("ok", reason="met the buyer", actor=MERCHANT, now=T0 + 1)
    shop.reject("no", reason="not a real shop", actor=MERCHANT, now=T0 + 1)
    assert shop.applications(now=T0 + 2)["items"] == []
    (approved,) = changes(shop, "distributor.approve")
    (rejected,) = changes(shop, "distributor.reject")
    assert (approved["object_id"], approved["reason"], approved["actor"]) == (
        "ok",
        "met the buyer",
        "ops",
    )
    assert (rejected["object_id"], rejected["reason"]) == ("no", "not a real shop")


def test_r_2_1_an_applicant_in_a_required_group_passes_one_outside_does_not(
    make_shop: ShopFactory,
) -> None:
    """Groups set over the API (not only by import) decide R-2.1's group condition."""
    shop = make_shop({"application": {"review": False, "groups": ["vip"]}})
    shop.create_customer("in", now=T0)
    shop.create_customer("out", now=T0)
    assert shop.set_groups("in", ["vip", "member", "vip"], actor=MERCHANT, now=T0) == {
        "customer_id": "in",
        "groups": ["vip", "member"],
    }
    shop.set_groups("out", ["member"], actor=MERCHANT, now=T0)
    assert shop.apply("in", now=T0 + 1)["status"] == "active"
    with pytest.raises(ValidationError) as refused:
        shop.apply("out", now=T0 + 1)
    assert (refused.value.code, refused.value.rule) == ("distributor.conditions", "R-2.1")
    audit = changes(shop, "customer.groups")
    assert {(c["object_id"], c["before"], c["after"]) for c in audit} == {
        ("in", "[]", '["vip", "member"]'),
        ("out", "[]", '["member"]'),
    }


def test_r_2_1_groups_before_is_json_even_for_awkward_names(make_shop: ShopFactory) -> None:
    shop = make_shop()
    shop.create_customer("c", now=T0)
    odd = ['say "hi"', "back\\slash", "会员"]
    shop.set_groups("c", odd, actor=MERCHANT, now=T0)
    shop.set_groups("c", ["vip"], reason="tidy", actor=MERCHANT, now=T0 + 1)
    latest = changes(shop, "customer.groups")[0]
    assert json.loads(latest["before"]) == odd and json.loads(latest["after"]) == ["vip"]
    assert latest["reason"] == "tidy"


@pytest.mark.parametrize("groups", [[""], ["x" * 65], [f"g{i}" for i in range(21)], "vip"])
def test_r_2_1_bad_groups_are_refused_and_nothing_is_written(
    make_shop: ShopFactory, groups: Any
) -> None:
    shop = make_shop()
    shop.create_customer("c", now=T0)
    with pytest.raises(ValidationError):
        shop.set_groups("c", groups, actor=MERCHANT, now=T0)
    assert shop.customer_groups("c") == [] and changes(shop, "customer.groups") == []
    with pytest.raises(NotFound):
        shop.set_groups("nobody", ["vip"], actor=MERCHANT, now=T0)


# -- and freezing: each decision audited ---------------------------------------------------
def test_r_4_3_a_level_set_by_hand_and_a_freeze_are_audited_with_their_reasons(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop(
        {
            "levels": [
                {"level": 1, "name": "L1", "reward_bp": 1000},
                {"level": 2, "name": "L2", "reward_bp": 1500, "conditions": {"paid_orders": 100}},
            ]
        }
    )
    distributors(shop, "d")
    shop.set_level("d", 2, reason="key account", actor=MERCHANT, now=T0 + 1)
    shop.set_status("d", "frozen", reason="checking", actor=MERCHANT, now=T0 + 2)
    shop.set_status("d", "active", reason="cleared", actor=MERCHANT, now=T0 + 3)
    (level,) = changes(shop, "distributor.level")
    assert (level["before"], level["after"], level["reason"]) == (1, 2, "key account")
    assert [(c["action"], c["reason"]) for c in shop.audit_log(object_id="d")["items"][:3]] == [
        ("distributor.unfreeze", "cleared"),
        ("distributor.freeze", "checking"),
        ("distributor.level", "key account"),
    ]


# -- adjustments ---------------------------------------------------------------------------
def test_r_3_12_an_adjustment_is_a_settled_entry_with_its_change(make_shop: ShopFactory) -> None:
    shop = make_shop()
    distributors(shop, "d")
    entry, created = shop.adjust("d", "adj-1", 1234, " goodwill ", actor=MERCHANT, now=T0 + 1)
    assert created
    assert (entry["kind"], entry["amount"], entry["status"], entry["reason"]) == (
        "adjustment",
        1234,
        "settled",
        "goodwill",
    )
    (listed,) = ledger_entries(shop, "d", now=T0 + 2)
    assert (listed["id"], listed["kind"], listed["amount"], listed["reason"]) == (
        "adj-1",
        "adjustment",
        1234,
        "goodwill",
    )
    assert shop.balances("d", now=T0 + 2)["settled"] == 1234
    (change,) = changes(shop, "distributor.adjust")
    assert (
        change["object_id"],
        change["reason"],
        change["before"],
        change["after"],
        change["actor"],
    ) == ("d", "goodwill", "0", "1234", "ops")
    entry, created = shop.adjust("d", "adj-2", -1234, "mistake", actor=MERCHANT, now=T0 + 3)
    assert created and shop.balances("d", now=T0 + 4)["settled"] == 0
    shop.adjust("d", "adj-2", -1234, "mistake", actor=MERCHANT, now=T0 + 5)  # a repeat
    told = list_events(shop.store, type="adjustment.recorded", key="d")
    assert sorted((e["object_id"], e["amount"], e["reason"], e["settled_fen"]) for e in told) == [
        ("adj-1", 1234, "goodwill", 1234),
        ("adj-2", -1234, "mistake", 0),
    ]
    assert {(e["object"], e["distributor_id"], e["unit"]) for e in told} == {
        ("adjustment", "d", "fen")
    }


def test_r_3_12_an_adjustment_is_idempotent_on_its_id(make_shop: ShopFactory) -> None:
    shop = make_shop()
    distributors(shop, "d")
    first, _ = shop.adjust("d", "adj", 500, "bonus", actor=MERCHANT, now=T0 + 1)
    again, created = shop.adjust("d", "adj", 500, "bonus", actor=MERCHANT, now=T0 + 9)
    assert not created and again == first
    for other in ((600, "bonus"), (500, "other reason")):
        with pytest.raises(Conflict) as clash:
            shop.adjust("d", "adj", *other, actor=MERCHANT, now=T0 + 9)
        assert clash.value.code == "event.conflict"
    assert len(ledger_entries(shop, "d", now=T0 + 10)) == 1
    assert len(changes(shop, "distributor.adjust")) == 1


def test_r_3_12_aj_1_a_debit_cannot_take_the_settled_balance_below_zero(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop()
    distributors(shop, "d")
    shop.adjust("d", "in", 300, "credit", actor=MERCHANT, now=T0 + 1)
    with pytest.raises(ValidationError) as refused:
        shop.adjust("d", "out", -301, "too much", actor=MERCHANT, now=T0 + 2)
    assert (refused.value.code, refused.value.rule) == ("adjustment.insufficient", "R-3.12")
    assert shop.balances("d", now=T0 + 3)["settled"] == 300
    assert changes(shop, "distributor.adjust")[0]["object_id"] == "d"
    assert len(changes(shop, "distributor.adjust")) == 1
    shop.adjust("d", "out", -300, "all of it", actor=MERCHANT, now=T0 + 4)
    assert shop.balances("d", now=T0 + 5)["settled"] == 0


@pytest.mark.parametrize(
    ("amount", "reason", "code"),
    [
        (0, "x", "adjustment.amount"),
        (True, "x", "adjustment.amount"),
        (10, "  ", "adjustment.reason"),
    ],
)
def test_r_3_12_bad_adjustments_write_nothing(
    make_shop: ShopFactory, amount: Any, reason: str, code: str
) -> None:
    shop = make_shop()
    distributors(shop, "d")
    with pytest.raises(ValidationError) as refused:
        shop.adjust("d", "a", amount, reason, actor=MERCHANT, now=T0 + 1)
    assert refused.value.code == code
    assert ledger_entries(shop, "d", now=T0 + 2) == []
    with pytest.raises(NotFound):
        shop.adjust("nobody", "a", 10, "x", actor=MERCHANT, now=T0 + 1)


def test_r_3_12_an_adjustment_id_cannot_take_another_entrys_id(make_shop: ShopFactory) -> None:
    shop = make_shop({"settle_days": 0})
    distributors(shop, "d")
    earn(shop, "d", 100, "x", T0 + HOUR)
    reward_id = ledger_entries(shop, "d", now=T0 + DAY)[0]["id"]
    with pytest.raises(Conflict):
        shop.adjust("d", reward_id, 10, "x", actor=MERCHANT, now=T0 + DAY)


# -- with hypothesis: adjustments keep the ledger invariant ---------------------------------
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(1, 50).map(lambda n: n * 10)),
        st.tuples(st.just("credit"), st.integers(1, 3000)),
        st.tuples(st.just("debit"), st.integers(1, 3000)),
        st.tuples(st.just("withdraw"), st.integers(100, 2000)),
        st.tuples(st.just("refund"), st.just(0)),
        st.tuples(st.just("repeat"), st.just(0)),
    ),
    min_size=1,
    max_size=12,
)


@given(ops=OPS)
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_r_3_12_adjustments_among_other_entries_keep_the_ledger_invariant(
    engine: Engine, ops: list[tuple[str, int]]
) -> None:
    """After any mix of rewards, clawbacks, withdrawals and adjustments (credits, debits,
    repeats): every balance is the sum of the entries, the settled balance after an adjustment
    is the model's, a debit is refused exactly when it would go below zero (AJ-1), and a
    repeated adjustment writes nothing."""
    shop = Shop.create(
        engine,
        new_shop_id("adj"),
        {"settle_days": 0, "withdrawal": {"min_fen": 100, "max_count": 100}},
        now=T0,
    )
    try:
        distributors(shop, "d")
        now = T0 + HOUR
        adjustments: list[tuple[str, int, str]] = []
        earned: list[str] = []
        entries: list[dict[str, Any]] = []
        for i, (op, amount) in enumerate(ops):
            now += HOUR
            before = shop.balances("d", now=now)["settled"]
            expected = before
            if op == "earn":
                earn(shop, "d", amount, f"e{i}", now)
                earned.append(f"o-d-e{i}")
                now += DAY
                expected = before + amount
            elif op == "refund" and earned:
                oid = earned.pop()
                shop.refund(oid, f"r-{oid}", shop.order(oid, now=now)["paid_fen"], now=now)
                expected = None  # a clawback: may take the balance below zero
            elif op in ("credit", "debit"):
                signed = amount if op == "credit" else -amount
                aid = f"a{i}"
                if before + signed < 0 and signed < 0:
                    with pytest.raises(ValidationError):
                        shop.adjust("d", aid, signed, "why", actor=MERCHANT, now=now)
                else:
                    shop.adjust("d", aid, signed, "why", actor=MERCHANT, now=now)
                    adjustments.append((aid, signed, "why"))
                    expected = before + signed
            elif op == "repeat" and adjustments:
                aid, signed, why = adjustments[-1]
                _, created = shop.adjust("d", aid, signed, why, actor=MERCHANT, now=now)
                assert not created
            elif op == "withdraw" and before >= amount:
                shop.request_withdrawal(
                    "d", amount, "bank", "6222021234567890", withdrawal_id=f"w{i}", now=now
                )
                expected = before - amount
            balances = shop.balances("d", now=now)
            if expected is not None:
                assert balances["settled"] == expected
            entries = ledger_entries(shop, "d", now=now)
            fen = [
                rules_ledger.Entry(e["id"], e["kind"], e["amount"], e["status"], e["settle_at"])
                for e in entries
                if e["unit"] == "fen"
            ]
            summed = rules_ledger.balances(fen, now)
            assert summed.to_dict() == {
                k: balances[k] for k in ("pending", "held", "settled", "requested", "withdrawn")
            }
            assert summed.total == sum(
                e.amount for e in fen if e.kind != "withdrawal" and e.status != "rejected"
            )
        assert len([e for e in entries if e["kind"] == "adjustment"]) == len(adjustments)
        assert len(changes(shop, "distributor.adjust")) == len(adjustments)
    finally:
        shop.store.drop()


# -- under concurrency: the statement decides under the distributor's lock ------------------
def _race(work: Any, n: int = 8) -> list[tuple[str, Any]]:
    from tests.shop.test_concurrency import race

    return race(work, n)


def test_r_3_12_aj_1_debits_racing_cannot_overdraw_and_a_repeated_id_writes_once(
    make_shop: ShopFactory,
) -> None:
    """Eight debits of 300 racing on a balance of 1000: three win, the rest are refused, the
    balance never goes below zero; eight racing repeats of one adjustment write one entry."""
    shop = make_shop()
    distributors(shop, "d")
    shop.adjust("d", "seed", 1000, "seed", actor=MERCHANT, now=T0 + 1)
    outcomes = _race(
        lambda i: shop.adjust("d", f"debit-{i}", -300, "x", actor=MERCHANT, now=T0 + 2)
    )
    won = [v for kind, v in outcomes if kind == "ok"]
    assert len(won) == 3
    assert {v.code for kind, v in outcomes if kind == "error"} == {"adjustment.insufficient"}
    assert shop.balances("d", now=T0 + 3)["settled"] == 100
    outcomes = _race(lambda i: shop.adjust("d", "same", 50, "once", actor=MERCHANT, now=T0 + 4))
    assert [kind for kind, _ in outcomes] == ["ok"] * 8
    assert sum(1 for _, (_, created) in outcomes if created) == 1
    assert len([e for e in ledger_entries(shop, "d", now=T0 + 5) if e["id"] == "same"]) == 1
    assert len(changes(shop, "distributor.adjust")) == 1 + 3 + 1
