"""File exports: distributors, a team, a ledger, withdrawals and orders as CSV, Excel (xlsx) or
Parquet, read page by page and written by :mod:`teamgraph.sheets`, the one writer of every
table file (its docstring has the formats and the formula safeguards, X-1 to X-3).

Each export hands :func:`teamgraph.sheets.write_table` typed columns and a generator that reads
10,000 rows at a time, so memory stays flat however big the shop.

Money stays integer fen (``*_fen``) and each money column is followed by ``*_yuan``, a
``decimal`` column formatted from the integer (:func:`yuan`, no floats, R-3.9): a spreadsheet
reads ``-5.01`` as the number it is. Times are ISO-8601 in the shop's time zone, as the API
renders them.

The withdrawal table is the bank batch file (:data:`teamgraph.sheets.BATCH_COLUMNS`, R-5.3)
with every column: the API's export plus ``tax_yuan``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from teamgraph.errors import ValidationError
from teamgraph.rules.money import yuan
from teamgraph.rules.timeutil import iso
from teamgraph.sheets import (
    FORMATS,
    PAGE,
    Cell,
    Column,
    batch_columns,
    batch_row,
    table_bytes,
    write_table,
)
from teamgraph.shop import Shop

__all__ = [
    "EXPORTS",
    "FORMATS",
    "Cell",
    "Column",
    "Export",
    "build",
    "export",
    "table_bytes",
    "write_table",
    "yuan",
]

EXPORTS = ("distributors", "team", "ledger", "withdrawals", "orders")
NEEDS_DISTRIBUTOR = frozenset({"team", "ledger"})


def _yuan(fen: int | None) -> str | None:
    return None if fen is None else yuan(int(fen))


# -- the exports -----------------------------------------------------------------------------------
@dataclass
class Export:
    """A table ready to write: ``rows`` is lazy and read page by page while it is written."""

    name: str
    columns: list[Column]
    rows: Iterable[Sequence[Cell]]


def _money(name: str) -> list[Column]:
    return [Column(f"{name}_fen", "int"), Column(f"{name}_yuan", "decimal")]


def _keyset(
    read: Callable[[str, int], list[dict[str, Any]]], page: int
) -> Iterator[dict[str, Any]]:
    """Rows of a statement paged by id: ``read(after, limit)`` answers ids above ``after``."""
    after = ""
    while True:
        rows = read(after, page)
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1]["id"]


def _cursor_pages(
    fetch: Callable[[str | None], dict[str, Any]],
) -> Iterator[dict[str, Any]]:
    """Rows of a Shop method that pages with ``next_cursor``."""
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        yield from page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return


class _Clock:
    """The shop's time zone and one read time for a whole export."""

    def __init__(self, shop: Shop, now: int | None) -> None:
        self.settings = shop.catch_up(now)
        self.now = now if now is not None else _now()
        self.tz = self.settings.timezone

    def t(self, ms: int | None) -> str | None:
        return iso(ms, self.tz) if ms is not None else None


def _now() -> int:
    from teamgraph.clock import now_ms

    return now_ms()


DISTRIBUTOR_COLUMNS = [
    Column("id"),
    Column("name"),
    Column("level", "int"),
    Column("status"),
    Column("code"),
    Column("inviter_id"),
    Column("became_at"),
    Column("last_active_at"),
    Column("direct_clients", "int"),
    Column("indirect_clients", "int"),
    Column("invitees", "int"),
    Column("team_size", "int"),
    Column("paid_orders", "int"),
    *_money("received"),
    *_money("transaction"),
    Column("completed_orders", "int"),
]


def distributors(shop: Shop, *, page: int = PAGE, now: int | None = None) -> Export:
    """Every distributor with its counters (R-2.3, R-4.2); status as read (dormant computed)."""
    clock = _Clock(shop, now)

    def rows() -> Iterator[list[Cell]]:
        for r in _keyset(lambda a, n: shop.bulk.distributor_page(a, n), page):
            active = r["last_active_at"]
            (r,) = Shop.status_as_read([r], clock.settings, clock.now)
            yield [
                r["id"],
                r["name"],
                r["level"],
                r["status"],
                r["code"],
                r["inviter_id"],
                clock.t(r["became_at"]),
                clock.t(active),
                r["direct_clients"],
                r["indirect_clients"],
                r["invitees"],
                r["team_size"],
                r["paid_orders"],
                r["received_fen"],
                _yuan(r["received_fen"]),
                r["transaction_fen"],
                _yuan(r["transaction_fen"]),
                r["completed_orders"],
            ]

    return Export("distributors", DISTRIBUTOR_COLUMNS, rows())


TEAM_COLUMNS = [
    Column("id"),
    Column("name"),
    Column("depth", "int"),
    Column("inviter_id"),
    Column("invited_at"),
    Column("level", "int"),
    Column("status"),
    Column("became_at"),
    Column("direct_clients", "int"),
    Column("indirect_clients", "int"),
    Column("invitees", "int"),
    Column("team_size", "int"),
    Column("paid_orders", "int"),
    *_money("received"),
    *_money("transaction"),
]


def team(shop: Shop, distributor_id: str, *, page: int = PAGE, now: int | None = None) -> Export:
    """The team of a distributor (R-2.3): every distributor below it, with depth and inviter."""
    clock = _Clock(shop, now)
    shop.team(distributor_id, now=clock.now)  # NotFound before anything is written

    def read(after: str, limit: int) -> list[dict[str, Any]]:
        return shop.bulk.team_page(distributor_id, after, limit)

    def rows() -> Iterator[list[Cell]]:
        for r in _keyset(read, page):
            (r,) = Shop.status_as_read([r], clock.settings, clock.now)
            yield [
                r["id"],
                r["name"],
                r["depth"],
                r["inviter_id"],
                clock.t(r["invited_at"]),
                r["level"],
                r["status"],
                clock.t(r["became_at"]),
                r["direct_clients"],
                r["indirect_clients"],
                r["invitees"],
                r["team_size"],
                r["paid_orders"],
                r["received_fen"],
                _yuan(r["received_fen"]),
                r["transaction_fen"],
                _yuan(r["transaction_fen"]),
            ]

    return Export(f"team-{distributor_id}", TEAM_COLUMNS, rows())


LEDGER_COLUMNS = [
    Column("entry_id"),
    Column("at"),
    Column("kind"),
    Column("status"),
    *_money("amount"),
    Column("points", "int"),
    Column("order_id"),
    Column("refund_id"),
    Column("tier", "int"),
    Column("line", "int"),
    Column("product_id"),
    Column("basis"),
    Column("rate_bp", "int"),
    Column("reverses"),
    Column("method"),
    Column("settle_at"),
]


def ledger(shop: Shop, distributor_id: str, *, page: int = PAGE, now: int | None = None) -> Export:
    """A distributor's ledger (R-3.12), newest first: fen entries as ``amount_fen`` /
    ``amount_yuan``, points apart (M-5)."""
    clock = _Clock(shop, now)
    first = shop.ledger(distributor_id, limit=page, now=clock.now)  # NotFound up front

    def fetch(cursor: str | None) -> dict[str, Any]:
        if cursor is None:
            return first
        return shop.ledger(distributor_id, limit=page, cursor=cursor, now=clock.now)

    def rows() -> Iterator[list[Cell]]:
        for e in _cursor_pages(fetch):
            fen = e["amount"] if e["unit"] == "fen" else None
            yield [
                e["id"],
                clock.t(e["at"]),
                e["kind"],
                e["status"],
                fen,
                _yuan(fen),
                None if fen is not None else e["amount"],
                e["order_id"],
                e["refund_id"],
                e["tier"],
                e["line"],
                e["product_id"],
                e["basis"],
                e["rate_bp"],
                e["reverses"],
                e["method"],
                clock.t(e["settle_at"]),
            ]

    return Export(f"ledger-{distributor_id}", LEDGER_COLUMNS, rows())


WITHDRAWAL_COLUMNS = batch_columns()
"""R-5.3's bank batch table, as the API exports it (plus ``tax_yuan``): ``amount_*`` is gross,
``net_*`` what the bank transfers; the full account number (the CLI is the merchant's)."""


def withdrawal_row(w: Mapping[str, Any], t: Callable[[int | None], str | None]) -> list[Cell]:
    """One withdrawal (as ``Shop.withdrawals`` lists it) as a row of WITHDRAWAL_COLUMNS."""
    row = batch_row(w, t(w["requested_at"]), t(w.get("approved_at")), t(w.get("paid_at")))
    return [row[c.name] for c in WITHDRAWAL_COLUMNS]


def withdrawals(
    shop: Shop,
    *,
    status: str | None = None,
    distributor_id: str | None = None,
    page: int = PAGE,
    now: int | None = None,
) -> Export:
    """Withdrawals (R-5.3), optionally of one status and/or one distributor, by id."""
    clock = _Clock(shop, now)

    def fetch(cursor: str | None) -> dict[str, Any]:
        return shop.withdrawals(
            status=status, distributor_id=distributor_id, limit=page, cursor=cursor
        )

    def rows() -> Iterator[list[Cell]]:
        for w in _cursor_pages(fetch):
            yield withdrawal_row(w, clock.t)

    suffix = "-".join(x for x in (status, distributor_id) if x)
    return Export(f"withdrawals-{suffix or 'all'}", WITHDRAWAL_COLUMNS, rows())


ORDER_COLUMNS = [
    Column("order_id"),
    Column("customer_id"),
    Column("customer_name"),
    Column("paid_at"),
    *_money("paid"),
    *_money("split"),
    *_money("refunded"),
    Column("status"),
    Column("attributed_to"),
    Column("first_order", "bool"),
    Column("lines", "int"),
    Column("completed_at"),
    Column("settle_at"),
]


def orders(
    shop: Shop, *, distributor_id: str | None = None, page: int = PAGE, now: int | None = None
) -> Export:
    """Every order, or those attributed to ``distributor_id`` (M-1), by id."""
    clock = _Clock(shop, now)
    if distributor_id is not None:
        shop.distributor(distributor_id, now=clock.now)  # NotFound up front

    def read(after: str, limit: int) -> list[dict[str, Any]]:
        return shop.bulk.order_page(after, limit, attributed_to=distributor_id)

    def rows() -> Iterator[list[Cell]]:
        for o in _keyset(read, page):
            yield [
                o["id"],
                o["customer_id"],
                o["customer_name"],
                clock.t(o["paid_at"]),
                o["paid_fen"],
                _yuan(o["paid_fen"]),
                o["split_fen"],
                _yuan(o["split_fen"]),
                o["refunded_fen"],
                _yuan(o["refunded_fen"]),
                o["status"],
                o["attributed_to"],
                o["first_order"],
                o["lines"],
                clock.t(o["completed_at"]),
                clock.t(o["settle_at"]),
            ]

    name = f"orders-{distributor_id}" if distributor_id else "orders"
    return Export(name, ORDER_COLUMNS, rows())


def build(
    shop: Shop,
    kind: str,
    *,
    distributor_id: str | None = None,
    status: str | None = None,
    page: int = PAGE,
    now: int | None = None,
) -> Export:
    """The export ``kind`` (one of :data:`EXPORTS`); ``team`` and ``ledger`` need a
    distributor, ``distributors`` takes none, ``status`` is for withdrawals only."""
    if kind not in EXPORTS:
        raise ValidationError(
            "export.kind", f"export is one of {', '.join(EXPORTS)}, got {kind!r}", field="kind"
        )
    if kind in NEEDS_DISTRIBUTOR and not distributor_id:
        raise ValidationError(
            "export.distributor", f"the {kind} export needs --distributor", field="distributor"
        )
    if kind == "distributors" and distributor_id:
        raise ValidationError(
            "export.distributor",
            "the distributors export lists every distributor: use team for one's team",
            field="distributor",
        )
    if status is not None and kind != "withdrawals":
        raise ValidationError("export.status", "--status filters withdrawals only", field="status")
    if kind == "distributors":
        return distributors(shop, page=page, now=now)
    if kind == "team":
        assert distributor_id is not None
        return team(shop, distributor_id, page=page, now=now)
    if kind == "ledger":
        assert distributor_id is not None
        return ledger(shop, distributor_id, page=page, now=now)
    if kind == "withdrawals":
        return withdrawals(shop, status=status, distributor_id=distributor_id, page=page, now=now)
    return orders(shop, distributor_id=distributor_id, page=page, now=now)


def export(
    shop: Shop,
    kind: str,
    out: Path | str | None = None,
    fmt: str = "csv",
    *,
    distributor_id: str | None = None,
    status: str | None = None,
    page: int = PAGE,
    now: int | None = None,
) -> tuple[Path, int]:
    """Write the export ``kind`` to the file ``out`` (default ``<name>.<fmt>`` in the working
    directory); returns the path and the number of rows. The file appears only when complete
    (written beside it, then renamed)."""
    table = build(shop, kind, distributor_id=distributor_id, status=status, page=page, now=now)
    path = Path(out) if out is not None else Path(f"{table.name}.{fmt}")
    part = path.with_name(path.name + ".part")
    try:
        n = write_table(part, fmt, table.columns, table.rows, sheet=kind)
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
    return path, n
