"""Badges (issue 17; docs/choices.md BG-1, BG-2): which of the shop's badges a
distributor holds, derived from its counters when read, so there is no badge state to get
wrong or to repair.

- BG-1 The badges: ``first_sale`` (attributed paid orders ≥ threshold, default 1), ``clients``
  (direct clients ≥ threshold, default 10, R-2.3), ``level`` (level ≥ threshold, default 2)
  and ``month_top`` (rank ≤ threshold, default 10, on this calendar month's sales board in the
  shop's time zone, ties sharing a rank as the leaderboard does). The shop turns each on or off
  and sets its threshold (settings ``badges``).
- BG-2 Every enabled badge is listed, held or not, with the value it is measured on, so a view
  can show what is still to earn. ``level`` is left out while the shop has fewer levels than its
  threshold (with one level, levels are not shown at all, R-4.1). A badge earned once and lost
  (a client unbound, a month's rank) is shown as it stands now: badges reward what is, not what
  was, and nothing is paid for them.
"""

from __future__ import annotations

from typing import Any, Final

from teamgraph.rules.settings import Badges

NAMES: Final = ("first_sale", "clients", "level", "month_top")


def badges(
    rules: Badges,
    *,
    paid_orders: int,
    direct_clients: int,
    level: int,
    levels: int,
    month_rank: int | None,
) -> list[dict[str, Any]]:
    """BG-1, BG-2: the enabled badges, each ``{badge, earned, current, threshold}``;
    ``current`` of ``month_top`` is the rank (None: not on this month's board)."""
    out: list[dict[str, Any]] = []
    values: dict[str, int | None] = {
        "first_sale": paid_orders,
        "clients": direct_clients,
        "level": level,
        "month_top": month_rank,
    }
    for name in NAMES:
        rule = getattr(rules, name)
        if not rule.enabled:
            continue
        if name == "level" and (levels < 2 or rule.threshold > levels):
            continue
        current = values[name]
        if name == "month_top":
            earned = current is not None and current <= rule.threshold
        else:
            earned = current is not None and current >= rule.threshold
        out.append(
            {"badge": name, "earned": earned, "current": current, "threshold": rule.threshold}
        )
    return out
