"""The center's commission page (issue 15): every commission entry (C-6 of
:mod:`teamgraph.shop.center_pages`) with its order, buyer (masked), tier, amount in yuan and
status: pending with its settle date, settled, held, or a clawback with its refund. Filtered by
month (the shop's calendar) and status, paged newest first; one read a page, buyers included."""

from __future__ import annotations

import re
from typing import Any, Final

from fastapi import Request
from fastapi.responses import HTMLResponse

from teamgraph.api.center.lists import day, mask_name, more_link, page_size, signed_in_page
from teamgraph.api.center.web import PATH, router
from teamgraph.rules.money import yuan
from teamgraph.shop import Shop
from teamgraph.shop.center_pages import COMMISSION_STATUSES

_MONTH: Final = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


@router.get("/commission")
def commission_page(request: Request) -> HTMLResponse:
    params = request.query_params

    def build(shop: Shop, distributor_id: str, tz: str) -> dict[str, Any]:
        return commission_view(
            shop,
            distributor_id,
            tz,
            month=params.get("month") or "",
            status=params.get("status") or "",
            limit=page_size(params.get("limit")),
            cursor=params.get("cursor") or None,
        )

    return signed_in_page(request, "commission.html", "commission", build)


def commission_view(
    shop: Shop,
    distributor_id: str,
    tz: str,
    *,
    month: str,
    status: str,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """The page's values; a month or status the form cannot send is ignored (all of them)."""
    month = month if _MONTH.fullmatch(month) else ""
    status = status if status in COMMISSION_STATUSES else ""
    page = shop.commission_entries(
        distributor_id, month=month or None, status=status or None, limit=limit, cursor=cursor
    )
    filters: dict[str, Any] = {"month": month, "status": status}
    if limit != page_size(None):
        filters["limit"] = limit
    return {
        "month": month,
        "status": status,
        "statuses": COMMISSION_STATUSES,
        "rows": [_entry(e, tz) for e in page["items"]],
        "more": more_link(f"{PATH}/commission", filters, page["next_cursor"]),
    }


def _entry(e: dict[str, Any], tz: str) -> dict[str, Any]:
    points = e["unit"] == "point"
    amount = int(e["amount"])
    return {
        "kind": e["kind"],
        "status": "clawback" if e["kind"] == "clawback" else e["status"],
        "at": day(e["at"], tz),
        "settle_on": day(e.get("settle_at"), tz),
        "order_id": e.get("order_id"),
        "buyer": mask_name(e.get("buyer_name"), e.get("buyer_id")) if e.get("buyer_id") else None,
        "tier": e.get("tier"),
        "points": points,
        "amount": str(amount) if points else yuan(amount),
        "refund_id": e.get("refund_id"),
        "returned": (str if points else yuan)(int(e.get("returned") or 0))
        if e.get("returned")
        else None,
    }
