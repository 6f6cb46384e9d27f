"""Tables as downloads: a router builds its table once (header, rows) and hands it to
:func:`download`, so both formats always carry the same columns and values. The writers and
their safeguards (CSV injection, text cells in xlsx) are :mod:`teamgraph.sheets`. Money stays
integer fen in the table; :func:`yuan` formats fen as a yuan string without floats (R-3.9).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

from fastapi.responses import Response

from teamgraph.errors import ValidationError
from teamgraph.rules.money import yuan as yuan  # the one fen formatter, used by the routers
from teamgraph.sheets import CSV_TYPE, XLSX_TYPE, Cell, Column, csv_bytes, xlsx_bytes

__all__ = [
    "ANSWERS",
    "CSV_TYPE",
    "MAX_EXPORT",
    "XLSX_TYPE",
    "Cell",
    "Column",
    "csv_bytes",
    "download",
    "every_page",
    "xlsx_bytes",
    "yuan",
]

ANSWERS: dict[int | str, dict[str, object]] = {
    200: {
        "content": {CSV_TYPE: {}, XLSX_TYPE: {}},
        "description": "`format=json`: a page; `csv`/`xlsx`: a download of every match",
    }
}
"""The OpenAPI answers of a list that is also a download (``format=json|csv|xlsx``)."""

MAX_EXPORT: Final = 20_000
"""The most rows a download carries; beyond it the caller narrows the filters or pages."""


def every_page(
    read: Callable[[str | None], dict[str, Any]],
    cursor: str | None,
    *,
    what: str,
    narrow: str,
    field: str,
) -> dict[str, Any]:
    """Every item of a paged list from ``cursor`` on (``read(cursor)`` answers ``{items,
    next_cursor}``) as one page, for a download; 422 ``export.too_large`` naming ``field``
    past :data:`MAX_EXPORT` items (``what`` names them, ``narrow`` says how to ask for
    fewer)."""
    items: list[dict[str, Any]] = []
    while True:
        page = read(cursor)
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return {"items": items, "next_cursor": None}
        if len(items) >= MAX_EXPORT:
            raise ValidationError(
                "export.too_large",
                f"more than {MAX_EXPORT} {what} match: {narrow}, or page with limit and cursor",
                field=field,
            )


def download(
    fmt: str,
    name: str,
    header: Sequence[Column | str],
    rows: Sequence[Sequence[Cell]],
    *,
    headers: dict[str, str] | None = None,
) -> Response:
    """The table as an attachment ``<name>.csv`` or ``<name>.xlsx`` (``fmt`` is csv or xlsx);
    ``header`` names the columns or types them (:class:`teamgraph.sheets.Column`)."""
    if fmt == "csv":
        content, media_type = csv_bytes(header, rows), CSV_TYPE
    elif fmt == "xlsx":
        content, media_type = xlsx_bytes(header, rows, sheet=name[:31]), XLSX_TYPE
    else:  # pragma: no cover - the routers' query types allow csv and xlsx only
        raise ValueError(f"format is csv or xlsx, got {fmt!r}")
    disposition = {"Content-Disposition": f"attachment; filename={name}.{fmt}"}
    return Response(content, media_type=media_type, headers=disposition | (headers or {}))
