"""Demo shops.

- :func:`create` is the shop of ``teamgraph up`` / ``make demo``: a small synthetic shop from
  :mod:`teamgraph.etl.generator` (customers, distributors, invitations, bindings, products,
  orders, refunds, identity signals and a few planted fraud rings of every kind), written as
  import files and loaded into a new shop as ``teamgraph load shop`` would (on FalkorDB by the
  engine's bulk path). :func:`build` loads the same files into a shop already created, file
  by file. ``up`` then runs a fraud scan, so the risk pages have rings to show.
- :func:`generate` / :func:`load` are the older, faster relationships-only shop (customers,
  distributors in an invitation forest a few levels deep, bindings; no orders or signals) that
  the team-view and order benchmarks and the UI tests build on.
"""

from __future__ import annotations

import itertools
import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teamgraph.shop import Shop

if TYPE_CHECKING:
    from teamgraph.graph import Engine

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
        "distributors": shop.bulk.load_distributors(
            [members[d["id"]] | d for d in demo.distributors]
        ),
        "customers": shop.bulk.load_customers(demo.customers),
        "invitations": shop.bulk.load_invitations(demo.invitations),
        "bindings": shop.bulk.load_bindings(demo.bindings),
    }
    shop.recount(apply=True)
    return counts


BUILD_SIZE = {"customers": 3000, "distributors": 300, "orders": 2500, "rings": 8}
"""The demo shop of ``teamgraph up``: loads in about 15 s; two planted rings of each kind."""


def build(
    shop: Shop,
    *,
    seed: int = 7,
    workdir: Path | None = None,
    customers: int = BUILD_SIZE["customers"],
    distributors: int = BUILD_SIZE["distributors"],
    orders: int = BUILD_SIZE["orders"],
    rings: int = BUILD_SIZE["rings"],
    end: int | None = None,
) -> dict[str, int]:
    """Generate the demo shop's files (in ``workdir``, else a temporary directory) and load
    them into ``shop`` (created with ``generator.SETTINGS``) in ``generator.LOAD_ORDER``.
    The data covers the year before ``end`` (by default now: a demo alive today, D-2).
    Returns the rows loaded per kind (``orders``: order lines; ``order_ids``: orders)."""
    from teamgraph.etl import generator, importer

    data = generator.generate(customers, distributors, orders, seed, rings, end)
    with tempfile.TemporaryDirectory(prefix="teamgraph-demo-") as tmp:
        paths = generator.write(data, workdir or Path(tmp), "parquet")
        counts = {
            kind: importer.load_file(shop, kind, paths[kind]).loaded
            for kind in generator.LOAD_ORDER
        }
    table = data.tables["distributors"]
    names = dict(zip(table["id"].to_pylist(), table["name"].to_pylist(), strict=True))
    counts["withdrawals"] = len(withdrawals(shop, names))
    counts["order_ids"] = len(set(data.tables["orders"]["id"].to_pylist()))
    return counts


def create(
    engine: Engine,
    shop_id: str,
    *,
    seed: int = 7,
    workdir: Path | None = None,
    customers: int = BUILD_SIZE["customers"],
    distributors: int = BUILD_SIZE["distributors"],
    orders: int = BUILD_SIZE["orders"],
    rings: int = BUILD_SIZE["rings"],
    end: int | None = None,
) -> tuple[Shop, dict[str, int]]:
    """The demo shop of :func:`build`, made new the way a migrating merchant makes one: its
    files loaded by ``teamgraph load shop`` (a new shop on FalkorDB: the engine's bulk path,
    E-11), created with the generator's ``settings.json``, dated the year before ``end`` (by
    default now, D-2). Returns the shop and the rows loaded per kind (``orders`` counts order
    lines, ``order_ids`` orders; :func:`describe` says it in words)."""
    from teamgraph.etl import generator, importer

    data = generator.generate(customers, distributors, orders, seed, rings, end)
    with tempfile.TemporaryDirectory(prefix="teamgraph-demo-") as tmp:
        paths = generator.write(data, workdir or Path(tmp), "parquet")
        result = importer.load_shop(engine, shop_id, paths["settings"].parent)
    counts = {p.kind: p.loaded for p in result.parts if p.kind != "bulk write"}
    counts = {kind: counts[kind] for kind in generator.LOAD_ORDER}
    shop = Shop.open(engine, shop_id)
    table = data.tables["distributors"]
    names = dict(zip(table["id"].to_pylist(), table["name"].to_pylist(), strict=True))
    counts["withdrawals"] = len(withdrawals(shop, names))
    counts["order_ids"] = len(set(data.tables["orders"]["id"].to_pylist()))
    return shop, counts


def describe(counts: dict[str, int]) -> str:
    """The rows loaded, in words for ``teamgraph up``: orders counted as orders, with their
    lines beside them (an order file has a row per line, so ``orders`` counts lines)."""
    words = []
    for kind, n in counts.items():
        if kind == "order_ids":
            continue
        if kind == "orders" and "order_ids" in counts:
            words.append(f"{counts['order_ids']} orders ({n} order lines)")
        else:
            words.append(f"{n} {kind}")
    return ", ".join(words)


WITHDRAWALS = {"requests": 12, "approved": 6, "paid": 2}
"""The demo's withdrawal queue: requests from the distributors with the largest withdrawable
balances, some approved (a batch to export) and some already paid."""


def withdrawals(shop: Shop, names: dict[str, str]) -> list[dict[str, Any]]:
    """Give the withdrawals page something to do: the ``requests`` distributors with the most
    withdrawable money ask for half of it (within the shop's limits, R-5.1) to a bank card; the
    first ``approved`` are approved and the first ``paid`` of those confirmed paid (R-5.2).
    Ids are ``demo-w-NN``, so building again changes nothing. Returns the requests."""
    limits = shop.settings().withdrawal
    method = "bank" if "bank" in limits.methods else limits.methods[0]
    balances = [(shop.balances(d)["withdrawable"], d) for d in sorted(names)]
    richest = sorted((b for b in balances if b[0] >= 2 * limits.min_fen), reverse=True)
    made = [
        shop.request_withdrawal(
            did,
            min(amount // 2 // 100 * 100, limits.max_fen),  # whole yuan, as people ask
            method,
            f"6222 0210 {n:04d} {n * 7919 % 10_000:04d}",
            holder=names[did],
            withdrawal_id=f"demo-w-{n:02d}",
        )
        for n, (amount, did) in enumerate(richest[: WITHDRAWALS["requests"]], start=1)
    ]
    ids = [w["id"] for w in made]
    if ids[: WITHDRAWALS["approved"]]:
        shop.move_withdrawals(ids[: WITHDRAWALS["approved"]], "approve")
    if ids[: WITHDRAWALS["paid"]]:
        shop.move_withdrawals(ids[: WITHDRAWALS["paid"]], "pay")
    return made
