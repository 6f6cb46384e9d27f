"""Ids: what a customer, distributor, order, product or event id may hold (docs/choices.md I-1).

Every id is compared, constrained unique and stored as a graph key, so an id carries no
character a person cannot see or type: no control characters (U+0000–U+001F, U+007F–U+009F),
no format characters (zero-width spaces and joiners, bidi overrides and isolates, U+FEFF), no
line or paragraph separators; it is not blank, and it is at most :data:`MAX_ID_LENGTH`
characters. It is taken in Unicode NFC, so the same text typed two ways is one id. FalkorDB
4.16 dies on a uniquely constrained id holding U+0001 or made only of spaces: this check is
what keeps such a value from ever reaching it (the API's id fields, and the stores before any
write, teamgraph.graph.store.check_keys).
"""

from __future__ import annotations

import unicodedata

MAX_ID_LENGTH = 128
_FORBIDDEN = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
"""Unicode categories no id may hold: control, format, line and paragraph separators,
surrogates, private use and unassigned."""


def id_problem(value: object, max_length: int | None = MAX_ID_LENGTH) -> str | None:
    """Why ``value`` cannot be an id, or None when it can (as it is: call :func:`normal_id`
    first to take it in NFC). ``max_length`` None: any length (ids built from ids, such as a
    ledger entry's, are longer than the ids they are built from)."""
    if not isinstance(value, str):
        return "an id is text"
    if not value.strip():
        return "an id is not blank"
    if max_length is not None and len(value) > max_length:
        return f"an id is at most {max_length} characters"
    if value.isascii() and value.isprintable():
        return None  # the common case, decided in C
    for ch in value:
        if unicodedata.category(ch) in _FORBIDDEN:
            return f"an id holds no invisible or control character (U+{ord(ch):04X})"
    return None


def normal_id(value: str) -> str:
    """``value`` in NFC; raises ValueError with the reason when it cannot be an id."""
    if not isinstance(value, str):
        raise ValueError("an id is text")
    value = unicodedata.normalize("NFC", value)
    problem = id_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value
