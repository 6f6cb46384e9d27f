"""Webhook endpoints and their deliveries (docs/api.md "Webhooks", docs/integration.md
"Webhooks"; issue 16). Merchant keys only: an endpoint receives every distributor's events.

The secret (``whsec_…``) is in the answers of ``POST /v1/webhooks`` and ``POST
/v1/webhooks/{id}/rotate-secret`` only. Rules W-1…W-3 in :mod:`teamgraph.shop.webhooks`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field, StrictBool, StrictStr

from teamgraph.api.deps import MerchantDep
from teamgraph.api.render import public
from teamgraph.api.schemas import CursorQuery, Id, LimitQuery, Page, RequestBody, Time
from teamgraph.shop import cursors
from teamgraph.shop.events import EVENT_TYPES

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

DeliveryStatus = Literal["pending", "delivered", "failed", "cancelled"]
EndpointStatus = Literal["active", "failing"]
Events = Annotated[
    list[StrictStr],
    Field(
        min_length=1,
        max_length=len(EVENT_TYPES) + 1,
        description='event types (docs/integration.md "Webhook events"), or ["*"] for all',
        examples=[["order.attributed", "withdrawal.paid"], ["*"]],
    ),
]
Url = Annotated[
    StrictStr,
    Field(min_length=1, max_length=2048, examples=["https://mall.example.com/hooks/teamgraph"]),
]
Description = Annotated[StrictStr, Field(max_length=500)]


class WebhookCreate(RequestBody):
    url: Url
    events: Events
    description: Description | None = None


class WebhookUpdate(RequestBody):
    url: Url | None = None
    events: Events | None = None
    description: Description | None = None
    enabled: StrictBool | None = None


class WebhookPublic(BaseModel):
    id: str
    url: str
    events: list[str]
    description: str | None
    enabled: bool
    status: EndpointStatus = Field(
        description="`failing` after a delivery was given up, until one arrives again"
    )
    failing_since: Time | None
    created_at: Time
    updated_at: Time


class WebhookWithSecret(WebhookPublic):
    secret: str = Field(
        description="the signing secret (Standard Webhooks, `whsec_…`): shown in this answer only"
    )


class AttemptPublic(BaseModel):
    at: Time
    status_code: int | None
    error: str | None
    ms: int


class DeliveryPublic(BaseModel):
    event_id: str
    event_type: str
    event_at: Time
    key: str
    status: DeliveryStatus
    attempts: int
    next_at: Time | None = Field(description="when it is tried next (pending only)")
    last_at: Time | None
    last_status_code: int | None = Field(description="null: no answer (timeout, refused)")
    last_error: str | None
    delivered_at: Time | None
    created_at: Time
    resent_at: Time | None


class DeliveryDetail(DeliveryPublic):
    attempt_list: list[AttemptPublic]


def _private_ok(request: Request) -> bool:
    return bool(request.app.state.settings.webhooks_private_urls)


def _out(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "version"}


@router.post("", response_model=WebhookWithSecret, status_code=201)
def create_webhook(body: WebhookCreate, caller: MerchantDep, request: Request) -> Any:
    """Register an endpoint; the answer holds its signing secret, never shown again."""
    shop = caller.shop
    row = shop.create_webhook(
        body.url,
        body.events,
        description=body.description,
        actor=caller.actor,
        allow_private=_private_ok(request),
    )
    return public(shop, _out(row))


@router.get("", response_model=Page[WebhookPublic])
def list_webhooks(caller: MerchantDep) -> Any:
    """Every endpoint of the shop (a shop has few: one page)."""
    shop = caller.shop
    return public(shop, {"items": [_out(r) for r in shop.webhooks()], "next_cursor": None})


@router.get("/{webhook_id}", response_model=WebhookPublic)
def get_webhook(webhook_id: Id, caller: MerchantDep) -> Any:
    shop = caller.shop
    return public(shop, _out(shop.webhook(webhook_id)))


@router.patch("/{webhook_id}", response_model=WebhookPublic)
def update_webhook(
    webhook_id: Id, body: WebhookUpdate, caller: MerchantDep, request: Request
) -> Any:
    """Change the URL, the events, the description, or enable / disable it. A disabled
    endpoint gets no new events; its pending deliveries wait until it is enabled again."""
    shop = caller.shop
    row = shop.update_webhook(
        webhook_id,
        actor=caller.actor,
        url=body.url,
        events=body.events,
        description=body.description,
        enabled=body.enabled,
        allow_private=_private_ok(request),
    )
    return public(shop, _out(row))


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: Id, caller: MerchantDep) -> Response:
    """Remove the endpoint; its pending deliveries are cancelled."""
    caller.shop.delete_webhook(webhook_id, actor=caller.actor)
    return Response(status_code=204)


@router.post("/{webhook_id}/rotate-secret", response_model=WebhookWithSecret)
def rotate_secret(webhook_id: Id, caller: MerchantDep) -> Any:
    """A new signing secret at once (the old one signs nothing more); shown in this answer
    only."""
    shop = caller.shop
    return public(shop, _out(shop.rotate_webhook_secret(webhook_id, actor=caller.actor)))


@router.get("/{webhook_id}/deliveries", response_model=Page[DeliveryPublic])
def list_deliveries(
    webhook_id: Id,
    caller: MerchantDep,
    status: DeliveryStatus | None = None,
    event_type: Annotated[str | None, Query(max_length=64)] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Any:
    """The endpoint's deliveries, newest event first: status, attempts, the last answer."""
    shop = caller.shop
    after = cursors.decode("deliveries", cursor, int, str)
    rows = shop.deliveries(
        webhook_id,
        status=status,
        event_type=event_type,
        limit=limit + 1,
        after=(after[0], after[1]) if after else None,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = (
        cursors.encode("deliveries", rows[-1]["event_at"], rows[-1]["event_id"]) if more else None
    )
    items = [{k: v for k, v in r.items() if k != "id"} for r in rows]
    return public(shop, {"items": items, "next_cursor": next_cursor})


@router.get("/{webhook_id}/deliveries/{event_id}", response_model=DeliveryDetail)
def get_delivery(webhook_id: Id, event_id: Id, caller: MerchantDep) -> Any:
    """One event's delivery to the endpoint, with every attempt."""
    shop = caller.shop
    row = shop.delivery(webhook_id, event_id)
    return public(shop, {k: v for k, v in row.items() if k != "id"})


@router.post("/{webhook_id}/deliveries/{event_id}/resend", response_model=DeliveryDetail)
def resend(webhook_id: Id, event_id: Id, caller: MerchantDep) -> Any:
    """Send the event to the endpoint again, at once, with a fresh retry schedule: a new
    attempt of the same event id (also for an event it never had a delivery of)."""
    shop = caller.shop
    row = shop.resend(webhook_id, event_id)
    return public(shop, {k: v for k, v in row.items() if k != "id"})
