"""The webhook endpoints over HTTP (docs/api.md "Webhooks"; issue 16): registered by the
merchant with a secret shown once, listed, changed, rotated and deleted, each change an audit
``Change``; bad URLs and event types refused with stable codes; deliveries listed and resent.
The sending is tested in tests/webhooks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from teamgraph.graph import Engine
from teamgraph.shop import Actor
from teamgraph.shop.deliverer import Deliverer
from tests.api.conftest import ShopApi
from tests.webhooks.conftest import FAST, Receiver, emit

URL = "https://mall.example.com/hooks/teamgraph"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.up()
    yield r
    r.down()


def error(r: Any, status: int) -> str:
    assert r.status_code == status, r.text
    return str(r.json()["error"]["code"])


def test_an_endpoint_is_registered_with_a_secret_shown_once(
    make_shop: Callable[..., ShopApi],
) -> None:
    m = make_shop().merchant
    r = m.post("/v1/webhooks", json={"url": URL, "events": ["order.attributed", "reward.settled"],
                                      "description": "ERP"})  # fmt: skip
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["secret"].startswith("whsec_")
    assert made["events"] == ["order.attributed", "reward.settled"]
    assert (made["enabled"], made["status"], made["description"]) == (True, "active", "ERP")
    wid = made["id"]
    listed = m.get("/v1/webhooks").json()
    assert [w["id"] for w in listed["items"]] == [wid]
    one = m.get(f"/v1/webhooks/{wid}").json()
    assert "secret" not in one and "secret" not in listed["items"][0]
    assert made["secret"] not in m.get("/v1/webhooks").text
    assert one["created_at"].endswith("+08:00")


def test_an_endpoint_is_changed_rotated_and_deleted(make_shop: Callable[..., ShopApi]) -> None:
    m = make_shop().merchant
    made = m.post("/v1/webhooks", json={"url": URL, "events": ["*"]}).json()
    wid = made["id"]
    r = m.patch(f"/v1/webhooks/{wid}", json={"enabled": False, "events": ["withdrawal.paid"]})
    assert r.status_code == 200, r.text
    assert (r.json()["enabled"], r.json()["events"], r.json()["url"]) == (
        False, ["withdrawal.paid"], URL,
    )  # fmt: skip
    rotated = m.post(f"/v1/webhooks/{wid}/rotate-secret").json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != made["secret"]
    assert m.delete(f"/v1/webhooks/{wid}").status_code == 204
    assert error(m.get(f"/v1/webhooks/{wid}"), 404) == "webhook.not_found"
    assert error(m.delete(f"/v1/webhooks/{wid}"), 404) == "webhook.not_found"


def test_bad_urls_and_event_types_are_refused_with_stable_codes(
    make_shop: Callable[..., ShopApi],
) -> None:
    """W-1: http(s) only; this machine and private networks refused unless the server allows
    them (TEAMGRAPH_WEBHOOKS_PRIVATE_URLS; this API does not)."""
    m = make_shop().merchant
    for url in ("ftp://mall.example.com/x", "mall.example.com/x", "https://", "javascript:x"):
        r = m.post("/v1/webhooks", json={"url": url, "events": ["*"]})
        assert error(r, 422) == "webhook.url", url
    for url in ("http://127.0.0.1:8080/x", "http://localhost/x", "https://10.1.2.3/x",
                "http://[::1]/x", "http://169.254.169.254/latest"):  # fmt: skip
        r = m.post("/v1/webhooks", json={"url": url, "events": ["*"]})
        assert error(r, 422) == "webhook.url_private", url
    for events in (["order.paid"], ["*", "order.attributed"]):
        r = m.post("/v1/webhooks", json={"url": URL, "events": events})
        assert error(r, 422) == "webhook.events", events
    assert error(m.post("/v1/webhooks", json={"url": URL, "events": []}), 422) == (
        "request.invalid"
    )
    assert m.get("/v1/webhooks").json()["items"] == []
    wid = m.post("/v1/webhooks", json={"url": URL, "events": ["*"]}).json()["id"]
    r = m.patch(f"/v1/webhooks/{wid}", json={"url": "http://127.0.0.1/x"})
    assert error(r, 422) == "webhook.url_private"
    assert m.get(f"/v1/webhooks/{wid}").json()["url"] == URL


def test_other_roles_may_not_see_endpoints(make_shop: Callable[..., ShopApi]) -> None:
    s = make_shop()
    assert error(s.analyst.get("/v1/webhooks"), 403) == "auth.forbidden"
    r = s.analyst.post("/v1/webhooks", json={"url": URL, "events": ["*"]})
    assert error(r, 403) == "auth.forbidden"


def test_deliveries_are_listed_paged_filtered_and_resent(
    make_shop: Callable[..., ShopApi], receiver: Receiver, engine: Engine
) -> None:
    """Deliveries with their attempts and last answer, newest first, by status and type; a
    resend is a new attempt of the same event id."""
    s = make_shop()
    m = s.merchant
    made = s.shop.create_webhook(
        receiver.url, ["*"], actor=Actor.system("test"), allow_private=True
    )
    receiver.secret = made["secret"]
    wid = made["id"]
    ids = [emit(s.shop, "reward.settled", "d1", "reward", f"r{i}", at=1_700_000_000_000 + i,
                distributor_id="d1") for i in range(3)]  # fmt: skip
    paid = emit(s.shop, "withdrawal.paid", "d2", "withdrawal", "w1", at=1_700_000_000_010,
                distributor_id="d2")  # fmt: skip
    deliverer = Deliverer(engine, FAST, shops=lambda: [s.shop.id])
    # the endpoint was made after these events' times: they come by resend (W-2)
    for eid in [*ids, paid]:
        assert m.post(f"/v1/webhooks/{wid}/deliveries/{eid}/resend").status_code == 200
    while deliverer.run_once():
        pass
    deliverer.stop()
    receiver.wait_for({*ids, paid})
    page = m.get(f"/v1/webhooks/{wid}/deliveries", params={"limit": 2}).json()
    assert [d["event_id"] for d in page["items"]] == [paid, ids[2]]
    rest = m.get(f"/v1/webhooks/{wid}/deliveries", params={"cursor": page["next_cursor"]}).json()
    assert [d["event_id"] for d in rest["items"]] == [ids[1], ids[0]]
    assert rest["next_cursor"] is None
    only = m.get(f"/v1/webhooks/{wid}/deliveries", params={"event_type": "withdrawal.paid"})
    assert [d["event_id"] for d in only.json()["items"]] == [paid]
    done = m.get(f"/v1/webhooks/{wid}/deliveries", params={"status": "delivered"}).json()
    assert len(done["items"]) == 4
    assert {(d["attempts"], d["last_status_code"]) for d in done["items"]} == {(1, 204)}
    again = m.post(f"/v1/webhooks/{wid}/deliveries/{paid}/resend").json()
    assert again["status"] == "pending" and again["attempts"] == 1
    detail = m.get(f"/v1/webhooks/{wid}/deliveries/{paid}").json()
    assert [a["status_code"] for a in detail["attempt_list"]] == [204]
    r = m.post(f"/v1/webhooks/{wid}/deliveries/nope/resend")
    assert error(r, 404) == "event.not_found"
    bad = m.get(f"/v1/webhooks/{wid}/deliveries", params={"cursor": "x"})
    assert error(bad, 422) == "request.cursor"
