"""``GET/PUT /v1/settings`` (merchant): the program settings with R-1.9 timing."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel, Field, StrictStr

from teamgraph.api.center.poster import SIZE as POSTER_SIZE
from teamgraph.api.center.poster import background_jpeg
from teamgraph.api.deps import MerchantDep, ReaderDep
from teamgraph.api.schemas import RequestBody
from teamgraph.clock import now_ms
from teamgraph.errors import Conflict, ValidationError
from teamgraph.rules.settings import ProgramSettings
from teamgraph.rules.timeutil import iso

router = APIRouter(prefix="/v1", tags=["settings"])
MAX_POSTER_BASE64 = 2_000_000
"""A poster background's base64 text: about 1.5 MB of image, inside the API's 2 MiB body."""


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
        new, warnings = shop.update_settings(patch, actor=caller.actor, now=now)
    except Conflict as exc:
        if "retry_after" in exc.extra:
            exc.extra["retry_after"] = iso(
                exc.extra["retry_after"], shop.settings(now=now).timezone
            )
        raise
    out = _public(new, now)
    out["warnings"] = warnings
    return out


class PosterBody(RequestBody):
    """C-5: the shop's own background of the distributor center's share poster."""

    image: Annotated[
        StrictStr,
        Field(
            min_length=1, max_length=MAX_POSTER_BASE64, description="a PNG, JPEG or WebP, base64"
        ),
    ]


class PosterPublic(BaseModel):
    width: int
    height: int
    bytes: int


@router.put("/settings/poster", response_model=PosterPublic)
def put_poster(body: PosterBody, caller: MerchantDep) -> Any:
    """C-5 (docs/integration.md): the share poster's background, cropped to the poster's
    750×1334 and kept as a JPEG. 422 `poster.invalid` for anything but a readable PNG, JPEG or
    WebP of at most 4096×4096 pixels."""
    try:
        data = base64.b64decode(body.image, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("poster.invalid", "image is not base64", field="image") from None
    jpeg = background_jpeg(data)
    caller.shop.set_poster_background(jpeg, actor=caller.actor)
    return {"width": POSTER_SIZE[0], "height": POSTER_SIZE[1], "bytes": len(jpeg)}


@router.delete("/settings/poster", status_code=204)
def delete_poster(caller: MerchantDep) -> Response:
    """Back to the poster's own gradient."""
    caller.shop.set_poster_background(None, actor=caller.actor)
    return Response(status_code=204)
