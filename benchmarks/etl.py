"""ETL rows per second: ``teamgraph load KIND FILE`` for each kind into the embedded engine.

Generates a synthetic shop with :mod:`teamgraph.etl.generator` (``--customers`` /
``--distributors``, ``--etl-orders`` paid orders, ``--seed``) and writes it to a temporary
directory (``--etl-format``, CSV by default), creates the shop with its ``settings.json`` (as
``teamgraph shop create --settings`` does), then loads every file in
:data:`generator.LOAD_ORDER` through :func:`teamgraph.etl.importer.load_file` — the code path of
``teamgraph load`` (file read, checks, batched writes, the team recount after the kinds that
move the counters, the rejects file) — timing each kind: rows, seconds, rows/s. Then it loads
the customers file again, to show the rate of a re-run where every row is unchanged.

Orders and refunds go through the bulk historical path (:mod:`teamgraph.shop.history`: each
event decided in paid-time order by the same rules code, one statement per batch), which the
tests prove equal to sending the events live one by one.

Then ``teamgraph load shop`` (:func:`teamgraph.etl.importer.load_shop`) of the same files into a
new shop: the members, invitations, bindings and signals checked in memory and written by
FalkorDB's bulk path (``GRAPH.BULK``), then the schema and the recount (E-11). Products, orders
and refunds are left out of that directory: they load the same way either path, and are timed
above.

With ``--etl-large-customers N`` (default 0: not run) a second shop of N customers, N/10
distributors and ``--etl-large-orders`` orders (default N) is generated and every file loaded
the same way, in a fresh engine: the generator's shop end to end, and the historical
attribution of that many orders measured, not extrapolated; and its new-shop bulk load too
(first, in its own fresh engine). ``--etl-large-new-only`` measures only that bulk load.
"""

from __future__ import annotations

import argparse
import json
import os
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
RERUN_KIND = "customers"


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("etl")
    g.add_argument(
        "--etl-orders",
        type=int,
        default=100_000,
        help="paid orders generated and loaded (default 100,000)",
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
        help="also load every file of a shop this large (distributors: a tenth) in a fresh "
        "engine; default 0: not run",
    )
    g.add_argument(
        "--etl-large-new-only",
        action="store_true",
        help="of the large shop, measure only `teamgraph load shop` into a new shop (the bulk "
        "path), not every file loaded one by one",
    )
    g.add_argument(
        "--etl-large-no-signals",
        action="store_true",
        help="leave the signals out of the large shop's new-shop bulk load (they are most of "
        "its memory: about 4 M rows at 1 M customers)",
    )
    g.add_argument(
        "--etl-large-orders",
        type=int,
        default=None,
        help="paid orders of the large shop (default: as many as its customers)",
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
        data = generator.generate(customers, distributors, orders, args.seed, end=generator.END_MS)
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
        "load_avg": _load_avg(),
    }


def _load_avg() -> float | None:
    """The machine's 1-minute load average when a load ends (it is shared: other work there
    slows a load down, and this says how much was going on)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:  # pragma: no cover - not on Linux
        return None


NEW_SHOP_ID = "bench-new"


def _new_shop(
    engine: Any,
    paths: dict[str, Path],
    out: Path,
    reporter: common.Reporter,
    *,
    signals: bool = True,
) -> dict[str, Any]:
    """``teamgraph load shop`` into a new shop of the staged kinds' files (and settings.json):
    each kind's check in memory, then the bulk write and its steps, timed."""
    from teamgraph.shop.staging import STAGED_KINDS

    out.mkdir(parents=True, exist_ok=True)
    for kind in [*STAGED_KINDS, "settings"]:
        if kind == "signals" and not signals:
            continue
        (out / paths[kind].name).symlink_to(paths[kind].resolve())
    with reporter.phase("load shop (new: the bulk path)") as ph:
        result = importer.load_shop(engine, NEW_SHOP_ID, out, importer.Options(), bars=Bars(False))
        ph.rows = result.rows
    parts = [
        {
            "kind": p.kind,
            "rows": p.rows,
            "loaded": p.loaded,
            "rejected": p.rejected,
            "seconds": p.seconds,
            "steps": dict(p.steps),
        }
        for p in result.parts
    ]
    return {
        "rows": result.rows,
        "rejected": result.rejected,
        "seconds": ph.seconds,
        "parts": parts,
        "load_avg": _load_avg(),
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
            "large_orders": args.etl_large_orders,
            "large_new_only": args.etl_large_new_only,
            "large_no_signals": args.etl_large_no_signals,
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
            result["new_shop"] = _new_shop(engine, paths, tmp / "new", reporter)
        by = {k["kind"]: k for k in kinds}
        n_orders = _orders_of(paths["orders"])
        result["orders"] = _orders_figures(n_orders, by["orders"])
        result["large"] = run_large(args, tmp / "large", reporter)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result["seconds"] = time.perf_counter() - started
    return result


def _orders_figures(n_orders: int, kind: dict[str, Any]) -> dict[str, Any]:
    secs = kind["seconds"]
    return {
        "orders": n_orders,
        "lines": kind["rows"],
        "seconds": secs,
        "orders_per_s": n_orders / secs if secs > 0 else None,
    }


def run_large(args: argparse.Namespace, out: Path, reporter: common.Reporter) -> dict[str, Any]:
    n = args.etl_large_customers
    if n <= 0:
        return {"run": False}
    m = max(1, n // 10)
    k = n if args.etl_large_orders is None else args.etl_large_orders
    reporter.say(f"large shop: {n:,} customers / {m:,} distributors / {k:,} orders")
    paths, counts, files = _files(args, n, m, k, out, reporter)
    large: dict[str, Any] = {"run": True, "customers": n, "distributors": m, "orders": k}
    large["files"] = files | {"counts": counts}
    large["kinds"] = []
    with common.embedded_engine(reporter) as (engine, _):
        large["new_shop"] = _new_shop(
            engine, paths, out / "new", reporter, signals=not args.etl_large_no_signals
        )
    if args.etl_large_new_only:
        return large
    with common.embedded_engine(reporter) as (engine, _):
        shop, _ = _shop(engine, common.SHOP_ID, paths["settings"], reporter)
        for kind in generator.LOAD_ORDER:  # kept as they come, so a stopped run shows them
            large["kinds"].append(_load(shop, kind, paths[kind], reporter))
    by = {x["kind"]: x for x in large["kinds"]}
    large["history"] = _orders_figures(_orders_of(paths["orders"]), by["orders"])
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
         "vs 50,000 rows/s", "load avg"],
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
                k.get("load_avg", "–"),
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


WHERE_THE_TIME_GOES = (
    "Where the time of a customers or bindings load goes (cProfile of `teamgraph load` at "
    "100,000 customers): in a batch write, a third to a half of the statement time is the falkordb "
    "client turning the rows into the query's parameter header in Python "
    "(`stringify_param_value`), the rest the engine's MERGE/CREATE; reading rows back went "
    "through redis-py's pure-Python RESP parser until hiredis joined the lockfile (replies now "
    "parsed in C), which is why the checks read back only the ids that are missing; per-cell "
    "parsing and the E-1 comparisons "
    "are the importer's own Python; a bindings load ends with the team recount (about 1 s at "
    "100,000: `team.counters`, `team.active_bindings`, `team.apply_counts`). Sending rows "
    "without their empty cells, CREATE for rows checked absent and no recount after customers "
    "(E-10) took customers from about 21,000 to about 29,000 rows/s on a quiet machine (load "
    "average 1.1–1.5)."
)


NEW_SHOP_AIM_S = 30  # issue 13: members, invitations and bindings of a 1M shop
SIGNALS_AIM_S = 60  # issue 13: 4.25M signals of a 1M shop


def _new_shop_text(new: dict[str, Any], customers: int) -> str:
    parts = new["parts"]
    members = [p for p in parts if p["kind"] in ("distributors", "customers", "invitations",
                                                  "bindings")]  # fmt: skip
    signals = next((p for p in parts if p["kind"] == "signals"), None)
    write = next((p for p in parts if p["kind"] == "bulk write"), None)
    rows = [
        [p["kind"], p["rows"], p["loaded"], p["rejected"], p["seconds"],
         p["rows"] / p["seconds"] if p["seconds"] > 0 else None]
        for p in parts
        if p["kind"] != "bulk write"
    ]  # fmt: skip
    if write is not None:
        rate = write["rows"] / write["seconds"] if write["seconds"] else None
        rows.append(["bulk write (nodes + edges)", write["rows"], write["loaded"], 0,
                     write["seconds"], rate])  # fmt: skip
    table = common.md_table(["step", "rows", "loaded", "rejected", "s", "rows/s"], rows)
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in (write or {}).get("steps", {}).items())
    checked = sum(p["seconds"] for p in members)
    return "\n".join(
        [
            f"`teamgraph load shop DIR --shop NEW` of the {customers:,}-customer shop's "
            "distributors, customers, invitations, bindings and signals files into a shop that "
            f"does not exist yet: {new['seconds']:.1f} s in all (load average "
            f"{new['load_avg']} as it ended). Each file is read and checked by its usual loader "
            "against the shop staged in memory (*s* of each kind: file read, parsing, checks, "
            "no statement), then the whole graph is written at once (*bulk write*: "
            f"{steps}).",
            "",
            table,
            "",
            f"Members, invitations and bindings checked in {checked:.1f} s"
            + (f", signals in {signals['seconds']:.1f} s" if signals else "")
            + (f"; the bulk write of all of it {write['seconds']:.1f} s" if write else "")
            + f" (issue 13 aims: ≤ {NEW_SHOP_AIM_S} s for the members, invitations and bindings of "
            f"a 1M shop, ≤ {SIGNALS_AIM_S} s for its signals).",
        ]
    )


def _load_line(loads: Sequence[float], nproc: int) -> str:
    if not loads:
        return "- Load average: not known on this system."
    shared = (
        ": the machine was shared with other work during this run, so these figures are below "
        "what it does idle"
        if max(loads) > nproc
        else ""
    )
    return (
        f"- Load average (1 min) as each load ended: {min(loads):.1f}–{max(loads):.1f} on "
        f"{nproc} CPUs{shared}."
    )


def _history_text(o: dict[str, Any], customers: int) -> str:
    return (
        f"{o['orders']:,} orders ({o['lines']:,} lines) of a {customers:,}-customer shop, each "
        "attributed as of its paid time from the binding history and paying commission, "
        "counters and levels by the rules code in paid-time order (`teamgraph.shop.history`, "
        f"batched; completions interleaved) in {o['seconds']:.1f} s: "
        f"**{common.fmt(o['orders_per_s'])} orders/s**, measured."
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
        + (f" --etl-large-orders {p['large_orders']}" if p.get("large_orders") is not None else "")
        + (" --etl-large-new-only" if p.get("large_new_only") else "")
        + (" --etl-large-no-signals" if p.get("large_no_signals") else "")
    )
    o = result["orders"]
    rerun = result["rerun"] | {"label": f"{RERUN_KIND} again"}
    loads = [
        k["load_avg"]
        for k in [*result["kinds"], *result["large"].get("kinds", [])]
        if k.get("load_avg") is not None
    ]
    lines = [
        "## ETL: `teamgraph load KIND FILE`, rows per second into the embedded engine",
        "",
        f"Run {result['started']}: `{cmd}`, {common.duration_text(result['seconds'])} in all.",
        "",
        f"- Machine: {common.describe_machine(result['machine'])}",
        f"- Engine: {common.describe_engine(result['engine'])}",
        _load_line(loads, result["machine"]["nproc"]),
        f"- Files: `teamgraph.etl.generator` (seed {p['seed']}), {p['format'].upper()}, "
        f"{files['bytes'] / 1e6:,.1f} MB, generated in {files['generate_s']:.1f} s and written "
        f"in {files['write_s']:.1f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        + " rows.",
        "- Each kind is loaded in `generator.LOAD_ORDER` with `importer.load_file`, the code "
        "path of `teamgraph load` (read, checks, batched writes, rejects file, and the team "
        "recount after distributors, invitations and bindings), after "
        f"`Shop.create` with the generator's `settings.json` ({result['create_s']:.2f} s). "
        "Time: wall clock of the whole call; *in statements*: the part of it spent in the "
        "shop store's `read`/`write`/`write_batch` (the engine's work and the round trips), "
        "the rest being the importer's Python work (file read, parsing, checks). *load avg*: "
        "the machine's 1-minute load average as the load ended (2 CPUs shared with other "
        "work: above 2, something else was running).",
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
        WHERE_THE_TIME_GOES,
        "",
        "### Orders: historical attribution",
        "",
        _history_text(o, p["customers"]),
        "",
    ]
    large = result["large"]
    if "new_shop" in result:
        lines += [
            f"### A new shop in one command: {p['customers']:,} customers",
            "",
            _new_shop_text(result["new_shop"], p["customers"]),
            "",
        ]
    lines += [f"### {p['large_customers'] or 1_000_000:,} customers", ""]
    if not large.get("run"):
        lines += [
            "Not run (it did not fit the time of this run): pass `--etl-large-customers "
            "1000000` to load every file of a 1,000,000-customer shop.",
            "",
        ]
    else:
        lc = large["files"]["counts"]
        if "new_shop" in large:
            lines += ["#### A new shop in one command", "",
                      _new_shop_text(large["new_shop"], large["customers"]), ""]  # fmt: skip
        lines += [
            f"{large['customers']:,} customers, {large['distributors']:,} distributors "
            f"(generated in {large['files']['generate_s']:.1f} s, written in "
            f"{large['files']['write_s']:.1f} s; "
            + ", ".join(f"{k} {v:,}" for k, v in lc.items())
            + " rows), every file loaded in a fresh engine.",
            "",
            _table(large["kinds"])
            if large["kinds"]
            else "Loaded file by file: not run (`--etl-large-new-only`).",
            "",
            "Slowest statements per kind: " + _top(large["kinds"]) + ".",
            "",
            _history_text(large["history"], large["customers"]) if "history" in large else "",
            "",
        ]
    return "\n".join(lines) + "\n"
