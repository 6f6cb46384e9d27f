"""Nothing lost across process deaths (issue 16 "Nothing lost"): a real ``teamgraph serve``
delivers (its deliverer thread), a real receiver on loopback verifies every signature; the API
is killed with ``kill -9`` mid-delivery and started again, and the embedded engine is killed
under a running API. Afterwards every event was delivered, in order per distributor, and any
duplicate is of the same event id."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from teamgraph.clock import now_ms
from teamgraph.config import Settings
from teamgraph.errors import EngineError
from teamgraph.graph import Engine, connect
from teamgraph.shop import Actor, Shop
from tests.conftest import ROOT, engine_env, free_port, new_shop_id, plain_env, run_cli
from tests.webhooks.conftest import FAST_ENV, Receiver, emit, order_per_key, until


class Api:
    """``teamgraph serve`` on a fixed port, killable and restartable (benchmarks/soak.py's
    ``Api``), with the webhook schedule in milliseconds."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env | FAST_ENV
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("ab")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "teamgraph", "serve", "--port", str(self.port)],
            env=self.env, cwd=ROOT, stdout=self.log, stderr=self.log,
        )  # fmt: skip
        until(self._healthy, timeout=120, what="the API to answer")

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/v1/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


def register(api: Api, shop: Shop, receiver: Receiver) -> str:
    """The endpoint, over the API as a merchant registers it."""
    key = shop.create_key("merchant")
    answer = httpx.post(
        f"{api.url}/v1/webhooks",
        json={"url": receiver.url, "events": ["*"], "description": "loopback"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    receiver.secret = answer.json()["secret"]
    return str(answer.json()["id"])


def stream(shop: Shop, keys: int, per_key: int, tag: str) -> dict[str, list[str]]:
    """Events of ``keys`` distributors, interleaved, a millisecond apart."""
    out: dict[str, list[str]] = {}
    base = now_ms()
    for i in range(per_key):
        for k in range(keys):
            key = f"d{k}"
            eid = emit(shop, "order.attributed", key, "order", f"o-{tag}-{k}-{i}",
                       distributor_id=key, at=base + i * keys + k)  # fmt: skip
            out.setdefault(key, []).append(eid)
    return out


def merged(*streams: dict[str, list[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in streams:
        for key, ids in s.items():
            out.setdefault(key, []).extend(ids)
    return out


@pytest.fixture
def shop(engine: Engine) -> Iterator[Shop]:
    s = Shop.create(engine, new_shop_id("whk"))
    yield s
    s.store.drop()


def test_the_api_killed_mid_delivery_and_started_again_loses_nothing(
    engine: Engine, shop: Shop, data_dir: Path, receiver: Receiver, tmp_path: Path
) -> None:
    """Issue 16: kill -9 of the API while it delivers; after a restart every event arrives,
    signed and in order per distributor; duplicates only of the same event id (the lease of
    the delivery in flight ends and it is sent again)."""
    api = Api(engine_env(engine, data_dir), tmp_path / "serve.log")
    receiver.delay = 0.05  # the kill lands while a request is in flight
    try:
        api.start()
        register(api, shop, receiver)
        written = stream(shop, keys=4, per_key=10, tag="a")
        every = {e for ids in written.values() for e in ids}
        until(lambda: len(receiver.ids()) >= 8, what="deliveries before the kill")
        api.kill()
        assert len(set(receiver.ids())) < len(every), "the kill came after the last delivery"
        api.start()
        receiver.wait_for(every, timeout=180)
    finally:
        api.stop()
    assert receiver.rejected == []
    assert set(receiver.ids()) == every
    assert order_per_key(receiver.received) == written


def _engine_pid(data: Path) -> int:
    return int(json.loads((data / "engine.json").read_text())["pid"])


def test_the_engine_killed_under_the_api_and_delivery_resumes(
    receiver: Receiver, tmp_path: Path
) -> None:
    """Issue 16: kill -9 of the embedded engine (its pid from engine.json) while the API
    delivers; the engine is started again (graph/embedded.py Watchdog), the deliverer thread
    lives through the 503 period and goes on: every event, written before and after, arrives."""
    data = tmp_path / "data"
    engine = connect(Settings(TEAMGRAPH_DATA=str(data)))
    api = Api(plain_env(data), tmp_path / "serve.log")
    shop = Shop.create(engine, "whk-engine")
    try:
        api.start()
        register(api, shop, receiver)
        before = stream(shop, keys=3, per_key=5, tag="b")
        until(lambda: len(receiver.ids()) >= 3, what="deliveries before the kill")
        old = _engine_pid(data)
        os.kill(old, signal.SIGKILL)
        until(lambda: (data / "engine.json").exists() and _engine_pid(data) != old,
              timeout=120, what="the engine started again")  # fmt: skip
        after = until(lambda: _emit_when_up(shop), timeout=120, what="the engine to answer")
        receiver.wait_for({e for s in (before, after) for ids in s.values() for e in ids}, 180)
        assert api.proc is not None and api.proc.poll() is None, "the API lives on"
    finally:
        api.stop()
        engine.close()
    assert receiver.rejected == []
    expected = merged(before, after)
    # events written while the engine went down may have failed half-way: not counted here
    assert order_per_key(receiver.received, {e for ids in expected.values() for e in ids}) == (
        expected
    )


def _emit_when_up(shop: Shop) -> dict[str, list[str]] | None:
    try:
        return stream(shop, keys=3, per_key=3, tag=f"c{time.monotonic_ns()}")
    except EngineError:
        return None


def test_the_cli_delivers_once(
    engine: Engine, shop: Shop, data_dir: Path, receiver: Receiver
) -> None:
    """``teamgraph webhooks deliver --once``: one pass over every shop, then exit."""
    made = shop.create_webhook(receiver.url, ["*"], actor=Actor.system("test"), allow_private=True)
    receiver.secret = made["secret"]
    eid = emit(shop, "distributor.approved", "d1", "distributor", "d1", distributor_id="d1")
    done = run_cli(data_dir, "webhooks", "deliver", "--once",
                   env=engine_env(engine, data_dir) | FAST_ENV)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert receiver.ids() == [eid]
    assert shop.delivery(made["id"], eid)["status"] == "delivered"
