"""The center's sign-in and home pages: entering with a link (C-2), the stylesheet, home and
signing out."""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from teamgraph.api.center.views import home_view
from teamgraph.api.center.web import (
    COOKIE,
    CSS,
    CSS_NAME,
    NAV,
    PATH,
    failure_page,
    form_token,
    form_token_ok,
    is_applicant,
    language,
    message_page,
    render,
    router,
    session_caller,
    set_session,
)
from teamgraph.errors import AuthError, EngineError, NotFound, TeamgraphError, ValidationError
from teamgraph.graph import Engine
from teamgraph.shop import Shop, split_key

_REFUSALS: Final = {
    "center.link_unknown": "refused.unknown",
    "center.link_used": "refused.used",
    "center.link_expired": "refused.expired",
}


@router.get("/enter")
def enter(request: Request, t: str = "") -> Response:
    """C-2: use the link up, keep the session in a cookie, and go to the home page."""
    engine: Engine = request.app.state.engine
    try:
        shop_id, _ = split_key(t)
        shop = Shop.open(engine, shop_id)
        key, _member, distributor = shop.open_center_link(t)
    except EngineError:
        return message_page(request, "unavailable", 503)
    except (AuthError, NotFound, ValidationError) as exc:
        return message_page(request, _REFUSALS.get(exc.code, "refused.unknown"), 403)
    where = f"{PATH}/" if distributor else f"{PATH}/apply"  # C-4: a customer may apply
    response = RedirectResponse(where, status_code=303)
    set_session(response, request, key)
    return response


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name != CSS_NAME:
        return Response(status_code=404)
    return Response(
        CSS,
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


@router.get("/")
def home(request: Request) -> Response:
    lang = language(request)
    if is_applicant(request):  # C-4: not a distributor (yet): the application page
        return RedirectResponse(f"{PATH}/apply", status_code=303)
    try:
        caller, key = session_caller(request)
        view = home_view(caller.shop, str(caller.distributor_id))
    except TeamgraphError as exc:
        return failure_page(request, exc)
    return render(
        request, "home.html", lang, view=view, csrf=form_token(key), nav=NAV, active="home"
    )


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Sign out (C-2): the session ends now; a form without the session's token is refused."""
    form = parse_qs((await request.body()).decode(errors="replace"))
    return await run_in_threadpool(_logout, request, (form.get("csrf") or [""])[0])


def _logout(request: Request, csrf: str) -> Response:
    try:
        caller, key = session_caller(request)
    except (AuthError, EngineError):
        return message_page(request, "signed_out", 401)
    if not form_token_ok(csrf, key):
        return message_page(request, "refused.form", 403)
    caller.shop.end_center_session(key)
    response = message_page(request, "signed_out", 200)
    response.delete_cookie(COOKIE, path=PATH)
    return response
