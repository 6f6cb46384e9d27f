"""``teamgraph load``: an import file -> checked rows -> the shop, with a rejects file beside it.

:func:`load_file` reads the file (:mod:`teamgraph.etl.read`), renames columns (``--map``),
hands the frame to the loader of its kind (:mod:`teamgraph.etl.kinds`), writes the refused rows
to ``<file>.rejects.csv`` (the original cells, with ``_row`` — the data row, 1 = the first after
the header — and ``_reason``), and returns a :class:`Result` with loaded / unchanged / rejected
counts. A clean load removes a rejects file left by an earlier run.

Interrupted loads: every write is one statement over a batch (``shop.bulk``) — an idempotent
MERGE, a CREATE of rows checked absent just before, or a batch of historical events
(:mod:`teamgraph.shop.history`) — or an idempotent Shop event, so running the same file again
finishes the work and changes nothing that was done; the team counters are recomputed
(``Shop.recount(apply=True)``) at the end of every distributors, invitations and bindings load,
whether or not it wrote anything (a customers load moves none, E-10). ``Options(bulk=False)``
records orders and refunds one event at a time through the Shop instead of in batches (same
result, E-6).
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from teamgraph.clock import now_ms
from teamgraph.errors import ValidationError
from teamgraph.etl import read as reader
from teamgraph.etl.kinds import COUNTED, KINDS, LOADERS, Job, Outcome
from teamgraph.etl.progress import Bars
from teamgraph.etl.values import Money
from teamgraph.sheets import Cell, Column, write_table
from teamgraph.shop import Shop

REJECTS_SUFFIX = ".rejects.csv"


@dataclass(frozen=True)
class Options:
    """How to read a file: money unit, the time zone of naive times (None refuses them),
    the CSV encoding (None detects it), column renames ``{source: field}``, rows per write."""

    money: Money = "fen"
    tz: str | None = None
    encoding: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)
    batch_size: int = 2_000
    now: int | None = None
    bulk: bool = True


@dataclass
class Result:
    kind: str
    rows: int
    loaded: int
    unchanged: int
    rejected: int
    skipped: int = 0
    seconds: float = 0.0
    rejects: Path | None = None
    parts: list[Result] = field(default_factory=list)

    def summary(self) -> str:
        rate = f", {self.rows / self.seconds:,.0f} rows/s" if self.seconds > 0 and self.rows else ""
        skipped = f", {self.skipped} skipped" if self.skipped else ""
        return (
            f"{self.kind}: {self.loaded} loaded, {self.unchanged} unchanged, "
            f"{self.rejected} rejected{skipped} ({self.rows} rows in {self.seconds:.1f} s{rate})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rows": self.rows,
            "loaded": self.loaded,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 3),
            "rejects": str(self.rejects) if self.rejects else None,
            "parts": [p.to_dict() for p in self.parts],
        }


def parse_mapping(pairs: list[str] | None) -> dict[str, str]:
    """``["src=field", ...]`` from ``--map`` into ``{src: field}``."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        src, sep, dst = pair.partition("=")
        if not sep or not src.strip() or not dst.strip():
            raise ValidationError(
                "import.map", f"--map {pair!r}: write it as src=field", field="map"
            )
        out[src.strip()] = dst.strip()
    return out


def rename(frame: pd.DataFrame, mapping: Mapping[str, str]) -> pd.DataFrame:
    missing = [src for src in mapping if src not in frame.columns]
    if missing:
        raise ValidationError(
            "import.map",
            f"--map {missing[0]}=...: the file has no column {missing[0]!r}",
            field="map",
        )
    return frame.rename(columns=dict(mapping))


def job_for(shop: Shop, options: Options, bars: Bars | None = None) -> Job:
    return Job(
        shop=shop,
        money=options.money,
        tz=options.tz,
        now=options.now if options.now is not None else now_ms(),
        batch_size=options.batch_size,
        bulk=options.bulk,
        bars=bars or Bars(),
    )


def load_file(
    shop: Shop, kind: str, path: Path, options: Options | None = None, *, bars: Bars | None = None
) -> Result:
    """Load ``path`` as ``kind`` into ``shop`` (see the module docstring)."""
    if kind not in LOADERS:
        raise ValidationError("import.kind", f"kind is one of {', '.join(KINDS)}", field="kind")
    options = options or Options()
    started = time.monotonic()
    table = reader.read(path, encoding=options.encoding)
    frame = rename(table.frame, options.mapping)
    job = job_for(shop, options, bars)
    outcome = run(job, kind, frame, unreadable=table.unreadable)
    result = Result(
        kind=kind,
        rows=len(frame),
        loaded=len(outcome.loaded),
        unchanged=len(outcome.unchanged),
        rejected=len(outcome.rejected),
    )
    result.rejects = write_rejects(path, table, outcome.rejected, table.unreadable)
    result.seconds = time.monotonic() - started
    return result


def run(
    job: Job,
    kind: str,
    frame: pd.DataFrame,
    *,
    unreadable: Mapping[int, tuple[str, str]] | None = None,
    recount: bool = True,
) -> Outcome:
    """Check and write ``frame`` (index = row position) as ``kind``; recount the team counters
    after the kinds that move them."""
    readable = frame.drop(index=list(unreadable or {}))
    outcome = LOADERS[kind](job, readable)
    for idx, (_, why) in (unreadable or {}).items():
        outcome.reject(idx, why)
    if recount and kind in COUNTED:
        job.shop.recount(apply=True, now=job.now)
    return outcome


def write_rejects(
    path: Path,
    table: reader.Table,
    rejected: Mapping[int, str],
    unreadable: Mapping[int, tuple[str, str]] | None = None,
) -> Path | None:
    """``<file>.rejects.csv`` (:mod:`teamgraph.sheets`: UTF-8 with BOM, so Excel shows Chinese
    right, and formula-like text defused, X-1): the refused rows as the file had them. Removes
    a stale one when nothing is refused."""
    target = path.with_name(path.name + REJECTS_SUFFIX)
    if not rejected:
        target.unlink(missing_ok=True)
        return None
    order = sorted(rejected)
    original = table.frame.loc[order]
    columns = [Column("_row", "int"), Column("_reason"), *(Column(str(c)) for c in original)]
    if unreadable:
        columns.append(Column("_raw"))

    def rows() -> Iterator[list[Cell]]:
        for i, cells in zip(order, original.itertuples(index=False, name=None), strict=True):
            row = [i + 1, rejected[i], *(_as_read(v) for v in cells)]
            if unreadable:
                row.append(unreadable[i][0] if i in unreadable else "")
            yield row

    write_table(target, "csv", columns, rows())
    return target


def _as_read(value: Any) -> Cell:
    """A cell as the reader gave it: text, ints and booleans as they are, a missing value empty,
    anything else (a float, a time, a list) as its text."""
    if isinstance(value, str | int):  # bool is an int
        return value
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    return str(value)
