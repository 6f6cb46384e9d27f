"""Backup and restore of the embedded engine (``teamgraph db backup`` / ``db restore``).

**Backup** takes a consistent snapshot while the engine serves: ``BGSAVE SCHEDULE`` makes the
server fork and write every graph as it stood at the fork into an RDB file (``temp-<pid>.rdb``,
renamed ``dump.rdb`` when whole), while the parent keeps answering reads and writes. ``SCHEDULE``
waits for an AOF rewrite in progress instead of failing. The finished ``dump.rdb`` is moved (or
copied, on another file system) to the file the operator names, through a temporary name, so an
interrupted backup never leaves a partial file under that name. An engine that is not running is
started for the backup and stopped after it. Backups of one data directory take turns
(``backup.lock``).

**Restore** puts a snapshot where the next start loads it. The server runs with
``--appendonly yes``: it ignores a ``dump.rdb`` and loads its AOF directory, ``appendonlydir/``,
whose manifest names a *base* file (an RDB or an AOF) and the *incr* files appended since. A
restored directory is the snapshot as the base and a manifest naming it alone; the server then
opens a fresh incr file on start. Restore refuses while an engine runs on the data directory
(``engine.running``), and refuses a directory that holds data unless ``force``, which sets the
current ``appendonlydir/`` aside (renamed, never deleted).

The snapshot holds the graphs only (every shop, its keys and ledger). Files beside them in the
data directory are not in it: docs/operations.md says what else to keep.

May import ``teamgraph.errors``, ``teamgraph.logs`` and :mod:`teamgraph.graph.embedded` only.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import redis
from filelock import FileLock, Timeout

from teamgraph import logs
from teamgraph.errors import EngineError, ValidationError
from teamgraph.graph.embedded import EmbeddedServer

log = logs.get(__name__)

Progress = Callable[[str], None]
AOF_DIR = "appendonlydir"
AOF_BASE = "appendonly.aof.1.base.rdb"
AOF_MANIFEST = "appendonly.aof.manifest"
RDB_MAGIC = b"REDIS"
CHUNK = 8 * 1024 * 1024
REPORT_EVERY = 1.0  # seconds between two progress lines


@dataclass(frozen=True)
class Snapshot:
    """A backup written: where, how big, how long it took, and the graphs it holds."""

    path: Path
    size: int
    seconds: float
    graphs: list[str]


@dataclass(frozen=True)
class Restored:
    """A snapshot put in place: its size, and where the data it replaced went (``force``)."""

    size: int
    set_aside: Path | None


def human(size: float) -> str:
    """A byte count for people: ``512 B``, ``1.5 MB``."""
    if size < 1000:
        return f"{size:.0f} B"
    for unit in ("kB", "MB"):
        size /= 1000
        if size < 1000:
            return f"{size:.1f} {unit}"
    return f"{size / 1000:.1f} GB"


def _quiet(_: str) -> None:
    pass


# -- backup ----------------------------------------------------------------------------------
def backup(
    data_dir: Path,
    target: Path,
    *,
    timeout: float = 30.0,
    save_timeout: float = 3600.0,
    progress: Progress = _quiet,
) -> Snapshot:
    """Snapshot the graphs of ``data_dir``'s engine into the file ``target`` (or a file named
    by the time in the directory ``target``) while it serves; ``progress`` gets a line about
    once a second. An existing file is never overwritten (``backup.exists``)."""
    started = time.monotonic()
    target = Path(target)
    if target.is_dir():
        target = target / time.strftime("teamgraph-%Y%m%dT%H%M%S.rdb")
    if target.exists():
        raise ValidationError(
            "backup.exists", f"{target} exists: name a new file, or remove it first"
        )
    if not target.parent.is_dir():
        raise ValidationError("backup.no_dir", f"the directory {target.parent} does not exist")
    if not Path(data_dir).is_dir():
        raise ValidationError("backup.no_data", f"no data directory {data_dir} to back up")
    server = EmbeddedServer(data_dir, timeout=timeout)
    handle = server.ensure()  # attaches to the running engine, or starts one for the backup
    try:
        if handle.owned:
            progress(f"no engine was running on {server.data_dir}: started one for the backup")
        try:
            with FileLock(server.data_dir / "backup.lock", timeout=save_timeout):
                conn = redis.Redis(host=handle.host, port=handle.port, socket_timeout=30)
                try:
                    graphs = sorted(g.decode() for g in conn.execute_command("GRAPH.LIST"))
                    _bgsave(conn, server.data_dir, save_timeout, progress)
                finally:
                    conn.close()
                size = _move(server.data_dir / "dump.rdb", target, progress)
        except Timeout:
            raise EngineError(
                "backup.busy", f"another backup of {server.data_dir} did not finish in time"
            ) from None
    finally:
        handle.release()
    seconds = time.monotonic() - started
    log.info("engine.backup", path=str(target), size=size, graphs=len(graphs), seconds=seconds)
    return Snapshot(target, size, seconds, graphs)


def _bgsave(conn: redis.Redis, data_dir: Path, timeout: float, progress: Progress) -> None:
    """Have the server write ``dump.rdb`` as of now and wait until it is whole."""
    state = conn.info("persistence")
    saves_before = int(state.get("rdb_saves", 0))
    conn.execute_command("BGSAVE", "SCHEDULE")
    deadline = time.monotonic() + timeout
    last_report, failing_since = time.monotonic(), None
    while time.monotonic() < deadline:
        state = conn.info("persistence")
        if state.get("rdb_bgsave_in_progress"):
            failing_since = None
            if time.monotonic() - last_report >= REPORT_EVERY:
                progress(f"saving: {human(_written(data_dir))} written")
                last_report = time.monotonic()
        elif int(state.get("rdb_saves", 0)) > saves_before:
            if state.get("rdb_last_bgsave_status") != "ok":
                raise EngineError("backup.failed", _save_failure(data_dir))
            return
        elif state.get("aof_rewrite_in_progress"):
            if time.monotonic() - last_report >= REPORT_EVERY:
                progress("waiting for the log rewrite in progress to finish")
                last_report = time.monotonic()
        elif state.get("rdb_last_bgsave_status") != "ok":
            # a scheduled save starts within 0.1 s of a rewrite's end: an error that lasts
            # longer is this save's
            failing_since = failing_since or time.monotonic()
            if time.monotonic() - failing_since > 1.0:
                raise EngineError("backup.failed", _save_failure(data_dir))
        time.sleep(0.05)
    raise EngineError("backup.timeout", f"the snapshot was not written within {timeout:.0f}s")


def _written(data_dir: Path) -> int:
    """How much of the snapshot the saving child has written (its ``temp-<pid>.rdb``)."""
    total = 0
    for part in data_dir.glob("temp-*.rdb"):
        with contextlib.suppress(FileNotFoundError):  # renamed dump.rdb meanwhile
            total += part.stat().st_size
    return total


def _save_failure(data_dir: Path) -> str:
    tail = ""
    with contextlib.suppress(OSError):
        lines = (data_dir / "engine.log").read_text(errors="replace").splitlines()
        tail = "\n".join(line for line in lines[-20:] if "save" in line.lower() or "#" in line)
    return f"the engine could not write its snapshot (disk full?); engine.log says:\n{tail}"


def _move(source: Path, target: Path, progress: Progress) -> int:
    """``source`` to ``target`` through ``target``'s temporary name: renamed on one file
    system, copied (with progress) across two. ``source`` is gone afterwards."""
    partial = target.with_name(target.name + ".partial")
    try:
        os.replace(source, partial)
    except OSError:  # another file system
        with source.open("rb") as src, partial.open("wb") as dst:
            _copy(src, dst, source.stat().st_size, progress)
        source.unlink()
    _fsync(partial)
    os.replace(partial, target)
    _fsync(target.parent)
    return target.stat().st_size


def _copy(src: IO[bytes], dst: IO[bytes], total: int, progress: Progress) -> None:
    done, last = 0, time.monotonic()
    while chunk := src.read(CHUNK):
        dst.write(chunk)
        done += len(chunk)
        if time.monotonic() - last >= REPORT_EVERY:
            progress(f"copying: {human(done)} of {human(total)}")
            last = time.monotonic()
    dst.flush()
    os.fsync(dst.fileno())


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- restore ---------------------------------------------------------------------------------
def check_snapshot(source: Path) -> int:
    """The size of ``source`` if it is an RDB snapshot (``backup.not_a_snapshot`` if not)."""
    try:
        with Path(source).open("rb") as fh:
            head = fh.read(9)
    except OSError as exc:
        message = f"cannot read {source}: {exc.strerror}"
        raise ValidationError("backup.unreadable", message) from None
    if not (head.startswith(RDB_MAGIC) and head[5:].isdigit()):
        raise ValidationError(
            "backup.not_a_snapshot", f"{source} is not a snapshot made by `teamgraph db backup`"
        )
    return Path(source).stat().st_size


def restore(
    data_dir: Path,
    source: Path,
    *,
    force: bool = False,
    timeout: float = 30.0,
    progress: Progress = _quiet,
) -> Restored:
    """Put the snapshot ``source`` in ``data_dir`` so that the next engine start loads it.
    Refused while an engine runs there, and over existing data unless ``force``."""
    total = check_snapshot(source)
    server = EmbeddedServer(data_dir, timeout=timeout)
    data = server.data_dir
    data.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(data / "start.lock", timeout=timeout):  # no engine starts meanwhile
            rec = server.record()
            if rec is not None or server.lock_is_held():
                pid = f" (pid {rec['pid']})" if rec else ""
                raise EngineError(
                    "engine.running",
                    f"an engine runs on {data}{pid}: stop it first (`teamgraph db stop`, or "
                    "stop `teamgraph serve` / `up`), then restore",
                )
            aof = data / AOF_DIR
            set_aside = None
            if aof.exists() and any(aof.iterdir()):
                if not force:
                    raise ValidationError(
                        "backup.data_exists",
                        f"{data} holds data ({AOF_DIR}/): restore into an empty data directory, "
                        "or pass --force to set the current data aside (renamed, not deleted)",
                    )
                set_aside = data / f"{AOF_DIR}.before-restore-{time.strftime('%Y%m%dT%H%M%S')}"
                aof.rename(set_aside)
                progress(f"the data it replaces is kept in {set_aside}")
            elif aof.exists():
                aof.rmdir()
            _install(source, data, total, progress)
    except Timeout:
        raise EngineError(
            "engine.start_timeout", f"another process holds {data / 'start.lock'}"
        ) from None
    log.info("engine.restored", source=str(source), data_dir=str(data), size=total)
    return Restored(total, set_aside)


def _install(source: Path, data: Path, total: int, progress: Progress) -> None:
    """``source`` as the base of a new ``appendonlydir/``, built aside and renamed into place."""
    staging = data / f"{AOF_DIR}.restoring"
    if staging.exists():
        shutil.rmtree(staging)  # a restore interrupted before its last step
    staging.mkdir()
    with Path(source).open("rb") as src, (staging / AOF_BASE).open("wb") as dst:
        _copy(src, dst, total, progress)
    manifest = staging / AOF_MANIFEST
    manifest.write_text(f"file {AOF_BASE} seq 1 type b\n")
    _fsync(manifest)
    _fsync(staging)
    staging.rename(data / AOF_DIR)
    _fsync(data)
