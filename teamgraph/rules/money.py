"""Integers for money and counts, and money as people read it, from integer fen, without
floats (R-3.9)."""

from __future__ import annotations

MAX_FEN = 10**12
"""The largest amount one money value takes, over the API and in imports (10 billion yuan): far
above any order, far below what the graph engines' 64-bit integers hold when amounts are
summed."""
MAX_QTY = 1_000_000
"""The largest quantity of one order line, over the API and in imports."""


def require_int(value: object, what: str) -> int:
    """``value`` if it is an int, else :class:`TypeError` naming ``what``: fen, basis points,
    counts and epoch ms are ints. ``bool`` is an int subclass but never an amount, and floats
    never touch money (R-3.9)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}")
    return value


def yuan(fen: int) -> str:
    """Integer fen as a yuan string with two decimals: ``yuan(1234) == "12.34"``,
    ``yuan(-5) == "-0.05"`` (integer arithmetic only, R-3.9)."""
    fen = require_int(fen, "fen")
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"
