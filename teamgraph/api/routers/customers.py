"""Customers: the customer event, the customer's binding view and the merchant's binding edits
(docs/api.md "Events and idempotency", "Customers and bindings"; docs/rules.md R-1.2–R-1.4, R-1.8,
R-1.12, R-1.13)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field, StrictBool, StrictStr

from teamgraph.api.deps import MerchantDep, ReaderDep
from teamgraph.api.render import public
from teamgraph.api.schemas import Id, Instant, Reason, RequestBody, Time, instant
from teamgraph.clock import now_ms

router = APIRouter(prefix="/v1/customers", tags=["customers"])


class CustomerCreate(RequestBody):
    """A customer joined the shop; ``via_distributor_id`` when it joined through a distributor's
    link or code (a visit at the joining time, R-1.13)."""

    id: Id
    name: Annotated[StrictStr, Field(min_length=1, max_length=100)] | None = None
    phone: (
        Annotated[
            StrictStr,
            Field(
                min_length=3,
                max_length=32,
                description="A phone number: digits, spaces, '-', '.', brackets, a leading '+'; "
                "+86 when it has no country code. Stored only as its keyed digest; 422 "
                "`phone.invalid` when it is not a number.",
                examples=["17300000001", "+86 173-0000-0001"],
            ),
        ]
        | None
    ) = None
    phone_verified: StrictBool = False
    joined_at: Instant | None = None
    via_distributor_id: Id | None = None


class BindingUpdate(RequestBody):
    distributor_id: Id
    reason: Reason | None = None


class BindingPublic(BaseModel):
    distributor_id: str
    since: Time
    expires_at: Time | None
    source: str | None


class SharerPublic(BaseModel):
    distributor_id: str
    until: Time
    channel: str | None


class BindingRecordPublic(BaseModel):
    """One binding, current or ended (R-1.12: bindings are ended, never deleted)."""

    distributor_id: str
    since: Time
    expires_at: Time | None
    active: bool
    ended_at: Time | None
    end_reason: str | None
    ended_by: str | None
    source: str | None
    channel: str | None
    actor: str | None
    reason: str | None


class CustomerPublic(BaseModel):
    id: str
    name: str | None
    joined_at: Time | None
    joined_via: str | None
    binding: BindingPublic | None
    sharer: SharerPublic | None
    attributed_to: str | None
    history: list[BindingRecordPublic]
    groups: list[str] = Field(
        default_factory=list,
        description="the customer's groups (R-2.1), from imports or `PUT .../groups`",
    )


@router.post("", status_code=201, response_model=CustomerPublic)
def create_customer(body: CustomerCreate, caller: MerchantDep, response: Response) -> Any:
    """201 with the new customer; repeating the same event is 200 and changes nothing; the same
    id with other details is 409 `event.conflict`."""
    shop = caller.shop
    now = now_ms()
    view, created = shop.create_customer(
        body.id,
        name=body.name,
        phone=body.phone,
        phone_verified=body.phone_verified,
        joined_at=None
        if body.joined_at is None
        else instant(body.joined_at, now=now, field="joined_at"),
        via_distributor_id=body.via_distributor_id,
        now=now,
    )
    response.status_code = 201 if created else 200
    return public(shop, view)


@router.get("/{customer_id}", response_model=CustomerPublic)
def get_customer(customer_id: str, caller: ReaderDep) -> Any:
    """The binding, the sharer (R-1.3), who the customer is attributed to now, and every binding
    it ever had (R-1.12)."""
    shop = caller.shop
    return public(shop, shop.customer(customer_id))


@router.put("/{customer_id}/binding", response_model=CustomerPublic)
def rebind(customer_id: str, body: BindingUpdate, caller: MerchantDep) -> Any:
    """R-1.12: bind the customer to another distributor; the old binding ends
    (`merchant_rebind`). The inviter of a customer that is a distributor never changes (R-2.2)."""
    shop = caller.shop
    view = shop.rebind(customer_id, body.distributor_id, reason=body.reason, actor=caller.actor)
    return public(shop, view)


@router.delete("/{customer_id}/binding", response_model=CustomerPublic)
def unbind(
    customer_id: str,
    caller: MerchantDep,
    reason: Annotated[str | None, Query(min_length=1, max_length=500)] = None,
) -> Any:
    """R-1.12: end the customer's binding (`merchant_unbind`); unbinding an unbound customer
    changes nothing."""
    shop = caller.shop
    return public(shop, shop.unbind(customer_id, reason=reason, actor=caller.actor))
