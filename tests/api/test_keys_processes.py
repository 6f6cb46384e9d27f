"""Issue 16 "Done when": a revoked key is refused within a second in every API process. Two real
``teamgraph serve`` processes on the same engine; both have just accepted the key (so each
remembers it, K-1); the key is revoked through the first; the second refuses it soon after.

Checked by polling with a generous deadline, never by timing: how soon is K-1's bound
(``KEY_CACHE_SECONDS``), a property of the code, not of this machine's speed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from teamgraph.graph import Engine
from teamgraph.shop.keys import KEY_CACHE_SECONDS
from tests.api.conftest import ShopApi, start_server, stop_server
from tests.api.test_relationships import ok
from tests.conftest import engine_env

MakeShop = Any


@pytest.fixture
def second_api(engine: Engine, data_dir: Path) -> Iterator[str]:
    """Another API process on the session's engine (the first is the ``api`` fixture's)."""
    proc, url = start_server(engine_env(engine, data_dir))
    yield url
    stop_server(proc)


def test_k1_a_key_revoked_through_one_process_is_refused_by_another(
    make_shop: MakeShop, second_api: str
) -> None:
    assert KEY_CACHE_SECONDS <= 1.0, "issue 16: refused within a second"
    s: ShopApi = make_shop()
    made = ok(s.merchant.post("/v1/keys", json={"name": "to revoke", "role": "analyst"}), 201)
    headers = {"Authorization": f"Bearer {made['key']}"}
    with (
        httpx.Client(base_url=s.url, headers=headers, timeout=30) as first,
        httpx.Client(base_url=second_api, headers=headers, timeout=30) as second,
    ):
        assert ok(first.get("/v1/settings")) and ok(second.get("/v1/settings"))
        assert ok(second.get("/v1/settings")), "the second process now remembers the key"
        ok(s.merchant.post(f"/v1/keys/{made['record']['id']}/revoke"))
        assert first.get("/v1/settings").status_code == 401, "the revoking process: at once"
        deadline = time.monotonic() + 30
        while (answer := second.get("/v1/settings").status_code) != 401:
            assert answer == 200
            assert time.monotonic() < deadline, "the other process never refused the key"
            time.sleep(0.05)
