"""``GET/PUT /v1/settings`` (merchant): the program settings with R-1.9 timing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from teamgraph.api.deps import MerchantDep, ReaderDep
from teamgraph.clock import now_ms
from teamgraph.errors import Conflict
from teamgraph.rules.settings import ProgramSettings
from teamgraph.rules.timeutil import iso

router = APIRouter(prefix="/v1", tags=["settings"])


def _public(s: ProgramSettings, now: int) -> dict[str, Any]:
    out = s.public(now)
    if out["pending"] is not None:
        out["pending"]["effective_at"] = iso(out["pending"]["effective_at"], s.timezone)
    return out


@router.get("/settings")
def get_settings(caller: ReaderDep) -> dict[str, Any]:
    shop = caller.shop
    now = now_ms()
    return _public(shop.settings(now=now), now)


@router.put("/settings")
def put_settings(
    caller: MerchantDep,
    patch: dict[str, Any] = Body(  # noqa: B008 - FastAPI's idiom
        ..., examples=[{"attribution_mode": "sharer"}, {"tiers": 2, "settle_days": 7}]
    ),
) -> dict[str, Any]:
    """Change any subset of the settings (docs/api.md "Settings").

    A mode change answers with `pending: {attribution_mode, effective_at}` (R-1.9); a second
    change within 3 days is 409 `settings.too_soon` with `retry_after`. Tiers = 3 answers with a
    warning (R-3.7).
    """
    shop = caller.shop
    now = now_ms()
    try:
        new, warnings = shop.update_settings(patch, now=now)
    except Conflict as exc:
        if "retry_after" in exc.extra:
            exc.extra["retry_after"] = iso(
                exc.extra["retry_after"], shop.settings(now=now).timezone
            )
        raise
    out = _public(new, now)
    out["warnings"] = warnings
    return out
