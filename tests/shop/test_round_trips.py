"""What a request costs in statements, counted on the real engine through a counting proxy
around the shop's store: a known key is not looked up again (K-1), times are rendered in the
time zone the request already read, and an event tells whether it was new without a read
before it (R-3.12)."""

from __future__ import annotations

import pytest

from benchmarks.orders import CountingStore
from teamgraph.errors import AuthError
from teamgraph.shop import Shop
from tests.shop.conftest import DAY, T0, ShopFactory, distributors


def counted(shop: Shop) -> tuple[Shop, CountingStore]:
    store = CountingStore(shop.store)
    return Shop(store), store  # type: ignore[arg-type]


def reads(store: CountingStore, name: str) -> int:
    return sum(1 for kind, n, _ in store.log if kind == "read" and n == name)


def test_k1_a_known_key_is_not_looked_up_again(make_shop: ShopFactory) -> None:
    shop = make_shop()
    key = shop.create_key("merchant", now=T0)
    first, log = counted(shop)
    assert first.authenticate(key).role == "merchant"
    again, log2 = counted(shop)  # the next request opens its own Shop
    assert again.authenticate(key).role == "merchant"
    assert (reads(log, "key.get"), reads(log2, "key.get")) == (1, 0)
    fresh = shop.create_key("analyst", now=T0)  # a new key works at once
    assert again.authenticate(fresh).role == "analyst"
    unknown = f"{shop.id}.not-a-key"
    for _ in range(2):  # an unknown key is looked up every time, never remembered
        with pytest.raises(AuthError):
            again.authenticate(unknown)
    assert reads(log2, "key.get") == 3


def test_times_render_in_the_zone_the_request_read(make_shop: ShopFactory) -> None:
    """A view reads the settings once (catch_up); rendering its times reads nothing more, and
    a settings change made through the same Shop is what it renders in next."""
    shop = make_shop({"timezone": "Asia/Shanghai"})
    distributors(shop, "d1")
    shop.approve("d1", now=T0)
    view, log = counted(shop)
    view.team("d1", now=T0 + DAY)
    assert view.timezone() == "Asia/Shanghai"
    assert reads(log, "shop.get") == 0
    view.update_settings({"timezone": "Europe/Berlin"}, now=T0 + DAY)
    assert view.timezone() == "Europe/Berlin"
    assert counted(shop)[0].timezone() == "Europe/Berlin"  # a new Shop reads it


def test_r3_12_an_event_says_whether_it_was_new(make_shop: ShopFactory) -> None:
    shop = make_shop()
    shop.create_customer("c1", now=T0)
    lines = [{"product_id": "p", "paid_fen": 10_000}]
    placed, log = counted(shop)
    order, created = placed.place_order("o1", "c1", lines, paid_at=T0, now=T0)
    again, created_again = placed.place_order("o1", "c1", lines, paid_at=T0, now=T0)
    assert (created, created_again) == (True, False) and again == order
    assert reads(log, "order.view") == 2  # the answer of each call, no look before
    refund, new = placed.place_refund("o1", "rf1", 2_500, at=T0 + 1, now=T0 + 1)
    repeat, new_again = placed.place_refund("o1", "rf1", 2_500, at=T0 + 1, now=T0 + 1)
    assert (new, new_again) == (True, False)
    assert repeat["clawbacks"] == refund["clawbacks"] and repeat["order"]["refunded_fen"] == 2_500
