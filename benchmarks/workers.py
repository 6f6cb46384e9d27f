"""API processes: what ``teamgraph serve --workers N`` sustains with N = 1, 2 and 4.

Builds the synthetic shop of ``teamgraph.etl.demo`` (``--customers`` / ``--distributors``, the
same build as ``team_views``), then for each N in ``--worker-counts`` starts ``python -m
teamgraph serve --workers N`` on the shop's embedded engine and sends, from ``--worker-clients``
concurrent client threads (one persistent connection each):

- ``--reads`` team views (``GET /v1/distributors/{id}/team`` of random distributors);
- ``--writes`` paid orders (``POST /v1/orders``, random customers, one line each).

Each phase is timed call by call (p50/p99) and as a whole (requests per second), with the
machine's load average beside it: on 2 shared cores the API processes, the engine and the
client threads all compete, so the figures say what this machine sustains.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from benchmarks import common
from teamgraph.shop import Shop

NAME = "workers"
TITLE = "API processes: `teamgraph serve --workers N`"
SHOP_ID = "bench-workers"


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("workers")
    g.add_argument(
        "--worker-counts", default="1,2,4", help="API processes to try, comma-separated (1,2,4)"
    )
    g.add_argument("--worker-clients", type=int, default=8, help="concurrent client threads (8)")
    g.add_argument("--reads", type=int, default=3000, help="team views per worker count (3,000)")
    g.add_argument("--writes", type=int, default=1500, help="orders per worker count (1,500)")


Call = Callable[[httpx.Client, int], int]


def hammer(url: str, key: str, call: Call, n: int, clients: int) -> dict[str, Any]:
    """``n`` calls from ``clients`` threads, each call given its index; latency of each and
    requests per second over the whole."""
    counter = itertools.count()
    lock = threading.Lock()
    durations: list[int] = []
    errors: list[int] = []

    def client_loop() -> None:
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            while True:
                with lock:
                    i = next(counter)
                if i >= n:
                    return
                t0 = time.perf_counter_ns()
                status = call(client, i)
                spent = time.perf_counter_ns() - t0
                with lock:
                    durations.append(spent)
                    if status >= 400:
                        errors.append(status)

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats = common.latency_stats(durations, time.perf_counter() - started)
    stats["errors"] = len(errors)
    return stats


def run(args: argparse.Namespace) -> dict[str, Any]:
    reporter = common.Reporter(quiet=getattr(args, "quiet", False))
    started = time.perf_counter()
    counts = [int(x) for x in str(args.worker_counts).split(",") if x.strip()]
    result: dict[str, Any] = {
        "benchmark": NAME,
        "date": common.now_text(),
        "params": {
            "customers": args.customers,
            "distributors": args.distributors,
            "clients": args.worker_clients,
            "reads": args.reads,
            "writes": args.writes,
            "seed": args.seed,
        },
        "machine": common.machine(),
        "runs": [],
    }
    rng = random.Random(args.seed)
    with common.bench_engine("falkordb", args, reporter, SHOP_ID) as bench:
        result["engine"] = common.engine_info(bench.engine)
        shop = Shop.create(bench.engine, bench.shop_id)
        data, _, _, _ = common.build_shop(shop, args, reporter)
        distributors = [d["id"] for d in data.distributors]
        customers = [c["id"] for c in data.customers]
        key = shop.create_key("merchant")
        for workers in counts:

            def team(client: httpx.Client, i: int) -> int:
                did = distributors[rng.randrange(len(distributors))]
                return client.get(f"/v1/distributors/{did}/team").status_code

            def order(client: httpx.Client, i: int, workers: int = workers) -> int:
                body = {
                    "id": f"w{workers}-{i}",
                    "customer_id": customers[rng.randrange(len(customers))],
                    "lines": [{"product_id": "p1", "paid_fen": 1_000 + i % 9_000}],
                }
                return client.post("/v1/orders", json=body).status_code

            with common.api_server(bench.data_dir, reporter, bench.env, workers=workers) as api:
                load_before = os.getloadavg()[0]
                with reporter.phase(f"{args.reads:,} team views, {workers} worker(s)"):
                    reads = hammer(api.url, key, team, args.reads, args.worker_clients)
                with reporter.phase(f"{args.writes:,} orders, {workers} worker(s)"):
                    writes = hammer(api.url, key, order, args.writes, args.worker_clients)
            result["runs"].append(
                {
                    "workers": workers,
                    "reads": reads,
                    "writes": writes,
                    "load_average": {"before": load_before, "after": os.getloadavg()[0]},
                }
            )
    result["total_seconds"] = time.perf_counter() - started
    return result


def markdown(result: dict[str, Any]) -> str:
    p = result["params"]
    rows = [
        [
            r["workers"],
            common.fmt(r["reads"]["rps"], 0),
            common.fmt(r["reads"]["p50_ms"]),
            common.fmt(r["reads"]["p99_ms"]),
            common.fmt(r["writes"]["rps"], 0),
            common.fmt(r["writes"]["p50_ms"]),
            common.fmt(r["writes"]["p99_ms"]),
            r["reads"]["errors"] + r["writes"]["errors"],
            f"{r['load_average']['before']:.1f} → {r['load_average']['after']:.1f}",
        ]
        for r in result["runs"]
    ]
    best_reads = max(result["runs"], key=lambda r: r["reads"]["rps"])
    best_writes = max(result["runs"], key=lambda r: r["writes"]["rps"])
    return "\n".join(
        [
            f"## {TITLE}",
            "",
            f"- {result['date']}; {common.describe_machine(result['machine'])}; "
            f"{common.describe_engine(result['engine'])}",
            f"- Shop: {p['customers']:,} customers / {p['distributors']:,} distributors; "
            f"{p['clients']} client threads; {p['reads']:,} team views then {p['writes']:,} "
            "orders per worker count",
            "",
            common.md_table(
                [
                    "workers",
                    "team views/s",
                    "p50 ms",
                    "p99 ms",
                    "orders/s",
                    "p50 ms",
                    "p99 ms",
                    "errors",
                    "load average",
                ],
                rows,
            ),
            "",
            f"- Most team views: {best_reads['workers']} worker(s); most orders: "
            f"{best_writes['workers']} worker(s).",
            f"- Took {common.duration_text(result['total_seconds'])}.",
            "",
        ]
    )
