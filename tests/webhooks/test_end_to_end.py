"""Issue 16 "Done when", end to end: real changes over the real API (distributors applying and
approved, customers bound by visits, orders attributed, refunds, freezes, levels,
withdrawals) write their events in the outbox (queries/events.cypher), and the real
``teamgraph serve``'s deliverer brings every one of them to a receiver on loopback that
verifies each signature, in order per distributor — also across a receiver outage, a
``kill -9`` of the API and one of the embedded engine."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx

from teamgraph.config import Settings
from teamgraph.graph import Engine, connect
from teamgraph.shop import Shop, events
from tests.conftest import engine_env, new_shop_id, plain_env
from tests.webhooks.conftest import Receiver, until
from tests.webhooks.test_processes import Api, register

list_events = events.list_events


def ok(r: httpx.Response) -> Any:
    assert r.status_code in (200, 201), r.text
    return r.json()


def test_a_shop_session_reaches_the_receiver_signed_and_in_order(
    engine: Engine, data_dir: Path, receiver: Receiver, tmp_path: Path
) -> None:
    shop = Shop.create(engine, new_shop_id("e2e"))
    api = Api(engine_env(engine, data_dir), tmp_path / "serve.log")
    try:
        api.start()
        register(api, shop, receiver)
        key = shop.create_key("merchant")
        with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {key}"},
                          timeout=30) as m:  # fmt: skip
            for d in ("d1", "d2"):
                ok(m.post("/v1/customers", json={"id": d, "name": d}))
                ok(m.post("/v1/distributors", json={"customer_id": d}))
                m.post(f"/v1/distributors/{d}/approve")  # approved already when automatic
            for i in range(6):
                c, d = f"c{i}", ("d1", "d2")[i % 2]
                ok(m.post("/v1/visits", json={"customer_id": c, "distributor_id": d}))
                line = {"product_id": "p", "paid_fen": 1000}
                ok(m.post("/v1/orders", json={"id": f"o{i}", "customer_id": c, "lines": [line]}))
        written = sorted(list_events(shop.store), key=lambda e: (e["at"], e["id"]))
        assert {"order.attributed", "customer.bound"} <= {e["type"] for e in written}
        receiver.wait_for({e["id"] for e in written}, timeout=180)
    finally:
        api.stop()
        shop.store.drop()
    assert receiver.rejected == []
    expected: dict[str, list[str]] = {}
    for e in written:
        expected.setdefault(str(e["key"]), []).append(e["id"])
    key_of = {e["id"]: str(e["key"]) for e in written}
    arrived: dict[str, list[str]] = {}
    for eid in dict.fromkeys(receiver.ids()):
        arrived.setdefault(key_of[eid], []).append(eid)
    assert arrived == expected
    body = next(r.body for r in receiver.received if r.body["type"] == "order.attributed")
    assert body["data"]["object"] == "order" and body["data"]["id"].startswith("o")


def send(client: httpx.Client, method: str, path: str, body: Any = None) -> Any:
    """One call, sent again while the API or the engine is away (a refused connection, a 503):
    every call here is idempotent (ids, or a state it sets), as docs/api.md asks of a client."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            r = client.request(method, path, json=body)
        except httpx.TransportError:
            time.sleep(0.1)
            continue
        if r.status_code == 503:
            time.sleep(0.1)
            continue
        return ok(r)
    raise AssertionError(f"{method} {path}: the API never answered")


def test_a_session_across_a_receiver_outage_and_kill_9_of_the_api_and_the_engine_loses_nothing(
    receiver: Receiver, tmp_path: Path
) -> None:
    """Issue 16 "Nothing lost", on real changes: the receiver answers 500 and then refuses
    connections while the session goes on; the API is killed (-9) while it delivers and started
    again; the embedded engine is killed (-9) under it. Afterwards every event the outbox holds
    arrived, verified, in order per key, and any duplicate is of the same event id."""
    data = tmp_path / "data"
    engine = connect(Settings(TEAMGRAPH_DATA=str(data)))
    shop = Shop.create(engine, "whk-session")
    api = Api(plain_env(data), tmp_path / "serve.log")
    merchant = shop.create_key("merchant")
    d1 = shop.create_key("distributor", "d1")
    auth = {"Authorization": f"Bearer {merchant}"}
    try:
        api.start()
        register(api, shop, receiver)
        with httpx.Client(base_url=api.url, headers=auth, timeout=30) as m:
            levels = [
                {"level": 1, "name": "L1", "reward_bp": 1000, "inviter_reward_bp": 300},
                {"level": 2, "name": "L2", "reward_bp": 1500, "inviter_reward_bp": 300,
                 "conditions": {"paid_orders": 1000}},
            ]  # fmt: skip
            send(m, "PUT", "/v1/settings", {"settle_days": 0, "levels": levels})
            receiver.mode = "fail"  # the mall's receiver answers 500 for a while
            for d in ("d1", "d2", "d3"):
                send(m, "POST", "/v1/customers", {"id": d, "name": d})
                send(m, "POST", "/v1/distributors", {"customer_id": d})
            for i in range(6):
                c, d = f"c{i}", ("d1", "d2", "d3")[i % 3]
                send(m, "POST", "/v1/visits", {"customer_id": c, "distributor_id": d})
                line = {"product_id": "p", "paid_fen": 10_000}
                send(m, "POST", "/v1/orders", {"id": f"o{i}", "customer_id": c, "lines": [line]})
            until(lambda: receiver.requests >= 3, what="attempts the receiver refused")
            receiver.down()  # then it is gone altogether
            send(m, "POST", "/v1/orders/o1/refunds", {"id": "r1", "amount_fen": 4_000})
            for i in range(6):  # completed: with settle_days 0 the rewards settle
                send(m, "POST", f"/v1/orders/o{i}/complete", {})
            send(m, "POST", "/v1/distributors/d3/freeze", {"reason": "checking"})
            send(m, "POST", "/v1/distributors/d3/unfreeze", {"reason": "checked"})
            send(m, "PUT", "/v1/distributors/d2/level", {"level": 2, "reason": "partner"})
            receiver.mode = "ok"
            receiver.delay = 0.05  # the kill lands while a request is in flight
            receiver.up()
            until(lambda: len(receiver.ids()) >= 3, what="deliveries before the API's kill")
            api.kill()
            api.start()
            with httpx.Client(base_url=api.url, timeout=30,
                              headers={"Authorization": f"Bearer {d1}"}) as own:  # fmt: skip
                wanted = {"id": "w1", "distributor_id": "d1", "amount_fen": 500,
                          "method": "bank", "account": "6222020000001234"}  # fmt: skip
                send(own, "POST", "/v1/withdrawals", wanted)
            send(m, "POST", "/v1/withdrawals/w1/approve")
            old = int(json.loads((data / "engine.json").read_text())["pid"])
            os.kill(old, signal.SIGKILL)  # the engine dies under the API
            send(m, "POST", "/v1/withdrawals/w1/paid")
            line = {"product_id": "p", "paid_fen": 8_000}
            send(m, "POST", "/v1/orders", {"id": "o9", "customer_id": "c0", "lines": [line]})
        written = sorted(list_events(shop.store), key=lambda e: (e["at"], e["id"]))
        types = {e["type"] for e in written}
        assert {
            "order.attributed",
            "reward.settled",
            "reward.clawed_back",
            "distributor.frozen",
            "distributor.level_changed",
            "withdrawal.requested",
            "withdrawal.paid",
        } <= types
        receiver.wait_for({e["id"] for e in written}, timeout=240)
        assert api.proc is not None and api.proc.poll() is None, "the API lives on"
    finally:
        api.stop()
        engine.close()
    assert receiver.rejected == []
    assert set(receiver.ids()) == {e["id"] for e in written}  # duplicates: the same ids only
    key_of = {e["id"]: str(e["key"]) for e in written}
    expected: dict[str, list[str]] = {}
    for e in written:
        expected.setdefault(key_of[e["id"]], []).append(e["id"])
    arrived: dict[str, list[str]] = {}
    for eid in dict.fromkeys(receiver.ids()):
        arrived.setdefault(key_of[eid], []).append(eid)
    assert arrived == expected
