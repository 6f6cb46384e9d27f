"""Historical orders alone: ``teamgraph load orders`` into a shop that holds everything else,
with the time split between this process and the engine.

The ``etl`` benchmark loads every kind and times each by the wall clock; on a machine shared
with other work the wall clock of one load says more about the neighbours than about the
load. This one generates a shop (``--customers`` / ``--distributors``, ``--history-orders``
paid orders, ``--seed``), loads the kinds before orders through
:func:`teamgraph.etl.importer.load_file`, then loads the orders file the same way
(:mod:`teamgraph.shop.history`: decisions in Python, one statement per batch written while
the next batch is decided) and records, beside the wall clock and the load average, the CPU
seconds of this process (file read, checks, decisions, parameters) and of the embedded
engine's server (the statements' own work), read from ``/proc``: figures that hold however
busy the machine is, and say which side a change moved.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import common
from benchmarks.etl import StatementClock
from teamgraph.etl import generator, importer
from teamgraph.etl import read as reader
from teamgraph.etl.progress import Bars
from teamgraph.shop import Shop

NAME = "history"
TITLE = "historical orders: wall clock and CPU of teamgraph load orders"
AIM_ORDERS_PER_S = 1_000_000 / 120  # issue 13: 1M orders with their ledger entries in 2 min


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("history")
    g.add_argument(
        "--history-orders",
        type=int,
        default=100_000,
        help="paid orders generated and loaded (default 100,000)",
    )


def _cpu_of(pid: int | None) -> float | None:
    """User + system CPU seconds of process ``pid`` (all its threads), or None off Linux."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # pragma: no cover - not on Linux
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(args: argparse.Namespace) -> dict[str, Any]:
    reporter = common.Reporter(quiet=args.quiet)
    started = time.perf_counter()
    n, m, k = args.customers, args.distributors, args.history_orders
    result: dict[str, Any] = {
        "params": {"customers": n, "distributors": m, "orders": k, "seed": args.seed},
        "machine": common.machine(),
        "started": common.now_text(),
    }
    tmp = Path(tempfile.mkdtemp(prefix="teamgraph-bench-history-"))
    try:
        with reporter.phase(f"generate {n:,} customers / {m:,} distributors / {k:,} orders"):
            paths = generator.write(
                generator.generate(n, m, k, args.seed, end=generator.END_MS), tmp, "csv"
            )
        with common.embedded_engine(reporter) as (engine, _):
            result["engine"] = common.engine_info(engine)
            settings = json.loads(paths["settings"].read_text("utf-8"))
            shop = Shop.create(engine, common.SHOP_ID, settings)
            for kind in generator.LOAD_ORDER[: generator.LOAD_ORDER.index("orders")]:
                with reporter.phase(f"load {kind}"):
                    importer.load_file(shop, kind, paths[kind], bars=Bars(False))
            pid = engine.server.pid if getattr(engine, "server", None) is not None else None
            result["orders"] = _orders(shop, paths["orders"], pid, reporter)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result["seconds"] = time.perf_counter() - started
    return result


def _orders(shop: Shop, path: Path, pid: int | None, reporter: common.Reporter) -> dict[str, Any]:
    engine_before, own_before = _cpu_of(pid), time.process_time()
    with reporter.phase("load orders") as ph, StatementClock(shop.store) as clock:
        loaded = importer.load_file(shop, "orders", path, bars=Bars(False))
        ph.rows = loaded.rows
    engine_after, own = _cpu_of(pid), time.process_time() - own_before
    orders = int(reader.read(path).frame["id"].nunique())
    top = sorted(clock.by_name.items(), key=lambda x: -x[1])[:4]
    return {
        "orders": orders,
        "lines": loaded.rows,
        "rejected": loaded.rejected,
        "seconds": ph.seconds,
        "orders_per_s": orders / ph.seconds if ph.seconds > 0 else None,
        "python_cpu_s": own,
        "engine_cpu_s": (
            engine_after - engine_before
            if engine_after is not None and engine_before is not None
            else None
        ),
        "statements": [{"name": name, "seconds": s} for name, s in top],
        "load_avg": round(os.getloadavg()[0], 2),
    }


def markdown(result: dict[str, Any]) -> str:
    p, o = result["params"], result["orders"]
    cpu = o["python_cpu_s"] + (o["engine_cpu_s"] or 0)
    rows = [
        [
            f"{o['orders']:,} orders ({o['lines']:,} lines)",
            o["seconds"],
            o["orders_per_s"],
            o["python_cpu_s"],
            o["engine_cpu_s"] if o["engine_cpu_s"] is not None else "–",
            o["orders"] / cpu if cpu > 0 else "–",
            o["load_avg"],
        ]
    ]
    return "\n".join(
        [
            "## Historical orders: `teamgraph load orders`, wall clock and CPU",
            "",
            f"Run {result['started']}: `uv run python -m benchmarks --only history --customers "
            f"{p['customers']} --distributors {p['distributors']} --history-orders "
            f"{p['orders']} --seed {p['seed']}`, {common.duration_text(result['seconds'])} in all.",
            "",
            f"- Machine: {common.describe_machine(result['machine'])}",
            f"- Engine: {common.describe_engine(result['engine'])}",
            "- The shop's other kinds are loaded first; the orders load is timed alone. *CPU*: "
            "seconds of this process (file read, checks, decisions, parameters) and of the "
            "engine's server (the statements), from /proc; *orders per CPU second*: orders / "
            "(both), what the load would do if nothing else ran and nothing overlapped.",
            "",
            common.md_table(
                [
                    "load",
                    "s",
                    "orders/s",
                    "python CPU s",
                    "engine CPU s",
                    "orders per CPU s",
                    "load avg",
                ],
                rows,
            ),
            "",
            f"Aim (issue 13): {AIM_ORDERS_PER_S:,.0f} orders/s. Slowest statements: "
            + ", ".join(f"`{s['name']}` {s['seconds']:.2f} s" for s in o["statements"])
            + ".",
            "",
        ]
    )
