"""The center's Withdraw page (issue 15; R-5.1, R-5.2, R-5.4): the withdrawable balance, the
shop's withdrawal settings, a request form and the distributor's history.

A request sent through the form is exactly ``POST /v1/withdrawals`` for a distributor key: the
endpoint's body model checks it and ``Shop.place_withdrawal`` makes it, always for the session's
own distributor. The amount is typed in yuan and read to integer fen by :func:`parse_yuan` (no
floats, R-3.9). Each rendered form carries a fresh request id, so a double submit makes one
withdrawal (R-3.12); a refusal re-renders the form with the rule's message and writes nothing.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Final, get_args
from urllib.parse import parse_qs, quote

import pydantic
from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from teamgraph.api.center import text
from teamgraph.api.center.web import (
    NAV,
    PATH,
    failure_page,
    form_token,
    form_token_ok,
    language,
    message_page,
    render,
    router,
    session_caller,
)
from teamgraph.api.routers.withdrawals import WithdrawalCreate
from teamgraph.callers import Caller
from teamgraph.errors import AuthError, EngineError, TeamgraphError
from teamgraph.rules.money import yuan
from teamgraph.rules.settings import Method, Withdrawal
from teamgraph.rules.timeutil import from_ms
from teamgraph.shop import Shop

METHODS: Final = get_args(Method)
"""The methods R-5.1 knows, named in both languages (``withdraw.method.<name>``)."""
FIELDS: Final = ("csrf", "rid", "amount", "method", "account", "holder")
MAX_BODY: Final = 4096
"""A form is a few short fields: a longer body is not one of ours."""
HISTORY: Final = 30
"""The latest requests shown."""
_PAGE: Final = 500
_MAX_READ: Final = 5000
"""The history is read whole (a few requests a period) up to this many, then sorted by time."""
_YUAN = re.compile(r"(?P<whole>[0-9]{1,10})(?:\.(?P<cents>[0-9]{1,2}))?", re.ASCII)
_ID_PREFIX: Final = "ctr-"


def parse_yuan(text: str) -> int | None:
    """The yuan amount typed in the form as integer fen, exactly (R-3.9): ``"100"`` → 10000,
    ``"12.3"`` → 1230, ``"0.05"`` → 5; None for anything else (``"1.234"``, ``"abc"``,
    ``"-1"``, ``"1e3"``, empty). A ``¥`` and spaces around are allowed."""
    match = _YUAN.fullmatch(text.strip().removeprefix("¥").removeprefix("￥").strip())
    if match is None:
        return None
    cents = (match["cents"] or "").ljust(2, "0")
    return int(match["whole"]) * 100 + int(cents)


@router.get("/withdraw")
def withdraw_page(request: Request, done: str = "") -> Response:
    lang = language(request)
    try:
        caller, key = session_caller(request)
        return _page(request, lang, caller, key, done=done)
    except TeamgraphError as exc:
        return failure_page(request, exc)


@router.post("/withdraw")
async def withdraw_request(request: Request) -> Response:
    """Request a withdrawal (R-5.1/R-5.2): the form's token must be the session's."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        return message_page(request, "refused.form", 413)
    form = parse_qs(raw.decode(errors="replace"), keep_blank_values=True)
    fields = {name: (form.get(name) or [""])[0].strip() for name in FIELDS}
    return await run_in_threadpool(_request, request, fields)


def _request(request: Request, fields: dict[str, str]) -> Response:
    lang = language(request)
    try:
        caller, key = session_caller(request)
    except TeamgraphError as exc:
        return failure_page(request, exc)
    if not form_token_ok(fields["csrf"], key):
        return message_page(request, "refused.form", 403)
    shop, did = caller.shop, str(caller.distributor_id)
    fen = parse_yuan(fields["amount"])
    try:
        if fen is None:
            refusal = _refused("withdraw.err.amount_text", "R-3.9")
        else:
            body = WithdrawalCreate.model_validate(
                {
                    "distributor_id": did,
                    "amount_fen": fen,
                    "method": fields["method"],
                    "account": fields["account"],
                    "holder": fields["holder"] or None,
                    "id": fields["rid"],
                }
            )
            view, _created = shop.place_withdrawal(
                did,
                body.amount_fen,
                body.method,
                body.account,
                holder=body.holder,
                withdrawal_id=body.id,
            )
            return RedirectResponse(f"{PATH}/withdraw?done={quote(view['id'])}", status_code=303)
    except pydantic.ValidationError as exc:
        refusal = _invalid(exc)
    except EngineError:
        return message_page(request, "unavailable", 503)
    except AuthError:
        return message_page(request, "signed_out", 401)
    except TeamgraphError as exc:
        refusal = _explained(exc, fen or 0, shop.settings().withdrawal)
    try:
        return _page(request, lang, caller, key, refusal=refusal, form=fields, status=422)
    except EngineError:
        return message_page(request, "unavailable", 503)


# -- refusals -----------------------------------------------------------------------------------
def _refused(key: str, rule: str | None = None, **values: str) -> dict[str, Any]:
    return {"key": key, "rule": rule, "values": values}


def _invalid(exc: pydantic.ValidationError) -> dict[str, Any]:
    """The body model's refusal of a form field, as the field's sentence."""
    field = str(exc.errors()[0]["loc"][0]) if exc.errors() else ""
    return {
        "method": _refused("withdraw.err.method", "R-5.1"),
        "account": _refused("withdraw.err.account"),
        "holder": _refused("withdraw.err.holder"),
        "amount_fen": _refused("withdraw.err.amount_text", "R-3.9"),
    }.get(field, _refused("withdraw.err.again"))


def _explained(exc: TeamgraphError, fen: int, rules: Withdrawal) -> dict[str, Any]:
    """The shop's refusal (R-5.x, W-4) in the visitor's language, with the rule's id."""
    code, rule = exc.code, exc.rule
    if code == "withdrawal.amount":
        if fen <= 0:
            return _refused("withdraw.err.positive", rule)
        if fen < rules.min_fen:
            return _refused("withdraw.err.min", rule, min=yuan(rules.min_fen))
        return _refused("withdraw.err.max", rule, max=yuan(rules.max_fen))
    if code == "withdrawal.too_many":
        count = str(exc.extra.get("max_count", rules.max_count))
        return _refused("withdraw.err.too_many", rule, count=count, per=rules.per)
    known = {
        "withdrawal.insufficient": "withdraw.err.insufficient",
        "withdrawal.method": "withdraw.err.method",
        "withdrawal.frozen": "withdraw.err.frozen",
        "withdrawal.account": "withdraw.err.account",
        "event.conflict": "withdraw.err.again",
    }
    if code in known:
        return _refused(known[code], rule)
    return _refused("withdraw.err.other", rule, message=exc.message, code=exc.code)


# -- the page -----------------------------------------------------------------------------------
def _page(
    request: Request,
    lang: str,
    caller: Caller,
    key: str,
    *,
    done: str = "",
    refusal: dict[str, Any] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    view = withdraw_view(caller.shop, str(caller.distributor_id))
    if refusal is not None:
        t = text.translator(lang)
        values = dict(refusal["values"])
        if "per" in values:
            values["per"] = t(f"withdraw.per.{values['per']}")
        refusal = {"text": t(refusal["key"], **values), "rule": refusal["rule"]}
    kept = {k: v for k, v in (form or {}).items() if k in ("amount", "method", "account", "holder")}
    return render(
        request,
        "withdraw.html",
        lang,
        status,
        view=view,
        done=done if any(w["id"] == done for w in view["history"]) else "",
        refusal=refusal,
        form=kept,
        rid=_ID_PREFIX + uuid.uuid4().hex,
        csrf=form_token(key),
        nav=NAV,
        active="withdraw",
    )


def withdraw_view(shop: Shop, distributor_id: str) -> dict[str, Any]:
    """What the page shows: the balance, the settings (R-5.1, R-5.4), this period's count (W-2)
    and the latest requests, newest first, accounts masked (W-6)."""
    settings = shop.settings()
    rules = settings.withdrawal
    tz = shop.timezone()
    balances = shop.ledger(distributor_id, limit=1)["balances"]
    mine = _all_withdrawals(shop, distributor_id)
    mine.sort(key=lambda w: (w["requested_at"], w["id"]), reverse=True)
    since, _ = shop.period_bounds(rules.per)  # W-1: the same calendar periods as U-2
    used = sum(1 for w in mine if w["requested_at"] >= since and w["status"] != "rejected")
    return {
        "withdrawable": yuan(int(balances["withdrawable"])),
        "requested": yuan(int(balances["requested"])),
        "methods": list(rules.methods),
        "min": yuan(rules.min_fen),
        "max": yuan(rules.max_fen),
        "max_count": rules.max_count,
        "per": rules.per,
        "used": used,
        "left": max(0, rules.max_count - used),
        "known": METHODS,
        "tax": _percent(settings.tax_bp) if settings.tax_bp else None,
        "history": [_row(w, tz) for w in mine[:HISTORY]],
    }


def _all_withdrawals(shop: Shop, distributor_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while len(items) < _MAX_READ:
        page = shop.withdrawals(distributor_id=distributor_id, limit=_PAGE, cursor=cursor)
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    return items


def _row(w: dict[str, Any], tz: str) -> dict[str, Any]:
    return {
        "id": w["id"],
        "at": from_ms(int(w["requested_at"]), tz).strftime("%Y-%m-%d %H:%M"),
        "amount": yuan(int(w["amount_fen"])),
        "net": yuan(int(w["net_fen"])) if w["tax_fen"] else None,
        "method": w["method"],
        "account": w["account_masked"],
        "status": w["status"],
        "reason": w.get("reason"),
    }


def _percent(bp: int) -> str:
    """Basis points as a percentage, exactly: 2000 → "20", 550 → "5.5", 5 → "0.05"."""
    whole, part = divmod(bp, 100)
    return f"{whole}.{part:02d}".rstrip("0").rstrip(".")
