"""The distributor center (分销中心): light pages for a distributor's phone, served by the API.

A mall's backend signs its member in (``POST /v1/distributors/{id}/sessions``, C-1 in
:mod:`teamgraph.shop.center`) and sends the browser to the link; ``/center/enter`` uses the
link up and keeps the session in an HttpOnly cookie scoped to ``/center`` (C-2), so no key is
left in the URL. Every page resolves the cookie as the API resolves a distributor key
(``teamgraph.callers``): a session reads its own distributor and nothing else.

The pages are rendered on the server (Jinja2) with one small stylesheet, fingerprinted and
cached for a year; no script is needed to read them. zh-CN by default, English when the
browser asks for it first or the visitor switches (a cookie keeps the choice). Amounts are in
yuan, times in the shop's time zone. Forms carry a token derived from the session (a request
from another site cannot know it) besides the cookie's ``SameSite=Lax``.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from teamgraph import callers
from teamgraph.api.center import text
from teamgraph.api.center.views import home_view
from teamgraph.errors import AuthError, EngineError, NotFound, TeamgraphError, ValidationError
from teamgraph.graph import Engine
from teamgraph.shop import Shop, split_key
from teamgraph.shop.center import SESSION_SECONDS

COOKIE: Final = "tg_center"
LANG_COOKIE: Final = "tg_lang"
PATH: Final = "/center"
_HERE = Path(__file__).parent
_CSS = (_HERE / "static" / "center.css").read_bytes()
CSS_NAME: Final = f"center.{hashlib.sha256(_CSS).hexdigest()[:12]}.css"
"""The stylesheet's name carries its content's hash: cached for a year, renamed on change."""

router = APIRouter(prefix=PATH, include_in_schema=False)
templates = Jinja2Templates(directory=_HERE / "templates")


def install(app: FastAPI) -> None:
    app.include_router(router)


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in text.LANGS:
        return asked
    header = request.headers.get("accept-language", "").strip().lower()
    return text.EN if header.startswith("en") else text.ZH


def _page(
    request: Request, template: str, lang: str, status: int = 200, **context: Any
) -> HTMLResponse:
    response = templates.TemplateResponse(
        request,
        template,
        {"t": text.translator(lang), "lang": lang, "css": f"{PATH}/static/{CSS_NAME}", **context},
        status_code=status,
    )
    if request.query_params.get("lang") in text.LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path=PATH, samesite="lax")
    response.headers["Cache-Control"] = "no-store"  # a person's money: never kept by a proxy
    return response


def _message(request: Request, key: str, status: int) -> HTMLResponse:
    lang = _lang(request)
    return _page(request, "message.html", lang, status, message=key)


def _csrf(key: str) -> str:
    """The form token of a session: derived from its secret, which only its browser holds."""
    return hmac.new(key.encode(), b"teamgraph-center-form", hashlib.sha256).hexdigest()[:32]


def _caller(request: Request) -> tuple[callers.Caller, str]:
    key = request.cookies.get(COOKIE)
    if not key:
        raise AuthError("auth.missing_key", "no session")
    engine: Engine = request.app.state.engine
    caller = callers.resolve(engine, key)
    if not caller.is_distributor:  # a merchant's key pasted into a cookie is not a session
        raise AuthError("auth.invalid_key", "not a distributor session")
    return caller, key


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
        key, _distributor = shop.open_center_link(t)
    except EngineError:
        return _message(request, "unavailable", 503)
    except (AuthError, NotFound, ValidationError) as exc:
        return _message(request, _REFUSALS.get(exc.code, "refused.unknown"), 403)
    response = RedirectResponse(f"{PATH}/", status_code=303)
    response.set_cookie(
        COOKIE,
        key,
        max_age=SESSION_SECONDS,
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name != CSS_NAME:
        return Response(status_code=404)
    return Response(
        _CSS,
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


@router.get("/")
def home(request: Request) -> Response:
    lang = _lang(request)
    try:
        caller, key = _caller(request)
        view = home_view(caller.shop, str(caller.distributor_id))
    except EngineError:
        return _message(request, "unavailable", 503)
    except AuthError:
        return _message(request, "signed_out", 401)
    except TeamgraphError:
        return _message(request, "refused.unknown", 403)
    return _page(request, "home.html", lang, view=view, csrf=_csrf(key))


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Sign out (C-2): the session ends now; a form without the session's token is refused."""
    form = parse_qs((await request.body()).decode(errors="replace"))
    return await run_in_threadpool(_logout, request, (form.get("csrf") or [""])[0])


def _logout(request: Request, csrf: str) -> Response:
    try:
        caller, key = _caller(request)
    except (AuthError, EngineError):
        return _message(request, "signed_out", 401)
    if not hmac.compare_digest(csrf, _csrf(key)):
        return _message(request, "refused.form", 403)
    caller.shop.end_center_session(key)
    response = _message(request, "signed_out", 200)
    response.delete_cookie(COOKIE, path=PATH)
    return response
