"""One cursor rule (docs/api.md "Lists and cursors", issue 14): every list that takes a
``cursor`` takes back only a ``next_cursor`` it handed out; anything else is 422
``request.cursor`` naming the field ``cursor``, never a silent first page or an empty list.
The lists are found in the OpenAPI document (every operation with a ``cursor`` parameter), so a
new paged list is held to the rule too."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from tests.api.conftest import Api, ShopApi
from tests.api.test_money import earn, withdraw
from tests.api.test_relationships import distributor, get, ok, refused, visit

MakeShop = Any
LISTS = {
    "/v1/distributors/{distributor_id}/clients",
    "/v1/distributors/{distributor_id}/invitees",
    "/v1/distributors/{distributor_id}/ledger",
    "/v1/withdrawals",
    "/v1/rings",
    "/v1/keys",  # issue 16
    "/v1/audit",
    "/v1/webhooks/{webhook_id}/deliveries",
    "/v1/products",  # issue 17
    "/v1/applications",  # issue 17
    "/v1/distributors",  # issue 17
}
UNFILLED = {"/v1/rings", "/v1/webhooks/{webhook_id}/deliveries", "/v1/applications"}
"""Lists the fixture leaves with fewer than two items (no scan, no deliverer in the session)."""


def _b64(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


GARBAGE = {
    "word": "nope",
    "empty": "",
    "digits": "0",
    "old ledger form": "1796576636098|rf1:o1:r0:t1",
    "old id form": "w-d3",
    "not base64": "%%%",
    "a NUL": "a\x00b",  # found by schemathesis: the engine's parser error, a 400
    "base64 of no JSON": base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    "a JSON object": _b64({"after": "K0"}),
    "no position": _b64(["clients"]),
    "a control character": _b64(["clients", "K\u0001"]),
    "a blank id": _b64(["invitees", " "]),
    "a negative offset": _b64(["rings", -1]),
    "a text offset": _b64(["rings", "1"]),
    "a text time": _b64(["ledger", "1", "x"]),
    "too long": "A" * 3000,
}


def cursor_lists(api: Api) -> set[str]:
    spec = httpx.get(f"{api.url}/openapi.json", timeout=30).json()
    return {
        path
        for path, ops in spec["paths"].items()
        if any(p["name"] == "cursor" for p in ops.get("get", {}).get("parameters", []))
    }


def test_the_rule_covers_every_list_that_takes_a_cursor(api: Api) -> None:
    assert cursor_lists(api) == LISTS


@pytest.fixture
def shop(make_shop: MakeShop) -> ShopApi:
    """D with two clients (K0, K1: distributors it invited), entries in its ledger, two
    withdrawals: every list of D has a second page."""
    s: ShopApi = make_shop({"withdrawal": {"max_count": 10}})
    m = s.merchant
    distributor(m, "D")
    for cid in ("K0", "K1"):
        visit(m, cid, "D")
        ok(m.post("/v1/distributors", json={"customer_id": cid}), 201)
    earn(m, "D", 5000)
    withdraw(m, "D", 100, id="w-1")
    withdraw(m, "D", 100, id="w-2")
    ok(m.post("/v1/keys", json={"name": "reports", "role": "analyst"}), 201)
    ok(m.post("/v1/webhooks", json={"url": "https://mall.example.com/h", "events": ["*"]}), 201)
    for pid in ("P0", "P1"):
        ok(m.post("/v1/products", json={"id": pid, "name": pid, "price_fen": 100}))
    return s


def _url(path: str, m: httpx.Client) -> str:
    if "{webhook_id}" in path:
        path = path.replace("{webhook_id}", get(m, "/v1/webhooks")["items"][0]["id"])
    return path.replace("{distributor_id}", "D")


@pytest.mark.parametrize("path", sorted(LISTS))
def test_a_garbage_cursor_is_422_on_every_list(shop: ShopApi, path: str) -> None:
    m = shop.merchant
    for name, cursor in GARBAGE.items():
        err = refused(m.get(_url(path, m), params={"cursor": cursor}), 422, "request.cursor")
        assert err["field"] == "cursor", name


@pytest.mark.parametrize("path", sorted(LISTS - UNFILLED))
def test_a_list_takes_its_own_cursor_and_no_other(shop: ShopApi, path: str) -> None:
    m = shop.merchant
    first = get(m, _url(path, m), limit=1)
    assert first["next_cursor"], path
    second = get(m, _url(path, m), limit=1, cursor=first["next_cursor"])
    assert second["items"] and second["items"][0] != first["items"][0]
    for other in sorted(LISTS - {path}):
        refused(
            m.get(_url(other, m), params={"cursor": first["next_cursor"]}), 422, "request.cursor"
        )


def test_a_distributor_key_gets_the_same_rule(shop: ShopApi) -> None:
    d = shop.client("distributor", "D")
    for path in ("/v1/distributors/D/clients", "/v1/distributors/D/ledger", "/v1/withdrawals"):
        refused(d.get(path, params={"cursor": "nope"}), 422, "request.cursor")
