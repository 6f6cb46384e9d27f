"""ETL rows per second: ``teamgraph load KIND FILE`` for each kind into the embedded engine.

Generates a synthetic shop with :mod:`teamgraph.etl.generator` (``--customers`` /
``--distributors``, ``--etl-orders`` paid orders, ``--seed``) and writes it to a temporary
directory (``--etl-format``, CSV by default), creates the shop with its ``settings.json`` (as
``teamgraph shop create --settings`` does), then loads every file in
:data:`generator.LOAD_ORDER` through :func:`teamgraph.etl.importer.load_file` — the code path of
``teamgraph load`` (file read, checks, batched writes, the team recount after the kinds that
move the counters, the rejects file) — timing each kind: rows, seconds, rows/s. Then it loads
the customers file again, to show the rate of a re-run where every row is unchanged.

Orders are recorded one at a time through ``Shop.record_order`` / ``complete_order`` in paid
order (the historical attribution), so they are capped by ``--etl-orders`` (default 2,000) and
the time for 1,000,000 orders is extrapolated linearly from the measured rate.

With ``--etl-large-customers N`` (default 0: not run) a second shop of N customers and N/10
distributors is generated and its customers, distributors, invitations and bindings loaded the
same way (no orders, refunds or signals), in a fresh engine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks import common
from teamgraph.etl import generator, importer
from teamgraph.etl.progress import Bars
from teamgraph.shop import Shop

NAME = "etl"
TITLE = "teamgraph load: rows per second for each kind into the embedded engine"

AIM_ROWS_PER_S = 50_000  # issue #5, customers and bindings
AIM_KINDS = ("customers", "bindings")
LARGE_KINDS = ("distributors", "customers", "invitations", "bindings")  # LOAD_ORDER's first four
RERUN_KIND = "customers"
EXTRAPOLATE_ORDERS = 1_000_000


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("etl")
    g.add_argument(
        "--etl-orders",
        type=int,
        default=2000,
        help="paid orders generated and loaded (default 2,000; loaded one at a time)",
    )
    g.add_argument(
        "--etl-format",
        choices=generator.FORMATS,
        default="csv",
        help="file format of the generated shop (default csv)",
    )
    g.add_argument(
        "--etl-large-customers",
        type=int,
        default=0,
        help="also load customers, distributors, invitations and bindings of a shop this large "
        "(distributors: a tenth) in a fresh engine; default 0: not run",
    )


def _files(
    args: argparse.Namespace,
    customers: int,
    distributors: int,
    orders: int,
    out: Path,
    reporter: common.Reporter,
) -> tuple[dict[str, Path], dict[str, int], dict[str, Any]]:
    """Generate and write the shop; its paths, row counts and the two timings."""
    with reporter.phase(
        f"generate {customers:,} customers / {distributors:,} distributors / {orders:,} orders"
    ) as ph:
        data = generator.generate(customers, distributors, orders, args.seed)
        counts = data.counts()
        ph.rows = sum(counts.values())
    generated = ph.seconds
    with reporter.phase(f"write the files ({args.etl_format})") as ph:
        paths = generator.write(data, out, args.etl_format)
    size = sum(p.stat().st_size for p in paths.values())
    return paths, counts, {"generate_s": generated, "write_s": ph.seconds, "bytes": size}


class StatementClock:
    """Times the statements a load runs (``read``/``write``/``write_batch`` of the shop's store,
    the outer call only), patched on the store instance while in use, so the rest of a load's
    wall clock is the importer's own work (file read, parsing, checks) in Python."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.by_name: dict[str, float] = {}
        self._inside: list[str] = []

    def _wrap(self, fn: Any) -> Any:
        def timed(name: str, /, *a: Any, **kw: Any) -> Any:
            if self._inside:
                return fn(name, *a, **kw)
            self._inside.append(name)
            start = time.perf_counter()
            try:
                return fn(name, *a, **kw)
            finally:
                self._inside.pop()
                self.by_name[name] = self.by_name.get(name, 0.0) + time.perf_counter() - start

        return timed

    def __enter__(self) -> StatementClock:
        for attr in ("read", "write", "write_batch"):
            setattr(self.store, attr, self._wrap(getattr(self.store, attr)))
        return self

    def __exit__(self, *exc: object) -> None:
        for attr in ("read", "write", "write_batch"):
            delattr(self.store, attr)

    @property
    def seconds(self) -> float:
        return sum(self.by_name.values())


def _load(
    shop: Shop, kind: str, path: Path, reporter: common.Reporter, label: str | None = None
) -> dict[str, Any]:
    """``teamgraph load KIND FILE`` in this process, timed; its counts, rate and the time spent
    in statements."""
    with reporter.phase(label or f"load {kind}") as ph, StatementClock(shop.store) as clock:
        result = importer.load_file(shop, kind, path, importer.Options(), bars=Bars(False))
        ph.rows = result.rows
        ph.note = (
            f"{result.loaded:,} loaded, {result.unchanged:,} unchanged, "
            f"{result.rejected:,} rejected; {clock.seconds:.2f} s in statements"
        )
    top = sorted(clock.by_name.items(), key=lambda x: -x[1])
    return {
        "kind": kind,
        "rows": result.rows,
        "loaded": result.loaded,
        "unchanged": result.unchanged,
        "rejected": result.rejected,
        "seconds": ph.seconds,
        "rows_per_s": result.rows / ph.seconds if ph.seconds > 0 and result.rows else None,
        "statements_s": clock.seconds,
        "statements": [{"name": n, "seconds": t} for n, t in top],
    }


def _shop(
    engine: Any, shop_id: str, settings_path: Path, reporter: common.Reporter
) -> tuple[Shop, float]:
    with reporter.phase(f"create shop {shop_id} with settings.json") as ph:
        shop = Shop.create(engine, shop_id, json.loads(settings_path.read_text("utf-8")))
    return shop, ph.seconds


def _orders_of(path: Path) -> int:
    """Distinct order ids in the orders file (a row is an order line)."""
    from teamgraph.etl import read as reader

    return int(reader.read(path).frame["id"].nunique())


def run(args: argparse.Namespace) -> dict[str, Any]:
    reporter = common.Reporter(quiet=args.quiet)
    started = time.perf_counter()
    result: dict[str, Any] = {
        "params": {
            "customers": args.customers,
            "distributors": args.distributors,
            "orders": args.etl_orders,
            "format": args.etl_format,
            "seed": args.seed,
            "large_customers": args.etl_large_customers,
        },
        "machine": common.machine(),
        "started": common.now_text(),
    }
    tmp = Path(tempfile.mkdtemp(prefix="teamgraph-bench-etl-"))
    try:
        paths, counts, files = _files(
            args, args.customers, args.distributors, args.etl_orders, tmp / "main", reporter
        )
        result["files"] = files | {"counts": counts}
        with common.embedded_engine(reporter) as (engine, _):
            result["engine"] = common.engine_info(engine)
            shop, create_s = _shop(engine, common.SHOP_ID, paths["settings"], reporter)
            result["create_s"] = create_s
            kinds = [_load(shop, kind, paths[kind], reporter) for kind in generator.LOAD_ORDER]
            result["kinds"] = kinds
            result["rerun"] = _load(
                shop, RERUN_KIND, paths[RERUN_KIND], reporter, f"load {RERUN_KIND} again"
            )
        by = {k["kind"]: k for k in kinds}
        n_orders = _orders_of(paths["orders"])
        secs = by["orders"]["seconds"]
        result["orders"] = {
            "orders": n_orders,
            "lines": by["orders"]["rows"],
            "seconds": secs,
            "orders_per_s": n_orders / secs if secs > 0 else None,
            "extrapolated_s": secs / n_orders * EXTRAPOLATE_ORDERS if n_orders else None,
        }
        result["large"] = run_large(args, tmp / "large", reporter)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result["seconds"] = time.perf_counter() - started
    return result


def run_large(args: argparse.Namespace, out: Path, reporter: common.Reporter) -> dict[str, Any]:
    n = args.etl_large_customers
    if n <= 0:
        return {"run": False}
    m = max(1, n // 10)
    reporter.say(f"large shop: {n:,} customers / {m:,} distributors")
    paths, counts, files = _files(args, n, m, 0, out, reporter)
    large: dict[str, Any] = {"run": True, "customers": n, "distributors": m}
    large["files"] = files | {"counts": counts}
    with common.embedded_engine(reporter) as (engine, _):
        shop, _ = _shop(engine, common.SHOP_ID, paths["settings"], reporter)
        large["kinds"] = [_load(shop, kind, paths[kind], reporter) for kind in LARGE_KINDS]
    return large


# -- the section ----------------------------------------------------------------------------------
def _gap(kind: dict[str, Any]) -> str:
    rate = kind["rows_per_s"]
    if rate is None:
        return "–"
    if rate >= AIM_ROWS_PER_S:
        return f"meets ({rate / AIM_ROWS_PER_S:.2f}×)"
    return f"{AIM_ROWS_PER_S / rate:.1f}× short"


def _table(kinds: Sequence[dict[str, Any]]) -> str:
    return common.md_table(
        ["kind", "rows", "loaded", "unchanged", "rejected", "s", "in statements", "rows/s",
         "vs 50,000 rows/s"],
        [
            [
                k.get("label", k["kind"]),
                k["rows"],
                k["loaded"],
                k["unchanged"],
                k["rejected"],
                k["seconds"],
                f"{k['statements_s']:.2f} s ({k['statements_s'] / k['seconds']:.0%})"
                if k["seconds"] > 0
                else "–",
                k["rows_per_s"],
                _gap(k) + (" (aim)" if k["kind"] in AIM_KINDS and "label" not in k else ""),
            ]
            for k in kinds
        ],
    )  # fmt: skip


def _top(kinds: Sequence[dict[str, Any]], n: int = 3) -> str:
    return "; ".join(
        f"{k.get('label', k['kind'])}: "
        + ", ".join(f"`{st['name']}` {st['seconds']:.2f} s" for st in k["statements"][:n])
        for k in kinds
        if k["statements"]
    )


def markdown(result: dict[str, Any]) -> str:
    p = result["params"]
    files = result["files"]
    counts = files["counts"]
    cmd = (
        f"uv run python -m benchmarks --only etl --customers {p['customers']} --distributors "
        f"{p['distributors']} --etl-orders {p['orders']} --etl-format {p['format']} "
        f"--seed {p['seed']}"
        + (f" --etl-large-customers {p['large_customers']}" if p["large_customers"] else "")
    )
    o = result["orders"]
    rerun = result["rerun"] | {"label": f"{RERUN_KIND} again"}
    lines = [
        "## ETL: `teamgraph load KIND FILE`, rows per second into the embedded engine",
        "",
        f"Run {result['started']}: `{cmd}`, {common.duration_text(result['seconds'])} in all.",
        "",
        f"- Machine: {common.describe_machine(result['machine'])}",
        f"- Engine: {common.describe_engine(result['engine'])}",
        f"- Files: `teamgraph.etl.generator` (seed {p['seed']}), {p['format'].upper()}, "
        f"{files['bytes'] / 1e6:,.1f} MB, generated in {files['generate_s']:.1f} s and written "
        f"in {files['write_s']:.1f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        + " rows.",
        "- Each kind is loaded in `generator.LOAD_ORDER` with `importer.load_file`, the code "
        "path of `teamgraph load` (read, checks, batched writes, rejects file, and the team "
        "recount after customers, distributors, invitations and bindings), after "
        f"`Shop.create` with the generator's `settings.json` ({result['create_s']:.2f} s). "
        "Time: wall clock of the whole call; *in statements*: the part of it spent in the "
        "shop store's `read`/`write`/`write_batch` (the engine's work and the round trips), "
        "the rest being the importer's Python work (file read, parsing, checks).",
        "",
        f"### {p['customers']:,} customers, {p['distributors']:,} distributors",
        "",
        _table([*result["kinds"], rerun]),
        "",
        f"The aim of issue #5 is ≥ {AIM_ROWS_PER_S:,} rows/s on "
        + " and ".join(AIM_KINDS)
        + "; the last column compares every kind to it. "
        f"`{RERUN_KIND} again` loads the same file a second time: every row unchanged.",
        "",
        "Slowest statements per kind: " + _top([*result["kinds"], rerun]) + ".",
        "",
        "### Orders: historical attribution",
        "",
        f"{o['orders']:,} orders ({o['lines']:,} lines) recorded one at a time in paid order "
        f"(`Shop.record_order`, then `Shop.complete_order` when completed) in "
        f"{o['seconds']:.1f} s: **{common.fmt(o['orders_per_s'])} orders/s**. "
        + (
            f"At that rate 1,000,000 orders would take about "
            f"{common.duration_text(o['extrapolated_s'])} "
            f"({o['extrapolated_s'] / 3600:.1f} h) — **extrapolated** linearly from "
            f"{o['orders']:,} orders on a {p['customers']:,}-customer shop, not measured."
            if o["extrapolated_s"]
            else ""
        ),
        "",
    ]
    large = result["large"]
    lines += [f"### {p['large_customers'] or 1_000_000:,} customers", ""]
    if not large.get("run"):
        lines += [
            "Not run (it did not fit the time of this run): pass `--etl-large-customers "
            "1000000` to load customers, distributors, invitations and bindings of a "
            "1,000,000-customer shop.",
            "",
        ]
    else:
        lc = large["files"]["counts"]
        lines += [
            f"{large['customers']:,} customers, {large['distributors']:,} distributors "
            f"(generated in {large['files']['generate_s']:.1f} s, written in "
            f"{large['files']['write_s']:.1f} s; "
            + ", ".join(f"{k} {lc[k]:,}" for k in LARGE_KINDS)
            + " rows), in a fresh engine; orders, refunds and signals not loaded.",
            "",
            _table(large["kinds"]),
            "",
            "Slowest statements per kind: " + _top(large["kinds"]) + ".",
            "",
        ]
    return "\n".join(lines) + "\n"
