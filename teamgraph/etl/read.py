"""Import files into frames of cells, as the file gives them.

Formats by suffix: CSV (``.csv``, ``.txt``), Excel (``.xlsx``, ``.xlsm``: the first sheet, the
first row names the columns), Parquet (``.parquet``, ``.pq``) and JSON Lines (``.jsonl``,
``.ndjson``, ``.json``: one object per line). CSV text is decoded with the encoding given, or
detected: a UTF-8 (or UTF-16) byte order mark, else strict UTF-8, else GB18030 (a superset of
GBK and GB2312, what Chinese Excel and most Chinese shop systems write), else
charset-normalizer's best guess.

A file the format's reader cannot parse (a CSV line with more cells than the header, a quote
never closed, an ``.xlsx`` that is no workbook, a ``.parquet`` that is no Parquet) is refused
whole, ``import.unreadable`` naming where, rather than guessed at: pandas would read a first
row with extra cells as an index and load the cells after it as the row. A file with nothing in
it is a table of no rows.

Every cell stays as the file has it (text from CSV; numbers, datetimes and booleans from the
typed formats) in an ``object`` frame indexed by the row's position (0 = the first data row),
so a rejected row can be written back exactly as it came.
"""

from __future__ import annotations

import codecs
import io
import json
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from teamgraph.errors import ValidationError

FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


@dataclass
class Table:
    """The cells of one file. ``unreadable`` holds rows that could not be parsed at all
    (a JSON line that is not an object): position -> (raw text, reason)."""

    path: Path
    format: str
    frame: pd.DataFrame
    encoding: str | None = None
    unreadable: dict[int, tuple[str, str]] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]


def read(path: Path, *, encoding: str | None = None) -> Table:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValidationError(
            "import.format",
            f"{path.name}: unknown format; use one of {', '.join(sorted(FORMATS))}",
            field="file",
        )
    if not path.is_file():
        raise ValidationError("import.file", f"{path}: no such file", field="file")
    if fmt == "csv":
        return _csv(path, encoding)
    if fmt == "excel":
        return _excel(path)
    if fmt == "parquet":
        return _parquet(path)
    return _jsonl(path, encoding)


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text of ``data`` and the encoding it was read with (see the module docstring)."""
    if encoding:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            raise ValidationError(
                "import.encoding", f"unknown encoding {encoding!r}", field="encoding"
            ) from None
        if name == "utf-8":
            name = "utf-8-sig"  # a BOM is never part of the data
        try:
            return data.decode(name), name
        except UnicodeDecodeError as exc:
            raise ValidationError(
                "import.encoding",
                f"the file is not {encoding}: byte {exc.start} cannot be decoded",
                field="encoding",
            ) from None
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    for name in ("utf-8", "gb18030"):
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ValidationError(
            "import.encoding",
            "cannot tell the file's encoding; give it with --encoding",
            field="encoding",
        )
    return str(best), best.encoding


def _unreadable(path: Path, what: str, why: Exception | str) -> ValidationError:
    reason = str(why).replace("Error tokenizing data. C error: ", "").strip() or repr(why)
    return ValidationError(
        "import.unreadable", f"{path.name} cannot be read as {what}: {reason}", field="file"
    )


def _csv(path: Path, encoding: str | None) -> Table:
    """The file is decoded whole once to tell (or check) its encoding, and that text dropped:
    pandas reads the bytes in that encoding, so a large file is never held as text beside its
    frame (a 100 MB file peaked at 855 MB read through a StringIO, docs/reliability.md)."""
    data = path.read_bytes()
    used = decode(data, encoding)[1]
    try:
        with warnings.catch_warnings():
            # the warning of a first row longer than the header, whose cells would be lost
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.BytesIO(data), encoding=used, dtype=str, keep_default_na=False,
                na_filter=False, skip_blank_lines=True, index_col=False,
            ).astype(object)  # fmt: skip
    except pd.errors.EmptyDataError:
        return Table(path, "csv", pd.DataFrame(dtype=object), encoding=used)
    except pd.errors.ParserWarning:
        raise _unreadable(path, "CSV", "a row has more cells than the header") from None
    except pd.errors.ParserError as exc:
        raise _unreadable(path, "CSV", exc) from None
    except UnicodeDecodeError as exc:
        raise ValidationError(
            "import.encoding",
            f"the file is not {used}: byte {exc.start} cannot be decoded; give the encoding "
            "with --encoding",
            field="encoding",
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return Table(path, "csv", frame.reset_index(drop=True), encoding=used)


def _excel(path: Path) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        raise _unreadable(path, "Excel (.xlsx)", exc) from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return Table(path, "excel", pd.DataFrame(dtype=object))
        names = [
            str(h).strip() if h is not None else f"column{i + 1}" for i, h in enumerate(header)
        ]
        data = [list(r) for r in rows if any(c is not None and c != "" for c in r)]
    finally:
        book.close()
    width = len(names)
    data = [(r + [None] * width)[:width] for r in data]
    return Table(path, "excel", pd.DataFrame(data, columns=names, dtype=object))


def _parquet(path: Path) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except pa.ArrowException as exc:
        raise _unreadable(path, "Parquet", exc) from None
    records = table.to_pylist()
    return Table(path, "parquet", pd.DataFrame(records, columns=table.column_names, dtype=object))


def _jsonl(path: Path, encoding: str | None) -> Table:
    text, used = decode(path.read_bytes(), encoding)
    records: list[dict[str, Any]] = []
    unreadable: dict[int, tuple[str, str]] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            obj, why = None, f"not JSON ({exc.msg})"
        else:
            why = "not a JSON object"
        if isinstance(obj, dict):
            records.append(obj)
        else:
            unreadable[len(records)] = (line, why)
            records.append({})
    columns: dict[str, None] = {}
    for r in records:
        columns.update(dict.fromkeys(r))
    frame = pd.DataFrame(records, columns=list(columns), dtype=object)
    return Table(path, "jsonl", frame, encoding=used, unreadable=unreadable)
