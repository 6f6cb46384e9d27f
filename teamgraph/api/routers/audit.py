"""The audit log (docs/api.md "Audit log"; issue 16): every decision by a person, a key or the
program, newest first, with filters, as a page or a CSV/xlsx download.

Merchant and analyst keys read it; distributor keys are refused (403). The download is one
table built by :func:`_table` for both formats, its text cells made formula-inert (X-1).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from teamgraph.api import exports
from teamgraph.api.deps import ReaderDep
from teamgraph.api.render import public
from teamgraph.api.schemas import MAX_LIMIT, CursorQuery, Instant, Page, Time
from teamgraph.clock import now_ms
from teamgraph.rules.timeutil import parse_instant

router = APIRouter(prefix="/v1/audit", tags=["audit"])


class ChangePublic(BaseModel):
    """One decision: ``action`` is ``<kind>.<verb>`` (``settings.update``,
    ``distributor.approve``, ``withdrawal.pay``, ``key.revoke``, …), ``object`` the kind of
    thing changed and ``object_id`` its id; ``actor`` the key's name (or the program's word:
    ``auto``, ``risk-engine``, ``catch-up``, ``cli``, …) and ``actor_key`` the key's public id
    (null for the program). ``before`` / ``after`` say what changed: a status, a level, a
    distributor id, or JSON text (settings, a key's record)."""

    id: str
    at: Time
    action: str
    object: str | None
    object_id: str | None
    actor: str | None
    actor_key: str | None
    reason: str | None
    before: str | int | None
    after: str | int | None


COLUMNS: list[exports.Column] = [
    exports.Column(name)
    for name in (
        "at", "action", "object", "object_id", "actor", "actor_key", "reason", "before",
        "after", "id",
    )
]  # fmt: skip


@router.get(
    "",
    response_model=Page[ChangePublic],
    responses=exports.ANSWERS,
)
def audit_log(
    caller: ReaderDep,
    actor: Annotated[
        str | None, Query(min_length=1, max_length=64, description="a key's public id")
    ] = None,
    kind: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            description="an action (`key.revoke`) or an object kind (`withdrawal`, `settings`)",
        ),
    ] = None,
    object: Annotated[
        str | None, Query(min_length=1, max_length=256, description="the changed object's id")
    ] = None,
    from_: Annotated[
        Instant | None,
        Query(alias="from", description="from this time on (ISO-8601 or epoch ms)"),
    ] = None,
    to: Annotated[
        Instant | None, Query(description="before this time (ISO-8601 or epoch ms)")
    ] = None,
    format: Literal["json", "csv", "xlsx"] = "json",
    limit: Annotated[int | None, Query(ge=1, le=MAX_LIMIT)] = None,
    cursor: CursorQuery = None,
) -> Any:
    """The audit log, newest first, each filter optional: `actor` (a key id), `kind`,
    `object`, the period `[from, to)`. `csv` (UTF-8 with BOM, for Excel) and `xlsx` are
    downloads `audit.<format>` of every match (at most 20,000: 422 `export.too_large`), or of
    one page when `limit` is given (`X-Next-Cursor` names the next)."""
    shop = caller.shop
    now = now_ms()
    filters: dict[str, Any] = {
        "actor": actor,
        "kind": kind,
        "object_id": object,
        "start": _at(from_, now, "from"),
        "end": _at(to, now, "to"),
    }
    if format == "json" or limit is not None:
        page = shop.audit_log(**filters, limit=limit or 50, cursor=cursor)
    else:
        page = exports.every_page(
            lambda at: shop.audit_log(**filters, limit=MAX_LIMIT, cursor=at),
            cursor,
            what="changes",
            narrow="narrow the period or the filters",
            field="from",
        )
    rendered = public(shop, page)
    if format == "json":
        return rendered
    extra = {"X-Next-Cursor": page["next_cursor"]} if page["next_cursor"] else None
    rows = [[_cell(c.get(col.name)) for col in COLUMNS] for c in rendered["items"]]
    return exports.download(format, "audit", COLUMNS, rows, headers=extra)


def _at(value: int | str | None, now: int, field: str) -> int | None:
    """A period bound: ISO-8601 or epoch ms (a query string of digits alone is epoch ms)."""
    if value is None:
        return None
    digits = isinstance(value, str) and value.isdigit()
    return parse_instant(int(value) if digits else value, now=now, field=field)


def _cell(value: Any) -> exports.Cell:
    return value if value is None or isinstance(value, str | int | bool) else str(value)
