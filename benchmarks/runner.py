"""The benchmark registry and the command line of ``python -m benchmarks``.

A benchmark is a module with:

- ``NAME`` (its key here and in ``RESULTS.md``) and ``TITLE``;
- ``run(args: argparse.Namespace) -> dict``: does the work, returns plain data (JSON-able);
- ``markdown(result: dict) -> str``: its section of ``RESULTS.md``, also printed to stdout;
- optionally ``add_arguments(parser)`` for options of its own;
- optionally ``skip(args) -> str | None``: why it does not run with these arguments.

Benchmarks run in the order listed; each gets ``args.results``, the results of those run before
it in the same run (``neo4j`` reuses the FalkorDB figures of ``team_views`` and ``orders``).

To add one (orders/sec, ETL rows/sec, ...), write the module and list it in :data:`BENCHMARKS`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks import common
from teamgraph import logs

BENCHMARKS: dict[str, str] = {
    "team_views": "benchmarks.team_views",
    "orders": "benchmarks.orders",
    "workers": "benchmarks.workers",
    "load": "benchmarks.load",  # make load: 32 connections for 60 s, not in the default run
    "neo4j": "benchmarks.engines",  # after the two it compares: it reuses their FalkorDB figures
    "baseline": "benchmarks.baseline",  # PostgreSQL beside teamgraph, both measured in itself
    "etl": "benchmarks.etl",
    "history": "benchmarks.history",
    "fraud": "benchmarks.fraud",
    "ui": "benchmarks.ui",
    "center": "benchmarks.center",
    "reports": "benchmarks.reports",  # issue 17's merchant reports at two shop sizes
}


def load(name: str) -> ModuleType:
    return importlib.import_module(BENCHMARKS[name])


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run teamgraph's benchmarks, print the figures and record them in "
        "benchmarks/RESULTS.md.",
    )
    p.add_argument(
        "--only",
        action="append",
        choices=sorted(BENCHMARKS),
        help="run only this benchmark (repeatable); default: all",
    )
    p.add_argument("--customers", type=int, default=100_000, help="shop size (default 100,000)")
    p.add_argument("--distributors", type=int, default=10_000, help="distributors (default 10,000)")
    p.add_argument(
        "--requests", type=int, default=2000, help="measured calls per endpoint (default 2000)"
    )
    p.add_argument(
        "--warmup", type=int, default=None, help="warm-up calls per endpoint (default: R/20)"
    )
    p.add_argument("--seed", type=int, default=7, help="seed of the synthetic shop (default 7)")
    p.add_argument(
        "--out",
        type=Path,
        default=common.RESULTS,
        help="results file to update (default benchmarks/RESULTS.md)",
    )
    p.add_argument("--json", type=Path, default=None, help="also write the raw results here")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    common.add_engine_arguments(p)
    for name in BENCHMARKS:
        hook = getattr(load(name), "add_arguments", None)
        if hook is not None:
            hook(p)
    return p


def run_all(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Run the selected benchmarks; record and print each one as soon as it is done."""
    results: dict[str, dict[str, Any]] = {}
    reporter = common.Reporter(quiet=args.quiet)
    for name in args.only or list(BENCHMARKS):
        module = load(name)
        why = getattr(module, "skip", lambda _: None)(args)
        if why is not None:
            reporter.say(f"benchmark {name} skipped: {why}")
            continue
        reporter.say(f"benchmark {name}: {module.TITLE}")
        args.results = results
        result: dict[str, Any] = module.run(args)
        results[name] = result
        if args.json is not None:  # the raw figures first: they survive a rendering error
            args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
        body = module.markdown(result)
        # a benchmark may keep runs of another size in a section of their own (ui at 1M)
        section = module.section(result) if hasattr(module, "section") else name
        common.update_results(args.out, section, body)
        print(body, flush=True)
        reporter.say(f"benchmark {name} recorded in {args.out}")
    return results


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.requests < 1 or args.customers < 1 or args.distributors < 1:
        print("--customers, --distributors and --requests must be positive", file=sys.stderr)
        return 2
    logs.configure("WARNING", "console")  # progress lines, not the engine's info logs
    started = time.perf_counter()
    run_all(args)
    common.Reporter(quiet=args.quiet).say(
        f"all benchmarks done in {common.duration_text(time.perf_counter() - started)}"
    )
    return 0
