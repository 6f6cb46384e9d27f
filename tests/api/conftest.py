"""The real API over HTTP: ``teamgraph serve`` in its own process, on the session's engine (the
embedded FalkorDB it attaches to, or the suite's Neo4j), with a shop and one key per role."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from teamgraph.etl import demo
from teamgraph.graph import Engine
from teamgraph.shop import Shop
from tests.conftest import ROOT, engine_env, free_port, new_shop_id


@dataclass
class Api:
    url: str
    shop: Shop
    keys: dict[str, str]

    def client(self, role: str | None = "merchant") -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys[role]}"} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "teamgraph", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode())  # type: ignore[union-attr]
        try:
            httpx.get(f"{url}/v1/health", timeout=1)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the API did not start")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
    if proc.stderr:
        proc.stderr.close()


@pytest.fixture(scope="session")
def api(engine: Engine, data_dir: Path) -> Iterator[Api]:
    shop = Shop.create(engine, "apitest")
    demo.load(shop, demo.generate(customers=60, distributors=8))
    keys = {
        "merchant": shop.create_key("merchant"),
        "analyst": shop.create_key("analyst"),
        "distributor": shop.create_key("distributor", "c000001"),
    }
    # no webhook deliverer here: tests/webhooks runs its own with a schedule in milliseconds,
    # which one of the default schedule on the same engine would slow to minutes
    proc, url = start_server(engine_env(engine, data_dir) | {"TEAMGRAPH_WEBHOOKS_DELIVER": "false"})
    yield Api(url, shop, keys)
    stop_server(proc)
    shop.store.drop()


@pytest.fixture
def fresh_shop(engine: Engine, api: Api) -> Iterator[tuple[Shop, httpx.Client]]:
    """A shop of its own (settings tests change state), with a merchant client."""
    shop = Shop.create(engine, new_shop_id("s"))
    client = httpx.Client(
        base_url=api.url, headers={"Authorization": f"Bearer {shop.create_key('merchant')}"}
    )
    yield shop, client
    client.close()
    shop.store.drop()


@dataclass
class ShopApi:
    """A shop of its own, served by the session's API; one client per role (and distributor),
    its key made on first use."""

    url: str
    shop: Shop
    _clients: dict[tuple[str, str | None], httpx.Client] = field(default_factory=dict)

    def client(self, role: str = "merchant", distributor_id: str | None = None) -> httpx.Client:
        if (role, distributor_id) not in self._clients:
            key = self.shop.create_key(role, distributor_id)
            self._clients[role, distributor_id] = httpx.Client(
                base_url=self.url, headers={"Authorization": f"Bearer {key}"}, timeout=30
            )
        return self._clients[role, distributor_id]

    @property
    def merchant(self) -> httpx.Client:
        return self.client("merchant")

    @property
    def analyst(self) -> httpx.Client:
        return self.client("analyst")

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self.shop.store.drop()


@pytest.fixture
def make_shop(engine: Engine, api: Api) -> Iterator[Callable[..., ShopApi]]:
    """A factory of fresh shops (``make_shop({"attribution_mode": "sharer"})`` sets the initial
    settings, as ``teamgraph shop create --settings`` does); all dropped afterwards."""
    made: list[ShopApi] = []

    def make(settings: Mapping[str, Any] | None = None) -> ShopApi:
        shop = ShopApi(api.url, Shop.create(engine, new_shop_id("r"), settings))
        made.append(shop)
        return shop

    yield make
    for shop in made:
        shop.close()
