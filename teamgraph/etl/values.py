"""Reading one cell of an import file into a plain value, or saying why it cannot be read.

Cells come as the file gives them: text from CSV, numbers / datetimes / booleans from Excel,
Parquet and JSON Lines. Every parser takes the cell and returns a plain Python value, or
raises :class:`CellError` whose message names the problem (the caller prefixes the field).
An empty cell (``None``, NaN, blank text) is "not given": :func:`given` says so, and parsers
are only called on given cells.

Money is exact (R-3.9): fen are integers; with ``money="yuan"`` a cell is a decimal with at
most two places, converted through :class:`~decimal.Decimal`, never through a float. A float
cell (Excel, a JSON number with a fraction, a Parquet double) is read by its shortest decimal
representation, the number the user typed. Times are ISO-8601 with an offset or epoch
milliseconds; a time without an offset takes ``tz`` and is refused when there is none.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from zoneinfo import ZoneInfo

from teamgraph.rules.ids import normal_id
from teamgraph.rules.money import MAX_FEN, MAX_QTY

Money = Literal["fen", "yuan"]

MAX_EPOCH_MS = 32_503_680_000_000  # year 3000
_INT = re.compile(r"^[+-]?\d+$")
_YUAN = re.compile(r"^\+?(\d+)(?:\.(\d{1,2}))?$")
_DECIMAL = re.compile(r"^[+-]?\d*\.?\d+$")
_TRUE = {"1", "true", "t", "yes", "y", "是"}
_FALSE = {"0", "false", "f", "no", "n", "否"}


class CellError(ValueError):
    """A cell that cannot be read; the message says why, without the field name."""


def given(value: Any) -> bool:
    """False for an empty cell: None, NaN / NaT, or blank text."""
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    if isinstance(value, str):
        return bool(value.strip())
    try:  # pandas NaT / NA
        import pandas as pd

        return not bool(pd.isna(value))
    except (TypeError, ValueError):
        return True


def text(value: Any) -> str:
    """An id or a name: text as given (trimmed); integral numbers without a fraction."""
    if isinstance(value, bool):
        raise CellError("not text")
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value).strip()


def ident(value: Any) -> str:
    """An id (docs/choices.md I-1): text as given (trimmed), in Unicode NFC, refused when blank,
    longer than 128 characters or holding a control or invisible character."""
    try:
        return normal_id(text(value))
    except ValueError as exc:
        raise CellError(str(exc)) from None


def _number_text(value: Any) -> str:
    if isinstance(value, bool):
        raise CellError("not a number")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError("not a number")
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value).strip()


def integer(value: Any) -> int:
    """A whole number: an int, an integral float, or digits."""
    if isinstance(value, bool):
        raise CellError("not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raw = _number_text(value)
    if _INT.match(raw):
        return int(raw)
    raise CellError("not an integer")


def count(value: Any) -> int:
    """A quantity (or a level): a whole number from 1 to :data:`~teamgraph.rules.money.MAX_QTY`,
    as over the API."""
    n = integer(value)
    if n < 1:
        raise CellError(f"{n} is not a positive quantity")
    if n > MAX_QTY:
        raise CellError(f"{n} is more than {MAX_QTY}")
    return n


def basis_points(value: Any) -> int:
    n = integer(value)
    if n < 0:
        raise CellError(f"{n} is negative")
    return n


def money(value: Any, unit: Money) -> int:
    """Integer fen from a cell in ``unit``: fen (an integer) or yuan (≤ 2 decimal places), from
    0 to :data:`~teamgraph.rules.money.MAX_FEN` as over the API."""
    if unit == "fen":
        try:
            n = integer(value)
        except CellError:
            raw = _number_text(value)
            hint = " (decimal yuan? use --money yuan)" if _DECIMAL.match(raw) else ""
            raise CellError(f"not an integer{hint}") from None
    else:
        raw = _number_text(value)
        match = _YUAN.match(raw)
        if not match:
            if raw.startswith("-") and _DECIMAL.match(raw):
                raise CellError(f"{raw} is negative")
            if _DECIMAL.match(raw):
                raise CellError(f"{raw} yuan has more than 2 decimal places")
            raise CellError(f"{raw!r} is not an amount in yuan")
        try:
            n = int(Decimal(raw) * 100)
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            raise CellError(f"{raw!r} is not an amount in yuan") from None
    if n < 0:
        raise CellError(f"{n} is negative")
    if n > MAX_FEN:
        raise CellError(f"{n} fen is more than one amount can be ({MAX_FEN} fen)")
    return n


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raw = str(value).strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise CellError(f"{value!r} is not true or false")


def instant(value: Any, tz: str | None) -> int:
    """Epoch ms (UTC) from ISO-8601 with an offset, epoch ms, or a datetime cell; a time
    without an offset takes ``tz`` and is refused when ``tz`` is None. From 1970 to 2999 in
    either form, as over the API."""
    if isinstance(value, bool):
        raise CellError("not a time")
    if isinstance(value, int | float) or (isinstance(value, str) and _INT.match(value.strip())):
        ms = integer(value)
        if not 0 <= ms < MAX_EPOCH_MS:
            raise CellError(f"{ms} is out of range for epoch milliseconds")
        return ms
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        try:
            import pandas as pd

            if isinstance(value, pd.Timestamp):
                moment = value.to_pydatetime()
            else:
                moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise CellError(f"{value!r} is not ISO-8601 or epoch ms") from None
    if moment.tzinfo is None:
        if tz is None:
            raise CellError(f"{value!s} has no time zone (give an offset or --tz)")
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    ms = int(moment.timestamp() * 1000)
    if not 0 <= ms < MAX_EPOCH_MS:
        raise CellError(f"{value!s} is out of range (1970 to 2999)")
    return ms


def unix_seconds(value: Any) -> int | None:
    """CRMEB-style unix seconds to epoch ms; 0 means "not set" (None)."""
    n = integer(value)
    if n < 0:
        raise CellError(f"{n} is negative")
    return n * 1000 if n else None


def items(value: Any) -> list[str]:
    """A ``;``-separated list (or a list cell), blanks left out."""
    if isinstance(value, list | tuple):
        parts = [text(v) for v in value]
    else:
        parts = [p.strip() for p in str(value).split(";")]
    return [p for p in parts if p]
