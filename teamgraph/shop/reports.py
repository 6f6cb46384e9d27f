"""The merchant's reports (issue 17) of a :class:`~teamgraph.shop.Shop`: the overview's
funnel, the channel comparison and the cohorts of distributors. Each reads one statement of
``graph/queries/reports.cypher`` that aggregates in the engine (a few rows per channel, level
or cohort), so a big shop is never pulled into Python. Money is integer fen, shares are basis
points (integer division), times epoch ms, months and days in the shop's time zone.

What a visit is (all three reports and the overview): a time kept on a customer→distributor
``SHARED_BY`` (R-1.3: ``POST /v1/visits`` adds one per visit, the latest 20 per pair), or the
start of a binding made by a visit that has no such time (an imported binding with
``source: visit`` carries none).

Choices where docs/rules.md is silent (U-n, docs/choices.md):

- U-10 The overview's funnel follows the period's visitors, each stage a subset of the one
  before: *visitors* (customers who opened a share link in the period) → *bound* (of them,
  those bound to a distributor at some time in the period, new or kept) → *ordered* (of them,
  those who paid an order attributed to a distributor in the period) → *repeat* (of them,
  those who paid two or more). Customers bound by a merchant without a visit are not visitors.
- U-11 Channels: a visit counts under its pair's channel (the pair keeps its latest), a
  binding made by a visit under its own (a merchant's bindings come from no channel); an
  order under the channel of the binding it was bought under (to the distributor it is
  attributed to), else under its pair's (attributed to the sharer, R-1.4). The period's
  orders are those paid in it; their sales are net of refunds and their commission is every
  reward net of clawbacks in fen written for them (all tiers), as they stand now;
  ``cost_bp`` is commission / sales. No channel is ``None``. Levels: the level of the
  distributor visited, bound or attributed, as it is now (levels are not kept by date).
  Ladder bonuses (R-3.13) belong to no order, so to no channel; points rewards are not money.
- U-12 Cohorts: distributors grouped by the month (shop zone) they became one. Window *k*
  (1, 2, 3) is the k-th 30 days after each one became a distributor, so every member is
  measured over the same length of time. Per window: *active* members (U-3: a link visited or
  an order attributed in it), their share of the members who have started the window
  (``active_bp``), the sales of the orders attributed to them and their commission (U-1's
  entries) in it. A window some members have not finished is ``complete: false``; one no
  member has started has ``started: 0`` and null shares.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

from teamgraph.errors import ValidationError
from teamgraph.rules.timeutil import MS_PER_DAY, from_ms, to_ms
from teamgraph.shop.base import ShopBase

if TYPE_CHECKING:
    from teamgraph.graph import GraphStore

MAX_REPORT_DAYS: Final = 366
WINDOW_DAYS: Final = 30
WINDOWS: Final = (1, 2, 3)
MAX_COHORT_MONTHS: Final = 24
FUNNEL_STAGES: Final = ("visitors", "bound", "ordered", "repeat")
CHANNEL_FIELDS: Final = ("visits", "bindings", "orders", "sales_fen", "commission_fen")


class Reports(ShopBase):
    """Part of Shop: the merchant's reports, each one aggregating statement."""

    def channels(self, start: int, end: int, *, now: int | None = None) -> dict[str, Any]:
        """U-11: visits → bindings → orders → sales and commission per share channel and per
        distributor level over ``[start, end)``, with each one's ``cost_bp`` and the total."""
        _check_period(start, end, MAX_REPORT_DAYS)
        tz = self.catch_up(self._now(now)).timezone
        by_channel: dict[str, dict[str, int]] = {}
        by_level: dict[int, dict[str, int]] = {}
        total = dict.fromkeys(CHANNEL_FIELDS, 0)
        for row in self.store.read("reports.channels", start=start, end=end):
            counts = {
                "visit": {"visits": row["n"]},
                "binding": {"bindings": row["n"]},
                "order": {
                    "orders": row["n"],
                    "sales_fen": row["fen"],
                    "commission_fen": row["commission"],
                },
            }[row["src"]]
            for bucket in (
                by_channel.setdefault(row["channel"], dict.fromkeys(CHANNEL_FIELDS, 0)),
                by_level.setdefault(int(row["level"]), dict.fromkeys(CHANNEL_FIELDS, 0)),
                total,
            ):
                for k, v in counts.items():
                    bucket[k] += int(v or 0)
        channels = [
            {"channel": name or None, **_with_ratios(v)}
            for name, v in sorted(by_channel.items(), key=lambda kv: (-kv[1]["sales_fen"], kv[0]))
        ]
        levels = [{"level": lv, **_with_ratios(v)} for lv, v in sorted(by_level.items())]
        return {
            "start": start,
            "end": end,
            "timezone": tz,
            "channels": channels,
            "levels": levels,
            "total": _with_ratios(total),
        }

    def cohorts(self, start: int, end: int, *, now: int | None = None) -> dict[str, Any]:
        """U-12: the distributors who became one in ``[start, end)`` by the month they did,
        each cohort with its windows 1-3 (30 days each after joining)."""
        _check_period(start, end, MAX_COHORT_MONTHS * 31)
        now = self._now(now)
        tz = self.catch_up(now).timezone
        months, bounds = _months(start, end, tz)
        window = WINDOW_DAYS * MS_PER_DAY
        rows = self.store.read(
            "reports.cohorts", start=start, end=end, bounds=bounds, window=window, now=now
        )
        cells: dict[tuple[int, int], dict[str, Any]] = {}
        sizes: dict[int, int] = {}
        for row in rows:
            cell = cells.setdefault(
                (int(row["cohort"]), int(row["k"])),
                {"started": 0, "finished": 0, "active": set(), "sales_fen": 0, "commission_fen": 0},
            )
            src = row["src"]
            if src == "member":
                sizes[int(row["cohort"])] = int(row["size"])
                cell["started"], cell["finished"] = int(row["n"]), int(row["fen"])
            elif src == "order":
                cell["sales_fen"] += int(row["fen"] or 0)
            elif src == "entry":
                cell["commission_fen"] += int(row["fen"] or 0)
            if src in ("order", "visit"):
                cell["active"] |= {x for x in row["who"] or [] if x is not None}
        cohorts = []
        for i, month in enumerate(months):
            size = sizes.get(i, 0)
            if size == 0:
                continue
            windows = []
            for k in WINDOWS:
                cell = cells.get((i, k), {})
                started = int(cell.get("started", 0))
                active = len(cell.get("active", ()))
                windows.append(
                    {
                        "window": k,
                        "started": started,
                        "complete": int(cell.get("finished", 0)) == size,
                        "active": active,
                        "active_bp": active * 10_000 // started if started else None,
                        "sales_fen": int(cell.get("sales_fen", 0)),
                        "commission_fen": int(cell.get("commission_fen", 0)),
                    }
                )
            cohorts.append({"month": month, "distributors": size, "windows": windows})
        return {
            "start": start,
            "end": end,
            "timezone": tz,
            "window_days": WINDOW_DAYS,
            "cohorts": cohorts,
        }


def read_funnel(store: GraphStore, start: int, end: int) -> dict[str, int]:
    """U-10: visitors → bound → ordered → repeat for ``[start, end)``; each a subset of the
    one before (the overview's funnel)."""
    rows = store.read("reports.funnel", start=start, end=end)
    row = rows[0] if rows else {}
    return {stage: int(row.get(stage) or 0) for stage in FUNNEL_STAGES}


def _check_period(start: int, end: int, max_days: int) -> None:
    if end <= start or end - start > max_days * MS_PER_DAY:
        raise ValidationError(
            "analytics.period",
            f"a period is 1 ms to {max_days} days long, start before end",
            field="start",
        )


def _with_ratios(v: dict[str, int]) -> dict[str, Any]:
    """The counts with ``cost_bp`` (commission / sales) and ``binding_bp`` (bindings / visits),
    in basis points (None where the divisor is 0)."""

    def bp(num: int, den: int) -> int | None:
        return num * 10_000 // den if den > 0 else None

    return {
        **v,
        "cost_bp": bp(v["commission_fen"], v["sales_fen"]),
        "binding_bp": bp(v["bindings"], v["visits"]),
    }


def _months(start: int, end: int, tz: str) -> tuple[list[str], list[int]]:
    """The local months ``[start, end)`` touches (``2026-01``) and where each begins (epoch ms;
    the first begins at ``start``)."""
    zone = ZoneInfo(tz)
    first, last = from_ms(start, tz), from_ms(end - 1, tz)
    year, month = first.year, first.month
    months, bounds = [], []
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        bounds.append(max(start, to_ms(datetime(year, month, 1, tzinfo=zone))))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months, bounds
