"""Fraud rings (docs/api.md "Fraud rings"; docs/rules.md R-6.2, R-6.4): the scan's rings by score,
one ring's evidence, the freeze / release decisions, and the analysts' verdicts with the
detector's precision over them (issue 18, F-20..F-22).

Read and decided by the merchant and the analyst; distributor keys are refused (403). Rings
are written by ``teamgraph fraud scan``, not over HTTP.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from teamgraph.api.deps import ReaderDep
from teamgraph.api.render import public
from teamgraph.api.schemas import (
    CursorQuery,
    LimitQuery,
    Page,
    Reason,
    ReasonBody,
    RequestBody,
    Time,
)
from teamgraph.fraud.quality import FLAG_SCORE
from teamgraph.shop import cursors

router = APIRouter(prefix="/v1/rings", tags=["rings"])

RingStatus = Literal["open", "frozen", "released"]
Verdict = Literal["fraud", "not_fraud"]
VerdictFilter = Literal["fraud", "not_fraud", "none"]
Hold = Literal["inside", "all"]
EdgeKind = Literal["shares_signal", "bound_to", "invited_by", "earned_from"]


class MoneyPublic(BaseModel):
    """F-3: earnings of the ring's distributor members by status, net of clawbacks, in fen:
    ``pending_fen`` not yet due, ``held_fen`` due and held, ``settled_fen`` settled;
    ``total_fen`` their sum."""

    pending_fen: int
    held_fen: int
    settled_fen: int
    total_fen: int


class AtStakePublic(MoneyPublic):
    """F-3: the commission that flowed inside the group: what the ring's distributor members
    earned from orders its members placed (what a freeze with ``hold: inside`` holds);
    ``inside_fen`` the scan's measure of it (rewards as issued, before clawbacks)."""

    inside_fen: int


class RingSummary(BaseModel):
    id: str
    score: int
    status: RingStatus
    kinds: list[str]
    members: int
    distributors: int
    at_stake: AtStakePublic
    outside: MoneyPublic
    hold: Hold | None
    found_at: Time | None
    top_signals: list[str]
    seen_at: Time | None
    frozen_at: Time | None
    frozen_by: str | None
    released_at: Time | None
    released_by: str | None
    verdict: Verdict | None
    verdict_at: Time | None
    verdict_by: str | None
    verdict_note: str | None


class ContributionPublic(BaseModel):
    signal: str
    points: int
    detail: str


class MemberPublic(BaseModel):
    id: str
    name: str | None
    is_distributor: bool
    level: int | None
    role: str | None
    held: bool


class EdgePublic(BaseModel):
    source: str
    target: str
    kind: EdgeKind
    detail: str


class SignalPublic(BaseModel):
    kind: str
    value: str
    members: list[str]


class ChangePublic(BaseModel):
    at: Time
    actor: str | None
    action: str
    reason: str | None
    before: str | None = None
    after: str | None = None
    hold: Hold | None = None


class FreezeBody(ReasonBody):
    """F-2: ``hold`` is what the frozen ring holds: ``inside`` (the default) the rewards of
    its distributor members from orders its members placed, ``all`` every reward of them."""

    hold: Hold = "inside"


class RingPublic(RingSummary):
    """One ring with its evidence (R-6.2): each signal's points, the members, the edges that
    tie them, the shared signals (values masked) and the audit trail of decisions."""

    contributions: list[ContributionPublic]
    member_list: list[MemberPublic]
    edges: list[EdgePublic]
    signals: list[SignalPublic]
    changes: list[ChangePublic]


class ReviewBody(RequestBody):
    verdict: Verdict
    note: Reason | None = None


class EvaluationFigure(BaseModel):
    """Reviewed rings, how many the analysts marked fraud and not fraud, and the precision
    (fraud / reviewed) in basis points, null when none was reviewed."""

    reviewed: int
    fraud: int
    not_fraud: int
    precision_bp: int | None


class KindFigure(EvaluationFigure):
    kind: str


class BandFigure(EvaluationFigure):
    low: int
    high: int
    flagged: bool


class RingEvaluation(BaseModel):
    """F-22: the detector's precision over the reviewed rings. ``overall`` and ``kinds``: the
    flagged reviewed rings (score >= ``flag_score``); ``below_line``: the reviewed rings under
    it; ``bands``: every reviewed ring by score; ``unreviewed_flagged``: flagged rings no one
    has reviewed yet."""

    flag_score: int
    scores: Literal["reviewed", "latest"]
    rings: int
    reviewed: int
    flagged: int
    unreviewed_flagged: int
    overall: EvaluationFigure
    below_line: EvaluationFigure
    kinds: list[KindFigure]
    bands: list[BandFigure]


@router.get("", response_model=Page[RingSummary])
def list_rings(
    caller: ReaderDep,
    status: RingStatus | None = None,
    verdict: VerdictFilter | None = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Any:
    """The rings of the latest scan and every reviewed ring, highest score first; ``verdict``
    keeps the rings an analyst marked ``fraud`` or ``not_fraud``, or (``none``) those not
    reviewed."""
    (offset,) = cursors.decode("rings", cursor, int) or (0,)
    shop = caller.shop
    rows = shop.rings(status=status, verdict=verdict, limit=limit + 1, offset=offset)
    more = len(rows) > limit
    next_cursor = cursors.encode("rings", offset + limit) if more else None
    return public(shop, {"items": rows[:limit], "next_cursor": next_cursor})


@router.get("/evaluation", response_model=RingEvaluation)
def ring_evaluation(
    caller: ReaderDep,
    flag_score: Annotated[
        int, Query(ge=0, le=100, description="the flag line: rings scoring this or more")
    ] = FLAG_SCORE,
    scores: Literal["reviewed", "latest"] = "reviewed",
) -> Any:
    """F-22: the detector's precision over the rings the analysts reviewed, overall, per ring
    kind and per score band, with the counts behind each figure (``teamgraph fraud evaluate``);
    ``scores=latest`` counts the latest scan's scores instead of those the analysts saw."""
    return caller.shop.ring_evaluation(flag_score=flag_score, scores=scores)


@router.get("/{ring_id}", response_model=RingPublic)
def get_ring(ring_id: str, caller: ReaderDep) -> Any:
    shop = caller.shop
    return public(shop, shop.ring(ring_id))


@router.post("/{ring_id}/freeze", response_model=RingPublic)
def freeze_ring(ring_id: str, caller: ReaderDep, body: FreezeBody | None = None) -> Any:
    """R-6.4: hold the ring's distributor members' pending rewards until released: those from
    orders the ring's members placed (``hold: inside``, the default) or all (``hold: all``,
    F-2). Idempotent."""
    shop = caller.shop
    body = body or FreezeBody()
    return public(
        shop, shop.freeze_ring(ring_id, actor=caller.actor, reason=body.reason, hold=body.hold)
    )


@router.post("/{ring_id}/release", response_model=RingPublic)
def release_ring(ring_id: str, caller: ReaderDep, body: ReasonBody | None = None) -> Any:
    """R-6.4: what the ring held settles (unless its distributor is frozen by hand or held by
    another frozen ring). Idempotent."""
    shop = caller.shop
    reason = body.reason if body else None
    return public(shop, shop.release_ring(ring_id, actor=caller.actor, reason=reason))


@router.post("/{ring_id}/review", response_model=RingPublic)
def review_ring(ring_id: str, body: ReviewBody, caller: ReaderDep) -> Any:
    """Issue 18: mark the ring ``fraud`` or ``not_fraud``, with an optional note; audited
    (``ring.review``) with its ``ring.reviewed`` event. The same verdict again changes nothing;
    another replaces it (F-21). Freezes and releases nothing."""
    shop = caller.shop
    return public(shop, shop.review_ring(ring_id, body.verdict, actor=caller.actor, note=body.note))
