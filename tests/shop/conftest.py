"""Shop-level scenarios on the real embedded engine, with time as an argument."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from teamgraph.graph import Engine
from teamgraph.shop import Shop
from tests.conftest import new_shop_id

T0 = 1_767_196_800_000  # 2026-01-01T00:00+08:00
HOUR = 3_600_000
DAY = 24 * HOUR

ShopFactory = Callable[..., Shop]


@pytest.fixture
def make_shop(engine: Engine) -> Iterator[ShopFactory]:
    """Fresh shops with given initial settings; dropped afterwards."""
    made: list[Shop] = []

    def make(settings: dict[str, Any] | None = None) -> Shop:
        shop = Shop.create(engine, new_shop_id("r"), settings, now=T0)
        made.append(shop)
        return shop

    yield make
    for shop in made:
        shop.store.drop()


def distributors(shop: Shop, *ids: str, via: dict[str, str] | None = None, at: int = T0) -> None:
    """Customers that become distributors, each first visiting its inviter from ``via``."""
    for i, did in enumerate(ids):
        t = at + i
        shop.create_customer(did, name=did, now=t)
        if via and did in via:
            shop.visit(did, via[did], at=t)
        shop.apply(did, now=t)


def ledger_entries(shop: Shop, distributor_id: str, *, now: int, limit: int = 50) -> list[dict]:
    """Every ledger entry of a distributor, newest first, read page by page."""
    items: list[dict] = []
    cursor = None
    while True:
        page = shop.ledger(distributor_id, limit=limit, cursor=cursor, now=now)
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def paid_to(order: dict) -> list[tuple[str, int, int]]:
    """An order's rewards as ``(distributor, tier, amount)``, by line then tier."""
    ordered = sorted(order["rewards"], key=lambda r: (r["line"], r["tier"]))
    return [(r["distributor_id"], r["tier"], r["amount"]) for r in ordered]
