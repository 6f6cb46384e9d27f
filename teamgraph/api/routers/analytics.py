"""The merchant's reports over the API (issue 17; docs/api.md "Analytics"): the overview, the
channel comparison and the cohorts of distributors (``Shop.overview``, ``Shop.channels``,
``Shop.cohorts``; U-1-U-4, U-10-U-12 in teamgraph/shop/analytics.py and reports.py), each as
JSON or as a CSV / xlsx download of its table for a BI tool.

Merchant and analyst keys read them; distributor keys are refused (403). A period is
``[from, to)``: each bound is epoch ms, an ISO-8601 time (with an offset, or without one: the
shop's time zone) or a day ``YYYY-MM-DD`` (its midnight in the shop's time zone). Downloads
carry one English header row and numbers as numbers (fen and basis points as integers).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from pydantic import BaseModel

from teamgraph.api import exports
from teamgraph.api.deps import ReaderDep
from teamgraph.api.render import public
from teamgraph.api.schemas import Time
from teamgraph.clock import now_ms
from teamgraph.errors import ValidationError
from teamgraph.rules.timeutil import from_ms, parse_instant, to_ms
from teamgraph.shop import Shop

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])

Format = Literal["json", "csv", "xlsx"]
Bound = Annotated[
    str | None,
    Query(
        max_length=40,
        description="epoch ms, ISO-8601 (no offset: the shop's time zone) or YYYY-MM-DD "
        "(midnight in the shop's time zone)",
    ),
]
DEFAULT_DAYS = 30
DEFAULT_COHORT_MONTHS = 6


# -- response models (the documentation of the JSON answers) ----------------------------------
class DayPublic(BaseModel):
    day: str
    sales_fen: int
    orders: int
    commission_fen: int
    visits: int
    new_customers: int


class FunnelPublic(BaseModel):
    """U-10: each stage a subset of the one before."""

    visitors: int
    bound: int
    ordered: int
    repeat: int


class OverviewPublic(BaseModel):
    """``sales_fen``/``orders``: orders attributed to a distributor, net of refunds (U-1);
    ``all_*`` every paid order; ``commission_bp`` commission / sales (null without sales)."""

    starts_at: Time
    ends_at: Time
    timezone: str
    sales_fen: int
    orders: int
    all_orders: int
    all_sales_fen: int
    commission_fen: int
    commission_bp: int | None
    active_distributors: int
    new_distributors: int
    visits: int
    new_customers: int
    funnel: FunnelPublic
    daily: list[DayPublic]


class ChannelFigures(BaseModel):
    visits: int
    bindings: int
    orders: int
    sales_fen: int
    commission_fen: int
    cost_bp: int | None
    binding_bp: int | None


class ChannelPublic(ChannelFigures):
    """``channel`` null: visits and bindings that named no channel."""

    channel: str | None


class LevelPublic(ChannelFigures):
    level: int


class ChannelsPublic(BaseModel):
    """U-11 (teamgraph/shop/reports.py): per channel, by sales; per level, lowest first."""

    starts_at: Time
    ends_at: Time
    timezone: str
    channels: list[ChannelPublic]
    levels: list[LevelPublic]
    total: ChannelFigures


class WindowPublic(BaseModel):
    window: int
    started: int
    complete: bool
    active: int
    active_bp: int | None
    sales_fen: int
    commission_fen: int


class CohortPublic(BaseModel):
    month: str
    distributors: int
    windows: list[WindowPublic]


class CohortsPublic(BaseModel):
    """U-12: window k is the k-th ``window_days`` after each distributor joined."""

    starts_at: Time
    ends_at: Time
    timezone: str
    window_days: int
    cohorts: list[CohortPublic]


# -- the endpoints ------------------------------------------------------------------------------
@router.get("/overview", response_model=OverviewPublic, responses=exports.ANSWERS)
def overview(
    caller: ReaderDep,
    from_: Annotated[Bound, Query(alias="from")] = None,
    to: Bound = None,
    format: Format = "json",
) -> Any:
    """Sales, orders, commission and its share, active and new distributors, visits, the
    funnel and one row per day of `[from, to)` (default: the 30 days to today; at most 366).
    `csv`/`xlsx`: the daily rows."""
    shop = caller.shop
    start, end = _period(shop, from_, to)
    o = _renamed(shop.overview(start, end))
    if format == "json":
        return public(shop, o)
    header = [exports.Column("day"), *(exports.Column(c, "int") for c in DAY_COLUMNS)]
    rows = [[d["day"], *(int(d[c]) for c in DAY_COLUMNS)] for d in o["daily"]]
    return exports.download(format, "overview", header, rows)


@router.get("/channels", response_model=ChannelsPublic, responses=exports.ANSWERS)
def channels(
    caller: ReaderDep,
    from_: Annotated[Bound, Query(alias="from")] = None,
    to: Bound = None,
    format: Format = "json",
) -> Any:
    """Visits → bindings → orders → sales and commission per share channel and per
    distributor level over `[from, to)` (default: the 30 days to today), with the cost ratio.
    `csv`/`xlsx`: one row per channel (`by` = `channel`), per level (`level`) and the total."""
    shop = caller.shop
    start, end = _period(shop, from_, to)
    r = _renamed(shop.channels(start, end))
    if format == "json":
        return public(shop, r)
    header = [
        exports.Column("by"),
        exports.Column("channel"),
        exports.Column("level", "int"),
        *(exports.Column(c, "int") for c in CHANNEL_COLUMNS),
    ]
    rows: list[list[exports.Cell]] = []
    for c in r["channels"]:
        rows.append(["channel", c["channel"], None, *(c[k] for k in CHANNEL_COLUMNS)])
    for lv in r["levels"]:
        rows.append(["level", None, lv["level"], *(lv[k] for k in CHANNEL_COLUMNS)])
    rows.append(["total", None, None, *(r["total"][k] for k in CHANNEL_COLUMNS)])
    return exports.download(format, "channels", header, rows)


@router.get("/cohorts", response_model=CohortsPublic, responses=exports.ANSWERS)
def cohorts(
    caller: ReaderDep,
    from_: Annotated[Bound, Query(alias="from")] = None,
    to: Bound = None,
    format: Format = "json",
) -> Any:
    """The distributors who joined in `[from, to)` (default: this month and the 5 before; at
    most 24 months), by joining month, each with its active share, sales and commission in
    the 1st, 2nd and 3rd 30 days after joining. `csv`/`xlsx`: one row per cohort and window."""
    shop = caller.shop
    tz = shop.timezone()
    now = now_ms()
    if from_ is None and to is None:
        today = from_ms(now, tz).date()
        index = today.year * 12 + today.month - DEFAULT_COHORT_MONTHS
        first = date(index // 12, index % 12 + 1, 1)
        nxt = today.year * 12 + today.month
        start = _midnight(first, tz)
        end = _midnight(date(nxt // 12, nxt % 12 + 1, 1), tz)
    else:
        start, end = _period(shop, from_, to)
    r = _renamed(shop.cohorts(start, end, now=now))
    if format == "json":
        return public(shop, r)
    header = [
        exports.Column("month"),
        exports.Column("distributors", "int"),
        exports.Column("window", "int"),
        exports.Column("started", "int"),
        exports.Column("complete", "bool"),
        *(exports.Column(c, "int") for c in WINDOW_COLUMNS),
    ]
    rows = [
        [
            c["month"],
            c["distributors"],
            w["window"],
            w["started"],
            w["complete"],
            *(w[k] for k in WINDOW_COLUMNS),
        ]
        for c in r["cohorts"]
        for w in c["windows"]
    ]
    return exports.download(format, "cohorts", header, rows)


DAY_COLUMNS = ("sales_fen", "orders", "commission_fen", "visits", "new_customers")
CHANNEL_COLUMNS = (
    "visits",
    "bindings",
    "orders",
    "sales_fen",
    "commission_fen",
    "cost_bp",
    "binding_bp",
)
WINDOW_COLUMNS = ("active", "active_bp", "sales_fen", "commission_fen")


# -- helpers ------------------------------------------------------------------------------------
def _renamed(report: dict[str, Any]) -> dict[str, Any]:
    """``start``/``end`` as ``starts_at``/``ends_at`` (times, rendered in the shop's zone)."""
    report["starts_at"], report["ends_at"] = report.pop("start"), report.pop("end")
    return report


def _period(shop: Shop, from_: str | None, to: str | None) -> tuple[int, int]:
    """``[from, to)`` in epoch ms; ``to`` defaults to tomorrow's midnight (today included),
    ``from`` to 30 days before ``to``."""
    tz = shop.timezone()
    now = now_ms()
    if to is None:
        end = _midnight(from_ms(now, tz).date() + timedelta(days=1), tz)
    else:
        end = _bound(to, tz, now, "to")
    start = end - DEFAULT_DAYS * 86_400_000 if from_ is None else _bound(from_, tz, now, "from")
    return start, end


def _bound(value: str, tz: str, now: int, field: str) -> int:
    text = value.strip()
    if text.isascii() and text.isdigit():
        return parse_instant(int(text), now=now, field=field)
    try:
        if len(text) == 10:
            return _midnight(date.fromisoformat(text), tz)
        parsed = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise ValidationError(
            "time.invalid",
            f"{field}: {value!r} is not epoch ms, ISO-8601 or YYYY-MM-DD",
            field=field,
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(tz))
    return parse_instant(parsed.isoformat(), now=now, field=field)


def _midnight(day: date, tz: str) -> int:
    return to_ms(datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)))
