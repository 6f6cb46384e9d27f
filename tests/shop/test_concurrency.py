"""Writes stay correct under concurrent writers, on every engine (issue 11).

FalkorDB runs one write at a time; Neo4j 5 runs them side by side at read committed, where a
``WHERE`` guard is read before any lock is taken. Each test starts at least 16 threads on the
same distributor, order or customer, released together by a :class:`threading.Barrier`, and
ends with the ledger invariants and every counter checked against a recount
(``Shop.recount``, the check behind ``teamgraph shop recount``, and the performance and buyer
counters recomputed here from the orders). The ``engine`` fixture runs each test on FalkorDB
and, where configured, on Neo4j.
"""

from __future__ import annotations

import threading
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from teamgraph.errors import TeamgraphError
from teamgraph.graph import Engine
from teamgraph.shop import Shop
from tests.conftest import new_shop_id
from tests.shop.conftest import DAY, HOUR, T0, ledger_entries

THREADS = 16
ACCOUNT = "6222021234567890"
PROGRAM: dict[str, Any] = {
    "levels": [
        {"level": 1, "name": "L1", "reward_bp": 1000, "inviter_reward_bp": 300,
         "first_order_reward_bp": 1500},
    ],
}  # fmt: skip

Outcome = tuple[str, Any]  # ("ok", result) or ("error", TeamgraphError)


@pytest.fixture
def make_shop(engine: Engine) -> Iterator[Callable[..., Shop]]:
    made: list[Shop] = []

    def make(**settings: Any) -> Shop:
        shop = Shop.create(engine, new_shop_id("cc"), PROGRAM | settings, now=T0)
        made.append(shop)
        return shop

    yield make
    for shop in made:
        shop.store.drop()


def race(work: Callable[[int], Any], n: int = THREADS) -> list[Outcome]:
    """Run ``work(0..n-1)`` on ``n`` threads released at once; a TeamgraphError is an outcome,
    anything else fails the test."""
    barrier = threading.Barrier(n)
    outcomes: list[Outcome | None] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = ("ok", work(i))
        except TeamgraphError as exc:
            outcomes[i] = ("error", exc)
        except BaseException as exc:
            outcomes[i] = ("crash", "".join(traceback.format_exception(exc)))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    crashes = [o for o in outcomes if o is None or o[0] == "crash"]
    assert not crashes, crashes
    return [o for o in outcomes if o is not None]


def wins(outcomes: list[Outcome]) -> list[Any]:
    return [value for kind, value in outcomes if kind == "ok"]


def error_codes(outcomes: list[Outcome]) -> Counter[str]:
    return Counter(value.code for kind, value in outcomes if kind == "error")


def distributors(shop: Shop, *ids: str, via: str | None = None, at: int = T0) -> None:
    """Customers that become distributors, each bound to ``via`` first (its inviter)."""
    for i, did in enumerate(ids):
        shop.create_customer(did, name=did, via_distributor_id=via, now=at + i)
        shop.apply(did, now=at + i)
        shop.approve(did, now=at + i)


def customers(shop: Shop, ids: list[str], via: str, at: int = T0 + 100) -> None:
    for i, cid in enumerate(ids):
        shop.create_customer(cid, name=cid, via_distributor_id=via, now=at + i)


def settled_balance(shop: Shop, distributor: str, buyer: str, paid_fen: int) -> int:
    """An order of ``buyer`` (bound to ``distributor``) completed at T0 + 1 h, whose reward has
    settled by T0 + 9 days; returns the distributor's withdrawable balance then."""
    shop.record_order("seed", buyer, [{"product_id": "p", "paid_fen": paid_fen}], now=T0 + HOUR)
    shop.complete_order("seed", at=T0 + HOUR, now=T0 + HOUR)
    return int(shop.balances(distributor, now=T0 + 9 * DAY)["withdrawable"])


# -- invariants --------------------------------------------------------------------------------


def all_orders(shop: Shop) -> list[dict[str, Any]]:
    return shop.store.read("export.orders", after="", attributed_to=None, limit=100_000)


def active_bindings(shop: Shop, customer_id: str, now: int) -> list[dict[str, Any]]:
    return [b for b in shop.customer(customer_id, now=now)["history"] if b["active"]]


def assert_consistent(shop: Shop, now: int) -> None:
    """The counters equal a recount and the ledger adds up (R-2.3, R-3.11, R-3.12, R-4.2)."""
    assert shop.recount(now=now) == [], "team counters differ from a recount (R-2.3)"
    orders = all_orders(shop)
    ids = [r["id"] for r in shop.store.read("team.counters")]
    # performance counters (R-4.2, M-2) recounted from the orders
    want: dict[str, Counter[str]] = defaultdict(Counter)
    for o in orders:
        if o["attributed_to"] is not None:
            w = want[o["attributed_to"]]
            w["paid_orders"] += 1
            w["transaction_fen"] += o["paid_fen"]
            w["received_fen"] += o["paid_fen"] - o["refunded_fen"]
            w["completed_orders"] += o["completed_at"] is not None
    for row in shop.store.read("distributor.profiles", ids=ids):
        for field in ("paid_orders", "transaction_fen", "received_fen", "completed_orders"):
            assert (row[field] or 0) == want[row["id"]][field], (row["id"], field)
    # the buyers' own paid orders (first-order rate, R-3.5)
    per_buyer = Counter(o["customer_id"] for o in orders)
    buyers = shop.store.read("orders.history_customers", ids=sorted(per_buyer))
    assert {b["id"]: b["paid_orders"] for b in buyers} == dict(per_buyer)
    assert all(
        n == 1 for n in Counter(o["customer_id"] for o in orders if o["first_order"]).values()
    )
    # refunds and clawbacks: never more than paid; each reward returned exactly
    refunds = shop.store.read("risk.members_refunds", ids=sorted(per_buyer))
    refunded = Counter[str]()
    for r in refunds:
        refunded[r["order_id"]] += r["amount_fen"]
    for o in orders:
        assert 0 <= o["refunded_fen"] <= o["paid_fen"]
        assert refunded[o["id"]] == o["refunded_fen"]
        view = shop.order(o["id"], now=now)
        for reward in view["rewards"]:
            back = -sum(
                c["amount"]
                for c in view["clawbacks"]
                if (c["line"], c["tier"]) == (reward["line"], reward["tier"])
            )
            assert back == reward["returned"] <= reward["amount"]
            if o["refunded_fen"] == o["paid_fen"]:
                assert reward["returned"] == reward["amount"]
    # balances are sums of entries
    for did in ids:
        entries = [e for e in ledger_entries(shop, did, now=now) if e["unit"] == "fen"]
        b = shop.balances(did, now=now)
        counted = [e for e in entries if e["status"] != "rejected"]
        assert b["pending"] + b["held"] + b["settled"] == sum(e["amount"] for e in counted)
        assert b["requested"] + b["withdrawn"] == -sum(
            e["amount"] for e in counted if e["kind"] == "withdrawal"
        )


# -- withdrawals (R-5.1, R-5.2) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "max_count", "expected"),
    [(1_500, 5, 5), (4_000, 16, 3)],
    ids=["max-count-binds", "balance-binds"],
)
def test_r5_1_r5_2_concurrent_withdrawals_never_overdraw_nor_pass_max_count(
    make_shop: Callable[..., Shop], amount: int, max_count: int, expected: int
) -> None:
    """16 requests at once against a settled balance of 15,000 fen: the balance and the day's
    max_count hold, whichever binds first."""
    shop = make_shop(withdrawal={"max_count": max_count, "per": "day"})
    distributors(shop, "d")
    customers(shop, ["c"], via="d")
    assert settled_balance(shop, "d", "c", 100_000) == 15_000  # first-order rate, R-3.5
    now = T0 + 9 * DAY

    outcomes = race(
        lambda i: shop.request_withdrawal(
            "d", amount, "bank", ACCOUNT, withdrawal_id=f"w{i}", now=now
        )
    )

    assert len(wins(outcomes)) == expected
    assert set(error_codes(outcomes)) <= {
        "withdrawal.insufficient",
        "withdrawal.too_many",
        "withdrawal.amount",
    }
    b = shop.balances("d", now=now)
    assert b["settled"] == 15_000 - expected * amount >= 0
    assert b["requested"] == expected * amount
    assert_consistent(shop, now)


def test_r3_12_one_withdrawal_id_requested_16_times_at_once_is_one_request(
    make_shop: Callable[..., Shop], engine: Engine
) -> None:
    """The same request (same id, same body) sent 16 times at once: one withdrawal, every
    sender gets it back (idempotent on the id, R-3.12)."""
    shop = make_shop(withdrawal={"max_count": 16, "per": "day"})
    distributors(shop, "d")
    customers(shop, ["c"], via="d")
    settled_balance(shop, "d", "c", 100_000)
    now = T0 + 9 * DAY

    outcomes = race(
        lambda i: shop.request_withdrawal("d", 1_000, "bank", ACCOUNT, withdrawal_id="w", now=now)
    )

    assert {w["id"] for w in wins(outcomes)} == {"w"} and len(wins(outcomes)) == THREADS, [
        o for o in outcomes if o[0] != "ok"
    ]
    assert shop.balances("d", now=now)["requested"] == 1_000
    assert_consistent(shop, now)


def test_r5_2_withdrawal_rejected_while_paid_exactly_one_wins(
    make_shop: Callable[..., Shop],
) -> None:
    """Per withdrawal, 8 merchants confirm it paid while 8 reject it: one action wins, the
    repeats of the winning action are idempotent, every other answers withdrawal.state; the
    tax entry (R-5.4) follows the withdrawal."""
    shop = make_shop(withdrawal={"max_count": 10, "per": "day"}, tax_bp=1000)
    distributors(shop, "d")
    customers(shop, ["c"], via="d")
    settled_balance(shop, "d", "c", 100_000)
    now = T0 + 9 * DAY
    ids = [f"w{k}" for k in range(3)]
    for wid in ids:
        shop.request_withdrawal("d", 2_000, "bank", ACCOUNT, withdrawal_id=wid, now=now)
    shop.move_withdrawals(ids, "approve", now=now)

    def move(wid: str, action: str) -> tuple[str, Any]:
        return action, shop.move_withdrawals([wid], action, now=now)

    finals = {}
    for wid in ids:
        outcomes = race(lambda i, wid=wid: move(wid, "pay" if i % 2 else "reject"))
        winners = {action for action, _ in wins(outcomes)}
        assert len(winners) == 1, winners
        final = shop.withdrawal(wid)["status"]
        assert final == {"pay": "paid", "reject": "rejected"}[winners.pop()]
        assert len(wins(outcomes)) == THREADS // 2
        assert error_codes(outcomes) == Counter({"withdrawal.state": THREADS // 2})
        finals[wid] = final

    b = shop.balances("d", now=now)
    paid = sum(1 for s in finals.values() if s == "paid")
    assert b["withdrawn"] == paid * 1_800  # net of 10% tax
    assert b["settled"] == 15_000 - paid * 2_000
    assert_consistent(shop, now)


# -- refunds (R-3.11) ----------------------------------------------------------------------------


def test_r3_11_concurrent_refunds_never_exceed_paid_and_claw_back_exactly(
    make_shop: Callable[..., Shop],
) -> None:
    """16 refunds of 1,000 fen at once on one order of 10,000 fen over two lines, paying two
    tiers: ten are refunded, six refused; every reward is returned exactly, never more."""
    shop = make_shop()
    distributors(shop, "top")
    distributors(shop, "d", via="top")
    customers(shop, ["c"], via="d")
    lines = [{"product_id": "a", "paid_fen": 6_000}, {"product_id": "b", "paid_fen": 4_000}]
    order = shop.record_order("o", "c", lines, now=T0 + HOUR)
    assert {(r["distributor_id"], r["tier"]) for r in order["rewards"]} == {("d", 1), ("top", 2)}
    now = T0 + 2 * HOUR

    outcomes = race(lambda i: shop.refund("o", f"rf{i}", 1_000, now=now))

    assert len(wins(outcomes)) == 10
    assert error_codes(outcomes) == Counter({"refund.too_much": 6})
    view = shop.order("o", now=now)
    assert view["refunded_fen"] == 10_000 and view["status"] == "refunded"
    assert sum(c["amount"] for c in view["clawbacks"]) == -sum(r["amount"] for r in view["rewards"])
    assert_consistent(shop, now)


@pytest.mark.parametrize("torn", ["line", "reward", "missing reward"])
def test_r3_11_a_refund_decided_on_a_torn_read_writes_nothing(
    make_shop: Callable[..., Shop], torn: str
) -> None:
    """Neo4j's reads take no lock and can see part of a commit: a refund's total on the order
    but not yet on its line (it happened on CI: 1,200 fen refunded of 1,000). refund.create
    checks under the order's lock every value the decision read, not only the order's total."""
    shop = make_shop()
    distributors(shop, "d")
    customers(shop, ["c"], via="d")
    shop.record_order("o", "c", [{"product_id": "a", "paid_fen": 1_000}], now=T0 + HOUR)
    now = T0 + 2 * HOUR
    shop.refund("o", "first", 600, now=now)
    ctx = shop.store.read("refund.context", order_id="o", refund_id="second")[0]
    reward = next(e for e in ctx["entries"] if e is not None)
    line_read = {"idx": 0, "refunded_fen": 600}
    reward_read = {"id": reward["id"], "returned": reward["returned"]}
    if torn == "line":  # the order's total seen after the first refund, its line before it
        line_read["refunded_fen"] = 0
    elif torn == "reward":
        reward_read["returned"] = 0
    rewards_read = [] if torn == "missing reward" else [reward_read]

    written = shop.store.write(
        "refund.create", id="second", order_id="o", amount_fen=400, at=now, digest="x",
        now=now, refunded_before=600, lines_read=[line_read], rewards_read=rewards_read,
        lines=[{"idx": 0, "amount": 400}], clawbacks=[], received_fen=-400,
    )  # fmt: skip

    assert written == []
    assert shop.store.read("refund.context", order_id="o", refund_id="second") == [ctx]
    assert shop.order("o", now=now)["refunded_fen"] == 600
    assert_consistent(shop, now)


# -- orders and completion (R-3.5, R-3.10, R-4.2) -------------------------------------------------


def test_r3_5_r4_2_concurrent_orders_on_one_distributor_keep_its_counters(
    make_shop: Callable[..., Shop],
) -> None:
    """16 orders at once by 8 buyers bound to one distributor, two each: each buyer has exactly
    one first order (R-3.5's rate), and the distributor's performance counts all 16."""
    shop = make_shop()
    distributors(shop, "d")
    buyers = [f"c{k}" for k in range(THREADS // 2)]
    customers(shop, buyers, via="d")
    now = T0 + HOUR

    outcomes = race(
        lambda i: shop.record_order(
            f"o{i}", buyers[i // 2], [{"product_id": "p", "paid_fen": 1_000 * (i + 1)}], now=now
        )
    )

    assert len(wins(outcomes)) == THREADS
    orders = {o["id"]: o for o in all_orders(shop)}
    for k in range(THREADS // 2):
        pair = [orders[f"o{2 * k}"], orders[f"o{2 * k + 1}"]]
        assert sorted(o["first_order"] for o in pair) == [False, True]
    for order in wins(outcomes):
        rate = 1500 if orders[order["id"]]["first_order"] else 1000
        assert [r["amount"] for r in order["rewards"]] == [order["paid_fen"] * rate // 10_000]
    d = shop.distributor("d", now=now)
    assert d["paid_orders"] == THREADS
    assert d["transaction_fen"] == d["received_fen"] == sum(1_000 * (i + 1) for i in range(THREADS))
    assert_consistent(shop, now)


def test_r3_12_orders_raced_together_repeats_conflicts_and_many_buyers(
    make_shop: Callable[..., Shop],
) -> None:
    """16 orders at once, as a flash sale sends them (written together by group commit,
    ``teamgraph.graph.group``): 8 buyers' own orders, 5 repeats of one order (same id, same
    body), 3 of that id with another body. One order ``dup`` is stored, its repeats answer it
    (R-3.12), the other bodies get ``event.conflict``, and no buyer's order is lost."""
    shop = make_shop()
    distributors(shop, "d")
    buyers = [f"c{k}" for k in range(8)]
    customers(shop, [*buyers, "x"], via="d")
    now = T0 + HOUR

    def work(i: int) -> Any:
        if i < 8:
            return shop.record_order(
                f"o{i}", buyers[i], [{"product_id": "p", "paid_fen": 1_000 + i}], now=now
            )
        paid = 5_000 if i < 13 else 6_000 + i
        return shop.record_order("dup", "x", [{"product_id": "p", "paid_fen": paid}], now=now)

    outcomes = race(work)

    won = wins(outcomes)
    assert error_codes(outcomes) == Counter({"event.conflict": 3}) or (
        # the first of the other bodies may have been stored first: then the 5 repeats conflict
        error_codes(outcomes) == Counter({"event.conflict": 7})
    ), outcomes
    dup = [o for o in won if o["id"] == "dup"]
    assert len({o["paid_fen"] for o in dup}) == 1 and len(dup) in (5, 1)
    orders = {o["id"]: o for o in all_orders(shop)}
    assert set(orders) == {*(f"o{i}" for i in range(8)), "dup"}
    assert all(o["first_order"] for o in orders.values())
    d = shop.distributor("d", now=now)
    assert d["paid_orders"] == 9
    assert d["transaction_fen"] == sum(1_000 + i for i in range(8)) + orders["dup"]["paid_fen"]
    assert_consistent(shop, now)


def test_r3_10_concurrent_completions_count_once(make_shop: Callable[..., Shop]) -> None:
    """Four orders, each completed by four requests at once: each completes once, and the
    distributor's completed orders (R-4.2, 成单) count four."""
    shop = make_shop()
    distributors(shop, "d")
    customers(shop, ["c"], via="d")
    for k in range(4):
        shop.record_order(f"o{k}", "c", [{"product_id": "p", "paid_fen": 500}], now=T0 + HOUR + k)
    now = T0 + 2 * HOUR

    outcomes = race(lambda i: shop.complete_order(f"o{i % 4}", at=now + i, now=now + THREADS))

    assert len(wins(outcomes)) == THREADS
    assert shop.distributor("d", now=now + THREADS)["completed_orders"] == 4
    for k in range(4):  # one completion per order: all its requests answer the same one
        done = {o["completed_at"] for _, o in [w for w in outcomes if w[1]["id"] == f"o{k}"]}
        assert len(done) == 1
    assert_consistent(shop, now + THREADS)


# -- visits, bindings and their expiry (R-1.2, R-1.3, R-1.12) -------------------------------------


def test_r1_2_concurrent_visits_bind_a_customer_once(make_shop: Callable[..., Shop]) -> None:
    """A customer without a binding opens 16 distributors' links at once: one binding, one
    direct client in all, one SHARED_BY per pair (R-1.3); then 16 visits through one
    distributor at once renew that binding without a second SHARED_BY."""
    shop = make_shop()
    ds = [f"d{k:02d}" for k in range(THREADS)]
    distributors(shop, *ds)
    shop.create_customer("x", name="x", now=T0 + 100)
    at = T0 + HOUR

    outcomes = race(lambda i: shop.visit("x", ds[i], at=at))

    assert len(wins(outcomes)) == THREADS
    active = active_bindings(shop, "x", at)
    assert len(active) == 1
    bound = active[0]["distributor_id"]
    assert sum(shop.distributor(d, now=at)["direct_clients"] for d in ds) == 1
    shares = shop.store.read("orders.history_customers", ids=["x"])[0]["shares"]
    assert sorted(s[0] for s in shares) == ds

    again = race(lambda i: shop.visit("x", bound, at=at + 1 + i))

    assert len(wins(again)) == THREADS
    assert len(active_bindings(shop, "x", at + THREADS)) == 1
    shares = shop.store.read("orders.history_customers", ids=["x"])[0]["shares"]
    assert [len(t) for d, t in shares if d == bound] == [THREADS + 1]
    assert len(shares) == THREADS
    assert_consistent(shop, at + THREADS)


def test_r1_2_expiry_swept_by_concurrent_requests_counts_down_once(
    make_shop: Callable[..., Shop],
) -> None:
    """16 bindings of one distributor expire; 8 requests that catch up and 8 visits that bind
    their customer again run at once: every expired binding ends once, and the distributor's
    (and its inviter's) counters equal the recount."""
    shop = make_shop(binding_days=1, auto_unbind="on_expiry")
    distributors(shop, "top")
    distributors(shop, "d", via="top")
    clients = [f"c{k:02d}" for k in range(THREADS)]
    customers(shop, clients, via="d")
    assert shop.team("d", now=T0 + HOUR)["direct_clients"] == THREADS
    later = T0 + 3 * DAY

    def work(i: int) -> Any:
        if i % 2:
            return shop.team("d", now=later)
        return shop.visit(clients[i], "d", at=later)

    outcomes = race(work)

    assert len(wins(outcomes)) == THREADS
    rebound = clients[::2]
    for cid in clients:
        history = shop.customer(cid, now=later)["history"]
        assert [b["end_reason"] for b in history if not b["active"]] == ["expired"], (cid, history)
        assert len([b for b in history if b["active"]]) == (cid in rebound)
    assert shop.team("d", now=later)["direct_clients"] == len(rebound)
    assert shop.team("top", now=later)["indirect_clients"] == len(rebound)
    assert_consistent(shop, later)


def test_r1_12_concurrent_rebinds_and_unbinds_leave_at_most_one_binding(
    make_shop: Callable[..., Shop],
) -> None:
    """16 merchant edits of one customer at once (rebinds to four distributors, unbinds):
    never two active bindings, and every counter equals the recount."""
    shop = make_shop()
    ds = ["d0", "d1", "d2", "d3"]
    distributors(shop, "top")
    distributors(shop, *ds, via="top")
    customers(shop, ["c"], via="d0")
    now = T0 + HOUR

    def work(i: int) -> Any:
        if i % 4 == 3:
            return shop.unbind("c", now=now + i)
        return shop.rebind("c", ds[i % 4], now=now + i)

    outcomes = race(work)

    assert len(wins(outcomes)) == THREADS
    assert len(active_bindings(shop, "c", now + THREADS)) <= 1
    direct = sum(shop.team(d, now=now + THREADS)["direct_clients"] for d in ds)
    assert direct == len(active_bindings(shop, "c", now + THREADS))
    assert_consistent(shop, now + THREADS)


# -- approvals (R-2.2, R-2.3) --------------------------------------------------------------------


def test_r2_2_concurrent_approvals_link_one_inviter_and_count_the_team_once(
    make_shop: Callable[..., Shop],
) -> None:
    """8 pending applicants bound to d (invited by top), each approved by two merchants at
    once: one INVITED_BY each, d has 8 invitees, top a team of 9 at depths [1, 8]."""
    shop = make_shop(application={"review": True})
    distributors(shop, "top")
    shop.create_customer("d", via_distributor_id="top", now=T0)
    shop.apply("d", now=T0)
    shop.approve("d", now=T0)
    applicants = [f"a{k}" for k in range(THREADS // 2)]
    customers(shop, applicants, via="d")
    now = T0 + HOUR
    for a in applicants:
        shop.apply(a, now=now)

    outcomes = race(lambda i: shop.approve(applicants[i // 2], now=now + 1))

    assert len(wins(outcomes)) == THREADS
    assert all(p["inviter_id"] == "d" for p in wins(outcomes))
    invitees = [r["id"] for r in shop.invitees("d", limit=100, now=now + 1)["items"]]
    assert invitees == applicants
    team = shop.team("d", now=now + 1)
    assert (team["invitees"], team["team_size"]) == (8, 8)
    top = shop.team("top", now=now + 1)
    assert (top["invitees"], top["team_size"]) == (1, 9)
    assert [x["distributors"] for x in top["by_depth"]] == [1, 8]
    assert_consistent(shop, now + 1)


# -- settings (R-1.9) ----------------------------------------------------------------------------


def test_r1_9_a_torn_read_of_the_settings_cannot_put_old_text_back(
    make_shop: Callable[..., Shop],
) -> None:
    """Neo4j: a read without the lock can see part of another commit, the new version beside the
    old text. A compare-and-set on the version alone then wrote the old text back with the
    reader's own change (a landed change lost under load, seen in CI). The statement compares the
    text read too: such a writer gets no row (settings.concurrent) and the stored change stays."""
    shop = make_shop()
    _, _, old_text = shop._stored_settings_text()
    shop.update_settings({"sharer_window_hours": 48}, now=T0)
    _, version, _ = shop._stored_settings_text()
    torn = shop.settings(now=T0).model_copy(update={"dormant_days": 41, "sharer_window_hours": 24})
    rows = shop.store.write(
        "shop.put_settings", id=shop.id, version=version, seen=old_text,
        settings=torn.model_dump_json(), now=T0, before=old_text, action="settings.update",
        change_id="torn", actor="torn reader", actor_key=None, reset_products=False,
        product_bp=None, product_fen=None,
    )  # fmt: skip
    assert rows == []
    stored, after = shop._stored_settings()
    assert after == version and stored.sharer_window_hours == 48


def test_settings_writers_of_one_version_exactly_one_wins(make_shop: Callable[..., Shop]) -> None:
    """16 writers compare-and-set the same settings version at once: exactly one wins."""
    shop = make_shop()
    _, version, seen = shop._stored_settings_text()
    docs = [
        shop.settings(now=T0).model_copy(update={"dormant_days": 40 + i}) for i in range(THREADS)
    ]

    outcomes = race(
        lambda i: shop.store.write(
            "shop.put_settings",
            id=shop.id,
            version=version,
            seen=seen,
            settings=docs[i].model_dump_json(),
            now=T0,
            before=None,
            action="settings.update",
            change_id=f"race-{i}",
            actor=f"writer {i}",
            actor_key=None,
            reset_products=False,
            product_bp=None,
            product_fen=None,
        )
    )

    assert sum(1 for rows in wins(outcomes) if rows) == 1
    audited = shop.audit_log(kind="settings.update")["items"]
    assert len(audited) == 1, "the winner alone writes its Change (issue 16)"
    stored, after = shop._stored_settings()
    assert after == version + 1
    assert stored.dormant_days in {40 + i for i in range(THREADS)}


PATCHES: list[dict[str, Any]] = [
    {"dormant_days": 45},
    {"settle_days": 5},
    {"sharer_window_hours": 48},
    {"tax_bp": 100},
    {"share_base_url": "https://a.example.com"},
    {"new_customers_only": True},
    {"cost_protection": True},
    {"ring_auto_hold_score": 80},
    {"withdrawal": {"max_count": 7, "per": "week"}},
    {"application": {"review": True}},
    {"ladder": [{"threshold_fen": 100_000, "bonus_fen": 1_000}]},
    {"binding_days": 30},
    {"tiers": 1},
    {"dormant_days": 45},
    {"settle_days": 5},
    {"tax_bp": 100},
]


def test_r1_9_concurrent_settings_changes_lose_nothing(make_shop: Callable[..., Shop]) -> None:
    """16 settings changes at once, each of its own field: each either lands or answers
    settings.concurrent (409); the version moves once per change that landed and every
    change that landed is in the stored settings."""
    shop = make_shop()
    _, before = shop._stored_settings()

    outcomes = race(lambda i: shop.update_settings(PATCHES[i], now=T0 + HOUR))

    landed = [PATCHES[i] for i, (kind, _) in enumerate(outcomes) if kind == "ok"]
    assert landed
    assert set(error_codes(outcomes)) <= {"settings.concurrent"}
    stored, after = shop._stored_settings()
    assert after - before == len(landed)
    dumped = stored.model_dump()
    for patch in landed:
        for field, value in patch.items():
            if isinstance(value, dict):
                assert {k: dumped[field][k] for k in value} == value
            elif field == "ladder":
                assert [(s["threshold_fen"], s["bonus_fen"]) for s in dumped[field]] == [
                    (100_000, 1_000)
                ]
            else:
                assert dumped[field] == value, field
    assert_consistent(shop, T0 + HOUR)
