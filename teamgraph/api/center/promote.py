"""The Promote page (推广): the distributor's share link to copy, its QR code, tags for the
channel it is shared in, and the share poster as a PNG to save."""

from __future__ import annotations

from typing import Final

from fastapi import Request
from fastapi.responses import Response

from teamgraph.api.center.poster import poster_png
from teamgraph.api.center.text import translator
from teamgraph.api.center.web import (
    NAV,
    failure_page,
    language,
    render,
    router,
    session_caller,
)
from teamgraph.errors import TeamgraphError

CHANNELS: Final = ("wechat", "moments", "qq", "poster")
"""The channel tags offered (any tag of R-1.x's form works in a link; these are one tap away)."""


def _channel(request: Request) -> str | None:
    channel = request.query_params.get("channel") or None
    return channel if channel in CHANNELS else None


@router.get("/promote")
def promote(request: Request) -> Response:
    lang = language(request)
    channel = _channel(request)
    try:
        caller, _ = session_caller(request)
        share = caller.shop.share(str(caller.distributor_id), channel=channel)
    except TeamgraphError as exc:
        return failure_page(request, exc)
    return render(
        request, "promote.html", lang, share=share, channels=CHANNELS, channel=channel,
        nav=NAV, active="promote",
    )  # fmt: skip


@router.get("/poster.png")
def poster(request: Request) -> Response:
    lang = language(request)
    t = translator(lang)
    try:
        caller, _ = session_caller(request)
        did = str(caller.distributor_id)
        share = caller.shop.share(did, channel=_channel(request) or "poster")
        name = caller.shop.distributor(did).get("name") or did
        background = caller.shop.poster_background()
    except TeamgraphError as exc:
        return failure_page(request, exc)
    png = poster_png(
        caller.shop.id, name, share["code"], share["link"], t("promote.scan"), background
    )
    return Response(
        png,
        media_type="image/png",
        headers={
            "Cache-Control": "private, max-age=300",
            "Content-Disposition": f'inline; filename="poster-{share["code"]}.png"',
        },
    )
