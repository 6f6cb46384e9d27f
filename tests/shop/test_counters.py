"""The counters that team views read equal a full recount after any sequence of visits,
expiries, rebinds, unbinds, approvals, freezes and mode switches (docs/architecture.md, "Counters
kept on nodes")."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teamgraph.errors import TeamgraphError
from teamgraph.graph import Engine
from teamgraph.shop import Shop
from tests.conftest import new_shop_id
from tests.shop.conftest import DAY, HOUR, T0

PEOPLE = [f"p{i}" for i in range(8)]

people = st.sampled_from(PEOPLE)
targets = st.sampled_from(PEOPLE[:5])  # mostly distributors, sometimes not (refused)
visit = st.tuples(st.just("visit"), people, targets)
operation = st.one_of(
    visit,
    visit,
    visit,
    st.tuples(st.just("rebind"), people, targets),
    st.tuples(st.just("unbind"), people, st.none()),
    st.tuples(st.just("apply"), st.sampled_from(PEOPLE[3:]), st.none()),
    st.tuples(st.just("freeze"), targets, st.booleans()),
    st.tuples(st.just("wait"), st.integers(min_value=1, max_value=4 * 24), st.none()),
    st.tuples(st.just("mode"), st.sampled_from(["chain", "sharer"]), st.none()),
    st.tuples(st.just("auto_unbind"), st.sampled_from(["never", "on_expiry"]), st.none()),
)


def _run(shop: Shop, op: tuple[Any, Any, Any], now: int) -> int:
    kind, a, b = op
    if kind == "wait":
        return now + a * HOUR
    try:
        if kind == "visit":
            shop.visit(a, b, at=now)
        elif kind == "rebind":
            shop.rebind(a, b, now=now)
        elif kind == "unbind":
            shop.unbind(a, now=now)
        elif kind == "apply":
            shop.create_customer(a, now=now)
            shop.apply(a, now=now)
        elif kind == "freeze":
            shop.set_status(a, "frozen" if b else "active", now=now)
        elif kind == "mode":
            shop.update_settings({"attribution_mode": a}, now=now)
        elif kind == "auto_unbind":
            shop.update_settings({"auto_unbind": a}, now=now)
    except TeamgraphError:
        pass  # refused operations (self, unknown, too soon, ...) must leave nothing behind
    return now + 1


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=10, max_size=50))
def test_counters_equal_a_full_recount(engine: Engine, ops: list[tuple]) -> None:
    shop = Shop.create(
        engine,
        new_shop_id("h"),
        {"binding_days": 2, "auto_unbind": "on_expiry"},
        now=T0,
    )
    try:
        for i, pid in enumerate(PEOPLE[:3]):  # a chain of distributors p0 <- p1 <- p2
            shop.create_customer(pid, now=T0)
            if i:
                shop.visit(pid, PEOPLE[i - 1], at=T0)
            shop.apply(pid, now=T0)
        now = T0 + 1
        for op in ops:
            now = _run(shop, op, now)
        later = now + 3 * DAY  # expiries and a pending mode switch fall due here
        shop.catch_up(later)
        assert shop.recount(now=later) == []
        for pid in PEOPLE:
            view = (
                shop.customer(pid, now=later) if shop.store.read("customer.get", id=pid) else None
            )
            if view is not None:
                assert sum(1 for b in view["history"] if b["active"]) <= 1
    finally:
        shop.store.drop()
