"""Sustained load: 32 connections on the API of a 100k shop for 60 s (``make load``).

Builds the synthetic shop of ``teamgraph.etl.demo`` (the same build as ``team_views``), starts
``python -m teamgraph serve --workers N`` on its embedded engine, and keeps ``--load-connections``
requests in flight for ``--load-seconds`` from one asyncio client: each request is a team view
(``GET /v1/distributors/{id}/team`` of a random distributor) or, one time in ``--load-writes``,
a paid order (``POST /v1/orders``, a random customer, one line). Every answer that is not a
2xx is an error; the run is meant to have none. Reported: requests per second of each kind,
p50/p99/max latency, errors by status, and the load average, which on 2 shared cores says as
much about the machine as about teamgraph.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from collections import Counter
from typing import Any

import httpx

from benchmarks import common
from teamgraph.shop import Shop

NAME = "load"
TITLE = "Sustained load: 32 connections for 60 s"
SHOP_ID = "bench-load"


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("load")
    g.add_argument("--load-connections", type=int, default=32, help="requests in flight (32)")
    g.add_argument("--load-seconds", type=float, default=60.0, help="how long (60)")
    g.add_argument(
        "--load-writes", type=int, default=4, help="one request in N is an order (4: a quarter)"
    )
    g.add_argument("--load-workers", type=int, default=2, help="API processes (2)")


def skip(args: argparse.Namespace) -> str | None:
    """Run only when asked for (``make load``, ``--only load``): a minute of load is not part of
    ``make bench``'s figures."""
    return None if "load" in (args.only or ()) else "run it with --only load (make load)"


async def _drive(
    url: str, key: str, distributors: list[str], customers: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    rng = random.Random(args.seed)
    spent: dict[str, list[int]] = {"read": [], "write": []}
    errors: Counter[str] = Counter()
    counter = iter(range(10**9))
    deadline = time.perf_counter() + args.load_seconds
    limits = httpx.Limits(max_connections=args.load_connections)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(
        base_url=url, headers=headers, timeout=60, limits=limits
    ) as client:

        async def one() -> None:
            while time.perf_counter() < deadline:
                i = next(counter)
                kind = "write" if i % args.load_writes == 0 else "read"
                t0 = time.perf_counter_ns()
                try:
                    if kind == "read":
                        did = distributors[rng.randrange(len(distributors))]
                        r = await client.get(f"/v1/distributors/{did}/team")
                    else:
                        body = {
                            "id": f"load-{i}",
                            "customer_id": customers[rng.randrange(len(customers))],
                            "lines": [{"product_id": "p1", "paid_fen": 1_000 + i % 9_000}],
                        }
                        r = await client.post("/v1/orders", json=body)
                    status = str(r.status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                spent[kind].append(time.perf_counter_ns() - t0)
                if not status.startswith("2"):
                    errors[f"{kind} {status}"] += 1

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(args.load_connections)))
        wall = time.perf_counter() - started
    return {
        "reads": common.latency_stats(spent["read"], wall),
        "writes": common.latency_stats(spent["write"], wall),
        "errors": dict(errors),
        "seconds": wall,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    reporter = common.Reporter(quiet=getattr(args, "quiet", False))
    started = time.perf_counter()
    result: dict[str, Any] = {
        "benchmark": NAME,
        "date": common.now_text(),
        "params": {
            "customers": args.customers,
            "distributors": args.distributors,
            "connections": args.load_connections,
            "seconds": args.load_seconds,
            "writes_one_in": args.load_writes,
            "workers": args.load_workers,
            "seed": args.seed,
        },
        "machine": common.machine(),
    }
    with common.bench_engine("falkordb", args, reporter, SHOP_ID) as bench:
        result["engine"] = common.engine_info(bench.engine)
        shop = Shop.create(bench.engine, bench.shop_id)
        data, _, _, _ = common.build_shop(shop, args, reporter)
        distributors = [d["id"] for d in data.distributors]
        customers = [c["id"] for c in data.customers]
        key = shop.create_key("merchant")
        with common.api_server(
            bench.data_dir, reporter, bench.env, workers=args.load_workers
        ) as api:
            before = os.getloadavg()[0]
            with reporter.phase(
                f"{args.load_connections} connections for {args.load_seconds:.0f} s"
            ):
                figures = asyncio.run(_drive(api.url, key, distributors, customers, args))
            result["load_average"] = {"before": before, "after": os.getloadavg()[0]}
        result.update(figures)
    result["total_seconds"] = time.perf_counter() - started
    return result


def markdown(result: dict[str, Any]) -> str:
    p, r, w = result["params"], result["reads"], result["writes"]
    errors = result["errors"]
    rows = [
        ["team views", common.fmt(r["rps"], 0), common.fmt(r["p50_ms"]),
         common.fmt(r["p99_ms"]), common.fmt(r["max_ms"]), r["n"]],
        ["orders", common.fmt(w["rps"], 0), common.fmt(w["p50_ms"]), common.fmt(w["p99_ms"]),
         common.fmt(w["max_ms"]), w["n"]],
    ]  # fmt: skip
    la = result["load_average"]
    return "\n".join(
        [
            f"## {TITLE}",
            "",
            f"- {result['date']}; {common.describe_machine(result['machine'])}; "
            f"{common.describe_engine(result['engine'])}",
            f"- Shop: {p['customers']:,} customers / {p['distributors']:,} distributors; "
            f"`teamgraph serve --workers {p['workers']}`; {p['connections']} requests in flight "
            f"for {p['seconds']:.0f} s, one in {p['writes_one_in']} an order",
            "",
            common.md_table(["requests", "per second", "p50 ms", "p99 ms", "max ms", "n"], rows),
            "",
            f"- Errors: {sum(errors.values())}"
            + (f" ({', '.join(f'{k}: {v}' for k, v in sorted(errors.items()))})" if errors else "")
            + f"; load average {la['before']:.1f} → {la['after']:.1f}.",
            f"- Took {common.duration_text(result['total_seconds'])}.",
            "",
        ]
    )
