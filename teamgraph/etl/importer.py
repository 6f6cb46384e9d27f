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

import gc
import json
import numbers
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from teamgraph.clock import now_ms
from teamgraph.errors import ValidationError
from teamgraph.etl import read as reader
from teamgraph.etl.kinds import COUNTED, KINDS, LOADERS, Job, Outcome
from teamgraph.etl.progress import Bars
from teamgraph.etl.values import Money
from teamgraph.sheets import Cell, Column, write_table
from teamgraph.shop import Shop

if TYPE_CHECKING:
    from teamgraph.graph import Engine

REJECTS_SUFFIX = ".rejects.csv"
SHOP_ORDER = (
    "distributors", "customers", "invitations", "bindings", "products", "orders", "refunds",
    "signals",
)  # fmt: skip
"""The order ``load_shop`` loads a directory's files in (no forward references: distributors
create their customers, so ``via_distributor_id`` and bindings find them)."""
SETTINGS_FILE = "settings.json"


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
    steps: dict[str, float] = field(default_factory=dict)
    """Seconds of the steps of a bulk write (``StagedShop.commit``)."""

    def summary(self) -> str:
        rate = f", {self.rows / self.seconds:,.0f} rows/s" if self.seconds > 0 and self.rows else ""
        skipped = f", {self.skipped} skipped" if self.skipped else ""
        if self.kind == "bulk write":
            steps = ", ".join(f"{k} {s:.1f} s" for k, s in self.steps.items())
            return f"bulk write: {self.rows} nodes and edges in {self.seconds:.1f} s ({steps})"
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
            "steps": {k: round(s, 3) for k, s in self.steps.items()},
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
    return _load(job_for(shop, options, bars), kind, path, options)


def _load(job: Job, kind: str, path: Path, options: Options, *, recount: bool = True) -> Result:
    started = time.monotonic()
    table = reader.read(path, encoding=options.encoding)
    frame = rename(table.frame, options.mapping)
    outcome = run(job, kind, frame, unreadable=table.unreadable, recount=recount)
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


def shop_files(directory: Path) -> dict[str, Path]:
    """The import files of ``directory`` by kind: ``<kind>.<ext>`` in a format
    :mod:`teamgraph.etl.read` reads, and ``settings.json`` (as ``teamgraph demo generate``
    writes them). Two files of one kind are refused; a kind without a file is not loaded."""
    if not directory.is_dir():
        raise ValidationError("import.dir", f"{directory} is not a directory", field="file")
    found: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        kind = path.name.split(".", 1)[0]
        if kind in SHOP_ORDER and path.suffix.lower() in reader.FORMATS and "." not in path.stem:
            if kind in found:
                raise ValidationError(
                    "import.dir", f"two {kind} files: {found[kind].name} and {path.name}",
                    field="file",
                )  # fmt: skip
            found[kind] = path
    if not found:
        raise ValidationError(
            "import.dir",
            f"{directory} holds no import file (<kind>.csv, .xlsx, .parquet or .jsonl for kind "
            f"in {', '.join(SHOP_ORDER)})",
            field="file",
        )
    settings = directory / SETTINGS_FILE
    if settings.is_file():
        found["settings"] = settings
    return found


def load_shop(
    engine: Engine,
    shop_id: str,
    directory: Path,
    options: Options | None = None,
    *,
    bars: Bars | None = None,
) -> Result:
    """Load every import file of ``directory`` (:func:`shop_files`) into shop ``shop_id``,
    creating it (with ``settings.json`` when the directory has one) if it does not exist.

    A shop with no graph yet on FalkorDB is written by the engine's bulk path (E-11): the
    members, invitations, bindings and signals are checked by their usual loaders against a
    :class:`~teamgraph.shop.staging.StagedShop` in memory, written in one ``GRAPH.BULK``
    pass, the shop created on them and its counters recounted; then products, orders and
    refunds load as usual. Otherwise (an existing shop, or Neo4j) every file loads as
    :func:`load_file` would load it, in :data:`SHOP_ORDER`. Either way the same rows are
    refused, with the same reasons, into the same rejects files, and the shop ends equal."""
    with _collector_paused():
        return _load_shop(engine, shop_id, directory, options or Options(), bars)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a whole-shop load: the load builds millions of
    small dicts and tuples that live until it ends and hold no cycles, and the collector walked
    them again and again (measured at 100,000 customers: numbering the staged graph took 11 s
    with it, 5 s without)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_shop(
    engine: Engine, shop_id: str, directory: Path, options: Options, bars: Bars | None
) -> Result:
    from teamgraph.shop.staging import STAGED_KINDS, StagedShop

    started = time.monotonic()
    files = shop_files(directory)
    settings = json.loads(files["settings"].read_text("utf-8")) if "settings" in files else None
    now = options.now if options.now is not None else now_ms()
    options = replace(options, now=now)
    parts: list[Result] = []
    if engine.can_bulk_create(shop_id):
        staged = StagedShop(shop_id, settings, phones=engine.phones)
        job = job_for(cast(Shop, staged), options, bars)
        for kind in STAGED_KINDS:
            if kind in files:
                parts.append(_load(job, kind, files[kind], options, recount=False))
        committed = staged.commit(engine, now=now)
        parts.append(
            Result(kind="bulk write", rows=committed.nodes + committed.edges,
                   loaded=committed.nodes + committed.edges, unchanged=0, rejected=0,
                   seconds=sum(committed.seconds.values()), steps=committed.seconds)
        )  # fmt: skip
        shop, rest = committed.shop, [k for k in SHOP_ORDER if k not in STAGED_KINDS]
    else:
        shop, rest = Shop.create(engine, shop_id, settings, now=now), list(SHOP_ORDER)
    job = job_for(shop, options, bars)
    parts += [_load(job, kind, files[kind], options) for kind in rest if kind in files]
    loads = [p for p in parts if p.kind != "bulk write"]
    return Result(
        kind="shop",
        rows=sum(p.rows for p in loads),
        loaded=sum(p.loaded for p in loads),
        unchanged=sum(p.unchanged for p in loads),
        rejected=sum(p.rejected for p in loads),
        seconds=time.monotonic() - started,
        rejects=next((p.rejects for p in loads if p.rejects is not None), None),
        parts=parts,
    )


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
