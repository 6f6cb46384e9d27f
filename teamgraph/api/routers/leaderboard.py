"""Leaderboards (排行榜): distributors ranked by sales, commission or new clients over a calendar
day, week or month (docs/api.md "Team views and the ledger"; ``teamgraph.shop.analytics`` U-2, U-5).

Merchant and analyst keys see every row whole. A distributor key sees the same ranking as
distributors see one another's (U-9, ``Shop.leaderboard(viewer=...)``): its own row whole,
marked ``you`` and repeated as ``me``; every other row without its id and with only the first
character of its name.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from teamgraph.api.deps import CallerDep
from teamgraph.api.render import public
from teamgraph.api.schemas import MAX_LIMIT, Instant, Time, instant
from teamgraph.clock import now_ms

router = APIRouter(prefix="/v1/leaderboard", tags=["leaderboard"])


class RankPublic(BaseModel):
    """``distributor_id`` is null and ``name`` masked (``张*``) on other distributors' rows when
    a distributor key reads the board; ``you`` marks its own row (U-9)."""

    rank: int
    distributor_id: str | None
    name: str | None
    level: int
    value: int
    you: bool = False


class LevelGroupPublic(BaseModel):
    level: int
    items: list[RankPublic]


class LeaderboardPublic(BaseModel):
    """``value`` is fen for ``sales`` and ``commission``, a count for ``clients`` (``unit``).
    ``items`` rank every distributor (or those of ``level``), ``groups`` rank within each
    level, highest level first. Ties share a rank. ``me``: a distributor key's own row, ranked
    among all even when below ``limit`` (null when it has no value in the period)."""

    period: Literal["day", "week", "month"]
    metric: Literal["sales", "commission", "clients"]
    unit: Literal["fen", "clients"]
    level: int | None
    starts_at: Time
    ends_at: Time
    items: list[RankPublic]
    groups: list[LevelGroupPublic]
    me: RankPublic | None = None


@router.get("", response_model=LeaderboardPublic)
def leaderboard(
    caller: CallerDep,
    period: Literal["day", "week", "month"] = "month",
    metric: Literal["sales", "commission", "clients"] = "sales",
    level: Annotated[int | None, Query(ge=1, le=5)] = None,
    at: Annotated[
        Instant | None,
        Query(description="a time in the period (ISO-8601 or epoch ms); default now"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Any:
    """The calendar `period` (shop time zone; weeks start on Monday) containing `at`."""
    shop = caller.shop
    when = None if at is None else instant(_epoch_or_iso(at), now=now_ms())
    viewer = (caller.distributor_id or "") if caller.is_distributor else None
    board = shop.leaderboard(period, metric, level=level, at=when, limit=limit, viewer=viewer)
    board["unit"] = "clients" if metric == "clients" else "fen"
    board["starts_at"], board["ends_at"] = board.pop("start"), board.pop("end")
    return public(shop, board)


def _epoch_or_iso(value: int | str) -> int | str:
    """A query string is text: digits alone are epoch ms."""
    return int(value) if isinstance(value, str) and value.isdigit() else value
