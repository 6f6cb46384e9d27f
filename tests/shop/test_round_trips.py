"""What a request costs in statements, counted on the real engine through a counting proxy
around the shop's store: a known key is not looked up again (K-1), times are rendered in the
time zone the request already read, and an event tells whether it was new without a read
before it (R-3.12)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from benchmarks.orders import CountingStore
from teamgraph.errors import AuthError
from teamgraph.graph import Engine
from teamgraph.graph.falkor import FalkorEngine
from teamgraph.shop import Shop
from teamgraph.shop.base import DUE, DUE_MEMO_MS
from tests.conftest import connect_neo4j, neo4j_env
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
    assert reads(log, "order.view") == 1  # only the repeat reads its answer; no look before
    refund, new = placed.place_refund("o1", "rf1", 2_500, at=T0 + 1, now=T0 + 1)
    repeat, new_again = placed.place_refund("o1", "rf1", 2_500, at=T0 + 1, now=T0 + 1)
    assert (new, new_again) == (True, False)
    assert repeat["clawbacks"] == refund["clawbacks"] and repeat["order"]["refunded_fen"] == 2_500


# -- K-4: a read when nothing is due -----------------------------------------------------------


def test_k4_a_read_when_nothing_falls_due_soon_skips_the_catch_up_read(
    make_shop: ShopFactory,
) -> None:
    """The next request of this process, a second later, reads only its view: nothing is due
    for the next DUE_MEMO_MS, as the first request's catch-up found."""
    shop = make_shop()
    distributors(shop, "d1")
    first, log = counted(shop)
    first.team("d1", now=T0 + DAY)
    again, log2 = counted(shop)
    again.team("d1", now=T0 + DAY + 1_000)
    assert (reads(log, "shop.due"), reads(log2, "shop.due")) == (1, 0)
    assert [n for _, n, _ in log2.log] == ["distributor.profiles"]  # the view alone
    # business time outside what was read: read again (earlier, or past the horizon)
    again.team("d1", now=T0 + DAY - 1)
    again.team("d1", now=T0 + DAY + DUE_MEMO_MS)
    assert reads(log2, "shop.due") == 2


def test_k4_something_due_soon_is_never_skipped(make_shop: ShopFactory) -> None:
    """A reward that settles a second from now settles when that second comes, whatever was
    read just before (R-3.10)."""
    shop = make_shop({"settle_days": 0})
    distributors(shop, "d1")
    shop.create_customer("c1", via_distributor_id="d1", now=T0)
    shop.record_order("o1", "c1", [{"product_id": "p", "paid_fen": 10_000}], now=T0 + 1)
    shop.complete_order("o1", at=T0 + DAY + 1_000, now=T0 + DAY)
    view, log = counted(shop)
    assert view.balances("d1", now=T0 + DAY)["pending"] == 1_000
    assert view.balances("d1", now=T0 + DAY + 1_000)["settled"] == 1_000
    assert reads(log, "shop.due") == 2


def test_k4_a_write_of_this_process_is_seen_by_its_next_read(make_shop: ShopFactory) -> None:
    """Any write empties what the process remembers: a completion that settles at once
    (settle_days 0) shows settled on the very next read, at the same moment."""
    shop = make_shop({"settle_days": 0})
    distributors(shop, "d1")
    shop.create_customer("c1", via_distributor_id="d1", now=T0)
    shop.record_order("o1", "c1", [{"product_id": "p", "paid_fen": 10_000}], now=T0 + 1)
    now = T0 + DAY
    assert shop.balances("d1", now=now)["pending"] == 1_000  # remembered: nothing due
    shop.complete_order("o1", at=now, now=now)
    assert shop.balances("d1", now=now)["settled"] == 1_000


@pytest.fixture
def other_process(engine: Engine) -> Iterator[Engine]:
    """A connection of its own to the same engine, as another API process has."""
    if isinstance(engine, FalkorEngine):
        again: Engine = FalkorEngine(engine.host, engine.port)
    else:
        again = connect_neo4j(neo4j_env())
    yield again
    again.close()


def test_k4_another_process_is_seen_within_the_bound(
    make_shop: ShopFactory, other_process: Engine
) -> None:
    """A settings change made by another process (another engine connection) is seen once
    what this process read is DUE_MEMO_MS old; until then the settings read are used."""
    shop = make_shop({"timezone": "Asia/Shanghai"})
    other = Shop(other_process.open(shop.id))
    now = T0 + DAY
    assert shop.settings(now=now).timezone == "Asia/Shanghai"
    shop.catch_up(now)  # remembered: nothing due
    other.update_settings({"timezone": "Europe/Berlin"}, now=now)
    assert shop.catch_up(now + 1).timezone == "Asia/Shanghai"  # within the bound
    known = shop.store.memo[DUE]
    shop.store.memo[DUE] = replace(known, read_at=known.read_at - DUE_MEMO_MS / 1000)
    assert shop.catch_up(now + 2).timezone == "Europe/Berlin"


def test_k3_a_new_order_answers_what_it_reads_back_with_no_read_after_the_write(
    make_shop: ShopFactory,
) -> None:
    """The answer to a new order is built from what its statement wrote: it equals the order
    read back, rewards of every tier and line in order, and the write is the last statement."""
    shop = make_shop({"tiers": 3})
    distributors(shop, "a", "b", "c", via={"b": "a", "c": "b"})
    shop.create_customer("c1", via_distributor_id="c", now=T0 + 10)
    shop.upsert_product("own", price_fen=5_000, cost_fen=1_000, reward_bp=2_000, now=T0 + 10)
    lines = [
        {"product_id": "own", "qty": 2, "paid_fen": 9_000},
        {"product_id": "p", "paid_fen": 3_333},
        {"product_id": "p", "paid_fen": 1},
    ]
    view, log = counted(shop)
    answer, new = view.place_order("o1", "c1", lines, now=T0 + DAY)
    assert new and log.log[-1][:2] == ("write", "order.create")
    assert answer == shop.order("o1", now=T0 + DAY)
    assert len(answer["rewards"]) == 6 and answer["attributed_to"] == "c"
    assert answer == shop.record_order("o1", "c1", lines, now=T0 + DAY)  # a repeat, read


def test_k4_orders_leave_what_the_process_knows_about_due_times(make_shop: ShopFactory) -> None:
    """An order makes nothing due (its rewards get a due time at completion), so a flash sale
    of orders reads the catch-up once, not once per order: 2 statements an order."""
    shop = make_shop()
    distributors(shop, "d1")
    shop.create_customer("c1", via_distributor_id="d1", now=T0)
    now = T0 + DAY
    view, log = counted(shop)
    view.team("d1", now=now)
    for k in range(3):
        view.record_order(f"o{k}", "c1", [{"product_id": "p", "paid_fen": 100}], now=now + k)
    view.team("d1", now=now + 4)
    assert reads(log, "shop.due") == 1
    assert [n for _, n, _ in log.log].count("order.context") == 3
    view.complete_order("o0", now=now + 5)  # makes rewards due: the next request reads again
    view.team("d1", now=now + 6)
    assert reads(log, "shop.due") == 2
