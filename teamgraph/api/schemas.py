"""Schema pieces the resource routers share: strict request bodies, ids, times and pages.

Requests are strict (no ``"1"`` for 1, no ``true`` for 1) and refuse unknown fields, so a bad
body is a 422 ``request.invalid`` naming the field, never a 500. Times arrive as ISO-8601 with
an offset or epoch ms and are parsed by :func:`instant` (``time.invalid``); responses carry
them as ISO-8601 strings (:mod:`teamgraph.api.render`).
"""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StrictStr

from teamgraph.errors import ValidationError
from teamgraph.rules.ids import MAX_ID_LENGTH, normal_id
from teamgraph.rules.money import MAX_FEN
from teamgraph.rules.timeutil import parse_instant

Id = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=MAX_ID_LENGTH,
        description="an id: not blank, no control or invisible characters, taken in Unicode "
        "NFC (docs/choices.md I-1)",
        examples=["c000123"],
    ),
    AfterValidator(normal_id),
]
EventId = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=MAX_ID_LENGTH,
        pattern=r"^[^:\s]+$",
        description="the event's own id (R-3.12); no `:` or spaces (ledger entry ids are built "
        "from it with `:`), no control or invisible characters (docs/choices.md I-1)",
        examples=["o-20250601-0001"],
    ),
    AfterValidator(normal_id),
]
Fen = Annotated[StrictInt, Field(le=MAX_FEN, description="integer fen (分), R-3.9")]
Reason = Annotated[StrictStr, Field(min_length=1, max_length=500)]
Instant = Annotated[
    StrictInt | StrictStr,
    Field(
        description="ISO-8601 with an offset, or epoch ms; omitted is now",
        examples=["2025-06-01T10:00:00+08:00", 1748743200000],
    ),
]
Time = Annotated[str, Field(description="ISO-8601 with the shop's offset")]

MAX_BODY_BYTES = 2 * 1024 * 1024
"""The largest request body the API reads (413 ``request.too_large`` beyond, before it is read
whole), so a body cannot fill the process's memory. Above the largest body a request needs: a
withdrawal batch of 1,000 ids of 128 characters outside the BMP, each sent as a ``\\uXXXX``
pair, is about 1.5 MiB."""

MAX_LIMIT = 500
LimitQuery = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"page size, at most {MAX_LIMIT}")
]
CursorQuery = Annotated[
    str | None,
    Query(description="`next_cursor` of the previous page; anything else is 422 `request.cursor`"),
]


class RequestBody(BaseModel):
    """The base of every request body: strict, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ReasonBody(RequestBody):
    reason: Reason | None = None


FUTURE_TOLERANCE_MS = 5 * 60_000
"""How far ahead of the server's clock an event's time may be (clock skew)."""


def instant(value: int | str | None, *, now: int, field: str = "at") -> int:
    """docs/api.md: an event's time as ISO-8601 or epoch ms, omitted is ``now``; 422
    ``time.invalid`` when malformed, ``time.future`` when ahead of ``now`` by more than
    :data:`FUTURE_TOLERANCE_MS`: the shop acts on an event's time as "now" (expiring every
    binding due by then), so an event from the future would end bindings still in force."""
    at = parse_instant(value, now=now, field=field)
    if at > now + FUTURE_TOLERANCE_MS:
        raise ValidationError(
            "time.future", f"{field}: an event cannot happen in the future", field=field
        )
    return at


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """docs/api.md "Lists and cursors": one page and the cursor of the next (``null`` on the last
    page)."""

    items: list[T]
    next_cursor: str | None
