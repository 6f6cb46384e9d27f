"""API keys over the API (docs/api.md "Keys"; issue 16): create, list, revoke and rotate.

Merchant keys only (others 403). A key's secret is answered once, when it is created or
rotated, and only its hash is stored. A key is named by its public id (``key_`` and 16 hex
digits of that hash), which cannot be used to authenticate. A revoked key is refused by this
process at once and by every other within a second (K-1). Each change is audited
(``key.create``, ``key.revoke``, ``key.rotate`` in ``GET /v1/audit``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, StrictInt, StrictStr

from teamgraph.api.deps import MerchantDep
from teamgraph.api.render import public
from teamgraph.api.schemas import (
    MAX_LIMIT,
    CursorQuery,
    Id,
    Page,
    Reason,
    RequestBody,
    Time,
)
from teamgraph.shop.keys import DEFAULT_OVERLAP_S, MAX_OVERLAP_S, NAME_MAX

router = APIRouter(prefix="/v1/keys", tags=["keys"])

KeyId = Annotated[str, Field(description="a key's public id: `key_` and 16 hex digits")]


class KeyCreate(RequestBody):
    """A new key: ``distributor_id`` for (and only for) a ``distributor`` key."""

    name: Annotated[StrictStr, Field(min_length=1, max_length=NAME_MAX, examples=["mall backend"])]
    role: Literal["merchant", "analyst", "distributor"]
    distributor_id: Id | None = None


class KeyRotate(RequestBody):
    """How long the old secret keeps working, in seconds (default a day, 0: it stops at
    once, at most a week)."""

    overlap_s: Annotated[StrictInt, Field(ge=0, le=MAX_OVERLAP_S)] = DEFAULT_OVERLAP_S
    reason: Reason | None = None


class KeyRevoke(RequestBody):
    reason: Reason | None = None


class KeyPublic(BaseModel):
    """A key as lists show it: never its secret or its hash. ``status``: ``active``,
    ``expiring`` (it has an end: a center session, a rotated key's overlap), ``revoked`` or
    ``expired``; ``center_session`` for a distributor center's sign-in (revocable, not
    rotatable). ``last_used_at`` is known to the minute (K-6)."""

    id: KeyId
    name: str | None
    role: Literal["merchant", "analyst", "distributor"]
    distributor_id: str | None
    status: Literal["active", "expiring", "revoked", "expired"]
    center_session: bool
    created_at: Time | None
    last_used_at: Time | None
    expires_at: Time | None
    revoked_at: Time | None
    rotated_from: str | None
    rotated_to: str | None


class KeyCreated(BaseModel):
    """The new key's secret (``key``, shown this once: store it now) and its record."""

    key: str
    record: KeyPublic


@router.post("", status_code=201, response_model=KeyCreated)
def create_key(body: KeyCreate, caller: MerchantDep) -> Any:
    """A new key with a name and a role (a distributor key names its distributor, which must
    exist: 404 `distributor.not_found`). Answers the secret once."""
    shop = caller.shop
    if body.distributor_id is not None and body.role == "distributor":
        shop.distributor(body.distributor_id)  # 404 for an unknown distributor
    secret, record = shop.new_key(
        body.role, body.distributor_id, name=body.name, actor=caller.actor
    )
    return {"key": secret, "record": public(shop, record)}


@router.get("", response_model=Page[KeyPublic])
def list_keys(
    caller: MerchantDep,
    ended: Annotated[
        bool, Query(description="also list revoked and expired keys (default: those that work)")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: CursorQuery = None,
) -> Any:
    """The shop's keys, newest first, with the distributor center's sessions (marked
    `center_session`)."""
    shop = caller.shop
    return public(shop, shop.keys(ended=ended, limit=limit, cursor=cursor))


@router.get("/{key_id}", response_model=KeyPublic)
def get_key(key_id: str, caller: MerchantDep) -> Any:
    shop = caller.shop
    return public(shop, shop.key(key_id))


@router.post("/{key_id}/revoke", response_model=KeyPublic)
def revoke_key(key_id: str, caller: MerchantDep, body: KeyRevoke | None = None) -> Any:
    """Revoke a key or a center session: refused within a second by every API process.
    Idempotent (a revoked key answers as it is). A key may not revoke itself (409 `key.self`):
    use another merchant key or `teamgraph key revoke`."""
    shop = caller.shop
    reason = body.reason if body else None
    return public(shop, shop.revoke_key(key_id, actor=caller.actor, reason=reason))


@router.post("/{key_id}/rotate", status_code=201, response_model=KeyCreated)
def rotate_key(key_id: str, caller: MerchantDep, body: KeyRotate | None = None) -> Any:
    """A new secret (and a new key id) for the same name, role and distributor; the old secret
    keeps working for `overlap_s` seconds (default 86400, 0 = it stops at once, at most
    604800). 409 `key.revoked`, `key.ended`, `key.rotated` (rotate its successor) or
    `key.session` (a center session is revoked, not rotated)."""
    shop = caller.shop
    body = body or KeyRotate()
    secret, record = shop.rotate_key(
        key_id, actor=caller.actor, overlap_s=body.overlap_s, reason=body.reason
    )
    return {"key": secret, "record": public(shop, record)}
