"""Historical orders and refunds at bulk speed (teamgraph.shop.history) give exactly what the
same events sent live give: one shop loads the files one event at a time through
``Shop.record_order`` / ``complete_order`` / ``refund`` (``Options(bulk=False)``), another
through the batched path, and every balance, ledger entry, counter, level, order and reject
reason must agree (E-6, M-1, M-2, R-1.12, R-3.x, R-4.3)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teamgraph.errors import Conflict
from teamgraph.etl.importer import Options, Result, load_file
from teamgraph.shop import Shop
from tests.etl.conftest import rejects, write_csv
from tests.shop.conftest import DAY, HOUR, T0, ShopFactory, ledger_entries

NOW = T0 + 90 * DAY
DISTRIBUTORS = [f"d{i}" for i in range(5)]
CUSTOMERS = [f"c{i}" for i in range(8)]
PRODUCTS = ("p0", "p1", "p2")


def program(rng: random.Random) -> dict[str, Any]:
    """Three levels that rise on orders (R-4.2), three tiers, a first-order rate, cost
    protection; on the rate or the fixed basis, in chain or sharer mode."""
    fixed = rng.random() < 0.3
    levels = [
        {"level": 1, "name": "一级", "reward_bp": 1000, "inviter_reward_bp": 300,
         "first_order_reward_bp": 1500, "reward_fen": 300, "inviter_reward_fen": 100},
        {"level": 2, "name": "二级", "reward_bp": 1500, "inviter_reward_bp": 400,
         "reward_fen": 500, "inviter_reward_fen": 150,
         "conditions": {"paid_orders": 2, "bound_customers": 3}},
        {"level": 3, "name": "三级", "reward_bp": 2000, "inviter_reward_bp": 500,
         "reward_fen": 800, "inviter_reward_fen": 200,
         "conditions": {"transaction_fen": 40_000, "completed_orders": 3}},
    ]  # fmt: skip
    drop = ("reward_bp", "inviter_reward_bp", "first_order_reward_bp") if fixed else (
        "reward_fen", "inviter_reward_fen")  # fmt: skip
    return {
        "attribution_mode": rng.choice(["chain", "chain", "sharer"]),
        "tiers": 3,
        "reward_basis": "fixed" if fixed else "rate",
        "cost_protection": True,
        "settle_days": rng.choice([0, 7]),
        "sharer_window_hours": 48,
        "levels": [{k: v for k, v in lv.items() if k not in drop} for lv in levels],
        "ladder": [{"threshold_fen": 10_000, "bonus_fen": 500},
                   {"threshold_fen": 50_000, "bonus_fen": 2_000}],
    }  # fmt: skip


def history(rng: random.Random, tmp: Path) -> tuple[dict[str, Path], list[tuple[str, str, int]]]:
    """Files of a small random shop: an invitation forest, binding histories with rebinds mid-way
    and expiries during the orders, orders with several lines (some by distributors, some
    completed), refunds partial, per product, too large (refused) and after settlement; and the
    sharer visits to replay on both shops."""
    t = lambda hours: T0 + hours * HOUR  # noqa: E731
    people = DISTRIBUTORS + CUSTOMERS
    files = {
        "customers": write_csv(tmp / "customers.csv", ["id", "name", "joined_at"],
                               [[p, f"客{p}", T0] for p in people]),
        "distributors": write_csv(tmp / "distributors.csv", ["id", "status", "level", "became_at"],
                                  [[d, "active", 1, T0] for d in DISTRIBUTORS]),
        "invitations": write_csv(
            tmp / "invitations.csv", ["id", "inviter_id", "at"],
            [[d, rng.choice(DISTRIBUTORS[:i]), T0] for i, d in enumerate(DISTRIBUTORS) if i
             and rng.random() < 0.8]),
        "products": write_csv(tmp / "products.csv", ["id", "name", "price_fen", "cost_fen",
                                                    "reward_bp"], [
            ["p0", "绿茶", 10_000, None, 2_500], ["p1", "红茶", 8_000, 6_000, None],
            ["p2", "白茶", 5_000, None, None]]),
    }  # fmt: skip
    bindings = []
    unbound = []
    for c in people:
        since = rng.randint(1, 60)
        targets = [d for d in DISTRIBUTORS if d != c]
        n = rng.choice([0, 1, 1, 2, 3])
        if n == 0:
            unbound.append(c)
        for k in range(n):
            last = k == n - 1
            end = since + rng.randint(5, 120)
            expires = t(end) if last and rng.random() < 0.4 else None
            ended = None if last else t(end)
            reason = None if last else "merchant_rebind"
            bindings.append([c, rng.choice(targets), t(since), expires, ended, reason])
            since = end
    files["bindings"] = write_csv(
        tmp / "bindings.csv",
        ["customer_id", "distributor_id", "since", "expires_at", "ended_at", "end_reason"],
        bindings,
    )
    visits = [
        (c, rng.choice([d for d in DISTRIBUTORS if d != c]), t(rng.randint(0, 400)))
        for c in unbound + rng.sample(people, 3)
        for _ in range(rng.randint(1, 3))
    ]
    orders, paid = [], {}
    for i in range(rng.randint(10, 35)):
        oid, buyer, at = f"o{i:02d}", rng.choice(people), rng.randint(2, 500)
        done = at + rng.randint(0, 200) if rng.random() < 0.7 else None
        lines = rng.sample(PRODUCTS, rng.randint(1, 3))
        paid[oid] = (at, lines)
        for p in lines:
            amount = rng.choice([5_000, 8_000, 10_000, 12_345, 30_000])
            split = amount - rng.choice([0, 0, 1_000])
            orders.append([oid, buyer, t(at), p, amount, rng.randint(1, 3), split,
                           None if done is None else t(done)])  # fmt: skip
    files["orders"] = write_csv(
        tmp / "orders.csv",
        ["id", "customer_id", "paid_at", "product_id", "paid_fen", "qty", "split_fen",
         "completed_at"],
        orders,
    )  # fmt: skip
    refunds = []
    for oid in rng.sample(sorted(paid), min(len(paid), rng.randint(2, 10))):
        at, lines = paid[oid]
        for k in range(rng.randint(1, 3)):
            product = rng.choice([None, *lines])
            amount = rng.choice([100, 1_234, 2_500, 5_000, 40_000])
            refunds.append([f"r-{oid}-{k}", oid, amount, t(at + rng.randint(0, 400)), product])
    files["refunds"] = write_csv(
        tmp / "refunds.csv", ["id", "order_id", "amount_fen", "at", "product_id"], refunds
    )
    return files, visits


FIRST = ("customers", "distributors", "invitations", "bindings", "products")


def build(
    make_shop: ShopFactory,
    settings_: dict[str, Any],
    files: dict[str, Path],
    visits: list[tuple[str, str, int]],
    frozen: str | None,
    *,
    bulk: bool,
    batch_size: int = 2_000,
    change_mode: bool = False,
) -> tuple[Shop, dict[str, Any]]:
    shop = make_shop(settings_)
    for kind in FIRST:  # bindings as of T0: the later expiries happen during the orders
        result = load_file(shop, kind, files[kind], Options(now=T0))
        assert result.rejected == 0, (kind, rejects(result))
    for c, d, at in sorted(visits, key=lambda v: v[2]):
        shop.visit(c, d, at=at, now=at)
    if frozen is not None:
        shop.set_status(frozen, "frozen", now=T0)
    if change_mode:  # due at 05:00 the next morning, in the middle of the orders
        other = {"chain": "sharer", "sharer": "chain"}[settings_["attribution_mode"]]
        shop.update_settings({"attribution_mode": other}, now=T0 + 150 * HOUR)
        assert shop.settings(now=T0 + 150 * HOUR).pending is not None
    outcome = {}
    for kind in ("orders", "refunds"):
        result = load_file(shop, kind, files[kind], Options(now=NOW, bulk=bulk,
                                                             batch_size=batch_size))  # fmt: skip
        outcome[kind] = _outcome(result)
    return shop, outcome


def _outcome(result: Result) -> dict[str, Any]:
    return {
        "counts": (result.loaded, result.unchanged, result.rejected),
        "rejects": sorted((r["id"], r["_reason"]) for r in rejects(result)),
    }


def state(shop: Shop, orders: list[str]) -> dict[str, Any]:
    """Everything the orders and refunds move, read the same way from either shop."""
    people = DISTRIBUTORS + CUSTOMERS
    month = "2026-01"
    return {
        "distributors": [shop.distributor(d, now=NOW) for d in DISTRIBUTORS],
        "balances": {d: shop.balances(d, now=NOW) for d in DISTRIBUTORS},
        "ledger": {d: ledger_entries(shop, d, now=NOW) for d in DISTRIBUTORS},
        "orders": [_by_id(shop.order(o, now=NOW)) for o in orders],
        "buyers": [shop.store.read("distributor.context", id=p)[0] for p in people],
        "ladder": shop.award_ladder(month, now=NOW),
        "ladder_ledger": {d: shop.balances(d, now=NOW) for d in DISTRIBUTORS},
    }


def _by_id(order: dict[str, Any]) -> dict[str, Any]:
    """order.view lists entries by time, tier and line; entries equal in all three (two refunds
    at the same instant) come in the engine's order, so they are compared by id."""
    for k in ("rewards", "clawbacks"):
        order[k] = sorted(order[k], key=lambda e: e["id"])
    return order


def _order_ids(files: dict[str, Path]) -> list[str]:
    lines = files["orders"].read_text(encoding="utf-8").splitlines()[1:]
    return sorted({line.split(",")[0] for line in lines})


def check_same(
    make_shop: ShopFactory, tmp: Path, seed: int, batch_size: int = 2_000, change_mode: bool = False
) -> None:
    rng = random.Random(seed)
    settings_ = program(rng)
    files, visits = history(rng, tmp)
    frozen = rng.choice([None, None, *DISTRIBUTORS])
    live, live_out = build(
        make_shop, settings_, files, visits, frozen, bulk=False, change_mode=change_mode
    )
    bulk, bulk_out = build(
        make_shop, settings_, files, visits, frozen, bulk=True, batch_size=batch_size,
        change_mode=change_mode,
    )  # fmt: skip
    assert bulk_out == live_out
    orders = _order_ids(files)
    assert state(bulk, orders) == state(live, orders)
    # a re-run of the bulk load changes nothing and counts every row unchanged
    again = [load_file(bulk, k, files[k], Options(now=NOW)) for k in ("orders", "refunds")]
    assert all(r.loaded == 0 for r in again), [r.summary() for r in again]
    assert state(bulk, orders) == state(live, orders)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bulk_history_equals_live_events(make_shop: ShopFactory, tmp_path: Path, seed: int) -> None:
    check_same(make_shop, tmp_path, seed)


def test_bulk_history_equals_live_events_in_small_batches(
    make_shop: ShopFactory, tmp_path: Path
) -> None:
    """Batches of 3 events: state carried from one batch to the next through the graph."""
    check_same(make_shop, tmp_path, 4, batch_size=3)


def test_bulk_history_applies_a_mode_change_where_live_events_do(
    make_shop: ShopFactory, tmp_path: Path
) -> None:
    """A pending mode change due in the middle of the history (R-1.9) cuts the batch there:
    orders before it are decided under the old mode, orders after it under the new one."""
    check_same(make_shop, tmp_path, 5, change_mode=True)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), small=st.booleans(), mode=st.booleans())
def test_bulk_history_equals_live_events_for_any_history(
    make_shop: ShopFactory,
    tmp_path_factory: pytest.TempPathFactory,
    seed: int,
    small: bool,
    mode: bool,
) -> None:
    check_same(
        make_shop, tmp_path_factory.mktemp("h"), seed, 4 if small else 2_000, change_mode=mode
    )


def test_a_batch_sent_twice_is_refused_whole(make_shop: ShopFactory, tmp_path: Path) -> None:
    """One statement per batch, refused whole when its ids are stored: a batch repeated by
    mistake counts nothing twice (the importer skips stored ids before deciding a batch)."""
    rng = random.Random(6)
    settings_ = program(rng)
    files, visits = history(rng, tmp_path)
    shop, _ = build(make_shop, settings_, files, visits, None, bulk=True)
    orders = _order_ids(files)
    state(shop, orders)  # awards the month's ladder bonus once (C-10)
    before = state(shop, orders)
    o = shop.order(orders[0], now=NOW)
    row = [
        o["id"],
        o["customer_id"],
        o["paid_at"],
        o["paid_fen"],
        o["split_fen"],
        "x",
        o["attributed_to"],
        False,
        None,
        None,
    ]  # orders.load_batch's columns
    counters = [["d0", 1, 1, 1, 0, None, None]]
    with pytest.raises(Conflict):
        shop.bulk.load_order_batch(
            orders=[row], lines=[], entries=[], completions=[], customers=[],
            distributors=counters,
        )  # fmt: skip
    refund = {"id": "r-again", "order_id": o["id"], "amount_fen": 1, "at": NOW, "digest": "x"}
    shop.bulk.load_refund_batch(refunds=[refund], orders=[], lines=[], rewards=[], clawbacks=[],
                                distributors=[])  # fmt: skip
    with pytest.raises(Conflict):
        shop.bulk.load_refund_batch(refunds=[refund], orders=[], lines=[], rewards=[],
                                    clawbacks=[],
                                    distributors=[{"id": "d0", "refunded_fen": 5}])  # fmt: skip
    after = state(shop, orders)
    assert after["distributors"] == before["distributors"]
    assert after["balances"] == before["balances"] and after["orders"] == before["orders"]
