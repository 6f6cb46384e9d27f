"""Withdrawals (提现): requests, the merchant's review, the bank batch export and its confirmation
(docs/api.md "Withdrawals"; docs/rules.md R-5.1–R-5.4, R-3.11).

Who may do what: the merchant everything; a distributor key requests and reads its own
withdrawals only; the analyst reads. The full account number is shown to merchant keys only
(the bank transfer needs it); everyone else sees it masked (W-6).

The export (``?format=csv|xlsx``) is one table built by :func:`_table` for both formats; the
merchant exports the approved requests, pays them through the bank and confirms the whole batch
with ``POST /v1/withdrawals/paid {ids}`` (R-5.3), all or nothing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field, StrictInt, StrictStr

from teamgraph import sheets
from teamgraph.api import exports
from teamgraph.api.deps import CallerDep, MerchantDep, require
from teamgraph.api.render import public
from teamgraph.api.schemas import (
    MAX_LIMIT,
    CursorQuery,
    EventId,
    Id,
    Page,
    Reason,
    RequestBody,
    Time,
)
from teamgraph.callers import Caller
from teamgraph.errors import NotFound

router = APIRouter(prefix="/v1/withdrawals", tags=["withdrawals"])

Status = Literal["requested", "approved", "paid", "rejected"]
MAX_BATCH = 1000

RequesterDep = Annotated[Caller, Depends(require("merchant", "distributor"))]

Account = Annotated[
    StrictStr,
    Field(
        min_length=4,
        max_length=64,
        pattern=r"^[0-9A-Za-z._][0-9A-Za-z@._+ -]*$",
        description="bank card number, Alipay account (phone or e-mail) or WeChat id: letters, "
        "digits, spaces and `@ . _ + -`, starting with a letter, a digit, `.` or `_` (never "
        "with a character a spreadsheet reads as a formula, so the bank file carries it "
        "exactly, X-4)",
        examples=["6222021234567890"],
    ),
]
Holder = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[^=+\-@\x00-\x1f\x7f][^\x00-\x1f\x7f]*$",
        description="the account holder's name (户名) as the bank knows it",
        examples=["张三"],
    ),
]


# -- schemas -------------------------------------------------------------------------------------
class WithdrawalCreate(RequestBody):
    """A request to withdraw ``amount_fen`` (gross: tax, if any, is withheld from it, R-5.4) of
    the settled balance. ``id`` makes it an idempotent event (R-3.12); without one every call is
    a new request."""

    distributor_id: Id
    amount_fen: StrictInt
    method: Annotated[StrictStr, Field(min_length=1, max_length=16, examples=["bank"])]
    account: Account
    holder: Holder | None = None
    id: EventId | None = None


class Batch(RequestBody):
    ids: Annotated[list[EventId], Field(min_length=1, max_length=MAX_BATCH)]
    reason: Reason | None = None


class ActionBody(RequestBody):
    reason: Reason | None = None


class WithdrawalPublic(BaseModel):
    """``amount_fen`` is what left the settled balance, ``tax_fen`` the tax withheld (R-5.4),
    ``net_fen`` what the bank transfers. ``account`` is null except for merchant keys."""

    id: str
    distributor_id: str
    distributor_name: str | None
    amount_fen: int
    tax_fen: int
    net_fen: int
    method: str
    account: str | None
    account_masked: str
    holder: str | None
    status: Status
    requested_at: Time
    approved_at: Time | None
    paid_at: Time | None
    rejected_at: Time | None
    reason: str | None = None


class BatchPublic(BaseModel):
    items: list[WithdrawalPublic]


# -- helpers -------------------------------------------------------------------------------------
def _shown(caller: Caller, withdrawal: dict[str, Any]) -> dict[str, Any]:
    """The full account for merchant keys only."""
    if not caller.allows("merchant"):
        return withdrawal | {"account": None}
    return withdrawal


def _readable(caller: Caller, distributor_id: str) -> None:
    """403 for a distributor key reaching another distributor's withdrawals."""
    caller.may_read_distributor(
        distributor_id, refusal="a distributor key reaches only its own withdrawals"
    )


COLUMNS: list[sheets.Column] = sheets.batch_columns(leave_out={"tax_yuan"})
"""The export's columns (R-5.3). ``amount_*`` is gross, ``net_*`` what the bank transfers; the
accounts are text cells guarded like any other (X-4), which leaves every account :data:`Account`
accepts exactly as it is."""


def _table(items: list[dict[str, Any]]) -> list[list[exports.Cell]]:
    """The rows of the export, one per withdrawal (already rendered: times are ISO strings and
    the full account is null for non-merchant keys, left empty)."""
    rows = (
        sheets.batch_row(w, w["requested_at"], w.get("approved_at"), w.get("paid_at"))
        for w in items
    )
    return [[row[c.name] for c in COLUMNS] for row in rows]


def _move(caller: Caller, ids: list[str], action: str, reason: str | None) -> list[dict[str, Any]]:
    shop = caller.shop
    moved = shop.move_withdrawals(ids, action, reason=reason, actor=caller.actor)
    return [public(shop, w) for w in moved]


# -- requests and lists --------------------------------------------------------------------------
@router.post("", status_code=201, response_model=WithdrawalPublic)
def request_withdrawal(body: WithdrawalCreate, caller: RequesterDep, response: Response) -> Any:
    """R-5.1/R-5.2: checked in this order (W-4), the first failure answered: amount > 0
    (`withdrawal.amount`), method enabled (`withdrawal.method`), between min and max
    (`withdrawal.amount`), count per period (`withdrawal.too_many`), withdrawable balance
    (`withdrawal.insufficient`; a negative settled balance is netted first, R-3.11). A
    distributor key requests for itself only (403)."""
    shop = caller.shop
    _readable(caller, body.distributor_id)
    view, created = shop.place_withdrawal(
        body.distributor_id,
        body.amount_fen,
        body.method,
        body.account,
        holder=body.holder,
        withdrawal_id=body.id,
    )
    response.status_code = 201 if created else 200
    return _shown(caller, public(shop, view))


@router.get(
    "",
    response_model=Page[WithdrawalPublic],
    responses=exports.ANSWERS,
)
def list_withdrawals(
    caller: CallerDep,
    status: Status | None = None,
    distributor_id: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    format: Literal["json", "csv", "xlsx"] = "json",
    limit: Annotated[int | None, Query(ge=1, le=MAX_LIMIT)] = None,
    cursor: CursorQuery = None,
) -> Any:
    """The merchant and the analyst list every withdrawal; a distributor key only its own
    (`distributor_id` is forced to it; naming another is 403). `csv` (UTF-8 with BOM, for Excel)
    and `xlsx` are downloads `withdrawals-<status>.<format>` of every match (R-5.3), or of one
    page when `limit` is given (`X-Next-Cursor` names the next)."""
    shop = caller.shop
    if caller.is_distributor:
        if distributor_id is not None:
            _readable(caller, distributor_id)
        distributor_id = caller.distributor_id
    if format == "json" or limit is not None:
        page = shop.withdrawals(
            status=status, distributor_id=distributor_id, limit=limit or 50, cursor=cursor
        )
    else:
        page = exports.every_page(
            lambda at: shop.withdrawals(
                status=status, distributor_id=distributor_id, limit=MAX_LIMIT, cursor=at
            ),
            cursor,
            what="withdrawals",
            narrow="narrow by status or distributor_id",
            field="status",
        )
    page["items"] = [_shown(caller, w) for w in page["items"]]
    rendered = public(shop, page)
    if format == "json":
        return rendered
    extra = {"X-Next-Cursor": page["next_cursor"]} if page["next_cursor"] else None
    return exports.download(
        format,
        f"withdrawals-{status or 'all'}",
        COLUMNS,
        _table(rendered["items"]),
        headers=extra,
    )


@router.get("/{withdrawal_id}", response_model=WithdrawalPublic)
def get_withdrawal(withdrawal_id: str, caller: CallerDep) -> Any:
    """A distributor key asking for another distributor's withdrawal gets the answer an unknown
    id gets (404): a 403 would tell it which ids exist."""
    shop = caller.shop
    view = shop.withdrawal(withdrawal_id)
    if not caller.reads_distributor(view["distributor_id"]):
        raise NotFound(
            "withdrawal.not_found",
            f"no withdrawal {withdrawal_id}",
            params={"id": withdrawal_id},
            field="id",
        )
    return _shown(caller, public(shop, view))


# -- the merchant's review and the batch confirmation (R-5.3) ------------------------------
@router.post("/approve", response_model=BatchPublic)
def approve_batch(body: Batch, caller: MerchantDep) -> Any:
    """Approve many requests in one action: all or nothing (409 `withdrawal.state` names the
    first that cannot be approved; 404 for an unknown id)."""
    return {"items": _move(caller, body.ids, "approve", body.reason)}


@router.post("/reject", response_model=BatchPublic)
def reject_batch(body: Batch, caller: MerchantDep) -> Any:
    """Reject many requested or approved withdrawals, all or nothing; their money returns to
    the settled balance."""
    return {"items": _move(caller, body.ids, "reject", body.reason)}


@router.post("/paid", response_model=BatchPublic)
def paid_batch(body: Batch, caller: MerchantDep) -> Any:
    """R-5.3: confirm a whole exported batch paid in one action, all or nothing: every id must
    be approved (or already paid) else nothing moves (409 `withdrawal.state`)."""
    return {"items": _move(caller, body.ids, "pay", body.reason)}


@router.post("/{withdrawal_id}/approve", response_model=WithdrawalPublic)
def approve(withdrawal_id: str, caller: MerchantDep, body: ActionBody | None = None) -> Any:
    """R-5.2: requested → approved (approving an approved one changes nothing)."""
    return _move(caller, [withdrawal_id], "approve", body.reason if body else None)[0]


@router.post("/{withdrawal_id}/reject", response_model=WithdrawalPublic)
def reject(withdrawal_id: str, caller: MerchantDep, body: ActionBody | None = None) -> Any:
    """R-5.2: requested/approved → rejected; the amount (and its tax) returns to the settled
    balance. Paid withdrawals are final (409 `withdrawal.state`)."""
    return _move(caller, [withdrawal_id], "reject", body.reason if body else None)[0]


@router.post("/{withdrawal_id}/paid", response_model=WithdrawalPublic)
def paid(withdrawal_id: str, caller: MerchantDep, body: ActionBody | None = None) -> Any:
    """R-5.2: approved → paid, after the offline transfer. A request must be approved first."""
    return _move(caller, [withdrawal_id], "pay", body.reason if body else None)[0]
