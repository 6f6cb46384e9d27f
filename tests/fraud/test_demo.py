"""Issue #7's "done when", on the demo shop of ``teamgraph up``: a scan lists the planted rings
at the top with readable evidence, and freezing one holds exactly its distributor members'
rewards (an order paying the ring's distributor and, one tier up, someone outside the ring)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from teamgraph.clock import now_ms
from teamgraph.etl import demo, generator
from teamgraph.graph import Engine
from teamgraph.shop import Actor, Shop
from tests.conftest import new_shop_id

DAY = 86_400_000


@pytest.fixture(scope="module")
def demo_shop(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    shop = Shop.create(engine, new_shop_id("demo"), generator.SETTINGS)
    demo.build(shop, workdir=tmp_path_factory.mktemp("demo"))
    yield shop
    shop.store.drop()


def test_r6_2_the_demo_scan_lists_the_planted_rings_at_the_top(demo_shop: Shop) -> None:
    size = demo.BUILD_SIZE
    labels = (
        generator.generate(
            size["customers"], size["distributors"], size["orders"], 7, size["rings"]
        )
        .tables["labels"]
        .to_pandas()
    )
    truth = [set(g["customer_id"]) for _, g in labels.groupby("ring_id")]
    result = demo_shop.scan()
    top = demo_shop.rings(limit=len(truth))
    found = [{m["id"] for m in demo_shop.ring(r["id"])["member_list"]} for r in top]
    assert sorted(map(sorted, found)) == sorted(map(sorted, truth))
    assert all(r["score"] >= 40 and r["kinds"] and r["top_signals"] for r in top)
    rest = demo_shop.rings(limit=100)[len(truth) :]
    assert all(r["score"] < min(t["score"] for t in top) for r in rest)
    assert len(result.rings) == len(top) + len(rest)


def test_r6_4_freezing_a_demo_ring_holds_exactly_its_distributors(demo_shop: Shop) -> None:
    demo_shop.scan()
    ring = next(r for r in demo_shop.rings() if "self_dealing" in r["kinds"])
    detail = demo_shop.ring(ring["id"])
    members = {m["id"]: m for m in detail["member_list"]}
    (d,) = [m for m in members if members[m]["is_distributor"]]
    account = next(
        m for m in members
        if not members[m]["is_distributor"]
        and (demo_shop.customer(m)["binding"] or {}).get("distributor_id") == d
    )  # fmt: skip
    t0 = now_ms()
    demo_shop.freeze_ring(ring["id"], actor=Actor.system("analyst"), reason="demo", now=t0)
    order = demo_shop.record_order(
        "o-demo-freeze", account, [{"product_id": "p0001", "paid_fen": 50_000}], paid_at=t0, now=t0
    )
    earners = {r["distributor_id"]: r["amount"] for r in order["rewards"]}
    assert d in earners and set(earners) - {d}, earners  # the ring's distributor and its inviter
    (inviter,) = set(earners) - {d}
    assert inviter not in members
    demo_shop.complete_order("o-demo-freeze", at=t0 + 1, now=t0 + 1)
    later = t0 + 8 * DAY
    ledger_d = demo_shop.ledger(d, now=later)["items"]
    ledger_i = demo_shop.ledger(inviter, now=later)["items"]
    assert [e["status"] for e in ledger_d if e["order_id"] == "o-demo-freeze"] == ["held"]
    assert [e["status"] for e in ledger_i if e["order_id"] == "o-demo-freeze"] == ["settled"]
    demo_shop.release_ring(ring["id"], actor=Actor.system("analyst"), now=later + 1)
    ledger_d = demo_shop.ledger(d, now=later + 2)["items"]
    assert [e["status"] for e in ledger_d if e["order_id"] == "o-demo-freeze"] == ["settled"]


def test_demo_build_writes_the_files_it_loads(tmp_path: Path, engine: Engine) -> None:
    shop = Shop.create(engine, new_shop_id("demo"), generator.SETTINGS)
    try:
        counts = demo.build(
            shop, workdir=tmp_path, customers=1000, distributors=100, orders=200, rings=4
        )
        assert counts["customers"] == 1000 and counts["orders"] > 0 and counts["signals"] > 0
        assert (tmp_path / "labels.parquet").exists()
    finally:
        shop.store.drop()


def test_r5_2_the_demo_has_a_withdrawal_queue_to_work_through(demo_shop: Shop) -> None:
    """``make demo`` shows every withdrawal state the UI's page acts on: requested (to approve),
    approved (a batch to export and confirm paid) and paid; each within the shop's limits."""
    queue = demo_shop.withdrawals()
    mine = [w for w in queue["items"] if w["id"].startswith("demo-w-")]
    by_status = {s: sum(w["status"] == s for w in mine) for s in ("requested", "approved", "paid")}
    want = demo.WITHDRAWALS
    assert by_status == {
        "requested": want["requests"] - want["approved"],
        "approved": want["approved"] - want["paid"],
        "paid": want["paid"],
    }
    limits = demo_shop.settings().withdrawal
    assert all(limits.min_fen <= w["amount_fen"] <= limits.max_fen for w in mine)
    assert all(demo_shop.balances(w["distributor_id"])["withdrawable"] >= 0 for w in mine)


def test_d_2_the_demo_is_dated_relative_to_today(demo_shop: Shop) -> None:
    """Issue 17: the demo shop of ``teamgraph up`` is made for today, not for a fixed year (a
    year later every distributor read dormant and this month's leaderboard was empty)."""
    grid = demo_shop.distributor_table(limit=1000)["items"]
    active = [d for d in grid if d["status"] == "active"]
    assert len(active) >= len(grid) // 10, len(active)  # those who promoted in the last 30 days
    board = demo_shop.leaderboard("month", "sales")
    assert board["items"], board
