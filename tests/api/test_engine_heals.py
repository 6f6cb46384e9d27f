"""An embedded engine that dies under the API is started again by the API itself: meanwhile
every answer is the JSON 503 ``graph.unavailable`` with ``Retry-After`` (never a 500, never a
reset connection), then the API serves again without a restart (issue 14; docs/api.md
"Errors", docs/architecture.md "An engine that heals"). Several API processes on one data
directory share one engine and heal together."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import start_server, stop_server
from tests.conftest import plain_env, run_cli


def _engine(data: Path) -> dict[str, int]:
    rec: dict[str, int] = json.loads((data / "engine.json").read_text())
    return rec


def _gone(pid: int) -> bool:
    """Exited and reaped: no process, not even a zombie."""
    return not Path(f"/proc/{pid}").exists()


def _wait(check: object, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[list[str], str, Path]]:
    """Two ``teamgraph serve`` processes on one data directory; the first starts the engine."""
    env = plain_env(tmp_path)
    assert run_cli(tmp_path, "shop", "create", "heal", env=env).returncode == 0
    made = run_cli(tmp_path, "key", "create", "--shop", "heal", "--role", "merchant", env=env)
    assert made.returncode == 0, made.stderr
    procs, urls = [], []
    try:
        for _ in range(2):
            proc, url = start_server(env)
            procs.append(proc)
            urls.append(url)
        yield urls, made.stdout.strip(), tmp_path
    finally:
        for proc in procs:
            stop_server(proc)


def _hammer(url: str, key: str, stop: threading.Event, seen: list[tuple[int, dict, str]]) -> None:
    """Reads and writes on one kept-alive connection until ``stop``; every answer recorded,
    a transport error recorded as status 0."""
    auth = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=auth, timeout=30) as client:
        i = 0
        while not stop.is_set():
            i += 1
            try:
                if i % 2:
                    r = client.get("/v1/settings")
                else:
                    r = client.post("/v1/customers", json={"id": f"h{threading.get_ident()}-{i}"})
            except httpx.TransportError as exc:
                seen.append((0, {}, repr(exc)))
                continue
            body = r.json() if r.headers.get("content-type") == "application/json" else {}
            seen.append((r.status_code, body, r.headers.get("retry-after", "")))


def test_a_killed_engine_is_restarted_and_both_apis_serve_again(
    served: tuple[list[str], str, Path],
) -> None:
    urls, key, data = served
    databases = {httpx.get(f"{u}/v1/health").json()["engine_info"]["database"] for u in urls}
    assert len(databases) == 1  # one engine for both API processes
    old = _engine(data)["pid"]
    seen: list[tuple[int, dict, str]] = []
    stop = threading.Event()
    workers = [threading.Thread(target=_hammer, args=(u, key, stop, seen)) for u in urls]
    for w in workers:
        w.start()
    try:
        time.sleep(0.3)
        os.kill(old, signal.SIGKILL)
        assert _wait(lambda: (data / "engine.json").exists() and _engine(data)["pid"] != old)
        time.sleep(1.0)  # requests keep flowing on the new engine
    finally:
        stop.set()
        for w in workers:
            w.join(60)
    statuses = {s for s, _, _ in seen}
    assert statuses <= {200, 201, 503}, [x for x in seen if x[0] not in (200, 201, 503)][:3]
    for status, body, retry_after in seen:
        if status == 503:
            assert body["error"]["code"] == "graph.unavailable"
            assert retry_after.isdigit()
    assert seen[-1][0] in (200, 201)  # serving again, on the same connections
    assert _wait(lambda: _gone(old), 10), "the dead engine was left a zombie"
    new = _engine(data)
    after = {httpx.get(f"{u}/v1/health").json()["engine_info"]["database"] for u in urls}
    assert after == {f"127.0.0.1:{new['port']}"}  # both found the one new engine
    servers = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _serves(p, data)]
    assert [int(p.name) for p in servers] == [new["pid"]]


def _serves(proc: Path, data: Path) -> bool:
    """A live redis-server working in ``data`` (the engine's ``--dir`` is its working dir)."""
    try:
        state = (proc / "stat").read_text().split()[2]
        return (
            os.readlink(proc / "cwd") == str(data.resolve())
            and "redis-server" in (proc / "cmdline").read_bytes().decode(errors="replace")
            and state != "Z"
        )
    except OSError:
        return False


def test_a_garbage_key_is_401_and_a_good_one_503_while_the_engine_cannot_start(
    served: tuple[list[str], str, Path],
) -> None:
    """An engine that stays down (here: its binary's data directory made unusable) leaves the
    API answering: a malformed key 401, a good key 503 with Retry-After, health 503."""
    urls, key, data = served
    rec = _engine(data)
    blocker = data / "appendonlydir"
    moved = data / "appendonlydir.moved"
    blocker.rename(moved)
    blocker.write_text("not a directory: the engine cannot load")
    try:
        os.kill(rec["pid"], signal.SIGKILL)
        assert _wait(lambda: _gone(rec["pid"]), 10)
        for url in urls:
            garbage = httpx.get(f"{url}/v1/settings", headers={"Authorization": "Bearer x"})
            assert garbage.status_code == 401, garbage.text
            assert garbage.json()["error"]["code"] == "auth.invalid_key"
            good = httpx.get(f"{url}/v1/settings", headers={"Authorization": f"Bearer {key}"})
            assert good.status_code == 503, good.text
            assert good.json()["error"]["code"] == "graph.unavailable"
            assert good.headers["retry-after"].isdigit()
            health = httpx.get(f"{url}/v1/health")
            assert (health.status_code, health.json()["answers"]) == (503, False)
    finally:
        blocker.unlink()
        moved.rename(blocker)
    for url in urls:  # the next restart finds its data and the API serves again
        assert _wait(
            lambda u=url: (
                httpx.get(
                    f"{u}/v1/settings", headers={"Authorization": f"Bearer {key}"}
                ).status_code
                == 200
            )
        )
