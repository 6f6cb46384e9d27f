"""A distributor's badges (issue 17; BG-1, BG-2 in :mod:`teamgraph.rules.badges`),
derived on read from its counters and this month's sales board."""

from __future__ import annotations

from typing import Any

from teamgraph.rules import badges as rules_badges
from teamgraph.shop.analytics import Analytics


class Badges(Analytics):
    """Part of Shop: badges."""

    def badges(self, distributor_id: str, *, now: int | None = None) -> dict[str, Any]:
        """The shop's enabled badges for ``distributor_id``, each held or not (BG-2), as of
        ``now``; ``month_starts_at`` / ``month_ends_at`` bound the month ``month_top`` ranks in."""
        now = self._now(now)
        settings = self.catch_up(now)
        profile = self._profile(distributor_id, settings, now)
        rules = settings.badges
        rank = None
        start, end = self.period_bounds("month", now)
        if rules.month_top.enabled:
            board = self.leaderboard("month", "sales", at=now, limit=1, viewer=distributor_id)
            rank = (board.get("me") or {}).get("rank")
        items = rules_badges.badges(
            rules,
            paid_orders=int(profile["paid_orders"] or 0),
            direct_clients=int(profile["direct_clients"] or 0),
            level=int(profile["level"] or 1),
            levels=len(settings.levels),
            month_rank=rank,
        )
        return {
            "distributor_id": distributor_id,
            "month_starts_at": start,
            "month_ends_at": end,
            "items": items,
        }
