"""Money as people read it, from integer fen, without floats (R-3.9)."""

from __future__ import annotations


def yuan(fen: int) -> str:
    """Integer fen as a yuan string with two decimals: ``yuan(1234) == "12.34"``,
    ``yuan(-5) == "-0.05"`` (integer arithmetic only, R-3.9)."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"fen must be an int, got {type(fen).__name__}")
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"
