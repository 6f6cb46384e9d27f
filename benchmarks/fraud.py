"""Fraud-ring detection: scan time, peak memory and quality (issue #7).

Three parts:

1. **Graph scan.** A generator shop of ``--customers`` (distributors ``--distributors``, orders
   ``--fraud-orders``, planted rings ``--fraud-rings``) is written as files and loaded through
   the importer into a fresh embedded engine (the path of ``teamgraph load``); then
   ``Shop.scan`` runs as ``teamgraph fraud scan`` does: catch-up, the
   projection read, the detection, the ring writes. Time per phase, peak RSS of the process
   during the scan (sampled every 20 ms) and the quality against the planted rings.
2. **Quality over seeds.** The same detector on a projection built in memory from the
   generator's tables (``TableSource``, F-12) for each of ``--fraud-seeds`` with planted rings,
   and for a shop with none (false positives).
3. **Large.** ``--fraud-large`` customers (default 1,000,000; a tenth distributors, as many
   orders as customers) in memory: the time to build the projection and to detect, and the
   peak RSS, since loading a million orders through the ledger one by one takes hours.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks import common
from teamgraph.etl import generator, importer
from teamgraph.fraud import quality
from teamgraph.fraud.detect import Params, Stats, detect
from teamgraph.fraud.projection import TableSource
from teamgraph.shop import Shop

NAME = "fraud"
TITLE = "fraud-ring scan: time, peak memory, precision and recall"


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("fraud")
    g.add_argument(
        "--fraud-orders", type=int, default=10_000,
        help="orders of the graph-scan shop (loaded one at a time; default 10,000)",
    )  # fmt: skip
    g.add_argument(
        "--fraud-rings", type=int, default=None,
        help="planted rings (default: customers / 2,500, at least 8)",
    )  # fmt: skip
    g.add_argument(
        "--fraud-seeds", default="1,2,3", help="seeds of the quality runs (default 1,2,3)"
    )
    g.add_argument(
        "--fraud-graph-large", type=int, default=0,
        help="also load a shop this large (a tenth distributors, only the rings' orders) into "
        "the engine and scan it (default 0: not run; 1,000,000 loads in about 15 min)",
    )  # fmt: skip
    g.add_argument(
        "--fraud-large", type=int, default=1_000_000,
        help="customers of the in-memory large run (default 1,000,000; 0: not run)",
    )  # fmt: skip


class PeakRss:
    """The process's peak resident memory while the block runs (sampled), in MB."""

    def __init__(self, every: float = 0.02) -> None:
        self.every = every
        self.peak = 0
        self.base = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * 4096

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(self.every)

    def __enter__(self) -> PeakRss:
        self.base = self.peak = self.rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())

    def figures(self) -> dict[str, float]:
        mb = 1024 * 1024
        return {
            "peak_mb": round(self.peak / mb, 1),
            "added_mb": round((self.peak - self.base) / mb, 1),
        }


def _rings(args: argparse.Namespace, customers: int) -> int:
    return args.fraud_rings if args.fraud_rings is not None else max(8, customers // 2500)


def _quality(found: list[Any], labels: Any, customers: int) -> dict[str, Any]:
    return quality.evaluate(
        [(r.score, r.member_ids) for r in found], labels.to_dict("records"), customers=customers
    )


def graph_scan(
    args: argparse.Namespace, tmp: Path, reporter: common.Reporter, n: int, m: int, k: int
) -> dict[str, Any]:
    rings = _rings(args, n)
    with reporter.phase(f"generate {n:,} customers / {k:,} orders / {rings} rings"):
        data = generator.generate(n, m, k, args.seed, rings, generator.END_MS)
        paths = generator.write(data, tmp / f"graph-{n}", "parquet")
    counts = {kind: data.tables[kind].num_rows for kind in generator.LOAD_ORDER}
    labels = data.tables["labels"].to_pandas()
    del data  # the scan's memory is measured, not the generator's tables (loaded from files)
    out: dict[str, Any] = {"customers": n, "distributors": m, "orders": k, "rings": rings,
                           "rows": counts}  # fmt: skip
    with common.embedded_engine(reporter) as (engine, _):
        out["engine"] = common.engine_info(engine)
        shop = Shop.create(engine, common.SHOP_ID, generator.SETTINGS)
        load = {}
        started = time.perf_counter()
        for kind in generator.LOAD_ORDER:
            with reporter.phase(f"load {kind}", counts[kind]):
                t = time.perf_counter()
                importer.load_file(shop, kind, paths[kind])
                load[kind] = round(time.perf_counter() - t, 2)
        out["load_s"] = load
        out["load_total_s"] = round(time.perf_counter() - started, 1)
        load_before = os.getloadavg()[0]
        with reporter.phase("fraud scan"), PeakRss() as mem:
            t = time.perf_counter()
            result = shop.scan()
            out["scan_s"] = round(time.perf_counter() - t, 2)
        out["load_average"] = {"before": load_before, "after": os.getloadavg()[0]}
        out["memory"] = mem.figures()
        out["phases"] = result.stats.seconds
        out["stats"] = {
            k: getattr(result.stats, k)
            for k in ("shared_rows", "shared_values", "seeds", "flows", "candidates", "split",
                      "kept")
        }  # fmt: skip
        with reporter.phase("fraud scan again (rings already written)"):
            t = time.perf_counter()
            shop.scan()
            out["rescan_s"] = round(time.perf_counter() - t, 2)
    out["quality"] = _quality(result.rings, labels, n)
    return out


def in_memory(
    customers: int, distributors: int, orders: int, seed: int, rings: int, tmp: Path
) -> dict[str, Any]:
    data = generator.generate(customers, distributors, orders, seed, rings, generator.END_MS)
    generator.write(data, tmp, "parquet")
    frames = generator.read(tmp)
    shutil.rmtree(tmp, ignore_errors=True)
    del data
    with PeakRss() as mem:
        t0 = time.perf_counter()
        source = TableSource(frames, now=generator.END_MS)
        t1 = time.perf_counter()
        stats = Stats()
        found = detect(source, params=Params(), now=generator.END_MS, stats=stats)
        t2 = time.perf_counter()
    return {
        "customers": customers,
        "seed": seed,
        "rings": rings,
        "projection_s": round(t1 - t0, 2),
        "detect_s": round(t2 - t1, 2),
        "phases": stats.seconds,
        "memory": mem.figures(),
        "signals": len(frames["signals"]),
        "quality": _quality(found, frames["labels"], customers),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    reporter = common.Reporter(quiet=args.quiet)
    started = time.perf_counter()
    seeds = [int(s) for s in str(args.fraud_seeds).split(",") if s.strip()]
    result: dict[str, Any] = {
        "params": {
            "customers": args.customers,
            "distributors": args.distributors,
            "orders": args.fraud_orders,
            "rings": _rings(args, args.customers),
            "seed": args.seed,
            "seeds": seeds,
            "large": args.fraud_large,
            "graph_large": args.fraud_graph_large,
        },
        "machine": common.machine(),
        "started": common.now_text(),
    }
    tmp = Path(tempfile.mkdtemp(prefix="teamgraph-bench-fraud-"))
    try:
        result["graph"] = graph_scan(
            args, tmp, reporter, args.customers, args.distributors, args.fraud_orders
        )
        if args.fraud_graph_large > 0:
            big = args.fraud_graph_large
            result["graph_large"] = graph_scan(args, tmp, reporter, big, big // 10, 0)
        n, m = args.customers, args.distributors
        runs = []
        for seed in seeds:
            with reporter.phase(f"in memory: seed {seed}"):
                runs.append(in_memory(n, m, n, seed, _rings(args, n), tmp / f"s{seed}"))
        with reporter.phase("in memory: no planted rings"):
            runs.append(in_memory(n, m, n, 99, 0, tmp / "none"))
        result["seeds"] = runs
        if args.fraud_large > 0:
            big = args.fraud_large
            with reporter.phase(f"in memory: {big:,} customers"):
                result["large"] = in_memory(
                    big, big // 10, big, args.seed, _rings(args, big), tmp / "large"
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result["seconds"] = time.perf_counter() - started
    return result


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.1f}%"


def markdown(r: dict[str, Any]) -> str:
    p, g = r["params"], r["graph"]
    lines = [
        "## Fraud rings: `teamgraph fraud scan`",
        "",
        f"Run {r['started']}: `uv run python -m benchmarks --only fraud --customers "
        f"{p['customers']} --distributors {p['distributors']} --fraud-orders {p['orders']} "
        f"--fraud-seeds {','.join(map(str, p['seeds']))} --fraud-large {p['large']} "
        f"--fraud-graph-large {p.get('graph_large', 0)} --seed "
        f"{p['seed']}`, {common.duration_text(r['seconds'])} in all.",
        "",
        f"- Machine: {common.describe_machine(r['machine'])}",
        f"- Engine: {common.describe_engine(g['engine'])}",
        "",
        *_graph_section(g, p["seed"]),
        *(["", *_graph_section(r["graph_large"], p["seed"])] if r.get("graph_large") else []),
        "",
        f"### Quality over seeds ({p['customers']:,} customers, in memory)",
        "",
        "Projection built from the generator's tables (`TableSource`, F-12), as many orders as "
        "customers. Flagged: score ≥ 40. The last row is a shop without planted rings: every "
        "flagged ring there is a false positive.",
        "",
        _quality_table([("memory", s["customers"], s["seed"], s["quality"]) for s in r["seeds"]]),
        "",
        _kind_table(
            r["seeds"]
            + [{"seed": f"graph {p['seed']}", "quality": g["quality"]}]
            + (
                [
                    {
                        "seed": f"graph {r['graph_large']['customers']:,}",
                        "quality": r["graph_large"]["quality"],
                    }
                ]
                if r.get("graph_large")
                else []
            )
            + (
                [{"seed": f"{r['large']['customers']:,}", "quality": r["large"]["quality"]}]
                if r.get("large")
                else []
            )
        ),
    ]
    big = r.get("large")
    if big:
        lines += [
            "",
            f"### {big['customers']:,} customers (in memory)",
            "",
            f"{big['customers']:,} customers, {big['customers'] // 10:,} distributors, "
            f"{big['customers']:,} orders, {big['signals']:,} signal rows, {big['rings']} "
            f"planted rings. Projection (deriving the commission flows from the tables): "
            f"{big['projection_s']} s; detection: **{big['detect_s']} s** ("
            + ", ".join(f"{k} {v} s" for k, v in big["phases"].items())
            + f"); peak RSS {big['memory']['peak_mb']} MB, the generator's tables included "
            f"(+{big['memory']['added_mb']} MB over the RSS before). Quality: recall "
            f"{_pct(big['quality']['recall'])}, precision {_pct(big['quality']['precision'])}, "
            f"{big['quality']['flagged']} flagged rings.",
        ]
    lines += [
        "",
        "### Notes",
        "",
        "- The generator plants clean rings (D-8) and the detector's signals were written "
        "knowing their kinds: figures near 100% here say the detector finds what it was "
        "built for, not how it does on real fraud. Honest families sharing a device or an "
        "address are the generator's only look-alikes; they score below the flag line.",
        "- The large graph run falls short of 100% because of how it is generated, not "
        "loaded: with only the rings' orders, the generator's buyers are only ring members, "
        "and the 1% of buyers it gives a relative's address (D-7) get one of another ring's "
        "members: rings tied by such an address come out as one detected ring (score 100, "
        "two kinds), which costs per-kind precision and, when the merged ring is matched to "
        "the other kind, recall. The same shop with all its orders (the in-memory large run) "
        "has every ring found apart; the same orders-free shop in memory shows the same "
        "merges.",
        "- Memory: RSS of the benchmark's process, sampled every 20 ms. The peak is an upper "
        "bound of what the scan needs (it includes what the process held before: for the "
        "graph scans, what loading left, the generator's tables being dropped before the scan; "
        "for the in-memory runs, the generator's tables); the increase is a lower bound (the "
        "scan reuses memory freed earlier). The engine is its own process and is not counted.",
        "- The graph read is two passes (F-7): its cost follows the shared values and the "
        "candidates' neighbourhoods, not the shop's size. The in-memory large run has every "
        "order; the large graph run (`--fraud-graph-large`) has only the rings' orders, since "
        "loading a million orders one by one through the ledger takes hours.",
    ]
    return "\n".join(lines)


def _graph_section(g: dict[str, Any], seed: int) -> list[str]:
    orders = (
        f"{g['orders']:,} generated orders plus the rings' own"
        if g.get("orders")
        else "only the rings' own orders (the honest orders are left out: loading them one by "
        "one through the ledger would take hours; the scan reads orders only in the "
        "candidates' neighbourhood)"
    )
    return [
        f"### Graph scan: {g['customers']:,} customers in the embedded engine",
        "",
        f"The generator's shop (seed {seed}, {g['rings']} planted rings; "
        + ", ".join(f"{v:,} {k}" for k, v in g["rows"].items())
        + f"; {orders}) loaded through the importer in {g['load_total_s']} s, then scanned as "
        "`teamgraph fraud scan` does (catch-up, projection read, detection, ring writes).",
        "",
        common.md_table(
            ["what", "value"],
            [
                ["scan, wall clock", f"{g['scan_s']} s"],
                *[[f"  {k}", f"{v} s"] for k, v in g["phases"].items()],
                ["scan again (rings in place)", f"{g['rescan_s']} s"],
                *(
                    [
                        [
                            "load average (1 min) before / after the scan",
                            f"{g['load_average']['before']:.2f} / "
                            f"{g['load_average']['after']:.2f} (2 CPUs, shared)",
                        ]
                    ]
                    if g.get("load_average")
                    else []
                ),
                [
                    "peak RSS of the process during the scan",
                    f"{g['memory']['peak_mb']} MB "
                    f"(+{g['memory']['added_mb']} MB over its RSS before the scan)",
                ],
                [
                    "shared values read (rows)",
                    f"{g['stats']['shared_values']:,} ({g['stats']['shared_rows']:,})",
                ],
                ["seeds / attribution cycles", f"{g['stats']['seeds']:,} / {g['stats']['cycles']}"],
                [
                    "candidate groups / rings kept",
                    f"{g['stats']['candidates']} / {g['stats']['kept']}",
                ],
                ["split by Louvain", g["stats"]["split"]],
            ],
        ),
        "",
        _quality_table([("graph", g["customers"], seed, g["quality"])]),
    ]


def _quality_table(rows: list[tuple[str, int, Any, dict[str, Any]]]) -> str:
    return common.md_table(
        ["run", "customers", "seed", "rings kept", "flagged", "recall", "precision",
         "false rings", "FP rate (members)", "max score"],
        [
            [run, f"{n:,}", seed, q["rings"], q["flagged"], _pct(q["recall"]),
             _pct(q["precision"]), q["false_rings"], _pct(q["false_positive_rate"]),
             q["max_score"]]
            for run, n, seed, q in rows
        ],
    )  # fmt: skip


def _kind_table(runs: list[dict[str, Any]]) -> str:
    rows = []
    for r in runs:
        for kind, k in r["quality"]["kinds"].items():
            rows.append(
                [r["seed"], kind, f"{k['found']}/{k['rings']}", _pct(k["recall"]),
                 _pct(k["precision"])]
            )  # fmt: skip
    return common.md_table(["seed", "ring kind", "found", "recall", "precision"], rows)
