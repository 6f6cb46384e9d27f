"""The monthly team reward of a :class:`~teamgraph.shop.Shop` (issue 17; the rules
TR-1, TR-2 are in :mod:`teamgraph.rules.team_reward`): one run per month, as often as you like,
the same shape as the ladder bonus (``award_ladder``) so a scheduler can run either."""

from __future__ import annotations

from typing import Any

from teamgraph.rules import team_reward as rules_team
from teamgraph.shop.base import ShopBase
from teamgraph.shop.ledger import _month_bounds


class TeamRewards(ShopBase):
    """Part of Shop: the team reward."""

    def award_team_reward(self, month: str, *, now: int | None = None) -> list[dict[str, Any]]:
        """TR-1: every distributor whose team's settled sales in calendar ``month`` ("YYYY-MM",
        shop time zone) reach the shop's threshold earns the team reward once for that month,
        in points or cash (TR-2). Idempotent (the CLI's ``teamgraph shop team-reward``):
        answers the rewards this run wrote."""
        now = self._now(now)
        settings = self.catch_up(now)
        start, end = _month_bounds(month, settings.timezone)
        team = settings.team_reward
        if team is None:
            return []
        sales = {
            r["distributor_id"]: int(r["sales"])
            for r in self.store.read("ladder.month_sales", start=start, end=end, now=now)
        }
        forest = {
            r["distributor_id"]: r["inviter_id"] for r in self.store.read("team_reward.forest")
        }
        depth = rules_team.cash_depth(settings.tiers) if team.kind == "cash" else None
        totals = rules_team.team_sales(forest, sales, depth)
        paid = {r["distributor_id"] for r in self.store.read("team_reward.paid", month=month)}
        unit = "fen" if team.kind == "cash" else "point"
        rows = [
            {
                "id": f"team:{month}:{did}",
                "distributor_id": did,
                "amount": team.amount,
                "unit": unit,
                "sales": total,
            }
            for did, total in sorted(totals.items())
            if total >= team.threshold_fen and did not in paid
        ]
        self.store.write_batch("team_reward.award_batch", rows, key=("id",), now=now, month=month)
        return rows
