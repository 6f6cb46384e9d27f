"""Cursors: where the next page of a list starts (docs/api.md "Lists and cursors").

Every paged list (a distributor's clients, invitees and ledger, the withdrawals, the rings)
answers ``next_cursor``, and takes it back as ``cursor`` for the next page. A cursor is opaque
to callers: the URL-safe base64 (unpadded) of a JSON array, the list's name and then its
position in the list (the last item's id, a time and an id, an offset). One rule for all of
them: a cursor that this list did not hand out — malformed text, another list's cursor, a
position of the wrong type or holding a character no id may hold — is refused with 422
``request.cursor`` (field ``cursor``), never read as "from the start" or as an empty page.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from teamgraph.errors import ValidationError
from teamgraph.rules.ids import id_problem

CODE = "request.cursor"
MAX_LENGTH = 2048
"""Longer than any cursor a list hands out (a ledger entry's id is built from two ids of up to
128 characters, each up to 4 bytes in UTF-8, and base64 adds a third)."""
_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")


def encode(kind: str, *position: str | int) -> str:
    """The cursor of list ``kind`` at ``position``."""
    text = json.dumps([kind, *position], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode("ascii").rstrip("=")


def decode(kind: str, cursor: str | None, *types: type[str] | type[int]) -> tuple[Any, ...] | None:
    """The position ``cursor`` holds, of one value per item of ``types``; None for no cursor
    (the first page). :class:`ValidationError` ``request.cursor`` for anything :func:`encode`
    did not make for ``kind``: a text part must be a possible id (docs/choices.md I-1), an int
    part a non-negative int."""
    if cursor is None:
        return None
    if len(cursor) > MAX_LENGTH or not _ALPHABET.fullmatch(cursor):
        raise _refused(kind)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw.decode())
    except (ValueError, binascii.Error, UnicodeDecodeError, TypeError):
        raise _refused(kind) from None
    if (
        not isinstance(value, list)
        or len(value) != len(types) + 1
        or value[0] != kind
        or not all(_fits(part, t) for part, t in zip(value[1:], types, strict=True))
    ):
        raise _refused(kind)
    return tuple(value[1:])


def _fits(part: object, kind: type[str] | type[int]) -> bool:
    if kind is int:
        return type(part) is int and part >= 0
    return isinstance(part, str) and id_problem(part, max_length=None) is None


def refused(kind: str) -> ValidationError:
    """The 422 of a cursor of ``kind`` that decodes but does not fit the request (e.g. a page
    of another sort order)."""
    return _refused(kind)


def _refused(kind: str) -> ValidationError:
    return ValidationError(
        CODE,
        f"cursor: not a cursor of this list ({kind}): send the `next_cursor` of its previous "
        "page, or no cursor for the first",
        field="cursor",
    )
