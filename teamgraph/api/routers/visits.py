"""``POST /v1/visits``: a customer opened a distributor's share link or code (docs/api.md "Events
and idempotency"; docs/rules.md R-1.2–R-1.4, R-1.8, R-1.13). Integrators push it with the merchant
key."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictStr

from teamgraph.api.deps import MerchantDep
from teamgraph.api.render import public
from teamgraph.api.schemas import EventId, Id, Instant, RequestBody, Time, instant
from teamgraph.clock import now_ms
from teamgraph.errors import ValidationError

router = APIRouter(prefix="/v1/visits", tags=["visits"])


class VisitCreate(RequestBody):
    """Name the distributor by its id or by its share code (推广码), not both."""

    id: EventId | None = Field(
        default=None,
        description="the visit's own id (R-3.12): a repeat with the same id and body changes "
        "nothing and answers the first result; another body is 409 event.conflict. Without an "
        "id every post is a new visit.",
    )
    customer_id: Id
    distributor_id: Id | None = None
    code: Annotated[StrictStr, Field(min_length=1, max_length=32, examples=["7K3M9QXD"])] | None = (
        None
    )
    at: Instant | None = None
    channel: Annotated[StrictStr, Field(min_length=1, max_length=64)] | None = None


class VisitPublic(BaseModel):
    customer_id: str
    bound_to: str | None
    expires_at: Time | None
    sharer_id: str | None
    sharer_until: Time | None
    attributed_to: str | None
    outcome: Literal["bind", "renew", "none"]
    reason: str


@router.post("", response_model=VisitPublic)
def create_visit(body: VisitCreate, caller: MerchantDep) -> Any:
    """Binds a customer without an active binding (`chain`, R-1.2), renews a binding through the
    same distributor, never overrides another; always records the sharer for the sharer window
    (R-1.3, R-1.4). Unknown customers are created. With an `id`, a repeat is answered as the
    first (R-3.12)."""
    shop = caller.shop
    if body.distributor_id is not None and body.code is not None:
        raise ValidationError(
            "visit.ambiguous", "give distributor_id or code, not both", field="code"
        )
    at = instant(body.at, now=now_ms()) if body.at is not None else None
    distributor_id = shop.resolve_distributor(body.distributor_id, body.code)
    result = shop.visit(
        body.customer_id, distributor_id, at=at, channel=body.channel, visit_id=body.id
    )
    return public(shop, result)
