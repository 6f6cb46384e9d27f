"""What the center's pages show, read from the shop as plain values (the templates format)."""

from __future__ import annotations

from typing import Any

from teamgraph.rules.money import yuan
from teamgraph.shop import Shop

EARNINGS = ("reward", "clawback", "bonus")
"""Ledger entries that are commission (R-3.12): what the home page adds up."""
MONEY_CONDITIONS = ("received_fen", "transaction_fen")


def home_view(shop: Shop, distributor_id: str) -> dict[str, Any]:
    """Home (issue 15): today's and this month's commission, the balances, the level and the
    progress toward the next one per condition (R-4.4), this month's rank by commission, and the
    shop's badges, held or still to earn (docs/choices.md BG-1, BG-2)."""
    profile = shop.distributor(distributor_id)
    book = shop.ledger(distributor_id, limit=200)
    day_start, _ = shop.period_bounds("day")
    month_start, _ = shop.period_bounds("month")
    earned = [e for e in book["items"] if e["kind"] in EARNINGS and e["unit"] == "fen"]
    today = sum(e["amount"] for e in earned if e["at"] >= day_start)
    month = sum(e["amount"] for e in earned if e["at"] >= month_start)
    if book.get("next_cursor") and earned and earned[-1]["at"] >= month_start:
        month = _month_total(shop, distributor_id, month_start)
    progress = shop.progress(distributor_id)
    board = shop.leaderboard("month", "commission", viewer=distributor_id, limit=1)
    me = board.get("me") or {}
    b = book["balances"]
    return {
        "name": profile.get("name") or distributor_id,
        "level": profile["level"],
        "today": yuan(today),
        "month": yuan(month),
        "balances": {k: yuan(int(b[k])) for k in ("pending", "settled", "withdrawable")},
        "progress": {
            "shown": progress["shown"],
            "next_level": progress["next_level"],
            "percent": progress["percent"],
            "conditions": [_condition(c) for c in progress["conditions"]],
        },
        "rank": me.get("rank"),
        "team": {k: profile[k] for k in ("direct_clients", "indirect_clients", "invitees")},
        "badges": shop.badges(distributor_id)["items"],
    }


def _condition(c: dict[str, Any]) -> dict[str, Any]:
    money = c["name"] in MONEY_CONDITIONS
    show = yuan if money else str
    return {
        "name": c["name"],
        "current": show(c["current"]),
        "threshold": show(c["threshold"]),
        "percent": max(0, min(100, int(c["percent"]))),
    }


def _month_total(shop: Shop, distributor_id: str, since: int) -> int:
    """This month's commission when it spans more than the first page of the ledger."""
    total, cursor = 0, None
    while True:
        page = shop.ledger(distributor_id, limit=500, cursor=cursor)
        for e in page["items"]:
            if e["at"] < since:
                return total
            if e["kind"] in EARNINGS and e["unit"] == "fen":
                total += e["amount"]
        cursor = page.get("next_cursor")
        if not cursor:
            return total
