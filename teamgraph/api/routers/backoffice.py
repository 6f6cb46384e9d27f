"""The merchant's back-office decisions (issue 17; docs/api.md "Back office: applications,
adjustments, customer groups"): the queue of pending applications with each applicant's
progress against the shop's conditions (R-2.1), ledger adjustments (R-3.12) and a customer's
groups (R-2.1). Approving and rejecting stay ``POST /v1/distributors/{id}/approve|reject``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field, StrictInt, StrictStr

from teamgraph.api.deps import MerchantDep
from teamgraph.api.render import public
from teamgraph.api.schemas import CursorQuery, Id, LimitQuery, Page, Reason, RequestBody, Time
from teamgraph.rules.money import MAX_FEN

router = APIRouter(tags=["back office"])


# -- schemas -------------------------------------------------------------------------------------
class ConditionProgress(BaseModel):
    """One of the shop's application conditions (R-2.1): the applicant's value against the
    threshold (``verified_phone`` and ``groups`` count 1 when met); ``groups`` lists the groups
    that qualify."""

    name: Literal["verified_phone", "min_spend_fen", "min_paid_orders", "groups"]
    met: bool
    current: int
    threshold: int
    groups: list[str] | None = None


class ApplicationQueued(BaseModel):
    """A pending application: who, since when, its groups, and its progress (``ready`` when
    every condition holds)."""

    id: str
    name: str | None
    applied_at: Time
    groups: list[str]
    conditions: list[ConditionProgress]
    ready: bool


class AdjustmentCreate(RequestBody):
    """R-3.12: a credit (``amount_fen`` > 0) or a debit (< 0) of the settled balance. ``id``
    makes it idempotent: the same id and body answer the first entry (200), nothing written
    twice."""

    id: Id
    amount_fen: StrictInt = Field(
        ge=-MAX_FEN,
        le=MAX_FEN,
        description="signed fen, not 0; a debit may not take the settled balance below zero (AJ-1)",
    )
    reason: Reason


class AdjustmentPublic(BaseModel):
    id: str
    distributor_id: str
    kind: Literal["adjustment"]
    amount: int
    unit: Literal["fen"]
    status: Literal["settled"]
    at: Time
    reason: str


class GroupsUpdate(RequestBody):
    groups: Annotated[
        list[StrictStr],
        Field(
            max_length=20,
            description="0-20 names of 1-64 characters; replaces the customer's groups",
        ),
    ]
    reason: Reason | None = None


class GroupsPublic(BaseModel):
    customer_id: str
    groups: list[str]


# -- routes --------------------------------------------------------------------------------------
@router.get("/v1/applications", response_model=Page[ApplicationQueued])
def applications(caller: MerchantDep, limit: LimitQuery = 50, cursor: CursorQuery = None) -> Any:
    """R-2.1: the applications waiting for review, oldest first, each with its progress
    against the shop's conditions as they are now."""
    shop = caller.shop
    return public(shop, shop.applications(limit=limit, cursor=cursor))


@router.post(
    "/v1/distributors/{distributor_id}/adjustments",
    status_code=201,
    response_model=AdjustmentPublic,
)
def adjust(
    distributor_id: str, body: AdjustmentCreate, caller: MerchantDep, response: Response
) -> Any:
    """R-3.12: one ledger entry of kind ``adjustment``, written ``settled`` (G-3), audited as
    ``distributor.adjust``. 201 written; 200 a repeat; 409 ``event.conflict`` the id with
    another body; 422 ``adjustment.insufficient`` a debit beyond the settled balance."""
    shop = caller.shop
    entry, created = shop.adjust(
        distributor_id, body.id, body.amount_fen, body.reason, actor=caller.actor
    )
    response.status_code = 201 if created else 200
    return public(shop, entry)


@router.put("/v1/customers/{customer_id}/groups", response_model=GroupsPublic)
def set_groups(customer_id: str, body: GroupsUpdate, caller: MerchantDep) -> Any:
    """R-2.1: the customer's groups (what an application condition may require), audited as
    ``customer.groups``."""
    shop = caller.shop
    return shop.set_groups(customer_id, body.groups, reason=body.reason, actor=caller.actor)
