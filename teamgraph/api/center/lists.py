"""What the center's list pages (team, commission) share: masking other people, dates in the
shop's zone, the "more" link, and a signed-in page that reads its own distributor only."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from teamgraph.api.center.web import (
    NAV,
    failure_page,
    language,
    message_page,
    render,
    session_caller,
)
from teamgraph.errors import TeamgraphError, ValidationError
from teamgraph.rules.timeutil import from_ms
from teamgraph.shop import Shop

PAGE: Final = 20
MAX_PAGE: Final = 50


def mask_name(name: str | None, fallback: str | None = None) -> str:
    """Another person as the center shows them: the first character and ``*`` (``王*``). Without
    a name, the id the same way (it may be a phone number)."""
    shown = (name or "").strip() or (fallback or "").strip()
    return f"{shown[0]}*" if shown else "*"


def day(ms: int | None, tz: str) -> str:
    """A date in the shop's time zone, ``YYYY-MM-DD``; empty when unknown."""
    return "" if ms is None else from_ms(int(ms), tz).strftime("%Y-%m-%d")


def page_size(raw: str | None) -> int:
    """``?limit=``: 1 to :data:`MAX_PAGE`, :data:`PAGE` when absent or not a number."""
    try:
        return max(1, min(MAX_PAGE, int(raw or PAGE)))
    except ValueError:
        return PAGE


def more_link(path: str, params: Mapping[str, Any], cursor: str | None) -> str | None:
    """The address of the next page: the same filters with ``cursor``; None on the last page."""
    if not cursor:
        return None
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{path}?{urlencode({**kept, 'cursor': cursor})}"


def signed_in_page(
    request: Request,
    template: str,
    active: str,
    build: Callable[[Shop, str, str], dict[str, Any]],
) -> HTMLResponse:
    """A tab of the signed-in center: ``build(shop, distributor_id, time_zone)`` for the
    session's own distributor (never one named in the request), rendered in ``template``."""
    lang = language(request)
    try:
        caller, _key = session_caller(request)
        shop = caller.shop
        view = build(shop, str(caller.distributor_id), shop.timezone())
    except ValidationError:
        return message_page(request, "team.invalid", 400)
    except TeamgraphError as exc:
        return failure_page(request, exc)
    return render(request, template, lang, view=view, nav=NAV, active=active)
