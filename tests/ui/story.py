"""The shop the browser tests look at: the demo forest (200 customers, 20 distributors) with
three levels, and a month of activity before now: visits bringing new customers, paid orders
(most completed, the older ones settled), a refund, and withdrawals in every state."""

from __future__ import annotations

import random
from typing import Any

from teamgraph.clock import now_ms
from teamgraph.etl import demo
from teamgraph.shop import Shop

HOUR = 3_600_000
DAY = 24 * HOUR

SETTINGS: dict[str, Any] = {
    "levels": [
        {"level": 1, "name": "普通", "reward_bp": 1000, "inviter_reward_bp": 300},
        {
            "level": 2,
            "name": "银牌",
            "conditions": {"bound_customers": 12, "invited_distributors": 3},
            "reward_bp": 1200,
            "inviter_reward_bp": 300,
        },
        {
            "level": 3,
            "name": "金牌",
            "conditions": {"bound_customers": 40, "received_fen": 2_000_000},
            "reward_bp": 1500,
            "inviter_reward_bp": 400,
        },
    ],
    "withdrawal": {
        "methods": ["bank", "alipay"],
        "min_fen": 100,
        "max_fen": 5_000_000,
        "max_count": 10,
        "per": "month",
    },
}

TEAM_ID = "c000003"
"""The distributor whose team the tests open (a team two levels deep)."""
CUSTOMER_ID = "c000150"
"""The customer the relationship test rebinds."""


def populate(shop: Shop, *, seed: int = 11) -> dict[str, Any]:
    """Load the demo and add the month of activity; returns what the tests check against."""
    rng = random.Random(seed)
    demo.load(shop, demo.generate(customers=200, distributors=20))
    now = now_ms()
    start = now - 28 * DAY
    hubs = [f"c{i:06d}" for i in range(20)]
    for i in range(40):  # new customers joining through shared links
        at = start + i * 16 * HOUR + rng.randint(0, HOUR)
        channel = ("wechat", "moments", "poster", None)[i % 4]  # the channels page (issue 17)
        shop.visit(f"v{i:04d}", rng.choice(hubs[:8]), at=at, channel=channel)
    buyers = [f"c{i:06d}" for i in range(20, 200)]
    orders = []
    for i in range(90):
        paid = start + i * 7 * HOUR + rng.randint(0, HOUR)
        oid = f"o{i:05d}"
        cid = buyers[(i * 37) % len(buyers)] if i % 5 else f"v{(i // 5) % 40:04d}"
        if paid < now - HOUR:
            fen = rng.choice((9_900, 19_900, 29_900, 59_900, 129_900))
            shop.record_order(
                oid, cid, [{"product_id": "p1", "qty": 1, "paid_fen": fen}], paid_at=paid
            )
            orders.append((oid, paid))
    for oid, paid in orders:
        if paid < now - 2 * DAY:
            shop.complete_order(oid, at=paid + DAY)
    shop.refund(orders[3][0], "r1", 5_000, at=orders[3][1] + 2 * HOUR)
    withdrawals: dict[str, str] = {}
    for n, did in enumerate(d for d in hubs if shop.balances(d)["withdrawable"] >= 2_000):
        if n >= 4:
            break
        w = shop.request_withdrawal(
            did, 1_000, "bank", f"62220212345678{n:02d}", holder=f"分销员{n}", withdrawal_id=f"w{n}"
        )
        withdrawals[w["id"]] = did
    ids = sorted(withdrawals)
    if len(ids) >= 4:
        shop.move_withdrawals([ids[2]], "approve")
        shop.move_withdrawals([ids[3]], "approve")
        shop.move_withdrawals([ids[3]], "pay")
    shop.save_rings(RINGS, scan_id="ui-story")
    return {"orders": len(orders), "withdrawals": ids, "rings": [r["id"] for r in RINGS]}


def _ring(
    ring_id: str, kind: str, score: int, members: list[tuple[str, str]], device: str
) -> dict[str, Any]:
    """A ring as the scan hands it to ``Shop.save_rings``, its evidence with the facts the UI
    says in its own language: members share one device (a cycle of bindings shares nothing,
    issue 17); the alternates are bound to the distributor, which earns from their orders."""
    distributors = [m for m, role in members if role in ("distributor", "member", "inviter")]
    head = distributors[0]
    others = [m for m, _ in members if m != head]
    cycle = kind == "circular"
    edges = [] if cycle else [
        {"source": m, "target": head, "kind": "shares_signal", "detail": "device"} for m in others
    ]  # fmt: skip
    edges += [{"source": m, "target": head, "kind": "bound_to", "detail": ""} for m in others]
    edges += [{"source": head, "target": others[0], "kind": "earned_from", "detail": "o00012"}]
    facts: dict[str, dict[str, Any]] = {
        "self_dealing": {"distributor": head, "kinds": ["device"], "n": len(others),
                         "accounts": others, "more": False},
        "circular": {"n": 1, "path": [*distributors, head]},
        "invite_burst": {"n": len(others), "minutes": 60, "what": f"device {device} (joins)"},
    }  # fmt: skip
    second = (
        {"signal": "commission_inside", "points": 20, "detail": "¥129.90 inside",
         "facts": {"inside_fen": 12_990}}
        if cycle
        else {"signal": "shared_signals", "points": 20, "detail": "1 device",
              "facts": {"n": 1, "kinds": ["device"], "kind": "device", "members": len(members)}}
    )  # fmt: skip
    return {
        "id": ring_id,
        "score": score,
        "kinds": [kind],
        "members": [{"id": m, "role": role} for m, role in members],
        "distributors": len(distributors),
        "top_signals": [f"device shared by {len(members)} accounts"],
        "inside_fen": 12_990,
        "contributions": [
            {
                "signal": kind,
                "points": score - 20,
                "detail": f"{len(others)} accounts",
                "facts": facts[kind],
            },
            second,
        ],
        "edges": edges,
        "signals": []
        if cycle
        else [{"kind": "device", "value": device, "members": [m for m, _ in members]}],
    }


RINGS = [
    _ring(
        "ring-001",
        "self_dealing",
        86,
        [("c000005", "distributor"), ("c000160", "alt"), ("c000161", "alt"), ("c000162", "alt")],
        "dev-7f…a2",
    ),
    _ring(
        "ring-002",
        "circular",
        71,
        [("c000010", "member"), ("c000011", "member"), ("c000012", "member")],
        "dev-19…c0",
    ),
    _ring(
        "ring-003",
        "invite_burst",
        58,
        [
            ("c000007", "inviter"),
            ("v0001", "account"),
            ("v0002", "account"),
            ("v0003", "account"),
            ("v0004", "account"),
        ],
        "dev-c3…9e",
    ),
]
"""Rings as a scan would report them (the detector itself is issue #7's)."""
