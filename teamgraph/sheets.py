"""Tables as spreadsheet files: one header and rows of plain values, written as CSV or Excel
(xlsx). The API's downloads (``api/exports.py``) and the UI's withdrawal batch file use it, so
both formats and both front ends carry the same safeguards:

- CSV is UTF-8 with a byte-order mark, which Excel on Chinese Windows needs to read UTF-8
  rather than GBK, so Chinese names survive. Text cells that a spreadsheet would run as a
  formula (starting with ``= + - @``, a tab or a carriage return) are prefixed with ``'``
  (OWASP's CSV-injection advice), except in columns the caller declares verbatim (accounts
  the bank must read exactly, whose characters the request schema already restricts).
- xlsx cells are written as typed values: ints as numbers, every string as text, never as a
  formula, so long account numbers keep every digit (Excel shows at most 15 significant digits
  of a number, and would round a 16-19 digit card number it read from CSV).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Sequence

from openpyxl import Workbook

Cell = str | int | None

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Cell, verbatim: bool) -> Cell:
    if isinstance(value, str) and not verbatim and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_bytes(
    header: Sequence[str], rows: Sequence[Sequence[Cell]], *, verbatim: Collection[str] = ()
) -> bytes:
    """The table as CSV (RFC 4180, CRLF), UTF-8 with a BOM."""
    keep = [name in verbatim for name in header]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(v, k) for v, k in zip(row, keep, strict=True)])
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(header: Sequence[str], rows: Sequence[Sequence[Cell]], *, sheet: str) -> bytes:
    """The table as one xlsx sheet; strings are text cells, never formulas."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    for cells in ws.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would store "=..." as a formula
    ws.freeze_panes = "A2"
    for column, name in zip(ws.columns, header, strict=True):
        width = max([len(name), *(len(str(c.value)) for c in column if c.value is not None)])
        ws.column_dimensions[column[0].column_letter].width = min(60, width + 2)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
