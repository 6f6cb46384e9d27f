"""What the distributor center's team and commission pages read (issue 15), one statement a
page: the team lists searched in the engine with each member's orders, and the commission
entries of a month and status with their buyers (no read per row).

C-4 A team list searches ids and names, case-insensitively, in the engine: the page is cut
after the search, so a match on the hundredth page is found on the first.
C-5 A client's orders and spend count its orders attributed to the distributor it is bound to
(the team's own sales), spend net of refunds; an invitee's are its sales counters (R-4.4).
C-6 The commission page lists the commission entries (rewards, clawbacks, bonuses,
adjustments; withdrawals and their tax are the withdraw page's). Its status filter is the
entry's status (pending, held, settled), or ``clawback`` for the clawbacks of refunds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from teamgraph.errors import ValidationError
from teamgraph.rules.timeutil import to_ms
from teamgraph.shop import cursors
from teamgraph.shop.base import ShopBase

TeamList = Literal["direct", "indirect", "invitees"]
TEAM_LISTS: Final[tuple[TeamList, ...]] = ("direct", "indirect", "invitees")
COMMISSION_KINDS: Final = ("reward", "clawback", "bonus", "adjustment")
COMMISSION_STATUSES: Final = ("pending", "held", "settled", "clawback")
MAX_SEARCH: Final = 64


class CenterPages(ShopBase):
    """Part of Shop: the center's team and commission lists."""

    def team_members(
        self,
        distributor_id: str,
        kind: TeamList = "direct",
        *,
        q: str = "",
        depth: int = 1,
        limit: int = 20,
        cursor: str | None = None,
        now: int | None = None,
    ) -> dict[str, Any]:
        """One page of a team list (C-4, C-5): clients ``direct`` or ``indirect`` (R-2.3), or
        the ``invitees`` ``depth`` (1-3) levels below, matching ``q``, by id."""
        if kind not in TEAM_LISTS:
            raise ValidationError("team.list", "list is direct, indirect or invitees", field="list")
        if not 1 <= depth <= 3:
            raise ValidationError("team.depth", "depth is 1..3", field="depth")
        (after,) = cursors.decode(f"center.{kind}", cursor, str) or ("",)
        now = self._now(now)
        self.catch_up(now)
        self.distributor(distributor_id, now=now)
        params = {"id": distributor_id, "after": after, "q": _search(q), "limit": limit + 1}
        if kind == "invitees":
            rows = self.store.read("center.invitees", depth=depth, **params)
            for row in rows:
                row.pop("last_active_at", None)
        else:
            rows = self.store.read(f"center.{kind}_clients", now=now, **params)
        for row in rows:
            row["orders"] = int(row["orders"] or 0)
            row["spend_fen"] = int(row["spend_fen"] or 0)
        items = rows[:limit]
        more = len(rows) > limit and items
        return {
            "items": items,
            "next_cursor": cursors.encode(f"center.{kind}", items[-1]["id"]) if more else None,
        }

    def commission_entries(
        self,
        distributor_id: str,
        *,
        month: str | None = None,
        status: str | None = None,
        limit: int = 20,
        cursor: str | None = None,
        now: int | None = None,
    ) -> dict[str, Any]:
        """One page of the commission entries (C-6) made in ``month`` ("YYYY-MM" in the shop's
        time zone; all months when None) of ``status``, newest first, each with ``buyer_id``
        and ``buyer_name`` (the order's customer, None for an entry without an order)."""
        if status and status not in COMMISSION_STATUSES:
            raise ValidationError(
                "commission.status", f"status is one of {', '.join(COMMISSION_STATUSES)}",
                field="status",
            )  # fmt: skip
        now = self._now(now)
        settings = self.catch_up(now)
        self.distributor(distributor_id, now=now)
        start, end = month_bounds(month, settings.timezone) if month else (0, 2**62)
        before, before_id = cursors.decode("center.entries", cursor, int, str) or (end, "")
        rows = self.store.read(
            "center.entries",
            id=distributor_id,
            kinds=list(COMMISSION_KINDS),
            start=start,
            before=min(before, end),
            before_id=before_id if before < end else "",
            status=status or "",
            limit=limit + 1,
        )
        items = rows[:limit]
        last = items[-1] if items else None
        return {
            "items": items,
            "next_cursor": cursors.encode("center.entries", last["at"], last["id"])
            if last and len(rows) > limit
            else None,
        }


def month_bounds(month: str, tz: str) -> tuple[int, int]:
    """Calendar ``month`` ("YYYY-MM") in time zone ``tz`` as [start, end) epoch ms."""
    try:
        year, mon = (int(x) for x in month.split("-"))
        start = datetime(year, mon, 1, tzinfo=ZoneInfo(tz))
    except ValueError:
        raise ValidationError(
            "commission.month", f"{month!r} is not YYYY-MM", field="month"
        ) from None
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=ZoneInfo(tz))
    return to_ms(start), to_ms(end)


def _search(q: str) -> str:
    return q.strip().lower()[:MAX_SEARCH]
