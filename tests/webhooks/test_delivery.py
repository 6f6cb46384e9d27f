"""The deliverer (issue 16 "Webhooks"; teamgraph/shop/deliverer.py) against a real receiver on
loopback, on both engines: every event arrives signed (the receiver verifies each signature
with ``standardwebhooks``), in order per distributor, across a receiver that fails or refuses
connections; a delivery given up marks its endpoint failing; two deliverers on one shop never
send a delivery at once (leases)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from teamgraph.clock import now_ms
from teamgraph.graph import Engine
from teamgraph.shop import Actor, Shop
from teamgraph.shop.deliverer import Deliverer, Schedule
from tests.conftest import new_shop_id
from tests.webhooks.conftest import FAST, Receiver, emit, order_per_key, until

TEST = Actor.system("test")


@pytest.fixture
def shop(engine: Engine) -> Iterator[Shop]:
    s = Shop.create(engine, new_shop_id("wh"))
    yield s
    s.store.drop()


def endpoint(shop: Shop, receiver: Receiver, events: list[str] | None = None) -> str:
    row = shop.create_webhook(receiver.url, events or ["*"], actor=TEST, allow_private=True)
    receiver.secret = row["secret"]
    return str(row["id"])


def run(engine: Engine, shop: Shop, schedule: Schedule = FAST) -> Deliverer:
    """A deliverer of this shop alone (other tests' shops on the engine are not its work)."""
    return Deliverer(engine, schedule, shops=lambda: [shop.id]).start()


def stream(shop: Shop, keys: int = 3, per_key: int = 6) -> dict[str, list[str]]:
    """Events of several distributors, interleaved; each key's ids in the order written (each
    a millisecond after the one before: events of one time go by id)."""
    out: dict[str, list[str]] = {}
    base = now_ms()
    for i in range(per_key):
        for k in range(keys):
            key = f"d{k}"
            out.setdefault(key, []).append(
                emit(shop, "reward.settled", key, "reward", f"r{k}-{i}", distributor_id=key,
                     amount_fen=100 + i, at=base + i * keys + k)
            )  # fmt: skip
    return out


def test_every_event_arrives_signed_once_and_in_order_per_distributor(
    engine: Engine, shop: Shop, receiver: Receiver
) -> None:
    """Issue 16: each event is sent with a body of its id, type, time and object, signed as
    Standard Webhooks says; per distributor in the order written."""
    wid = endpoint(shop, receiver)
    written = stream(shop)
    deliverer = run(engine, shop)
    try:
        receiver.wait_for({e for ids in written.values() for e in ids})
    finally:
        deliverer.stop()
    assert receiver.rejected == []
    assert order_per_key(receiver.received) == written
    assert sorted(receiver.ids()) == sorted(e for ids in written.values() for e in ids)
    first = next(r for r in receiver.received if r.id == written["d1"][2])
    assert first.headers["webhook-id"] == first.body["id"] == written["d1"][2]
    assert first.body["type"] == "reward.settled"
    assert first.body["timestamp"].endswith("Z")
    assert first.body["data"] == {
        "object": "reward", "id": "r1-2", "distributor_id": "d1", "amount_fen": 102,
    }  # fmt: skip
    rows = shop.deliveries(wid, limit=100)
    assert len(rows) == 18
    assert {(r["status"], r["attempts"], r["last_status_code"]) for r in rows} == {
        ("delivered", 1, 204)
    }


def test_only_subscribed_types_and_only_enabled_endpoints(
    engine: Engine, shop: Shop, receiver: Receiver
) -> None:
    """An endpoint gets the types it subscribes to, while enabled: an event dispatched while
    it is disabled is not queued for it, and its pending deliveries wait until it is enabled
    again (W-2, W-3)."""
    wid = endpoint(shop, receiver, ["withdrawal.paid"])
    other = Receiver()
    other.up()
    endpoint(shop, other)
    emit(shop, "reward.settled", "d1", "reward", "r1", distributor_id="d1")
    paid = emit(shop, "withdrawal.paid", "d1", "withdrawal", "w1", distributor_id="d1")
    deliverer = run(engine, shop)
    try:
        receiver.wait_for({paid})
        receiver.mode = "fail"
        waiting = emit(shop, "withdrawal.paid", "d1", "withdrawal", "w2", distributor_id="d1")
        until(
            lambda: any(r["event_id"] == waiting and r["attempts"] for r in shop.deliveries(wid)),
            what="a failed attempt",
        )
        shop.update_webhook(wid, enabled=False, actor=TEST)
        skipped = emit(shop, "withdrawal.paid", "d1", "withdrawal", "w3", distributor_id="d1")
        # dispatched while the endpoint is disabled, by a pass after any send it had begun
        other.wait_for({skipped})
        receiver.mode = "ok"
        assert shop.delivery(wid, waiting)["status"] == "pending"
        shop.update_webhook(wid, enabled=True, actor=TEST)
        later = emit(shop, "withdrawal.paid", "d1", "withdrawal", "w4", distributor_id="d1")
        receiver.wait_for({waiting, later})
    finally:
        deliverer.stop()
        other.down()
    assert receiver.ids() == [paid, waiting, later]
    assert len(other.ids()) == 5


def test_a_receiver_down_for_a_while_gets_everything_after_and_retries_show(
    engine: Engine, shop: Shop, receiver: Receiver
) -> None:
    """Issue 16 "Nothing lost": the receiver answers 500, then refuses connections, then is
    back; every event arrives, in order per distributor, and the attempts are recorded."""
    wid = endpoint(shop, receiver)
    receiver.mode = "fail"
    written = stream(shop, keys=2, per_key=4)
    deliverer = run(engine, shop)
    try:
        until(lambda: receiver.requests >= 4, what="failed attempts")
        receiver.down()
        until(
            lambda: any(r["attempts"] >= 3 for r in shop.deliveries(wid)),
            what="attempts while the receiver is down",
        )
        receiver.mode = "ok"
        receiver.up()
        receiver.wait_for({e for ids in written.values() for e in ids})
    finally:
        deliverer.stop()
    assert receiver.rejected == []
    assert order_per_key(receiver.received) == written
    retried = [r for r in shop.deliveries(wid) if r["attempts"] > 1]
    assert retried, "the retries are visible"
    detail = shop.delivery(wid, retried[0]["event_id"])
    codes = [a["status_code"] for a in detail["attempt_list"]]
    assert codes[-1] == 204 and set(codes[:-1]) <= {500, None}
    assert any(a["error"] for a in detail["attempt_list"][:-1])
    assert detail["status"] == "delivered"


def test_given_up_marks_the_endpoint_failing_and_a_resend_delivers(
    engine: Engine, shop: Shop, receiver: Receiver
) -> None:
    """After the schedule's window a delivery fails and its endpoint is failing; the key's
    next event is not held back by it; a resend is a new attempt of the same event id, and a
    delivery that arrives makes the endpoint active again (W-3)."""
    wid = endpoint(shop, receiver)
    receiver.mode = "fail"
    first = emit(shop, "reward.settled", "d1", "reward", "r1", distributor_id="d1")
    deliverer = run(engine, shop, dataclasses.replace(FAST, give_up_ms=300))
    try:
        until(lambda: shop.webhook(wid)["status"] == "failing", what="the endpoint failing")
        assert shop.delivery(wid, first)["status"] == "failed"
        receiver.mode = "ok"
        second = emit(shop, "reward.settled", "d1", "reward", "r2", distributor_id="d1")
        receiver.wait_for({second})
        assert first not in receiver.ids()
        shop.resend(wid, first)
        receiver.wait_for({first})
    finally:
        deliverer.stop()
    assert receiver.ids() == [second, first]
    assert shop.webhook(wid)["status"] == "active"
    assert shop.delivery(wid, first)["resent_at"] is not None


def test_two_deliverers_on_one_shop_send_each_event_once(
    engine: Engine, shop: Shop, receiver: Receiver
) -> None:
    """Two API processes on one shop: the lease (a compare-and-set under the delivery's lock)
    lets one of them send a delivery at a time, so a receiver that answers at once gets each
    event once, in order per distributor."""
    endpoint(shop, receiver)
    receiver.delay = 0.02
    written = stream(shop, keys=4, per_key=5)
    both = [run(engine, shop), run(engine, shop)]
    try:
        receiver.wait_for({e for ids in written.values() for e in ids})
    finally:
        for d in both:
            d.stop()
    assert sorted(receiver.ids()) == sorted(e for ids in written.values() for e in ids)
    assert order_per_key(receiver.received) == written


def test_an_endpoint_gets_only_events_from_its_creation_on(
    engine: Engine, shop: Shop, receiver: Receiver
) -> None:
    """W-2: events before an endpoint existed are not sent to it (a resend can)."""
    old = emit(shop, "reward.settled", "d1", "reward", "r0", at=1_000, distributor_id="d1")
    wid = endpoint(shop, receiver)
    new = emit(shop, "reward.settled", "d1", "reward", "r1", distributor_id="d1")
    deliverer = run(engine, shop)
    try:
        receiver.wait_for({new})
        shop.resend(wid, old)
        receiver.wait_for({old})
    finally:
        deliverer.stop()
    assert receiver.ids() == [new, old]


def test_a_resend_before_the_event_is_dispatched_does_not_stop_dispatching(
    engine: Engine, shop: Shop, receiver: Receiver
) -> None:
    """A resend can make an event's delivery before the deliverer dispatches the event; the
    dispatch then keeps it (one delivery, no constraint error that would stop the shop's
    deliveries) and the events after it still go."""
    wid = endpoint(shop, receiver)
    first = emit(shop, "reward.settled", "d1", "reward", "r1", distributor_id="d1")
    shop.resend(wid, first)
    second = emit(shop, "reward.settled", "d1", "reward", "r2", distributor_id="d1")
    deliverer = run(engine, shop)
    try:
        receiver.wait_for({first, second})
    finally:
        deliverer.stop()
    assert sorted(receiver.ids()) == sorted([first, second])
    assert len(shop.deliveries(wid)) == 2
