"""Whole-shop analytics of a :class:`~teamgraph.shop.Shop`: the overview's figures (sales,
orders, commission cost, active and new distributors, the visit funnel, daily trends), the
leaderboards, the distributor list and the team view's tree and earnings.

Analytics that scan the shop read **one projection per call**
(a statement of ``graph/queries/analytics.cypher``) and compute in pandas; nothing is kept
between calls. Money stays integer fen (sums of int64 columns, turned back into ``int``);
days are calendar days in the shop's time zone.

Choices where docs/rules.md is silent (U-n, docs/choices.md):

- U-1 *Distribution sales* are the orders attributed to a distributor (R-1.4), net of what
  was refunded so far, counted on the day they were paid; *commission cost* is every reward,
  clawback and ladder bonus in fen dated in the period (what the program cost the shop), and
  its share of sales is in basis points (integer division).
- U-2 A period is ``[start, end)`` in epoch ms. The leaderboards' day, week (Monday first) and
  month are the calendar ones containing ``at`` in the shop's time zone (as R-5.1's periods).
- U-3 *Active distributors* in a period shared a link that was visited or had an order
  attributed in it; *new distributors* became one in it.
- U-4 *Visits* are every visit time kept on a customer→sharer edge (the latest 20 per pair,
  R-1.3; a pair visited more than 20 times counts its latest 20) and the start of every
  binding made by a visit without such a time (imported ones); *new customers* joined in the
  period. The funnel is U-10's (teamgraph/shop/reports.py): visitors → bound → ordered →
  repeat, each stage a subset of the one before.
- U-5 Leaderboards rank with ties sharing a rank (1, 2, 2, 4); *commission* is the net of
  U-1's entries, *clients* the bindings that started in the period (R-1.2), however they end.
- U-9 A distributor reads the board as distributors read one another's (``viewer``): its own
  row whole, marked ``you``, and as ``me`` with its rank among all (even below ``limit``);
  every other row keeps its rank, level and value but shows no id and only the first character
  of the name (``张*``). The value is what a leaderboard is for (the gap to the next rank), as
  CRMEB's and Youzan's rankings show amounts beside masked names; the level is the board's own
  grouping (``groups``); the id is what would name a person.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal
from zoneinfo import ZoneInfo

from teamgraph.errors import ValidationError
from teamgraph.rules import binding as rules_binding
from teamgraph.rules.timeutil import MS_PER_DAY, from_ms, to_ms
from teamgraph.rules.withdrawals import period_start
from teamgraph.shop import cursors
from teamgraph.shop.base import ShopBase
from teamgraph.shop.reports import read_funnel

if TYPE_CHECKING:
    import pandas as pd

Period = Literal["day", "week", "month"]
Metric = Literal["sales", "commission", "clients"]
PERIODS: Final[tuple[Period, ...]] = ("day", "week", "month")
METRICS: Final[tuple[Metric, ...]] = ("sales", "commission", "clients")
MAX_SPAN_DAYS: Final = 366
TREE_LIMIT: Final = 300
DISTRIBUTOR_PAGE: Final = 500
DISTRIBUTOR_SORTS: Final = ("sales", "team", "clients", "orders", "id")
DISTRIBUTOR_CURSOR: Final = "distributors"


class Analytics(ShopBase):
    """Part of Shop: whole-shop figures, read one projection per call."""

    # -- the overview ------------------------------------------------------------------------
    def last_order_at(self) -> int | None:
        """When the latest order was paid (None without orders): the overview's default day."""
        rows = self.store.read("analytics.last_order")
        at = rows[0]["at"] if rows else None
        return int(at) if at is not None else None

    def overview(self, start: int, end: int, *, now: int | None = None) -> dict[str, Any]:
        """The shop's distribution figures for ``[start, end)`` (U-1–U-4, U-10): totals, the funnel
        and one row per day (shop time zone) with sales, orders, commission, visits and new
        customers."""
        import pandas as pd

        if end <= start or end - start > MAX_SPAN_DAYS * MS_PER_DAY:
            raise ValidationError(
                "analytics.period",
                f"a period is 1 ms to {MAX_SPAN_DAYS} days long, start before end",
                field="start",
            )
        tz = self.catch_up(self._now(now)).timezone
        days, bounds = _days(start, end, tz)
        df = pd.DataFrame(
            self.store.read("analytics.activity", start=start, end=end, bounds=bounds)
            + self.store.read("reports.imported_visits", start=start, end=end, bounds=bounds),
            columns=["src", "day", "n", "fen", "who"],
        )
        parts = {src: g for src, g in df.groupby("src")}
        empty = df.iloc[0:0]

        def part(src: str) -> pd.DataFrame:
            return parts.get(src, empty)

        def ids(src: str) -> set[str]:
            return {x for w in part(src)["who"] for x in (w or []) if x is not None}

        def total(src: str, col: str) -> int:
            return _int(part(src)[col].sum())

        daily = pd.DataFrame(index=pd.RangeIndex(len(days)))
        for column, src, value in (
            ("sales_fen", "order", "fen"),
            ("orders", "order", "n"),
            ("commission_fen", "entry", "fen"),
            ("visits", "visit", "n"),
            ("new_customers", "customer", "n"),
        ):
            rows = part(src)
            daily[column] = rows[value].astype("int64").groupby(rows["day"].astype("int64")).sum()
        daily = daily.fillna(0).astype("int64")
        sales = total("order", "fen")
        commission = total("entry", "fen")
        orders = total("order", "n")
        return {
            "start": start,
            "end": end,
            "timezone": tz,
            "sales_fen": sales,
            "orders": orders,
            "all_orders": orders + total("order_other", "n"),
            "all_sales_fen": sales + total("order_other", "fen"),
            "commission_fen": commission,
            "commission_bp": commission * 10_000 // sales if sales > 0 else None,
            "active_distributors": len(ids("order") | ids("visit")),
            "new_distributors": total("distributor", "n"),
            "visits": total("visit", "n"),
            "new_customers": total("customer", "n"),
            "funnel": read_funnel(self.store, start, end),
            "daily": [
                {"day": day, **{k: int(v) for k, v in row.items()}}
                for day, (_, row) in zip(days, daily.iterrows(), strict=True)
            ],
        }

    # -- leaderboards ------------------------------------------------------------------------
    def period_bounds(self, period: Period, at: int | None = None) -> tuple[int, int]:
        """U-2: the calendar day, week or month containing ``at`` (default now)."""
        if period not in PERIODS:
            raise ValidationError(
                "leaderboard.period", "period is day, week or month", field="period"
            )
        tz = self.catch_up(self._now(None)).timezone
        at = self._now(at)
        start = period_start(at, period, tz)
        first = from_ms(start, tz)  # local midnight; steps below are in local (wall) time
        if period == "month":
            nxt = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
        else:
            nxt = first + timedelta(days=1 if period == "day" else 7)
        return start, to_ms(nxt)

    def leaderboard(
        self,
        period: Period,
        metric: Metric,
        *,
        level: int | None = None,
        at: int | None = None,
        limit: int = 50,
        viewer: str | None = None,
    ) -> dict[str, Any]:
        """The ranking of distributors by ``metric`` in the ``period`` containing ``at`` (U-2,
        U-5), optionally of one ``level``; ``groups`` has the same ranking within each level.
        ``viewer``: the board as that distributor sees it (U-9), with its own row as ``me``."""
        import pandas as pd

        if metric not in METRICS:
            raise ValidationError(
                "leaderboard.metric", "metric is sales, commission or clients", field="metric"
            )
        if level is not None and (isinstance(level, bool) or level < 1):
            raise ValidationError("leaderboard.level", "level is 1 or more", field="level")
        start, end = self.period_bounds(period, at)
        df = pd.DataFrame(
            self.store.read(f"analytics.board_{metric}", start=start, end=end),
            columns=["distributor_id", "name", "level", "value"],
        )
        df = df[df["value"] != 0]
        df["level"] = df["level"].fillna(1).astype("int64")
        if level is not None:
            df = df[df["level"] == level]
        board: dict[str, Any] = {
            "period": period,
            "metric": metric,
            "level": level,
            "start": start,
            "end": end,
            "items": _ranked(df, limit),
            "groups": [
                {"level": int(lv), "items": _ranked(group, limit)}
                for lv, group in sorted(df.groupby("level"), key=lambda g: -int(g[0]))
            ],
        }
        if viewer is not None:
            board["me"] = _own_row(df, viewer)
            for rows in (board["items"], *(g["items"] for g in board["groups"])):
                rows[:] = [_seen_by(row, viewer) for row in rows]
        return board

    # -- lists and the team view -----------------------------------------------------------------
    def distributor_table(
        self,
        *,
        search: str | None = None,
        levels: list[int] | None = None,
        statuses: list[str] | None = None,
        sort: str = "sales",
        limit: int = DISTRIBUTOR_PAGE,
        now: int | None = None,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        """The distributors matching ``search`` (id, name or share code), ``levels`` and
        ``statuses`` (as read, R-2.1), the first ``limit`` by ``sort`` (``sales``, ``team``,
        ``clients``, ``orders`` highest first, or ``id``), with their counters and sales;
        ``total`` counts every match. Filtered, ordered and cut in the engine. ``cursor``: the
        ``next_cursor`` of the previous page (it holds the sort, the last key and id; a cursor of
        another sort is refused, 422 ``request.cursor``)."""
        if sort not in DISTRIBUTOR_SORTS:
            raise ValidationError(
                "distributors.sort",
                f"sort is one of {', '.join(DISTRIBUTOR_SORTS)}",
                field="sort",
            )
        now = self._now(now)
        settings = self.catch_up(now)
        params = {
            "search": (search or "").strip().lower(),
            "levels": [int(x) for x in levels or []],
            "statuses": list(statuses or []),
            "idle_since": now - settings.dormant_days * MS_PER_DAY,
        }
        after = cursors.decode(DISTRIBUTOR_CURSOR, cursor, str, int, str)
        if after is not None and after[0] != sort:
            raise cursors.refused(DISTRIBUTOR_CURSOR)  # a page of another order
        rows = self.store.read(
            "analytics.distributors",
            sort=sort,
            limit=limit + 1,
            after_key=after[1] if after else None,
            after_id=after[2] if after else None,
            **params,
        )
        more = len(rows) > limit
        rows = rows[:limit]
        last = rows[-1] if more else None
        next_cursor = (
            cursors.encode(DISTRIBUTOR_CURSOR, sort, int(last["sort_key"] or 0), last["id"])
            if last
            else None
        )
        total = int(self.store.read("analytics.distributors_count", **params)[0]["n"])
        for row in rows:
            row["status"] = rules_binding.status_at(
                row["status"], row.pop("last_active_at"), settings, now
            )
            for k in (
                "direct_clients",
                "indirect_clients",
                "invitees",
                "team_size",
                "paid_orders",
                "received_fen",
                "level",
            ):
                row[k] = int(row[k] or 0)
        for row in rows:
            row.pop("sort_key", None)
        return {"items": rows, "total": total, "sort": sort, "next_cursor": next_cursor}

    def team_tree(
        self, distributor_id: str, *, depth: int = 2, limit: int = TREE_LIMIT
    ) -> dict[str, Any]:
        """The team below a distributor to ``depth`` with each member's sales (the team view's
        tree); ``truncated`` when more than ``limit`` members are that close."""
        if not 1 <= depth <= 15:
            raise ValidationError("tree.depth", "depth is 1..15", field="depth")
        now = self._now(None)
        settings = self.catch_up(now)
        if depth in (1, 2):  # the walk bounded in the pattern (the common cases)
            name = "analytics.children" if depth == 1 else "analytics.tree2"
            rows = self.store.read(name, id=distributor_id, limit=limit + 1)
        else:
            rows = self.store.read(
                "analytics.tree", id=distributor_id, depth=depth, limit=limit + 1
            )
        for row in rows:
            row["status"] = rules_binding.status_at(
                row["status"], row.pop("last_active_at"), settings, now
            )
            row["sales_fen"] = int(row["sales_fen"] or 0)
        return {
            "root_id": distributor_id,
            "depth": depth,
            "nodes": rows[:limit],
            "truncated": len(rows) > limit,
        }

    def recent_clients(
        self,
        distributor_id: str,
        kind: Literal["direct", "indirect"] = "direct",
        *,
        limit: int = 100,
        now: int | None = None,
    ) -> list[dict[str, Any]]:
        """The newest clients bound now to the distributor (``direct``) or to its invitees
        (``indirect``, R-2.3): the team view's lists, without paging through the team."""
        if kind not in ("direct", "indirect"):
            raise ValidationError("clients.kind", "kind is direct or indirect", field="kind")
        now = self._now(now)
        self.catch_up(now)
        return self.store.read(f"analytics.{kind}_clients", id=distributor_id, now=now, limit=limit)

    def audit(self, customer_id: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """The audit entries (who, when, why, from whom to whom) of a customer's relationship
        edits (R-1.12), newest first."""
        return self.store.read("analytics.audit", id=customer_id, limit=limit)

    def earnings(self, distributor_id: str, *, now: int | None = None) -> list[dict[str, Any]]:
        """One row per month (shop time zone) with what the distributor earned that month by
        its status now (``pending``, ``settled``: rewards, clawbacks and bonuses) and what was
        ``withdrawn`` (paid withdrawals and their tax), all in fen."""
        import pandas as pd

        tz = self.catch_up(self._now(now)).timezone
        df = pd.DataFrame(
            self.store.read("analytics.earnings", id=distributor_id),
            columns=["at", "kind", "status", "amount", "settle_at"],
        )
        if df.empty:
            return []
        earned = df["kind"].isin(["reward", "clawback", "bonus"])
        df["bucket"] = None
        df.loc[earned & (df["status"] == "pending"), "bucket"] = "pending"
        df.loc[earned & (df["status"] == "settled"), "bucket"] = "settled"
        df.loc[df["kind"].isin(["withdrawal", "tax"]) & (df["status"] == "paid"), "bucket"] = (
            "withdrawn"
        )
        df = df[df["bucket"].notna()].copy()
        df.loc[df["bucket"] == "withdrawn", "amount"] *= -1
        df["month"] = _local(df["at"], tz).dt.strftime("%Y-%m")
        table = df.pivot_table(
            index="month", columns="bucket", values="amount", aggfunc="sum", fill_value=0
        )
        table = table.reindex(columns=["pending", "settled", "withdrawn"], fill_value=0)
        return [
            {"month": str(month), **{k: int(v) for k, v in row.items()}}
            for month, row in table.sort_index().iterrows()
        ]


# -- helpers -------------------------------------------------------------------------------------
def _int(value: Any) -> int:
    import pandas as pd

    return int(value) if pd.notna(value) else 0


def _local(ms: pd.Series, tz: str) -> pd.Series:
    import pandas as pd

    return pd.to_datetime(ms.astype("int64"), unit="ms", utc=True).dt.tz_convert(tz)


def _days(start: int, end: int, tz: str) -> tuple[list[str], list[int]]:
    """The local days ``[start, end)`` touches and where each begins (epoch ms; the first
    begins at ``start``)."""
    zone = ZoneInfo(tz)
    first, last = from_ms(start, tz).date(), from_ms(end - 1, tz).date()
    days, bounds = [], []
    day = first
    while day <= last:
        midnight = to_ms(datetime(day.year, day.month, day.day, tzinfo=zone))
        days.append(day.isoformat())
        bounds.append(max(start, midnight))
        day += timedelta(days=1)
    return days, bounds


def _seen_by(row: dict[str, Any], viewer: str) -> dict[str, Any]:
    """U-9: a row of the board as distributor ``viewer`` sees it."""
    if row["distributor_id"] == viewer:
        return row | {"you": True}
    name = row["name"]
    return row | {"distributor_id": None, "name": name[0] + "*" if name else None, "you": False}


def _own_row(df: pd.DataFrame, viewer: str) -> dict[str, Any] | None:
    """U-9: ``viewer``'s row with its rank among every row of ``df`` (None: not on the board)."""
    mine = df[df["distributor_id"] == viewer]
    if mine.empty:
        return None
    row = next(mine.itertuples(index=False))
    return {
        "rank": int((df["value"] > row.value).sum()) + 1,  # as ``_ranked``'s "min" rank
        "distributor_id": viewer,
        "name": row.name if isinstance(row.name, str) else None,
        "level": int(row.level),
        "value": int(row.value),
        "you": True,
    }


def _ranked(df: pd.DataFrame, limit: int) -> list[dict[str, Any]]:
    """U-5: highest first, ties share the rank; ties ordered by id."""
    if df.empty:
        return []
    df = df.sort_values(["value", "distributor_id"], ascending=[False, True]).head(limit)
    ranks = df["value"].rank(method="min", ascending=False).astype("int64")
    return [
        {
            "rank": int(rank),
            "distributor_id": str(row.distributor_id),
            "name": row.name if isinstance(row.name, str) else None,
            "level": int(row.level),
            "value": int(row.value),
        }
        for rank, row in zip(ranks, df.itertuples(index=False), strict=True)
    ]
