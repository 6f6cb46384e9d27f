"""A small deterministic demo shop: customers, distributors in an invitation forest a few levels
deep, and bindings. Used by ``teamgraph up`` / ``make demo``; the full generator with orders,
signals and planted rings is issue #5's.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any

from teamgraph.shop import Shop

DAY_MS = 86_400_000
START_MS = 1_767_196_800_000  # 2026-01-01T00:00+08:00

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


@dataclass
class DemoShop:
    customers: list[dict[str, Any]] = field(default_factory=list)
    distributors: list[dict[str, Any]] = field(default_factory=list)
    invitations: list[dict[str, Any]] = field(default_factory=list)
    bindings: list[dict[str, Any]] = field(default_factory=list)


def generate(customers: int = 400, distributors: int = 40, seed: int = 7) -> DemoShop:
    """Deterministic for a seed. Distributors are the first customers; each after the first few
    roots was invited by an earlier one (a forest), and every customer who is not a root is
    bound to a distributor that joined before it."""
    if not 1 <= distributors <= customers:
        raise ValueError("need 1 <= distributors <= customers")
    rng = random.Random(seed)
    out = DemoShop()
    roots = max(1, min(distributors // 10, 3 + distributors // 500))
    for i in range(customers):
        cid = f"c{i:06d}"
        name = rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.randint(1, 2)))
        out.customers.append({"id": cid, "name": name, "joined_at": START_MS + i * DAY_MS // 10})
    for i in range(distributors):
        did = out.customers[i]["id"]
        became = out.customers[i]["joined_at"] + DAY_MS + DAY_MS // 5
        out.distributors.append({"id": did, "level": 1, "status": "active", "became_at": became})
        if i >= roots:
            # mostly recent inviters (chains a few levels deep), now and then an early one
            # (the big teams): a forest whose depth grows slowly with its size
            k = (
                rng.randint(max(0, i - 8), i - 1)
                if rng.random() < 0.3
                else int(i * rng.random() ** 2)
            )
            inviter = out.customers[k]["id"]
            out.invitations.append({"id": did, "inviter_id": inviter, "at": became})
            out.bindings.append(
                {
                    "customer_id": did,
                    "distributor_id": inviter,
                    # bound once the inviter was a distributor, before becoming one itself
                    "since": max(out.customers[i]["joined_at"], out.distributors[k]["became_at"]),
                    "source": "demo",
                    "expires_at": None,
                    "ended_at": None,
                    "end_reason": None,
                }
            )
    hubs = out.distributors
    cum_weights = list(itertools.accumulate(1.0 / (k + 1) for k in range(len(hubs))))
    for c in out.customers[distributors:]:
        d = rng.choices(hubs, cum_weights=cum_weights)[0]
        out.bindings.append(
            {
                "customer_id": c["id"],
                "distributor_id": d["id"],
                "since": max(c["joined_at"], d["became_at"]),
                "source": "demo",
                "expires_at": None,
                "ended_at": None,
                "end_reason": None,
            }
        )
    return out


def load(shop: Shop, demo: DemoShop) -> dict[str, int]:
    members = {c["id"]: c for c in demo.customers}
    counts = {  # distributors first: they are created with both labels (cheaper)
        "distributors": shop.load_distributors([members[d["id"]] | d for d in demo.distributors]),
        "customers": shop.load_customers(demo.customers),
        "invitations": shop.load_invitations(demo.invitations),
        "bindings": shop.load_bindings(demo.bindings),
    }
    shop.recount(apply=True)
    return counts
