"""The monthly team reward (issue 17; docs/choices.md TR-1): pure decisions
over plain values.

- TR-1 A distributor whose team's settled sales in a calendar month (shop time zone) reach the
  shop's ``team_reward.threshold_fen`` earns ``team_reward.amount`` once for that month, in
  points or in cash (fen), written to the ledger as a ``bonus`` entry. The team is R-2.3's:
  every distributor below it in the invitation forest; the distributor's own attributed sales
  are not its team's. Sales are the ladder's (R-3.13): orders attributed to a team member whose
  after-sale window ended in the month, net of refunds, so a recruit who sells nothing adds 0.
- TR-2 A cash team reward pays for the team's *sales*, never for recruiting (R-3.14): nothing is
  paid for how many joined, only once their orders settled. Paying on a downline's sales at any
  depth is what China's rules against pyramid selling name as team pay (禁止传销条例 art. 7(3)),
  so in cash the team is cut to the depths the shop already pays commission through (``tiers``
  − 1 levels below, R-3.7; a one-tier shop cannot pay it in cash) and the amount is at most half
  its threshold (R-3.3's cap). In points the whole team counts.
"""

from __future__ import annotations

from collections.abc import Mapping

from teamgraph.rules.money import require_int


def team_sales(
    inviter_of: Mapping[str, str | None], sales: Mapping[str, int], depth: int | None
) -> dict[str, int]:
    """Each distributor's team sales: the sum of ``sales`` of every distributor below it, at
    most ``depth`` levels down (None: any depth). ``inviter_of`` maps each distributor to its
    inviter (R-2.2: a forest; a cycle, which approval refuses, is cut where it closes)."""
    out: dict[str, int] = {}
    for member, amount in sales.items():
        value = require_int(amount, "sales")
        if value == 0:
            continue
        seen = {member}
        above = inviter_of.get(member)
        level = 1
        while above is not None and above not in seen and (depth is None or level <= depth):
            out[above] = out.get(above, 0) + value
            seen.add(above)
            above = inviter_of.get(above)
            level += 1
    return out


def cash_depth(tiers: int) -> int:
    """TR-2: how many levels below a distributor a cash team reward counts (R-3.7)."""
    return max(0, tiers - 1)
