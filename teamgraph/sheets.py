"""Tables as files: the one writer of every CSV, Excel (xlsx) and Parquet file teamgraph makes
(the API's downloads, the UI's batch file and distributor list, the CLI's exports, the import
rejects, the fraud report, the demo data), so every one carries the same safeguards.

A table is typed :class:`Column` s and rows of plain values (:data:`Cell`: text, int, bool or
empty); :func:`write_table` takes any iterable of rows and writes it page by page, so memory
stays flat however big the table.

- **CSV** is UTF-8 with a byte-order mark (Excel on Chinese Windows needs it to read UTF-8
  rather than GBK, so Chinese names survive), RFC 4180 with CRLF; booleans are
  ``true``/``false``.
- **xlsx** cells are typed: ints are numbers, every string is a text cell, never a formula (so
  long account numbers keep every digit: Excel shows at most 15 significant digits of a
  number); characters XML cannot hold are dropped. At most 1,048,575 rows (Excel's limit).
- **Parquet** columns are typed from the kinds (string, int64, bool), one row group per 10,000
  rows.

Formulas (CSV injection, X-1 to X-4 in docs/choices.md). A spreadsheet runs a cell that
starts with ``= + - @``, a tab or a carriage return as a formula (``=HYPERLINK(...)``,
``@SUM(...)``, ``+1``, ``-1+1``). :func:`starts_formula` is the one test of that, for every text
cell of every file, header cells and bank accounts included: in CSV such a cell is written with
a leading ``'`` (:func:`safe_text`, OWASP's advice), which Excel shows as text; in xlsx it is a
text cell with Excel's own quote prefix (the style Excel gives a cell typed as ``'=1+1``): the
text stays exact and Excel keeps it text even when someone edits it. Two exceptions, declared by
the column, never guessed from the text:

- an ``int`` column's numbers, ``-1234`` included: numbers are data, not formulas;
- a ``decimal`` column's plain decimal numbers (``-12.34``: yuan formatted from integer fen,
  read back by a spreadsheet as the number it is; in xlsx a number cell, written from the
  exact decimal text, shown with two decimals); anything else in such a column is text.

Every other text cell that starts with one of those characters is guarded, ``-12.34`` typed as
free text included. Parquet is typed data for programs, not a sheet a person opens: it keeps
every value exactly.

The bank batch file (R-5.3) has its layout here too, :data:`BATCH_COLUMNS` and
:func:`batch_row`: the API, the UI and the CLI export it, each picking its columns.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from teamgraph.errors import ValidationError
from teamgraph.rules.money import yuan

if TYPE_CHECKING:
    import pyarrow as pa

Cell = str | int | bool | None
Kind = Literal["str", "int", "bool", "decimal"]
Format = Literal["csv", "xlsx", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx", "parquet")
PAGE = 10_000
XLSX_MAX_ROWS = 1_048_575  # 1,048,576 rows, one of them the header

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARQUET_TYPE = "application/vnd.apache.parquet"
MEDIA_TYPES = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE, "parquet": PARQUET_TYPE}

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet runs as a formula at the start of a CSV cell (X-1)."""
_DECIMAL = re.compile(r"-?\d+(\.\d+)?")
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")  # characters Excel refuses in a sheet's name


@dataclass(frozen=True)
class Column:
    """A column: its header and the kind of its cells (``decimal``: a number written as text,
    such as yuan from fen)."""

    name: str
    kind: Kind = "str"


def columns(names: Iterable[Column | str]) -> list[Column]:
    """Columns from names or columns."""
    return [c if isinstance(c, Column) else Column(c) for c in names]


def starts_formula(text: str) -> bool:
    """Whether a spreadsheet would run ``text`` as a formula: it starts with ``= + - @``, a tab
    or a carriage return (X-1)."""
    return text.startswith(FORMULA_START)


def safe_text(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet runs as a formula: prefixed with ``'`` when
    :func:`starts_formula` (X-1)."""
    return "'" + text if starts_formula(text) else text


def _guarded(value: str, column: Column) -> bool:
    """Whether the text cell ``value`` of ``column`` must be made inert (X-1, X-2)."""
    if column.kind == "decimal" and _DECIMAL.fullmatch(value):
        return False  # a number, not a formula
    return starts_formula(value)


def _csv_cell(value: Cell, column: Column) -> Cell:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and _guarded(value, column):
        return "'" + value
    return value


def _batches(rows: Iterable[Sequence[Cell]], size: int) -> Iterator[list[Sequence[Cell]]]:
    it = iter(rows)
    while batch := list(itertools.islice(it, size)):
        yield batch


# -- the writer ------------------------------------------------------------------------------------
def _write_csv(out: IO[bytes], cols: list[Column], rows: Iterable[Sequence[Cell]]) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow([safe_text(c.name) for c in cols])
        n = 0
        for row in rows:
            writer.writerow([_csv_cell(v, c) for v, c in zip(row, cols, strict=True)])
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
    ws = wb.create_sheet(_SHEET_NAME.sub("-", sheet)[:31] or "export")
    batches = _batches(rows, PAGE)
    first = next(batches, [])
    for i, col in enumerate(cols):  # widths from the header and the first page
        width = max([len(col.name), *(len(str(r[i])) for r in first if r[i] is not None)])
        ws.column_dimensions[get_column_letter(i + 1)].width = min(60, width + 2)
    ws.freeze_panes = "A2"

    def cell(value: Cell, column: Column) -> Any:
        if not isinstance(value, str):
            return value
        if column.kind == "decimal" and _DECIMAL.fullmatch(value):
            number = WriteOnlyCell(ws, Decimal(value))  # a number, exact (no float), issue 17
            number.number_format = "0.00"
            return number
        text = WriteOnlyCell(ws, ILLEGAL_CHARACTERS_RE.sub("", value))
        text.data_type = "s"  # text, never a formula (openpyxl would make "=..." one)
        if _guarded(value, column):
            text.quotePrefix = True  # and text still when someone edits it in Excel
        return text

    header = Column("header")
    ws.append([cell(c.name, header) for c in cols])
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
            ws.append([cell(v, c) for v, c in zip(row, cols, strict=True)])
    wb.save(out)
    return n


def _write_parquet(out: IO[bytes], cols: list[Column], rows: Iterable[Sequence[Cell]]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"str": pa.string(), "decimal": pa.string(), "int": pa.int64(), "bool": pa.bool_()}
    schema = pa.schema([(c.name, types[c.kind]) for c in cols])
    n = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for batch in _batches(rows, PAGE):
            values = list(zip(*batch, strict=True))
            writer.write_batch(
                pa.record_batch(
                    [pa.array(v, type=f.type) for v, f in zip(values, schema, strict=True)],
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
    cols: Sequence[Column | str],
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
    table = columns(cols)
    if isinstance(out, str | Path):
        with Path(out).open("wb") as fh:
            return write_table(fh, fmt, table, rows, sheet=sheet)
    if fmt == "csv":
        return _write_csv(out, table, rows)
    if fmt == "xlsx":
        return _write_xlsx(out, table, rows, sheet)
    return _write_parquet(out, table, rows)


def table_bytes(
    fmt: str,
    cols: Sequence[Column | str],
    rows: Iterable[Sequence[Cell]],
    *,
    sheet: str = "export",
) -> bytes:
    """The table as the bytes of one file (for downloads)."""
    buf = io.BytesIO()
    write_table(buf, fmt, cols, rows, sheet=sheet)
    return buf.getvalue()


def csv_bytes(header: Sequence[Column | str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """The table as CSV."""
    return table_bytes("csv", columns(header), rows)


def xlsx_bytes(
    header: Sequence[Column | str], rows: Iterable[Sequence[Cell]], *, sheet: str
) -> bytes:
    """The table as one xlsx sheet; strings are text cells, never formulas."""
    return table_bytes("xlsx", columns(header), rows, sheet=sheet)


def _may_start_a_formula(values: pa.ChunkedArray) -> bool:
    """Whether any string of ``values`` may start with a :data:`FORMULA_START` character: a
    look at the first byte of each value in Arrow's buffers (numpy, no Python loop), so
    millions of clean values cost milliseconds. Only a screen (null slots may count)."""
    import numpy as np
    import pyarrow as pa

    first_bytes = np.frombuffer("".join(FORMULA_START).encode(), np.uint8)
    for chunk in values.chunks:
        _, offsets_buf, data_buf = chunk.buffers()
        if data_buf is None or len(chunk) == 0:
            continue
        width = np.dtype("int64" if pa.types.is_large_string(chunk.type) else "int32")
        offsets = np.frombuffer(offsets_buf, width)[chunk.offset : chunk.offset + len(chunk) + 1]
        starts = offsets[:-1][offsets[1:] > offsets[:-1]]
        if np.isin(np.frombuffer(data_buf, np.uint8)[starts], first_bytes).any():
            return True
    return False


def write_arrow(table: pa.Table, path: Path, fmt: Literal["csv", "parquet"]) -> None:
    """An Arrow table (the demo data, millions of rows) as a file without a Python loop over
    rows: CSV (UTF-8 with a BOM, every string quoted) with formula-like text prefixed as
    :func:`safe_text` does it (X-1, the same :data:`FORMULA_START`, tested in Arrow's
    buffers), or Parquet (zstd) exactly as it is."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if fmt == "parquet":
        pq.write_table(table, path, compression="zstd")
        return
    starts = pa.array(FORMULA_START)
    for i, field in enumerate(table.schema):
        if not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)):
            continue
        values = table.column(i)
        if not _may_start_a_formula(values):
            continue
        risky = pc.is_in(pc.utf8_slice_codeunits(values, 0, 1), value_set=starts.cast(field.type))
        prefixed = pc.binary_join_element_wise(
            pa.scalar("'", field.type), values, pa.scalar("", field.type)
        )
        table = table.set_column(i, field, pc.if_else(risky, prefixed, values))
    with path.open("wb") as fh:
        fh.write(b"\xef\xbb\xbf")
        pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=True))


# -- the bank batch file (R-5.3) -------------------------------------------------------------------
BATCH_COLUMNS: tuple[str, ...] = (
    "withdrawal_id",
    "distributor_id",
    "holder",
    "account",
    "account_masked",
    "amount_fen",
    "amount_yuan",
    "tax_fen",
    "tax_yuan",
    "net_fen",
    "net_yuan",
    "method",
    "status",
    "requested_at",
    "approved_at",
    "paid_at",
)
"""Every column a bank batch file (R-5.3) may carry: ``amount_*`` is gross, ``net_*`` what the
bank transfers, the full account for the bank next to the masked one for people; the request,
approval and payment times. Headers are the field names, one language (issue 17: they mixed
English and Chinese); the UI writes them in its own language instead. Each export
(the API's, the UI's, the CLI's) picks its columns from these, in this order. The account is a
text cell like any other (X-4): every account the API accepts is written exactly, since none
starts with a formula character."""

_BATCH_KINDS: dict[str, Column] = {
    **{f"{m}_fen": Column(f"{m}_fen", "int") for m in ("amount", "tax", "net")},
    **{f"{m}_yuan": Column(f"{m}_yuan", "decimal") for m in ("amount", "tax", "net")},
}


def batch_columns(leave_out: Collection[str] = ()) -> list[Column]:
    """:data:`BATCH_COLUMNS` as typed columns, in order, without those in ``leave_out``."""
    return [_BATCH_KINDS.get(n, Column(n)) for n in BATCH_COLUMNS if n not in leave_out]


def batch_row(
    w: Mapping[str, Any],
    requested_at: str | None,
    approved_at: str | None = None,
    paid_at: str | None = None,
) -> dict[str, str | int | None]:
    """One withdrawal (as ``Shop.withdrawals`` lists it) as the cells of
    :data:`BATCH_COLUMNS`; the times as the export shows them."""
    amount, tax, net = int(w["amount_fen"]), int(w["tax_fen"]), int(w["net_fen"])
    return {
        "withdrawal_id": w["id"],
        "distributor_id": w["distributor_id"],
        "holder": w.get("holder") or "",
        "account": w.get("account") or "",
        "account_masked": w.get("account_masked") or "",
        "amount_fen": amount,
        "amount_yuan": yuan(amount),
        "tax_fen": tax,
        "tax_yuan": yuan(tax),
        "net_fen": net,
        "net_yuan": yuan(net),
        "method": w["method"],
        "status": w["status"],
        "requested_at": requested_at,
        "approved_at": approved_at,
        "paid_at": paid_at,
    }
