"""``GET /v1/distributors``: the distributor list as the UI's grid shows it (issue 17), paged
with a cursor (docs/api.md "Lists and cursors"), filtered by status (as read: ``dormant``
computed, R-2.1), level and a search of id, name or share code, sorted by sales, team,
clients, orders (highest first) or id. The merchant's: an integrator finds its distributors'
ids here. ``format=csv|xlsx`` downloads every match (numbers as numbers: fen as integers).

The shop query is the grid's (``Shop.distributor_table``, ``analytics.distributors``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from teamgraph.api import exports
from teamgraph.api.deps import MerchantDep
from teamgraph.api.render import public
from teamgraph.api.schemas import MAX_LIMIT, CursorQuery, Time
from teamgraph.sheets import Column

router = APIRouter(prefix="/v1/distributors", tags=["distributors"])

ListStatus = Literal["pending", "active", "dormant", "frozen", "rejected"]
Sort = Literal["sales", "team", "clients", "orders", "id"]


class DistributorRow(BaseModel):
    """One distributor of the list: status as read (``dormant`` computed, R-2.1), level, share
    code, the team counters of R-2.3 and its sales (``received_fen``: what its clients paid,
    net of refunds, R-4.2)."""

    id: str
    name: str | None
    level: int
    status: ListStatus
    code: str | None
    became_at: Time | None
    direct_clients: int
    indirect_clients: int
    invitees: int
    team_size: int
    paid_orders: int
    received_fen: int


class DistributorListPage(BaseModel):
    """A page of the list; ``total`` counts every match of the filters (all pages)."""

    items: list[DistributorRow]
    next_cursor: str | None
    total: int


COLUMNS: list[Column] = [
    Column("id"),
    Column("name"),
    Column("level", "int"),
    Column("status"),
    Column("code"),
    Column("became_at"),
    Column("direct_clients", "int"),
    Column("indirect_clients", "int"),
    Column("invitees", "int"),
    Column("team_size", "int"),
    Column("paid_orders", "int"),
    Column("received_fen", "int"),
]
"""The download's columns: one header row in English (the JSON field names), money in integer
fen, counts as numbers."""


@router.get("", response_model=DistributorListPage, responses=exports.ANSWERS)
def list_distributors(
    caller: MerchantDep,
    status: Annotated[
        list[ListStatus] | None, Query(description="repeat for several: any of them")
    ] = None,
    level: Annotated[
        list[Annotated[int, Field(ge=1, le=1000)]] | None,
        Query(description="repeat for several: any of them"),
    ] = None,
    search: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=128,
            pattern=r"^[^\x00-\x1f\x7f]+$",
            description="part of the id, the name or the share code (no control characters)",
        ),
    ] = None,
    sort: Sort = "sales",
    format: Literal["json", "csv", "xlsx"] = "json",
    limit: Annotated[int | None, Query(ge=1, le=MAX_LIMIT)] = None,
    cursor: CursorQuery = None,
) -> Any:
    """The distributors matching every filter given, `limit` (default 50) at a time in `sort`
    order (then by id), with `next_cursor` for the next page and `total` matches. `csv` (UTF-8
    with BOM) and `xlsx` are downloads `distributors.<format>` of every match, or of one page
    when `limit` is given (`X-Next-Cursor` names the next)."""
    shop = caller.shop

    def read(at: str | None, n: int) -> dict[str, Any]:
        return shop.distributor_table(
            search=search,
            levels=level,
            statuses=list(status or []),
            sort=sort,
            limit=n,
            cursor=at,
        )

    if format == "json" or limit is not None:
        page = read(cursor, limit or 50)
        total = page["total"]
    else:
        total = 0
        page = exports.every_page(
            lambda at: read(at, MAX_LIMIT),
            cursor,
            what="distributors",
            narrow="narrow by status, level or search",
            field="status",
        )
    items = [{k: row.get(k) for k in DistributorRow.model_fields} for row in page["items"]]
    rendered = public(shop, {"items": items, "next_cursor": page["next_cursor"], "total": total})
    if format == "json":
        return rendered
    extra = {"X-Next-Cursor": page["next_cursor"]} if page["next_cursor"] else None
    rows = [[row[c.name] for c in COLUMNS] for row in rendered["items"]]
    return exports.download(format, "distributors", COLUMNS, rows, headers=extra)
