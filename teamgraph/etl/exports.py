"""File exports: distributors, a team, a ledger, withdrawals and orders as CSV, Excel (xlsx) or
Parquet, read page by page and written by one writer for every format.

:func:`write_table` takes typed :class:`Column` s and any iterable of rows (the exports hand it
generators that read 10,000 rows at a time, so memory stays flat however big the shop):

- CSV is UTF-8 with a byte-order mark (Excel on Chinese Windows needs it to read UTF-8 rather
  than GBK, so Chinese names survive), RFC 4180 with CRLF. A text cell a spreadsheet would run
  as a formula (starting with ``= + - @``, a tab or a carriage return) is prefixed with ``'``
  (OWASP's CSV-injection advice), except plain decimal numbers such as ``-12.34`` and columns
  declared ``verbatim`` (accounts the bank must read exactly).
- xlsx cells are typed: ints are numbers, every string is a text cell, never a formula;
  characters XML cannot hold are dropped. At most 1,048,575 rows (Excel's limit).
- Parquet columns are typed from the columns' kinds (string, int64, bool), one row group per
  10,000 rows.

Money stays integer fen (``*_fen``) and each money column is followed by ``*_yuan``, a string
formatted from the integer (:func:`yuan`, no floats, R-3.9). Times are ISO-8601 in the shop's
time zone, as the API renders them.

The withdrawal table has the columns of the API's export (``teamgraph/api/routers/
withdrawals.py``) plus ``tax_yuan``; the API can build its downloads with
:func:`table_bytes` and these tables.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from teamgraph.errors import ValidationError
from teamgraph.rules import withdrawals as rules_withdrawals
from teamgraph.rules.money import yuan
from teamgraph.rules.timeutil import iso
from teamgraph.shop import Shop

Cell = str | int | bool | None
Kind = Literal["str", "int", "bool"]
ExportFormat = Literal["csv", "xlsx", "parquet"]
FORMATS: tuple[ExportFormat, ...] = ("csv", "xlsx", "parquet")
EXPORTS = ("distributors", "team", "ledger", "withdrawals", "orders")
NEEDS_DISTRIBUTOR = frozenset({"team", "ledger"})
PAGE = 10_000
XLSX_MAX_ROWS = 1_048_575  # 1,048,576 rows, one of them the header

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARQUET_TYPE = "application/vnd.apache.parquet"
MEDIA_TYPES = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE, "parquet": PARQUET_TYPE}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = "str"
    verbatim: bool = False  # CSV: written exactly (never prefixed against formulas)


def _yuan(fen: int | None) -> str | None:
    return None if fen is None else yuan(int(fen))


# -- the writer ------------------------------------------------------------------------------------
def _columns(columns: Sequence[Column | str]) -> list[Column]:
    return [c if isinstance(c, Column) else Column(c) for c in columns]


def _batches(rows: Iterable[Sequence[Cell]], size: int) -> Iterator[list[Sequence[Cell]]]:
    it = iter(rows)
    while batch := list(itertools.islice(it, size)):
        yield batch


def _csv_cell(value: Cell, verbatim: bool) -> Cell:
    if isinstance(value, bool):
        return "true" if value else "false"
    if (
        isinstance(value, str)
        and not verbatim
        and value.startswith(_FORMULA_START)
        and not _NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def _write_csv(out: IO[bytes], cols: list[Column], rows: Iterable[Sequence[Cell]]) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow([c.name for c in cols])
        keep = [c.verbatim for c in cols]
        n = 0
        for row in rows:
            writer.writerow([_csv_cell(v, k) for v, k in zip(row, keep, strict=True)])
            n += 1
        text.flush()
        return n
    finally:
        text.detach()  # leave ``out`` open for the caller


def _write_xlsx(
    out: IO[bytes], cols: list[Column], rows: Iterable[Sequence[Cell]], sheet: str
) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31] or "export")
    batches = _batches(rows, PAGE)
    first = next(batches, [])
    for i, col in enumerate(cols):  # widths from the header and the first page
        width = max([len(col.name), *(len(str(r[i])) for r in first if r[i] is not None)])
        ws.column_dimensions[get_column_letter(i + 1)].width = min(60, width + 2)
    ws.freeze_panes = "A2"
    ws.append([c.name for c in cols])

    def cell(value: Cell) -> Any:
        if not isinstance(value, str):
            return value
        text: str = ILLEGAL_CHARACTERS_RE.sub("", value)
        if text.startswith("="):  # openpyxl would store it as a formula
            c = WriteOnlyCell(ws, text)
            c.data_type = "s"
            return c
        return text

    n = 0
    for batch in itertools.chain([first], batches):
        for row in batch:
            n += 1
            if n > XLSX_MAX_ROWS:
                raise ValidationError(
                    "export.too_large",
                    f"more than {XLSX_MAX_ROWS} rows do not fit in an xlsx sheet: "
                    "export as csv or parquet",
                    field="format",
                )
            ws.append([cell(v) for v in row])
    wb.save(out)
    return n


def _write_parquet(out: IO[bytes], cols: list[Column], rows: Iterable[Sequence[Cell]]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"str": pa.string(), "int": pa.int64(), "bool": pa.bool_()}
    schema = pa.schema([(c.name, types[c.kind]) for c in cols])
    n = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for batch in _batches(rows, PAGE):
            columns = list(zip(*batch, strict=True))
            writer.write_batch(
                pa.record_batch(
                    [pa.array(v, type=f.type) for v, f in zip(columns, schema, strict=True)],
                    schema=schema,
                )
            )
            n += len(batch)
        if n == 0:
            writer.write_table(schema.empty_table())
    return n


def write_table(
    out: IO[bytes] | Path | str,
    fmt: str,
    columns: Sequence[Column | str],
    rows: Iterable[Sequence[Cell]],
    *,
    sheet: str = "export",
) -> int:
    """Write the header and ``rows`` (any iterable, consumed once) to ``out`` (a path or a
    binary stream) as ``fmt`` (csv, xlsx or parquet); returns the number of rows."""
    if fmt not in FORMATS:
        raise ValidationError(
            "export.format", f"format is one of {', '.join(FORMATS)}, got {fmt!r}", field="format"
        )
    cols = _columns(columns)
    if isinstance(out, str | Path):
        with Path(out).open("wb") as fh:
            return write_table(fh, fmt, cols, rows, sheet=sheet)
    if fmt == "csv":
        return _write_csv(out, cols, rows)
    if fmt == "xlsx":
        return _write_xlsx(out, cols, rows, sheet)
    return _write_parquet(out, cols, rows)


def table_bytes(
    fmt: str,
    columns: Sequence[Column | str],
    rows: Iterable[Sequence[Cell]],
    *,
    sheet: str = "export",
) -> bytes:
    """The table as the bytes of one file (for HTTP downloads)."""
    buf = io.BytesIO()
    write_table(buf, fmt, columns, rows, sheet=sheet)
    return buf.getvalue()


# -- the exports -----------------------------------------------------------------------------------
@dataclass
class Export:
    """A table ready to write: ``rows`` is lazy and read page by page while it is written."""

    name: str
    columns: list[Column]
    rows: Iterable[Sequence[Cell]]


def _money(name: str) -> list[Column]:
    return [Column(f"{name}_fen", "int"), Column(f"{name}_yuan")]


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


WITHDRAWAL_COLUMNS = [
    Column("withdrawal_id"),
    Column("distributor_id"),
    Column("holder 户名"),
    Column("account 账号", verbatim=True),
    Column("account_masked", verbatim=True),
    *_money("amount"),
    *_money("tax"),
    *_money("net"),
    Column("method"),
    Column("status"),
    Column("requested_at"),
]
"""R-5.3's bank batch table, as the API exports it (plus ``tax_yuan``): ``amount_*`` is gross,
``net_*`` what the bank transfers; the full account number (the CLI is the merchant's)."""


def withdrawal_row(w: Mapping[str, Any], t: Callable[[int | None], str | None]) -> list[Cell]:
    """One withdrawal (as ``Shop.withdrawals`` lists it) as a row of WITHDRAWAL_COLUMNS."""
    row = rules_withdrawals.batch_row(w, t(w["requested_at"]))
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
