"""Distributors: applications and their review, status and level edits, the team views and the
commission ledger (docs/api.md "Events and idempotency", "Team views and the ledger",
"Distributors: applications and merchant edits"; docs/rules.md R-2.1–R-2.3, R-3.10–R-3.12, R-4.3,
R-4.4, R-5.2).

Team views and the ledger are read by the merchant and the analyst for any distributor, and by
a distributor key for its own id only (``DistributorReaderDep``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, StrictInt

from teamgraph.api.deps import DistributorReaderDep, MerchantDep
from teamgraph.api.render import public
from teamgraph.api.schemas import (
    CursorQuery,
    Id,
    Instant,
    LimitQuery,
    Page,
    Reason,
    ReasonBody,
    RequestBody,
    Time,
    instant,
)
from teamgraph.callers import Caller
from teamgraph.clock import now_ms
from teamgraph.errors import NotFound
from teamgraph.qr import MAX_SCALE, qr_png
from teamgraph.shop import MAX_TREE_DEPTH

router = APIRouter(prefix="/v1/distributors", tags=["distributors"])

Status = Literal["pending", "active", "dormant", "frozen", "rejected"]


# -- schemas -------------------------------------------------------------------------------------
class DistributorCreate(RequestBody):
    """A customer applies to become a distributor (R-2.1); its id stays its customer id."""

    customer_id: Id
    at: Instant | None = None


class LevelUpdate(RequestBody):
    level: StrictInt
    reason: Reason | None = None


class ApplicationPublic(BaseModel):
    id: str
    status: Status
    inviter_id: str | None


class DepthPublic(BaseModel):
    depth: int
    distributors: int


class DistributorPublic(BaseModel):
    """The profile: status (``dormant`` computed when read), level, inviter (R-2.2), share code
    and the team counters of R-2.3."""

    id: str
    name: str | None
    status: Status
    level: int
    code: str | None
    became_at: Time | None
    inviter_id: str | None
    direct_clients: int
    indirect_clients: int
    invitees: int
    team_size: int
    by_depth: list[DepthPublic]
    paid_orders: int
    received_fen: int
    transaction_fen: int
    completed_orders: int


class TeamPublic(BaseModel):
    distributor_id: str
    direct_clients: int
    indirect_clients: int
    invitees: int
    team_size: int
    by_depth: list[DepthPublic]


class ClientPublic(BaseModel):
    """A client bound to the distributor (``via`` is itself) or, for indirect clients, to one
    of its invitees (``via`` names it)."""

    id: str
    name: str | None
    since: Time
    expires_at: Time | None
    via: str


class InviteePublic(BaseModel):
    id: str
    name: str | None
    level: int
    status: str
    invited_at: Time | None
    direct_clients: int
    team_size: int


class TreeNodePublic(BaseModel):
    id: str
    parent_id: str
    depth: int
    name: str | None
    level: int
    status: str
    direct_clients: int
    team_size: int


class TreePublic(BaseModel):
    root: DistributorPublic
    depth: int
    nodes: list[TreeNodePublic]
    truncated: bool


class ConditionPublic(BaseModel):
    name: str
    current: int
    threshold: int
    percent: int


class ProgressPublic(BaseModel):
    """R-4.4: per condition of the next level; ``percent`` is the highest of them. ``shown`` is
    false when the program has one level (R-4.1)."""

    level: int
    next_level: int | None
    percent: int
    conditions: list[ConditionPublic]
    shown: bool


class SharePublic(BaseModel):
    distributor_id: str
    code: str
    link: str
    product_id: str | None
    channel: str | None
    qr_svg_url: str
    qr_png_url: str


class BalancesPublic(BaseModel):
    """Sums of the ledger's entries in fen (R-3.12): ``settled`` may be negative after a
    clawback (R-3.11) and ``withdrawable`` is then 0; ``requested`` counts requested and
    approved withdrawals, ``withdrawn`` paid ones (net of tax); ``points`` apart (M-5)."""

    pending: int
    held: int
    settled: int
    requested: int
    withdrawn: int
    withdrawable: int
    points: int


class LedgerEntryPublic(BaseModel):
    """One entry: a ``reward`` (≥ 0), a ``clawback`` of one (``reverses``, ``refund_id``), a
    ``withdrawal`` (its net amount, < 0), the ``tax`` withheld on it (R-5.4), a ``bonus`` or an
    ``adjustment`` (with the merchant's ``reason``, R-3.12). Reward statuses are
    pending/held/settled; a withdrawal's and its tax's requested/approved/paid/rejected."""

    id: str
    kind: Literal["reward", "clawback", "bonus", "adjustment", "withdrawal", "tax"]
    amount: int
    unit: Literal["fen", "point"]
    status: str
    at: Time
    settle_at: Time | None
    order_id: str | None
    tier: int | None
    line: int | None
    product_id: str | None
    basis: str | None
    rate_bp: int | None
    reverses: str | None
    refund_id: str | None
    method: str | None
    reason: str | None = None


class LedgerPublic(BaseModel):
    distributor_id: str
    balances: BalancesPublic
    items: list[LedgerEntryPublic]
    next_cursor: str | None


ProductQuery = Annotated[str | None, Query(min_length=1, max_length=128)]
ChannelQuery = Annotated[
    str | None, Query(max_length=64, description="1-32 letters, digits, `_` or `-`")
]


# -- applications and merchant edits ---------------------------------------------------------------
@router.post("", status_code=201, response_model=ApplicationPublic)
def apply(body: DistributorCreate, caller: MerchantDep, response: Response) -> Any:
    """R-2.1: 201 `pending` (the shop reviews applications) or `active` (approved at once, the
    inviter fixed for good, R-2.2); 200 for a customer that already is a distributor."""
    shop = caller.shop
    now = now_ms()
    at = instant(body.at, now=now)
    try:
        shop.distributor(body.customer_id, now=at)
        response.status_code = 200
    except NotFound:
        pass
    return public(shop, shop.apply(body.customer_id, now=at))


@router.post("/{distributor_id}/approve", response_model=DistributorPublic)
def approve(distributor_id: str, caller: MerchantDep, body: ReasonBody | None = None) -> Any:
    """R-2.1/R-2.2: the application becomes a distributor; its inviter is fixed now. The
    `reason` is kept in the approval's audit entry (`distributor.approve`)."""
    shop = caller.shop
    reason = body.reason if body else None
    return public(shop, shop.approve(distributor_id, reason=reason, actor=caller.actor))


@router.post("/{distributor_id}/reject", response_model=ApplicationPublic)
def reject(distributor_id: str, caller: MerchantDep, body: ReasonBody | None = None) -> Any:
    shop = caller.shop
    reason = body.reason if body else None
    return public(shop, shop.reject(distributor_id, reason=reason, actor=caller.actor))


@router.post("/{distributor_id}/freeze", response_model=DistributorPublic)
def freeze(distributor_id: str, caller: MerchantDep, body: ReasonBody | None = None) -> Any:
    """R-2.1: a frozen distributor takes no new customers (`binding.frozen`)."""
    return _set_status(caller, distributor_id, "frozen", body)


@router.post("/{distributor_id}/unfreeze", response_model=DistributorPublic)
def unfreeze(distributor_id: str, caller: MerchantDep, body: ReasonBody | None = None) -> Any:
    return _set_status(caller, distributor_id, "active", body)


def _set_status(
    caller: Caller,
    distributor_id: str,
    status: Literal["active", "frozen"],
    body: ReasonBody | None,
) -> Any:
    reason = body.reason if body else None
    shop = caller.shop
    return public(shop, shop.set_status(distributor_id, status, reason=reason, actor=caller.actor))


@router.put("/{distributor_id}/level", response_model=DistributorPublic)
def set_level(distributor_id: str, body: LevelUpdate, caller: MerchantDep) -> Any:
    """R-4.3: the merchant sets any level by hand, up or down."""
    shop = caller.shop
    view = shop.set_level(distributor_id, body.level, reason=body.reason, actor=caller.actor)
    return public(shop, view)


# -- team views ---------------------------------------------------------------------------------
class SessionPublic(BaseModel):
    """A distributor center link (docs/integration.md): open ``url`` once, within minutes."""

    distributor_id: str
    url: str
    expires_at: Time


@router.post("/{distributor_id}/sessions", status_code=201, response_model=SessionPublic)
def center_session(distributor_id: str, caller: MerchantDep, request: Request) -> Any:
    """C-1: a single-use link that signs ``distributor_id`` in to the distributor center. The
    mall's backend asks for it and sends the member's browser to ``url``."""
    shop = caller.shop
    token, expires_at = shop.center_link(distributor_id)
    base = str(request.app.state.public_url or request.base_url).rstrip("/")
    url = f"{base}/center/enter?{urlencode({'t': token})}"
    return public(shop, {"distributor_id": distributor_id, "url": url, "expires_at": expires_at})


@router.get("/{distributor_id}", response_model=DistributorPublic)
def profile(distributor_id: str, caller: DistributorReaderDep) -> Any:
    shop = caller.shop
    return public(shop, shop.distributor(distributor_id))


@router.get("/{distributor_id}/team", response_model=TeamPublic)
def team(distributor_id: str, caller: DistributorReaderDep) -> Any:
    """R-2.3: direct and indirect clients, invitees, team size and members per depth."""
    shop = caller.shop
    return public(shop, shop.team(distributor_id))


@router.get("/{distributor_id}/clients", response_model=Page[ClientPublic])
def clients(
    distributor_id: str,
    caller: DistributorReaderDep,
    kind: Literal["direct", "indirect"] = "direct",
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Any:
    """R-2.3: direct clients are bound to the distributor; indirect ones to its invitees."""
    shop = caller.shop
    return public(shop, shop.clients(distributor_id, kind, limit=limit, cursor=cursor))


@router.get("/{distributor_id}/invitees", response_model=Page[InviteePublic])
def invitees(
    distributor_id: str,
    caller: DistributorReaderDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Any:
    shop = caller.shop
    return public(shop, shop.invitees(distributor_id, limit=limit, cursor=cursor))


@router.get("/{distributor_id}/tree", response_model=TreePublic)
def tree(
    distributor_id: str,
    caller: DistributorReaderDep,
    depth: Annotated[int, Query(ge=1, le=MAX_TREE_DEPTH)] = 3,
) -> Any:
    """The team below the distributor in the invitation forest, to ``depth`` levels."""
    shop = caller.shop
    return public(shop, shop.tree(distributor_id, depth=depth))


@router.get("/{distributor_id}/progress", response_model=ProgressPublic)
def progress(distributor_id: str, caller: DistributorReaderDep) -> Any:
    shop = caller.shop
    return public(shop, shop.progress(distributor_id))


@router.get("/{distributor_id}/ledger", response_model=LedgerPublic)
def ledger(
    distributor_id: str,
    caller: DistributorReaderDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Any:
    """R-3.12: the balances (sums of every entry, each in its status now: rewards whose
    after-sale window is over are settled, R-3.10) and the entries, newest first."""
    shop = caller.shop
    return public(shop, shop.ledger(distributor_id, limit=limit, cursor=cursor))


class BadgePublic(BaseModel):
    """One badge (docs/choices.md BG-1, BG-2): held (``earned``) or not, with the value it is
    measured on (``month_top``: the rank, null off the board) and the shop's threshold."""

    badge: Literal["first_sale", "clients", "level", "month_top"]
    earned: bool
    current: int | None
    threshold: int


class BadgesPublic(BaseModel):
    distributor_id: str
    month_starts_at: Time
    month_ends_at: Time
    items: list[BadgePublic]


@router.get("/{distributor_id}/badges", response_model=BadgesPublic)
def badges(distributor_id: str, caller: DistributorReaderDep) -> Any:
    """The shop's enabled badges (settings `badges`), derived from the distributor's data when
    read: first sale, clients, level reached, this month's sales top (BG-1, BG-2)."""
    shop = caller.shop
    return public(shop, shop.badges(distributor_id))


# -- share link and QR codes ---------------------------------------------------------------------
@router.get("/{distributor_id}/share", response_model=SharePublic)
def share(
    distributor_id: str,
    caller: DistributorReaderDep,
    request: Request,
    product_id: ProductQuery = None,
    channel: ChannelQuery = None,
) -> Any:
    """推广链接 / 推广码: the stable share code, the link and where its QR codes are."""
    shop = caller.shop
    out = shop.share(distributor_id, product_id=product_id, channel=channel)
    out.pop("qr_svg")
    query = {k: v for k, v in (("product_id", product_id), ("channel", channel)) if v is not None}
    for kind in ("svg", "png"):
        url = request.url_for(f"share_{kind}", distributor_id=distributor_id)
        out[f"qr_{kind}_url"] = str(url.include_query_params(**query))
    return out


@router.get(
    "/{distributor_id}/share.svg",
    name="share_svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}},
)
def share_svg(
    distributor_id: str,
    caller: DistributorReaderDep,
    product_id: ProductQuery = None,
    channel: ChannelQuery = None,
) -> Response:
    shop = caller.shop
    svg = shop.share(distributor_id, product_id=product_id, channel=channel)["qr_svg"]
    return Response(svg, media_type="image/svg+xml")


@router.get(
    "/{distributor_id}/share.png",
    name="share_png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def share_png(
    distributor_id: str,
    caller: DistributorReaderDep,
    product_id: ProductQuery = None,
    channel: ChannelQuery = None,
    scale: Annotated[int, Query(ge=1, le=MAX_SCALE)] = 8,
) -> Response:
    shop = caller.shop
    link = shop.share(distributor_id, product_id=product_id, channel=channel)["link"]
    return Response(qr_png(link, scale), media_type="image/png")
