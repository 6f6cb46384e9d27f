"""The one mapping from errors to HTTP: ``{"error": {code, rule, message, field?}}``
(docs/api.md), and its schema (:class:`ErrorBody`), which the OpenAPI document gives for every
error status (:mod:`teamgraph.api.openapi`).

A 503 (the engine does not answer) carries ``Retry-After``; a 401 ``WWW-Authenticate: Bearer``.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from teamgraph import logs
from teamgraph.api.schemas import MAX_BODY_BYTES
from teamgraph.errors import TeamgraphError

log = logs.get(__name__)


class ErrorDetail(BaseModel):
    """One error (docs/api.md "Errors"). Some codes add facts beside these keys
    (``retry_after``, ``refundable_fen``, ``withdrawable_fen``, ``min_fen``, ``max_fen``,
    ``methods``, ``max_count``, ``per``, ``status``, ``action``)."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(
        description="stable, `area.reason`: program against it", examples=["binding.self"]
    )
    rule: str | None = Field(
        description="the rule of docs/rules.md the request breaks (`R-x.y`), or null",
        examples=["R-1.8"],
    )
    message: str = Field(description="for people, in English; may change")
    field: str | None = Field(
        default=None, description="the input at fault, when there is one (absent otherwise)"
    )


class ErrorBody(BaseModel):
    """Every error answer: ``{"error": {code, rule, message, field?}}``."""

    error: ErrorDetail


def _body(code: str, message: str, rule: str | None = None, field: str | None = None) -> dict:
    err: dict = {"code": code, "rule": rule, "message": message}
    if field is not None:
        err["field"] = field
    return {"error": err}


RETRY_AFTER_S = 2
"""What a 503 asks a client to wait: an embedded engine that died is started again by the API
within about a second and answers once its log is loaded (docs/api.md "Errors")."""
_HEADERS = {401: {"WWW-Authenticate": "Bearer"}, 503: {"Retry-After": str(RETRY_AFTER_S)}}

_MONEY_RULE = "R-3.9"
_NOT_AN_INT = frozenset({"int_type", "int_from_float", "int_parsing"})


def _is_money(loc: list[str], kind: object) -> bool:
    """A money (``*_fen``) or rate (``*_bp``) field that got something else than an integer:
    R-3.9 is the rule it breaks (no floats touch money)."""
    return bool(loc) and loc[-1].endswith(("_fen", "_bp")) and kind in _NOT_AN_INT


def install(app: FastAPI) -> None:
    app.add_middleware(_BodyLimit, max_bytes=MAX_BODY_BYTES)

    @app.exception_handler(TeamgraphError)
    async def _teamgraph(_: Request, exc: TeamgraphError) -> JSONResponse:
        headers = _HEADERS.get(exc.status)
        return JSONResponse({"error": exc.to_dict()}, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        if first.get("type") == "json_invalid":  # its loc is a character offset, not a field
            offset = next((p for p in first.get("loc", ()) if isinstance(p, int)), None)
            reason = (first.get("ctx") or {}).get("error") or "not JSON"
            where = f" at character {offset}" if offset is not None else ""
            return JSONResponse(
                _body("request.invalid", f"the body is not valid JSON{where}: {reason}"),
                status_code=422,
            )
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(loc) or None
        return JSONResponse(
            _body(
                "request.invalid",
                f"{field or 'request'}: {first.get('msg')}",
                rule=_MONEY_RULE if _is_money(loc, first.get("type")) else None,
                field=field,
            ),
            status_code=422,
        )

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        if isinstance(exc.__cause__, _TooLarge):
            return _too_large()
        unreadable = _unreadable(exc)
        if unreadable is not None:
            return JSONResponse(_body("request.invalid", unreadable), status_code=422)
        code = {404: "http.not_found", 405: "http.method_not_allowed"}.get(
            exc.status_code, f"http.{exc.status_code}"
        )
        return JSONResponse(_body(code, str(exc.detail)), status_code=exc.status_code)


def _unreadable(exc: HTTPException) -> str | None:
    """Why FastAPI could not read a body as JSON, when that is what its 400 says: the body is
    not UTF-8, or nests deeper than the JSON parser goes (Python's recursion limit). Both are a
    body that is not JSON to the caller (docs/api.md "Request bodies"), so the same 422."""
    if exc.status_code != 400:
        return None
    if isinstance(exc.__cause__, UnicodeDecodeError):
        return "the body is not valid JSON: it is not UTF-8"
    if isinstance(exc.__cause__, RecursionError):
        return "the body is not valid JSON: it nests too deeply"
    return None


class _TooLarge(Exception):
    """A body that went past :data:`MAX_BODY_BYTES` while it was being read."""


def _too_large() -> JSONResponse:
    message = f"the body is larger than {MAX_BODY_BYTES // 1024 // 1024} MiB"
    return JSONResponse(_body("request.too_large", message), status_code=413)


class _BodyLimit:
    """ASGI middleware: a body above ``max_bytes`` is 413 ``request.too_large`` and is never
    read whole. A ``Content-Length`` that says so is answered before any of it is read; a body
    sent without one (chunked) is stopped where it passes the limit, from inside the read
    FastAPI makes (which turns any error there into its 400, mapped back to 413 above).
    Starlette's own limit answers in plain text, not in the API's error shape."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            await _too_large()(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        await self.app(scope, limited, send)
