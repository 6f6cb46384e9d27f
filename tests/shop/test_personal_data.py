"""Personal data (issue 16 "Personal data", docs/choices.md PD-1..PD-6) through Shop on both
engines: the export holds every property the graph holds on the customer, the erasure removes
every personal value and changes no amount, count or relationship, erasing twice is erasing
once, and the retention pass pseudonymises old signal values while fraud ties hold."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teamgraph.errors import Conflict, NotFound
from teamgraph.graph import Engine
from teamgraph.phones import PSEUDONYM
from teamgraph.shop import Actor, Shop
from tests.conftest import new_shop_id, whole_graph
from tests.shop.conftest import DAY, HOUR, T0, ShopFactory

ACTOR = Actor("key_0123456789abcdef", "ops")
ACCOUNT = "6222021234567890"
NAMES = {"d1": "Zhang Wei", "d2": "Li Na", "c1": "Wang Fang", "c2": "Liu Yang"}
SIGNALS: dict[str, list[dict[str, Any]]] = {
    "device": [
        {"customer_id": "c1", "value": "dev-shared-1", "first_seen": T0, "last_seen": T0 + HOUR},
        {"customer_id": "d2", "value": "dev-shared-1", "first_seen": T0, "last_seen": T0 + HOUR},
        {"customer_id": "c2", "value": "dev-c2-only", "first_seen": T0, "last_seen": T0},
    ],
    "ip": [{"customer_id": "c1", "value": "10.1.2.3", "first_seen": T0, "last_seen": T0}],
    "address": [
        {"customer_id": "d2", "value": "1 Nanjing Road Shanghai", "first_seen": T0, "last_seen": T0}
    ],
    "account": [
        {
            "customer_id": "d2",
            "value": "alipay:li.na@example.com",
            "first_seen": T0,
            "last_seen": T0,
        }
    ],
}


def story(shop: Shop) -> None:
    """d1 invites d2; c1 buys through d2, c2 through d1; refunds, completions, withdrawals
    (one paid, one rejected), identity signals of every kind (a device shared by c1 and d2)."""
    shop.create_customer("d1", name=NAMES["d1"], now=T0)
    shop.apply("d1", now=T0)
    shop.create_customer("d2", name=NAMES["d2"], now=T0 + 1)
    shop.visit("d2", "d1", at=T0 + 1)
    shop.apply("d2", now=T0 + 1)
    shop.create_customer("c1", name=NAMES["c1"], phone="17300000001", now=T0 + 2)
    shop.create_customer("c2", name=NAMES["c2"], now=T0 + 2)
    shop.visit("c1", "d2", at=T0 + 10)
    shop.visit("c2", "d1", at=T0 + 11)
    shop.visit("c2", "d2", at=T0 + 12)  # a share visit of another distributor
    line = {"product_id": "p", "qty": 1, "paid_fen": 50_000}
    shop.record_order(
        "o1", "c1", [line, line | {"product_id": "q"}], paid_at=T0 + HOUR, now=T0 + HOUR
    )
    shop.record_order("o2", "c2", [line], paid_at=T0 + HOUR, now=T0 + HOUR)
    shop.record_order("o3", "c1", [line], paid_at=T0 + 2 * HOUR, now=T0 + 2 * HOUR)
    for oid in ("o1", "o2", "o3"):
        shop.complete_order(oid, at=T0 + 3 * HOUR, now=T0 + 3 * HOUR)
    shop.refund("o1", "r1", 10_000, at=T0 + 4 * HOUR, now=T0 + 4 * HOUR)
    later = T0 + 20 * DAY
    for kind, rows in SIGNALS.items():
        shop.bulk.add_signals(kind, rows)  # type: ignore[arg-type]
    shop.bulk.add_signals(
        "phone",
        [
            {
                "customer_id": "c1",
                "value": shop.phone_digest("17300000001"),
                "first_seen": T0,
                "last_seen": T0,
            }
        ],
    )
    shop.request_withdrawal(
        "d2", 1_000, "bank", ACCOUNT, holder="Li Na", withdrawal_id="w1", now=later
    )
    shop.request_withdrawal(
        "d2", 1_200, "bank", ACCOUNT, holder="Li Na", withdrawal_id="w2", now=later
    )
    shop.move_withdrawals(["w1"], "approve", now=later)
    shop.move_withdrawals(["w1"], "pay", now=later)
    shop.move_withdrawals(["w2"], "reject", reason="wrong account", now=later)


NOW = T0 + 21 * DAY


def figures(shop: Shop, now: int = NOW) -> dict[str, Any]:
    """Every amount and count a merchant can read: balances, profiles with team counters,
    team views, progress, orders with their rewards, bindings, withdrawals, leaderboards."""
    ids = [r["id"] for r in shop.store.read("etl.distributor_ids", ids=list(NAMES))]
    out: dict[str, Any] = {}
    for d in sorted(ids):
        out[f"balances:{d}"] = shop.balances(d, now=now)
        profile = shop.distributor(d, now=now)
        profile.pop("name")
        out[f"profile:{d}"] = profile
        out[f"team:{d}"] = shop.team(d, now=now)
        out[f"progress:{d}"] = shop.progress(d, now=now)
    for oid in ("o1", "o2", "o3"):
        out[f"order:{oid}"] = shop.order(oid, now=now)
    for cid in NAMES:
        view = shop.customer(cid, now=now)
        view.pop("name")
        out[f"customer:{cid}"] = view
    out["withdrawals"] = [
        {
            k: v
            for k, v in w.items()
            if k not in ("account", "account_masked", "holder", "distributor_name")
        }
        for w in shop.withdrawals()["items"]
    ]
    out["counts"] = shop.counts()
    out["overview"] = shop.overview(T0 - DAY, NOW, now=now)
    table = shop.distributor_table(now=now)
    out["distributor_table"] = [
        {k: v for k, v in row.items() if k != "name"} for row in table["items"]
    ]
    for metric in ("sales", "commission", "clients"):
        board = shop.leaderboard("month", metric, at=T0 + HOUR)  # type: ignore[arg-type]
        out[f"leaderboard:{metric}"] = [
            {k: v for k, v in row.items() if k != "name"} for row in board["items"]
        ]
    return out


PERSONAL = [
    "Zhang Wei",
    "Li Na",
    "Wang Fang",
    "Liu Yang",
    "dev-shared-1",
    "dev-c2-only",
    "10.1.2.3",
    "Nanjing Road",
    "li.na@example.com",
    ACCOUNT,
]


def personal_values_in(export: dict[str, Any]) -> list[str]:
    text = json.dumps(export, ensure_ascii=False)
    return [v for v in PERSONAL if v in text]


@pytest.fixture
def shop(make_shop: ShopFactory) -> Shop:
    s = make_shop({"settle_days": 7})
    story(s)
    return s


def test_export_holds_every_property_the_graph_holds(shop: Shop) -> None:
    """Issue 16: the export is everything stored about a customer. Every property key on the
    customer's node, on each relationship touching it and on the node at its other end is in
    the export, unless the far node is another person (named by id only) — so a property
    added later cannot be left out silently: this test fails until the export carries it."""
    for cid in NAMES:
        export = shop.personal_data(cid, actor=ACTOR, now=NOW)
        inv = shop.store.read("personal_data.inventory", id=cid)[0]
        assert set(inv["customer_keys"]) - {"shop"} <= set(export["customer"]), cid
        sections = _sections(export)
        for rel in inv["outgoing"] + inv["incoming"]:
            direction = "out" if rel in inv["outgoing"] else "in"
            where = EXPORTED.get((rel["type"], direction))
            assert where is not None, f"{cid}: {rel['type']} ({direction}) is not exported"
            if where == "other people":
                continue
            section, edge_key, node_key = where
            items = sections[section]
            assert items, f"{cid}: {rel['type']} exists but {section} is empty"
            keys = set().union(*(set(i) for i in items))
            edge_keys = (
                set().union(*(set(i.get(edge_key) or {}) for i in items)) if edge_key else keys
            )
            assert set(rel["edge_keys"]) <= edge_keys | {"id"}, (cid, rel["type"])
            if node_key == "id only":
                continue
            assert set(rel["node_keys"]) - {"shop", "id"} <= keys, (cid, rel["type"])
        for order in export["orders"]:
            stored = shop.store.read("etl.orders_get", ids=[order["id"]])
            assert stored
            lines = shop.store.read("dump.nodes")
            line_keys = {
                k
                for n in lines
                if "Line" in n["labels"] and n["props"]["order_id"] == order["id"]
                for k in n["props"]
            }
            assert line_keys - {"shop"} <= set().union(*(set(x) for x in order["lines"]))


EXPORTED: dict[tuple[str, str], Any] = {
    # (relationship, direction): (section of the export, key of the edge's properties or None
    # when they are at the top of each item, how the far node is exported)
    ("BOUND_TO", "out"): ("bindings", None, "id only"),
    ("SHARED_BY", "out"): ("shares", None, "id only"),
    ("INVITED_BY", "out"): ("invited_by", None, "id only"),
    ("PLACED", "out"): ("orders", "placed", "properties"),
    ("USES", "out"): ("signals", "uses", "properties"),
    ("MEMBER_OF", "out"): ("rings", None, "id only"),
    ("TO", "in"): ("entries", "to", "properties"),
    # other people's relationships to this distributor: its counters say how many
    ("BOUND_TO", "in"): "other people",
    ("SHARED_BY", "in"): "other people",
    ("INVITED_BY", "in"): "other people",
}


def _sections(export: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    d = export["distributor"] or {}
    signals = [{**s, "id": s["value"]} for s in export["signals"]]
    return {
        "bindings": export["bindings"],
        "shares": export["shares"],
        "orders": export["orders"],
        "signals": signals,
        "rings": export["rings"],
        "invited_by": d.get("invited_by", []),
        "entries": d.get("entries", []),
    }


def test_export_contents_and_its_audit(shop: Shop) -> None:
    """PD-1: profile, bindings (current and past), visits, orders with lines and refunds,
    signals with first/last seen, and a distributor's ledger with masked accounts; one
    ``Change`` per export."""
    c1 = shop.personal_data("c1", actor=ACTOR, now=NOW)
    assert c1["customer"]["name"] == "Wang Fang" and c1["customer"]["phone_hash"]
    assert [b["distributor_id"] for b in c1["bindings"]] == ["d2"]
    assert {o["id"] for o in c1["orders"]} == {"o1", "o3"}
    o1 = next(o for o in c1["orders"] if o["id"] == "o1")
    assert len(o1["lines"]) == 2 and o1["refunds"][0]["amount_fen"] == 10_000
    kinds = {s["kind"] for s in c1["signals"]}
    assert kinds == {"device", "ip", "phone"}
    assert all("first_seen" in s["uses"] and "last_seen" in s["uses"] for s in c1["signals"])
    assert c1["distributor"] is None
    d2 = shop.personal_data("d2", actor=ACTOR, now=NOW)
    assert d2["distributor"]["invited_by"][0]["inviter_id"] == "d1"
    ws = d2["distributor"]["withdrawals"]
    assert {w["id"] for w in ws} == {"w1", "w2"}
    assert all(w["account"] == "************7890" for w in ws)
    assert {e["kind"] for e in d2["distributor"]["entries"]} >= {"reward", "clawback", "withdrawal"}
    changes = [
        n["props"]
        for n in shop.store.read("dump.nodes")
        if "Change" in n["labels"] and n["props"].get("action") == "personal_data.export"
    ]
    assert sorted(c["object_id"] for c in changes) == ["c1", "d2"]
    assert all(c["actor_key"] == ACTOR.key_id and c["object"] == "personal_data" for c in changes)


def test_unknown_customer_is_404_and_writes_nothing(shop: Shop) -> None:
    before = whole_graph(shop.store)
    with pytest.raises(NotFound) as got:
        shop.personal_data("nobody", actor=ACTOR, now=NOW)
    assert got.value.code == "customer.not_found"
    with pytest.raises(NotFound):
        shop.erase_personal_data("nobody", reason="asked", actor=ACTOR, now=NOW)
    assert whole_graph(shop.store) == before


def _without_audit(graph: dict[str, list[str]]) -> dict[str, list[str]]:
    return {k: [x for x in v if '"Change"' not in x] for k, v in graph.items()}


def test_erasure_removes_every_personal_value_and_changes_no_figure(shop: Shop) -> None:
    """PD-2, PD-3 (issue 16: "every ledger amount and every count stays exactly as it was"):
    after erasing d2 (a distributor with withdrawals, sharing a device with c1) and c1, their
    exports hold no personal value; every balance, counter, order, binding, withdrawal amount
    and leaderboard is identical; the ids stay; the shared device keeps both ties."""
    before = figures(shop)
    for cid in ("d2", "c1"):
        done = shop.erase_personal_data(cid, reason="customer request", actor=ACTOR, now=NOW)
        assert done["customer_id"] == cid
        export = shop.personal_data(cid, actor=ACTOR, now=NOW)
        assert personal_values_in(export) == [], cid
        assert export["customer"].get("name") is None
        assert export["customer"].get("phone_hash") is None
        assert all(s["value"].startswith(PSEUDONYM) for s in export["signals"])
    assert figures(shop) == before
    shared = [r for r in shop.store.read("risk.shared_device", max_shared=10)]
    assert {r["customer_id"] for r in shared} == {"c1", "d2"}
    assert shared[0]["value"].startswith(PSEUDONYM)
    erased = [
        n["props"]
        for n in shop.store.read("dump.nodes")
        if "Change" in n["labels"] and n["props"].get("action") == "personal_data.erase"
    ]
    assert sorted(c["object_id"] for c in erased) == ["c1", "d2"]
    assert all(c["reason"] == "customer request" for c in erased)
    # the export names the audit log's records about the customer, the erasure among them
    actions = [c["action"] for c in shop.personal_data("d2", actor=ACTOR, now=NOW)["changes"]]
    assert "personal_data.erase" in actions and "personal_data.export" in actions
    # c2 was not erased: its own values are still there
    assert "Liu Yang" in json.dumps(shop.personal_data("c2", actor=ACTOR, now=NOW))


def test_erasing_twice_is_erasing_once(shop: Shop) -> None:
    """Idempotent: the second erasure changes nothing but the audit log (it records the
    second request)."""
    shop.erase_personal_data("d2", reason="asked", actor=ACTOR, now=NOW)
    once = _without_audit(whole_graph(shop.store))
    again = shop.erase_personal_data("d2", reason="asked again", actor=ACTOR, now=NOW + HOUR)
    assert again["signals_pseudonymised"] == 0
    assert _without_audit(whole_graph(shop.store)) == once


def test_erasure_refused_while_a_payout_is_pending(shop: Shop) -> None:
    """PD-5: the bank transfer needs the account: 409 ``personal_data.payout_pending``,
    nothing written; once paid, the erasure goes through."""
    shop.request_withdrawal("d2", 500, "bank", ACCOUNT, holder="Li Na", withdrawal_id="w3", now=NOW)
    before = whole_graph(shop.store)
    with pytest.raises(Conflict) as got:
        shop.erase_personal_data("d2", reason="asked", actor=ACTOR, now=NOW)
    assert got.value.code == "personal_data.payout_pending"
    assert whole_graph(shop.store) == before
    shop.move_withdrawals(["w3"], "approve", now=NOW)
    with pytest.raises(Conflict):
        shop.erase_personal_data("d2", reason="asked", actor=ACTOR, now=NOW)
    shop.move_withdrawals(["w3"], "pay", now=NOW)
    shop.erase_personal_data("d2", reason="asked", actor=ACTOR, now=NOW)
    assert shop.withdrawal("w3")["account"] == "************7890"


def test_a_pseudonymised_value_seen_again_ties_to_the_same_node(shop: Shop) -> None:
    """PD-2: after erasure, a new sighting of the same device (another customer) ties to the
    pseudonymised node: the raw value is not stored again and the tie holds."""
    shop.erase_personal_data("c1", reason="asked", actor=ACTOR, now=NOW)
    shop.bulk.add_signals(
        "device",
        [{"customer_id": "c2", "value": "dev-shared-1", "first_seen": NOW, "last_seen": NOW}],
    )
    shared = shop.store.read("risk.shared_device", max_shared=10)
    assert {r["customer_id"] for r in shared} == {"c1", "c2", "d2"}
    assert len({r["value"] for r in shared}) == 1
    assert "dev-shared-1" not in json.dumps(whole_graph(shop.store))


# -- withdrawal accounts (PD-6) --
def test_paid_and_rejected_withdrawals_keep_only_the_masked_account(shop: Shop) -> None:
    """Issue 16: full account numbers only as long as a payout needs them. w1 (paid) and w2
    (rejected) keep the masked form in the graph; an approved one keeps the full number for
    the bank file; a repeat of a request still answers its first result."""
    stored = {
        n["props"]["id"]: n["props"]
        for n in shop.store.read("dump.nodes")
        if n["props"].get("kind") == "withdrawal"
    }
    assert stored["w1"]["account"] == stored["w2"]["account"] == "************7890"
    assert ACCOUNT not in json.dumps(whole_graph(shop.store))
    shop.request_withdrawal("d2", 500, "bank", ACCOUNT, withdrawal_id="w4", now=NOW)
    shop.move_withdrawals(["w4"], "approve", now=NOW)
    assert shop.withdrawal("w4")["account"] == ACCOUNT
    assert shop.withdrawals(status="approved")["items"][0]["account"] == ACCOUNT
    shop.move_withdrawals(["w4"], "pay", now=NOW)
    assert shop.withdrawal("w4")["account"] == "************7890"
    view, created = shop.place_withdrawal("d2", 500, "bank", ACCOUNT, withdrawal_id="w4", now=NOW)
    assert not created and view["status"] == "paid"


# -- retention (PD-4) --
def test_retention_pseudonymises_old_values_once_a_day_and_ties_hold(shop: Shop) -> None:
    """PD-4: with ``signal_retention_days`` = 10, the catch-up gives values last seen more than
    10 days ago their pseudonym (ties and sightings kept); fresher ones stay raw; the pass runs
    at most once a day; shared-signal detection finds the same groups."""
    groups_before = _shared_groups(shop)
    shop.update_settings({"signal_retention_days": 10}, now=NOW)
    shop.bulk.add_signals(
        "ip", [{"customer_id": "c2", "value": "10.9.9.9", "first_seen": NOW, "last_seen": NOW}]
    )
    shop.catch_up(NOW + 1)
    values = {r["value"] for r in shop.store.read("etl.signals_get", ids=list(NAMES))}
    assert "10.9.9.9" in values
    assert all(v.startswith(PSEUDONYM) for v in values - {"10.9.9.9"})
    assert _shared_groups(shop) == groups_before
    # the next day's pass would prune the fresh value 11 days later, not before
    shop.catch_up(NOW + 5 * DAY)
    assert "10.9.9.9" in {r["value"] for r in shop.store.read("etl.signals_get", ids=["c2"])}
    shop.catch_up(NOW + 11 * DAY)
    assert "10.9.9.9" not in {r["value"] for r in shop.store.read("etl.signals_get", ids=["c2"])}


def _shared_groups(shop: Shop) -> list[list[str]]:
    kinds = ("device", "phone", "address", "account", "ip")
    groups: dict[tuple[str, str], list[str]] = {}
    for kind in kinds:
        for r in shop.store.read(f"risk.shared_{kind}", max_shared=50):
            groups.setdefault((kind, r["value"]), []).append(r["customer_id"])
    return sorted(sorted(g) for g in groups.values())


def test_retention_setting_is_validated(make_shop: ShopFactory) -> None:
    from teamgraph.errors import ValidationError

    shop = make_shop()
    for bad in (0, -1, 3651, "a year"):
        with pytest.raises(ValidationError):
            shop.update_settings({"signal_retention_days": bad}, now=T0)
    assert shop.update_settings({"signal_retention_days": 365}, now=T0)[0].signal_retention_days


# -- invariants over random small shops --
def random_shop(shop: Shop, seed: int) -> list[str]:
    """A small random shop: distributors inviting each other, customers visiting, orders,
    completions, refunds, signals (some shared), withdrawals in every state."""
    rng = random.Random(seed)
    n_d, n_c = rng.randint(1, 4), rng.randint(1, 6)
    ds = [f"d{i}" for i in range(n_d)]
    cs = [f"c{i}" for i in range(n_c)]
    t = T0
    for i, d in enumerate(ds):
        t += 1
        shop.create_customer(d, name=f"name-{d}", now=t)
        if i:
            shop.visit(d, rng.choice(ds[:i]), at=t)
        shop.apply(d, now=t)
    for c in cs:
        t += 1
        shop.create_customer(c, name=f"name-{c}", phone=f"1730000{rng.randint(0, 9999):04d}", now=t)
        shop.visit(c, rng.choice(ds), at=t)
    people = ds + cs
    for k in range(rng.randint(1, 8)):
        t += HOUR
        buyer = rng.choice(people)
        shop.record_order(
            f"o{k}",
            buyer,
            [{"product_id": "p", "paid_fen": rng.randint(100, 90_000)}],
            paid_at=t,
            now=t,
        )
        if rng.random() < 0.7:
            shop.complete_order(f"o{k}", at=t, now=t)
        if rng.random() < 0.3:
            shop.refund(f"o{k}", f"r{k}", rng.randint(1, 100), at=t + 1, now=t + 1)
    for kind in ("device", "ip", "account", "address"):
        shop.bulk.add_signals(
            kind,
            [  # type: ignore[arg-type]
                {
                    "customer_id": p,
                    "value": f"{kind}-{rng.randint(0, 3)}",
                    "first_seen": t,
                    "last_seen": t,
                }
                for p in people
                if rng.random() < 0.6
            ],
        )
    t += 10 * DAY
    for j, d in enumerate(ds):
        if shop.balances(d, now=t)["withdrawable"] >= 100:
            shop.request_withdrawal(
                d, 100, "bank", f"62220200000{j:05d}", holder=f"h-{d}", withdrawal_id=f"w{j}", now=t
            )
            shop.move_withdrawals([f"w{j}"], rng.choice(["reject", "approve"]), now=t)
            if shop.withdrawal(f"w{j}")["status"] == "approved":
                shop.move_withdrawals([f"w{j}"], "pay", now=t)
    return people


def shop_figures(shop: Shop, people: list[str], now: int) -> dict[str, Any]:
    ds = [r["id"] for r in shop.store.read("etl.distributor_ids", ids=people)]
    out: dict[str, Any] = {"counts": shop.counts()}
    for d in ds:
        out[d] = (
            shop.balances(d, now=now),
            shop.team(d, now=now),
            shop.progress(d, now=now),
            {k: v for k, v in shop.distributor(d, now=now).items() if k != "name"},
        )
    for p in people:
        out[f"c:{p}"] = {k: v for k, v in shop.customer(p, now=now).items() if k != "name"}
    out["w"] = [
        (w["id"], w["amount_fen"], w["net_fen"], w["status"]) for w in shop.withdrawals()["items"]
    ]
    return out


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 10_000), pick=st.integers(0, 50))
def test_erasure_keeps_every_figure_of_a_random_shop(engine: Engine, seed: int, pick: int) -> None:
    """Issue 16 "Done when": a customer's personal data erased without changing any balance
    or count, over random small shops (hypothesis): every figure equal before and after, the
    erased customer's export free of its personal values."""
    shop = Shop.create(engine, new_shop_id("pd"), None, now=T0)
    try:
        people = random_shop(shop, seed)
        now = T0 + 30 * DAY
        victim = people[pick % len(people)]
        before = shop_figures(shop, people, now)
        shop.erase_personal_data(victim, reason="asked", actor=ACTOR, now=now)
        assert shop_figures(shop, people, now) == before
        export = shop.personal_data(victim, actor=ACTOR, now=now)
        text = json.dumps(export)
        assert f"name-{victim}" not in text and "62220200000" not in text
        assert all(s["value"].startswith(PSEUDONYM) for s in export["signals"])
        assert export["customer"].get("phone_hash") is None
    finally:
        shop.store.drop()


# -- concurrency (PD-5) ------------------------------------------------------------------------
def test_pd_5_erasure_racing_a_withdrawal_request_never_masks_a_pending_payout(
    make_shop: ShopFactory,
) -> None:
    """PD-5 under concurrency (read-committed Neo4j too): an erasure and a withdrawal request
    of the same distributor sent at once, round after round. Both take the customer's lock
    first, so either the erasure comes first (the request then stores its full account) or
    the request does (the erasure is refused): a withdrawal awaiting payout never holds a
    masked account."""
    from tests.shop.test_concurrency import race

    shop = make_shop({"withdrawal": {"max_count": 20, "per": "day"}})
    shop.create_customer("d", name="Li Na", now=T0)
    shop.apply("d", now=T0)
    shop.create_customer("c", name="c", via_distributor_id="d", now=T0 + 1)
    shop.record_order("o", "c", [{"product_id": "p", "paid_fen": 100_000}], now=T0 + HOUR)
    shop.complete_order("o", at=T0 + HOUR, now=T0 + HOUR)
    now = T0 + 9 * DAY
    refused = 0
    for n in range(8):

        def work(i: int, n: int = n) -> Any:
            if i == 0:
                return shop.erase_personal_data("d", reason="asked", actor=ACTOR, now=now)
            return shop.request_withdrawal(
                "d", 100, "bank", ACCOUNT, holder="Li Na", withdrawal_id=f"w{n}", now=now
            )

        outcomes = race(work, n=2)
        errors = [value for kind, value in outcomes if kind == "error"]
        assert all(e.code == "personal_data.payout_pending" for e in errors), errors
        refused += len(errors)
        pending = shop.withdrawals(status="requested")["items"]
        assert [w["id"] for w in pending] == [f"w{n}"]
        assert pending[0]["account"] == ACCOUNT
        shop.move_withdrawals([f"w{n}"], "reject", now=now)
    assert shop.balances("d", now=now)["requested"] == 0


def test_export_names_center_access_without_secrets(shop: Shop) -> None:
    """PD-1: the distributor center's sign-in links and the keys naming the customer are in
    the export (when made, used, expiring), never their secrets' digests."""
    token, _ = shop.center_link("d2", now=NOW)
    shop.open_center_link(token, now=NOW + 1)
    access = shop.personal_data("d2", actor=ACTOR, now=NOW + 2)["access"]
    assert [link["used_at"] for link in access["center_links"]] == [NOW + 1]
    assert [k["role"] for k in access["keys"]] == ["distributor"]
    for item in access["center_links"] + access["keys"]:
        assert "id" not in item and "session" not in item
    assert token not in json.dumps(access)
