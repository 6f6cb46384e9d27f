"""The application page (C-4): a customer who is not a distributor sees the shop's application
conditions with its progress toward each (R-2.1) and applies. An application the shop approves
at once signs the new distributor in (C-2); one the shop reviews waits, and the page says so."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from teamgraph.api.center.web import (
    COOKIE,
    PATH,
    failure_page,
    form_token,
    form_token_ok,
    language,
    message_page,
    render,
    router,
    set_session,
)
from teamgraph.errors import AuthError, TeamgraphError, ValidationError
from teamgraph.graph import Engine
from teamgraph.rules.money import yuan
from teamgraph.shop import Shop, split_key


def _applicant(request: Request) -> tuple[Shop, str, str]:
    """(the shop, the customer, the session) of an applicant's cookie; AuthError otherwise."""
    session = request.cookies.get(COOKIE) or ""
    engine: Engine = request.app.state.engine
    shop_id, _ = split_key(session)
    try:
        shop = Shop.open(engine, shop_id)
    except TeamgraphError:
        raise AuthError("auth.invalid_key", "unknown session") from None
    return shop, shop.center_applicant(session), session


def _view(shop: Shop, customer_id: str) -> dict[str, Any]:
    app = shop.application(customer_id)
    for c in app["conditions"]:
        money = c["name"] == "min_spend_fen"
        c["shown"] = (
            f"¥{yuan(c['current'])} / ¥{yuan(c['threshold'])}" if money
            else f"{c['current']} / {c['threshold']}" if c["name"] == "min_paid_orders"
            else ""
        )  # fmt: skip
        c["percent"] = 100 if c["met"] else min(99, 100 * c["current"] // max(1, c["threshold"]))
    return app


def _page(request: Request, shop: Shop, customer_id: str, session: str, **extra: Any) -> Response:
    view = _view(shop, customer_id)
    status = extra.pop("status", 200)
    return render(
        request, "apply.html", language(request), status, app=view, csrf=form_token(session),
        **extra,
    )  # fmt: skip


@router.get("/apply")
def apply_page(request: Request) -> Response:
    try:
        shop, customer_id, session = _applicant(request)
        return _page(request, shop, customer_id, session)
    except TeamgraphError as exc:
        return failure_page(request, exc)


@router.post("/apply")
async def apply(request: Request) -> Response:
    form = parse_qs((await request.body()).decode(errors="replace"))
    return await run_in_threadpool(_apply, request, (form.get("csrf") or [""])[0])


def _apply(request: Request, csrf: str) -> Response:
    try:
        shop, customer_id, session = _applicant(request)
    except TeamgraphError as exc:
        return failure_page(request, exc)
    if not form_token_ok(csrf, session):
        return message_page(request, "refused.form", 403)
    try:
        result = shop.apply(customer_id)
    except ValidationError as exc:  # a condition does not hold
        return _page(request, shop, customer_id, session, status=422, refused=exc.rule or "")
    except TeamgraphError as exc:
        return failure_page(request, exc)
    if result.get("status") == "pending":
        return _page(request, shop, customer_id, session)
    token, _ = shop.center_link(customer_id)  # approved at once: a distributor's session now
    key, _, _ = shop.open_center_link(token)
    response = RedirectResponse(f"{PATH}/", status_code=303)
    set_session(response, request, key)
    return response
