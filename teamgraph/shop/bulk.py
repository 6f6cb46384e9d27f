"""``shop.bulk``: every batch read and write that imports, the demo and exports make, so
none of them reaches past the :class:`~teamgraph.shop.Shop` into its store.

What it offers, by family (each a statement of ``graph/queries/*.cypher``):

- **What is stored**, for an import to check references and count unchanged rows (E-1):
  :meth:`Bulk.stored` reads the rows of one of a fixed set of kinds (:data:`STORED`, ids in,
  rows out, read ``READ_CHUNK`` ids at a time), :meth:`Bulk.existing` / :meth:`Bulk.missing`
  which ids are (are not) customers or distributors, :meth:`Bulk.inviters` the invitation
  forest.
- **Writes of checked rows**, each one UNWIND over a batch deduplicated on its key, idempotent:
  customers (:meth:`create_customers`, :meth:`upsert_customers`), bindings the file ends
  (:meth:`update_bindings`), identity signals (:meth:`add_signals`), and the bulk loads of the
  demo and the importer (``load_*``). They leave the team counters alone: a load ends with
  ``Shop.recount(apply=True)``.
- **Historical orders and refunds** (:meth:`record_orders`, :meth:`record_refunds`): decided
  in memory by :mod:`teamgraph.shop.history`, written one atomic statement per batch
  (:meth:`load_order_batch`, :meth:`load_refund_batch`).
- **Export pages**, keyset-paginated on id: :meth:`distributor_page`, :meth:`team_page`,
  :meth:`order_page`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal

from teamgraph.rules import share as rules_share
from teamgraph.shop import history
from teamgraph.shop.retention import pseudonym

if TYPE_CHECKING:
    from teamgraph.shop.base import ShopBase

READ_CHUNK: Final = 5_000
"""Ids per read: a batch read sends its ids as one list parameter."""

Stored = Literal["customers", "members", "bindings", "products", "orders", "refunds", "signals"]
STORED: Final[Mapping[Stored, str]] = {
    # customers by id: member fields, labels, and the distributor fields when one is
    "customers": "etl.customers_get",
    # customers by id: the member fields only (what a customers row is compared with)
    "members": "etl.customers_members",
    # every binding, open or ended, of the customers with these ids
    "bindings": "etl.bindings_get",
    # products by id: name, price, cost and own reward
    "products": "etl.products_get",
    # orders by id: digest, paid and completed times, the distributor attributed
    "orders": "etl.orders_get",
    # refunds by id: their order and digest
    "refunds": "etl.refunds_get",
    # the identity signals of the customers with these ids, with their labels
    "signals": "etl.signals_get",
}
"""The kinds :meth:`Bulk.stored` reads, and the statement each is."""

Member = Literal["customer", "distributor"]
_EXISTING: Final[Mapping[Member, str]] = {
    "customer": "etl.customer_ids",
    "distributor": "etl.distributor_ids",
}
_MISSING: Final[Mapping[Member, str]] = {
    "customer": "etl.customer_ids_missing",
    "distributor": "etl.distributor_ids_missing",
}

SignalKind = Literal["device", "phone", "address", "account", "ip"]
SIGNAL_STATEMENTS: Final[Mapping[SignalKind, str]] = {
    "device": "etl.signals_device",
    "phone": "etl.signals_phone",
    "address": "etl.signals_address",
    "account": "etl.signals_account",
    "ip": "etl.signals_ip",
}
"""One statement per signal kind, since a label cannot be a parameter (R-6.1)."""


class Bulk:
    """The batch side of one shop (``shop.bulk``)."""

    def __init__(self, shop: ShopBase) -> None:
        self.shop = shop
        """The shop it works for (:mod:`teamgraph.shop.history` catches it up)."""
        self._store = shop.store

    # -- what is stored ----------------------------------------------------------------------
    def stored(self, what: Stored, ids: Iterable[str]) -> list[dict[str, Any]]:
        """The stored rows of kind ``what`` (:data:`STORED`) for ``ids``; ids not stored have
        none."""
        return self._read_ids(STORED[what], ids)

    def existing(self, what: Member, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are stored customers (distributors)."""
        return {row["id"] for row in self._read_ids(_EXISTING[what], ids)}

    def missing(self, what: Member, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are not stored customers (distributors): a small answer when the
        references are good, and reading rows back is most of a reference check's time."""
        return {row["id"] for row in self._read_ids(_MISSING[what], ids)}

    def inviters(self) -> dict[str, str]:
        """Every distributor's inviter (R-2.2: the forest of invitations)."""
        return {r["id"]: r["inviter_id"] for r in self._store.read("team.edges")}

    def _read_ids(self, statement: str, ids: Iterable[str]) -> list[dict[str, Any]]:
        wanted = sorted(set(ids))
        out: list[dict[str, Any]] = []
        for start in range(0, len(wanted), READ_CHUNK):
            out.extend(self._store.read(statement, ids=wanted[start : start + READ_CHUNK]))
        return out

    # -- writes of checked rows (E-2: a value not given, None, keeps what is stored) -----------
    def create_customers(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Customers checked absent just before (E-10): CREATEd, cheaper than MERGE; a customer
        created meanwhile fails the whole batch (the unique id)."""
        return _n(self._store.write_batch("etl.customers_create", rows))

    def upsert_customers(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Customers' member fields; a field not given keeps what is stored."""
        return _n(self._store.write_batch("etl.customers_upsert", rows))

    def update_bindings(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Open bindings (customer, distributor, since) that the rows end or re-date (E-4)."""
        return _n(
            self._store.write_batch("etl.bindings_update", rows, key=("customer_id", "since"))
        )

    def add_signals(self, kind: SignalKind, rows: Iterable[Mapping[str, Any]]) -> int:
        """Identity signals of one kind (R-6.1): first_seen only moves earlier, last_seen only
        later, so the same rows again change nothing."""
        keyed = [
            {**row, "pseudonym": pseudonym(self._store.phones, kind, str(row["value"]))}
            for row in rows
        ]  # PD-2, PD-4: a pseudonymised value's new sightings tie to its node
        return _n(
            self._store.write_batch(SIGNAL_STATEMENTS[kind], keyed, key=("customer_id", "value"))
        )

    # -- bulk loads (the importer and the demo) -------------------------------------------------
    def load_customers(self, rows: Iterable[Mapping[str, Any]]) -> int:
        return _n(self._store.write_batch("customer.upsert_batch", rows))

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
        existing = {r["id"] for r in self._store.read("customer.existing", ids=ids)}
        old = [row for row in with_codes if row["id"] in existing]
        new = [row for row in with_codes if row["id"] not in existing]
        return _n(self._store.write_batch("distributor.create_batch", new)) + _n(
            self._store.write_batch("distributor.upsert_batch", old)
        )

    def load_invitations(self, rows: Iterable[Mapping[str, Any]]) -> int:
        return _n(self._store.write_batch("invitation.create_batch", rows, key=("id",)))

    def load_bindings(self, rows: Iterable[Mapping[str, Any]]) -> int:
        return _n(
            self._store.write_batch("binding.create_batch", rows, key=("customer_id", "since"))
        )

    # -- historical events (teamgraph.shop.history decides, these write) ----------------------
    def record_orders(
        self,
        new: Mapping[str, history.Order],
        completions: Mapping[str, tuple[int, str | None, int]],
        products: Mapping[str, Mapping[str, Any]],
        *,
        batch_size: int = 2_000,
        on_batch: Callable[[int], None] | None = None,
    ) -> dict[str, str]:
        """Historical orders paid (and completed) and stored orders completed, in time order,
        as the live events would record them (:func:`teamgraph.shop.history.record_orders`).
        Returns the orders refused, id -> reason."""
        return history.record_orders(
            self, new, completions, products, batch_size=batch_size, on_batch=on_batch
        )

    def record_refunds(
        self,
        refunds: Sequence[history.Refund],
        *,
        batch_size: int = 2_000,
        on_batch: Callable[[int], None] | None = None,
    ) -> dict[str, str]:
        """Historical refunds in time order, as ``Shop.refund`` would record each
        (:func:`teamgraph.shop.history.record_refunds`). Returns the refunds refused."""
        return history.record_refunds(self, refunds, batch_size=batch_size, on_batch=on_batch)

    def load_order_batch(
        self,
        *,
        orders: Sequence[Sequence[Any]],
        lines: Sequence[Sequence[Any]],
        entries: Sequence[Sequence[Any]],
        completions: Sequence[Sequence[Any]],
        customers: Sequence[Sequence[Any]],
        distributors: Sequence[Sequence[Any]],
    ) -> dict[str, Any]:
        """One batch of historical orders, their lines and reward entries, completions and the
        counters and levels they move, as decided by
        :func:`teamgraph.shop.history.record_orders`: one atomic statement. Rows are lists of
        values in the columns ``orders.load_batch`` names (fewer characters to write and parse
        than maps repeating every key)."""
        return self._store.write(
            "orders.load_batch",
            orders=list(orders),
            lines=list(lines),
            entries=list(entries),
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
        return self._store.write(
            "refunds.load_batch",
            refunds=list(refunds),
            orders=list(orders),
            lines=list(lines),
            rewards=list(rewards),
            clawbacks=list(clawbacks),
            distributors=list(distributors),
        )[0]

    # -- export pages (keyset pagination: the rows after id ``after``, at most ``limit``) ------
    def distributor_page(self, after: str, limit: int) -> list[dict[str, Any]]:
        """Distributors with their counters, by id."""
        return self._store.read("export.distributors", after=after, limit=limit)

    def team_page(self, distributor_id: str, after: str, limit: int) -> list[dict[str, Any]]:
        """The distributors below ``distributor_id``, with depth and inviter, by id."""
        return self._store.read("export.team", id=distributor_id, after=after, limit=limit)

    def order_page(
        self, after: str, limit: int, *, attributed_to: str | None = None
    ) -> list[dict[str, Any]]:
        """Orders (or those attributed to ``attributed_to``), by id."""
        return self._store.read(
            "export.orders", after=after, limit=limit, attributed_to=attributed_to
        )


def _n(rows: list[dict[str, Any]]) -> int:
    return int(rows[0]["n"]) if rows else 0
