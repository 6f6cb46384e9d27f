"""The one mapping from errors to HTTP: ``{"error": {code, rule, message, field?}}``
(docs/api.md)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from teamgraph import logs
from teamgraph.errors import TeamgraphError

log = logs.get(__name__)


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
        code = {404: "http.not_found", 405: "http.method_not_allowed"}.get(
            exc.status_code, f"http.{exc.status_code}"
        )
        return JSONResponse(_body(code, str(exc.detail)), status_code=exc.status_code)
