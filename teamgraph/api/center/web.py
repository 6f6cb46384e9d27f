"""The center's web plumbing shared by its pages: the router, the session cookie resolved to a
caller, the language, the form token and page rendering (see the package's docstring)."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from teamgraph import callers
from teamgraph.api.center import text
from teamgraph.errors import AuthError, EngineError, TeamgraphError
from teamgraph.graph import Engine
from teamgraph.shop.center import APPLICANT, SESSION_SECONDS

COOKIE: Final = "tg_center"
LANG_COOKIE: Final = "tg_lang"
PATH: Final = "/center"
_HERE = Path(__file__).parent
CSS = (_HERE / "static" / "center.css").read_bytes()
CSS_NAME: Final = f"center.{hashlib.sha256(CSS).hexdigest()[:12]}.css"
"""The stylesheet's name carries its content's hash: cached for a year, renamed on change."""

NAV: Final = (
    ("home", f"{PATH}/"),
    ("team", f"{PATH}/team"),
    ("commission", f"{PATH}/commission"),
    ("promote", f"{PATH}/promote"),
    ("withdraw", f"{PATH}/withdraw"),
    ("leaderboard", f"{PATH}/leaderboard"),
)
"""The tabs of a signed-in page, in order: (text key ``nav.<key>``, address)."""

router = APIRouter(prefix=PATH, include_in_schema=False)
templates = Jinja2Templates(directory=_HERE / "templates")


def language(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in text.LANGS:
        return asked
    header = request.headers.get("accept-language", "").strip().lower()
    return text.EN if header.startswith("en") else text.ZH


def render(
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


def message_page(request: Request, key: str, status: int) -> HTMLResponse:
    lang = language(request)
    return render(request, "message.html", lang, status, message=key)


def is_applicant(request: Request) -> bool:
    """Whether the cookie holds an applicant's session (C-4) rather than a distributor's."""
    secret = (request.cookies.get(COOKIE) or "").partition(".")[2]
    return secret.startswith(APPLICANT)


def set_session(response: Response, request: Request, key: str) -> None:
    """Keep ``key`` in the session cookie (C-2): HttpOnly, ``/center`` only, Lax, Secure on
    HTTPS, for the session's lifetime."""
    response.set_cookie(
        COOKIE,
        key,
        max_age=SESSION_SECONDS,
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def failure_page(request: Request, exc: TeamgraphError) -> HTMLResponse:
    """The page a signed-in page answers when it cannot be served: the engine away (503), no or
    an ended session (401), anything else refused (403)."""
    if isinstance(exc, EngineError):
        return message_page(request, "unavailable", 503)
    if isinstance(exc, AuthError):
        return message_page(request, "signed_out", 401)
    return message_page(request, "refused.unknown", 403)


def form_token_ok(sent: str, key: str) -> bool:
    """Whether a form's token is the session's, compared in constant time (as bytes: a forged
    token may hold any character, and ``compare_digest`` refuses non-ASCII text)."""
    return hmac.compare_digest(sent.encode(), form_token(key).encode())


def form_token(key: str) -> str:
    """The form token of a session: derived from its secret, which only its browser holds."""
    return hmac.new(key.encode(), b"teamgraph-center-form", hashlib.sha256).hexdigest()[:32]


def session_caller(request: Request) -> tuple[callers.Caller, str]:
    key = request.cookies.get(COOKIE)
    if not key:
        raise AuthError("auth.missing_key", "no session")
    engine: Engine = request.app.state.engine
    caller = callers.resolve(engine, key)
    if not caller.is_distributor:  # a merchant's key pasted into a cookie is not a session
        raise AuthError("auth.invalid_key", "not a distributor session")
    return caller, key
