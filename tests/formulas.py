"""Formula-like text for the file tests, and the checks that a file carries it inert (X-1 to
X-4 in docs/choices.md): in CSV every such cell is written with a leading ``'``, in xlsx it is a
text cell (never a formula) holding the text exactly, with Excel's quote prefix."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

import openpyxl

FORMULAS = ('=HYPERLINK("x.cn","y")', "@SUM(1+1)", "+1", "-2+3")
"""What a spreadsheet would run: a link, an ``@`` function, a ``+`` and a ``-`` expression. No
``:`` or spaces, so each also passes as an event id (API ``EventId``)."""


def csv_table(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def assert_inert_csv(data: bytes, texts: Iterable[str] = FORMULAS) -> None:
    """Each of ``texts`` is a cell of the CSV ``data``, prefixed with ``'``, and never bare."""
    cells = {c for row in csv_table(data) for c in row}
    for text in texts:
        assert "'" + text in cells, f"{text!r} is not in the file, defused"
        assert text not in cells, f"{text!r} is in the file as a formula"


def assert_inert_xlsx(data: bytes, texts: Iterable[str] = FORMULAS) -> None:
    """No cell of the xlsx ``data`` is a formula; each of ``texts`` is a text cell, exactly, with
    Excel's quote prefix (text still when someone edits it)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    for text in texts:
        found = [c for c in cells if c.value == text]
        assert found, f"{text!r} is not in the file"
        assert all(c.data_type == "s" for c in found), f"{text!r} is not a text cell"
        assert all(c.quotePrefix for c in found), f"{text!r} has no quote prefix"
