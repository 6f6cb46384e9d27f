"""Shops side by side on one server (on Neo4j: in one database, docs/neo4j.md N-1..N-4): two
shops using the very same ids never see each other's people, orders, money, counters or keys,
and dropping one leaves the other whole. A platform hosting several merchants relies on it."""

from __future__ import annotations

import pytest

from teamgraph.errors import AuthError, NotFound
from teamgraph.graph import Engine
from teamgraph.shop import Shop
from tests.conftest import new_shop_id
from tests.shop.conftest import DAY, HOUR, T0, distributors


def story(shop: Shop, spend: int, clients: int) -> None:
    """top invites d1; ``clients`` customers of d1 each pay ``spend`` fen."""
    distributors(shop, "top", "d1", via={"d1": "top"})
    for i in range(clients):
        shop.visit(f"c{i}", "d1", at=T0 + HOUR + i)
        shop.record_order(
            f"o{i}", f"c{i}", [{"product_id": "p", "paid_fen": spend}], paid_at=T0 + 2 * HOUR + i
        )


def test_two_shops_with_the_same_ids_never_see_each_other(engine: Engine) -> None:
    a = Shop.create(engine, new_shop_id("iso"), now=T0)
    b = Shop.create(engine, new_shop_id("iso"), now=T0)
    try:
        story(a, spend=10_000, clients=3)
        story(b, spend=2_000, clients=1)
        now = T0 + DAY
        assert a.counts() == {"customers": 5, "distributors": 2, "orders": 3}
        assert b.counts() == {"customers": 3, "distributors": 2, "orders": 1}
        assert a.team("d1", now=now)["direct_clients"] == 3
        assert b.team("d1", now=now)["direct_clients"] == 1
        assert a.team("top", now=now)["indirect_clients"] == 3
        assert a.balances("d1", now=now)["pending"] == 3 * 1_000
        assert b.balances("d1", now=now)["pending"] == 200
        assert {o["id"] for o in b.ledger("d1", now=now)["items"]} == {"o0:r0:t1"}
        assert b.recount() == [] and a.recount() == []  # counters match their own shop only
        with pytest.raises(NotFound):
            b.order("o2", now=now)
        key = a.create_key("merchant")
        assert a.authenticate(key).role == "merchant"
        with pytest.raises(AuthError):
            b.authenticate(key.replace(a.id, b.id, 1))  # a's secret is no key of b's
        assert {a.id, b.id} <= set(engine.shops())

        a.store.drop()
        assert a.id not in engine.shops()
        assert b.counts() == {"customers": 3, "distributors": 2, "orders": 1}
        assert b.balances("d1", now=now)["pending"] == 200
        assert b.customer("c0", now=now)["attributed_to"] == "d1"
    finally:
        a.store.drop()
        b.store.drop()
