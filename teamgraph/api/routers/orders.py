"""Orders: the paid-order event, completion and refunds, and the order with what it paid
(docs/api.md "Events"; docs/rules.md R-3.4–R-3.12).

Orders and refunds are events with their own ids (R-3.12): the first recording is 201, the same
event again 200 with the first result and nothing written, the same id with another body 409
``event.conflict``. Money is integer fen: a float is a 422 (R-3.9), never rounded.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, StrictInt

from teamgraph.api.deps import MerchantDep, ReaderDep
from teamgraph.api.render import public
from teamgraph.api.schemas import EventId, Fen, Id, Instant, RequestBody, Time, instant
from teamgraph.clock import now_ms
from teamgraph.rules.money import MAX_QTY

router = APIRouter(prefix="/v1/orders", tags=["orders"])

MAX_LINES = 200


# -- schemas -------------------------------------------------------------------------------------
class LineCreate(RequestBody):
    """One order line. ``split_fen`` (分账金额, the amount rewards are a share of) defaults to
    ``paid_fen``; ``cost_fen`` (the line's whole cost, default qty × the product's unit cost) is
    what cost protection keeps out of the rewards (R-3.8). An unknown ``product_id`` is fine:
    it has no own reward setting, the level default applies."""

    product_id: Id
    qty: Annotated[StrictInt, Field(le=MAX_QTY)] = 1
    paid_fen: Fen
    split_fen: Fen | None = None
    cost_fen: Fen | None = None


class OrderCreate(RequestBody):
    id: EventId
    customer_id: Id
    paid_at: Instant | None = None
    lines: Annotated[list[LineCreate], Field(max_length=MAX_LINES)]


class CompleteBody(RequestBody):
    at: Instant | None = None


class RefundCreate(RequestBody):
    """A refund of ``amount_fen`` (of what was paid); with ``product_id`` it falls on that
    product's lines, without it on every line in proportion to what is left to refund (M-3)."""

    id: EventId
    amount_fen: StrictInt
    product_id: Id | None = None
    at: Instant | None = None


class EntryPublic(BaseModel):
    """A ledger entry of the order: a reward (``amount`` ≥ 0, ``returned`` what refunds took
    back so far) or a clawback (``amount`` < 0), in its read-time status (R-3.10, M-4)."""

    id: str
    kind: Literal["reward", "clawback"]
    distributor_id: str
    tier: int
    line: int
    amount: int
    unit: Literal["fen", "point"]
    status: Literal["pending", "held", "settled"]
    at: Time
    settle_at: Time | None
    basis: Literal["rate", "fixed"] | None
    rate_bp: int | None
    returned: int | None


class OrderPublic(BaseModel):
    id: str
    customer_id: str
    paid_at: Time
    paid_fen: int
    split_fen: int
    refunded_fen: int
    status: Literal["paid", "refunded"]
    attributed_to: str | None
    completed_at: Time | None
    settle_at: Time | None
    rewards: list[EntryPublic]
    clawbacks: list[EntryPublic]


class RefundPublic(BaseModel):
    id: str
    order_id: str
    clawbacks: list[EntryPublic]
    order: OrderPublic


# -- routes --------------------------------------------------------------------------------------
@router.post("", status_code=201, response_model=OrderPublic)
def record_order(body: OrderCreate, caller: MerchantDep, response: Response) -> Any:
    """A paid order: attributed as of `paid_at` (M-1), rewarding its distributor and inviters
    (R-1.6, R-1.7, R-3.4–R-3.8), every reward `pending` until the order completes and
    `settle_days` pass (R-3.10). 404 `customer.not_found` for an unknown customer."""
    shop = caller.shop
    now = now_ms()
    paid_at = None if body.paid_at is None else instant(body.paid_at, now=now, field="paid_at")
    lines = [line.model_dump(exclude_none=True) for line in body.lines]
    view, created = shop.place_order(body.id, body.customer_id, lines, paid_at=paid_at, now=now)
    response.status_code = 201 if created else 200
    return public(shop, view)


@router.get("/{order_id}", response_model=OrderPublic)
def get_order(order_id: str, caller: ReaderDep) -> Any:
    """The order with its rewards and clawbacks, each in its status now."""
    shop = caller.shop
    return public(shop, shop.order(order_id))


@router.post("/{order_id}/complete", response_model=OrderPublic)
def complete_order(order_id: str, caller: MerchantDep, body: CompleteBody | None = None) -> Any:
    """R-3.10: the order completed (收货) at `at`; its rewards settle `settle_days` later.
    Completing a completed order changes nothing and answers the order as it is. A completion
    before the payment is refused (`order.complete_at`): it would settle rewards early."""
    shop = caller.shop
    now = now_ms()
    at = instant(body.at if body else None, now=now)
    return public(shop, shop.complete_order(order_id, at=at, now=now))


@router.post("/{order_id}/refunds", status_code=201, response_model=RefundPublic)
def refund(order_id: str, body: RefundCreate, caller: MerchantDep, response: Response) -> Any:
    """R-3.11: claws back per line and tier what the refund returns; partial refunds add up to
    a full one exactly. More than is left to refund is 422 `refund.too_much`. A clawback of a
    settled reward comes off the settled balance at once, which may go negative (M-4)."""
    shop = caller.shop
    now = now_ms()
    at = None if body.at is None else instant(body.at, now=now)
    view, created = shop.place_refund(
        order_id, body.id, body.amount_fen, product_id=body.product_id, at=at, now=now
    )
    response.status_code = 201 if created else 200
    return public(shop, view)
