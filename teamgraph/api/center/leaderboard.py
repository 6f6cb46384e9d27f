"""The center's Leaderboard page (issue 15; U-2, U-5, U-9): the day's, week's or month's top
distributors by commission (or sales, or new clients), as a distributor sees the board: its own
row whole and highlighted (and below the list when it is outside the top), every other row with
its rank, level and value but no id and only the first character of the name."""

from __future__ import annotations

from typing import Any, Final

from fastapi import Request
from fastapi.responses import Response

from teamgraph.api.center.web import (
    NAV,
    failure_page,
    language,
    render,
    router,
    session_caller,
)
from teamgraph.errors import TeamgraphError
from teamgraph.rules import levels as rules_levels
from teamgraph.rules.money import yuan
from teamgraph.rules.timeutil import from_ms
from teamgraph.shop import Shop
from teamgraph.shop.analytics import METRICS, PERIODS

TOP: Final = 20
MONEY_METRICS: Final = ("commission", "sales")


@router.get("/leaderboard")
def leaderboard_page(
    request: Request, period: str = "month", metric: str = "commission"
) -> Response:
    """Unknown ``period`` or ``metric`` values fall back to the defaults (month, commission)."""
    lang = language(request)
    period = period if period in PERIODS else "month"
    metric = metric if metric in METRICS else "commission"
    try:
        caller, _key = session_caller(request)
        view = board_view(caller.shop, str(caller.distributor_id), period, metric)
    except TeamgraphError as exc:
        return failure_page(request, exc)
    return render(
        request,
        "leaderboard.html",
        lang,
        view=view,
        periods=PERIODS,
        metrics=METRICS,
        nav=NAV,
        active="leaderboard",
    )


def board_view(shop: Shop, distributor_id: str, period: str, metric: str) -> dict[str, Any]:
    """The board as ``distributor_id`` reads it (U-9): the top :data:`TOP` rows and its own."""
    board = shop.leaderboard(period, metric, viewer=distributor_id, limit=TOP)  # type: ignore[arg-type]
    tz = shop.timezone()
    me = board.get("me")
    rows = [_row(r, metric) for r in board["items"]]
    last_day = from_ms(int(board["end"]) - 1, tz)
    return {
        "period": period,
        "metric": metric,
        "start": from_ms(int(board["start"]), tz).strftime("%Y-%m-%d"),
        "end": last_day.strftime("%Y-%m-%d"),
        "rows": rows,
        "me": _row(me, metric) if me else None,
        "me_listed": any(r["you"] for r in rows),
        "levels": rules_levels.shown(shop.settings().levels),
    }


def _row(row: dict[str, Any], metric: str) -> dict[str, Any]:
    """Only what U-9 leaves of a row: never another distributor's id."""
    value = int(row["value"])
    return {
        "rank": int(row["rank"]),
        "name": row.get("name"),
        "level": int(row["level"]),
        "value": f"¥{yuan(value)}" if metric in MONEY_METRICS else str(value),
        "you": bool(row.get("you")),
    }
