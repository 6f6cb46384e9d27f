"""Products of a :class:`~teamgraph.shop.Shop` as the API and the Products page read them
(``GET /v1/products``, ``GET /v1/products/{id}``): paged by id (docs/api.md "Lists and
cursors"). Writing one is :meth:`teamgraph.shop.orders.Orders.upsert_product`."""

from __future__ import annotations

from typing import Any

from teamgraph.errors import NotFound
from teamgraph.shop import cursors
from teamgraph.shop.base import ShopBase

FIELDS = ("id", "name", "price_fen", "cost_fen", "reward_bp", "reward_fen")


class Products(ShopBase):
    """Part of Shop: the product catalogue, read."""

    def products(self, *, limit: int = 50, cursor: str | None = None) -> dict[str, Any]:
        """A page of the shop's products by id, with ``next_cursor`` (None on the last)."""
        after = cursors.decode("products", cursor, str)
        rows = self.store.read("product.list", after=after[0] if after else None, limit=limit + 1)
        more = len(rows) > limit
        items = [{k: r[k] for k in FIELDS} for r in rows[:limit]]
        return {
            "items": items,
            "next_cursor": cursors.encode("products", items[-1]["id"]) if more else None,
        }

    def product(self, product_id: str) -> dict[str, Any]:
        """One product; 404 ``product.not_found``."""
        rows = self.store.read("product.get", id=product_id)
        if not rows:
            raise NotFound(
                "product.not_found",
                f"no product {product_id}",
                params={"id": product_id},
                field="id",
            )
        return rows[0]
