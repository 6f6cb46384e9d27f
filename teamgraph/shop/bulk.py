"""``shop.bulk``: the batch reads and writes of a :class:`~teamgraph.shop.Shop` that imports,
the demo and exports make, so none of them reaches past the Shop into its store.

Bulk loads write deduplicated UNWIND batches (``queries/load.cypher``) and leave the team
counters alone: a load ends with ``Shop.recount(apply=True)``. Historical orders and refunds
are written one atomic statement per batch (``queries/orders.cypher``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from teamgraph.rules import share as rules_share

if TYPE_CHECKING:
    from teamgraph.shop.base import ShopBase


class Bulk:
    """The batch side of one shop (``shop.bulk``)."""

    def __init__(self, shop: ShopBase) -> None:
        self.shop = shop
        self.store = shop.store

    # -- bulk loads (the ETL and the demo; counters: Shop.recount(apply=True)) -----------------
    def load_customers(self, rows: Iterable[Mapping[str, Any]]) -> int:
        return _n(self.store.write_batch("customer.upsert_batch", rows))

    def load_distributors(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Distributors (with ``name``/``joined_at`` when they are new members too): created
        with both labels when new, labelled when already customers."""
        with_codes = [
            {
                "name": None,
                "joined_at": row.get("became_at"),
                **row,
                "code": row.get("code") or rules_share.share_code(row["id"]),
            }
            for row in rows
        ]
        ids = [row["id"] for row in with_codes]
        existing = {r["id"] for r in self.store.read("customer.existing", ids=ids)}
        old = [row for row in with_codes if row["id"] in existing]
        new = [row for row in with_codes if row["id"] not in existing]
        return _n(self.store.write_batch("distributor.create_batch", new)) + _n(
            self.store.write_batch("distributor.upsert_batch", old)
        )

    def load_invitations(self, rows: Iterable[Mapping[str, Any]]) -> int:
        return _n(self.store.write_batch("invitation.create_batch", rows, key=("id",)))

    def load_bindings(self, rows: Iterable[Mapping[str, Any]]) -> int:
        return _n(
            self.store.write_batch("binding.create_batch", rows, key=("customer_id", "since"))
        )

    # -- historical events (teamgraph.shop.history decides, these write) ----------------------
    def load_order_batch(
        self,
        *,
        orders: Sequence[Mapping[str, Any]],
        completions: Sequence[Mapping[str, Any]],
        customers: Sequence[Mapping[str, Any]],
        distributors: Sequence[Mapping[str, Any]],
    ) -> dict[str, Any]:
        """One batch of historical orders, completions and the counters and levels they move,
        as decided by :func:`teamgraph.shop.history.record_orders`: one atomic statement."""
        return self.store.write(
            "orders.load_batch",
            orders=list(orders),
            completions=list(completions),
            customers=list(customers),
            distributors=list(distributors),
        )[0]

    def load_refund_batch(
        self,
        *,
        refunds: Sequence[Mapping[str, Any]],
        orders: Sequence[Mapping[str, Any]],
        lines: Sequence[Mapping[str, Any]],
        rewards: Sequence[Mapping[str, Any]],
        clawbacks: Sequence[Mapping[str, Any]],
        distributors: Sequence[Mapping[str, Any]],
    ) -> dict[str, Any]:
        """One batch of historical refunds as :func:`teamgraph.shop.history.record_refunds`
        decided them: one atomic statement."""
        return self.store.write(
            "refunds.load_batch",
            refunds=list(refunds),
            orders=list(orders),
            lines=list(lines),
            rewards=list(rewards),
            clawbacks=list(clawbacks),
            distributors=list(distributors),
        )[0]


def _n(rows: list[dict[str, Any]]) -> int:
    return int(rows[0]["n"]) if rows else 0
