"""docs/api.md "Fraud rings" over real HTTP: the ring list and one ring's evidence, freeze and
release (R-6.2, R-6.4), who may call them, and the errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.api.conftest import ShopApi

MakeShop = Callable[..., ShopApi]


def _ok(r: httpx.Response) -> Any:
    assert r.status_code in (200, 201), r.text
    return r.json()


def _balances(client: httpx.Client, did: str) -> dict[str, int]:
    body = _ok(client.get(f"/v1/distributors/{did}/ledger", params={"limit": 1}))
    return body["balances"]  # type: ignore[no-any-return]


def _ring(ring_id: str, score: int, *members: tuple[str, str]) -> dict[str, Any]:
    return {
        "id": ring_id,
        "score": score,
        "kinds": ["self_dealing"],
        "members": [{"id": m, "role": role} for m, role in members],
        "distributors": sum(role == "distributor" for _, role in members),
        "top_signals": ["device shared by 2 accounts"],
        "inside_fen": 1000,
        "contributions": [{"signal": "self_dealing", "points": 40, "detail": "d1 and c1"}],
        "edges": [{"source": "c1", "target": "d1", "kind": "bound_to", "detail": "since 2026"}],
        "signals": [{"kind": "device", "value": "dev-12…ef", "members": ["c1", "d1"]}],
    }


def _shop(make_shop: MakeShop) -> ShopApi:
    """d1 earns 1,000 fen from c1's order, d2 from c2's; settle_days 0: a completed order's
    rewards are due at once. ring-a (d1, c1) scores 80, ring-b (d2) 30."""
    s = make_shop({"settle_days": 0})
    m = s.merchant
    for did in ("d1", "d2"):
        _ok(m.post("/v1/customers", json={"id": did, "name": did}))
        assert _ok(m.post("/v1/distributors", json={"customer_id": did}))["status"] == "active"
    for c, d in (("c1", "d1"), ("c2", "d2")):
        _ok(m.post("/v1/visits", json={"customer_id": c, "distributor_id": d}))
        body = {
            "id": f"o-{c}",
            "customer_id": c,
            "lines": [{"product_id": "p", "qty": 1, "paid_fen": 10_000}],
        }
        assert _ok(m.post("/v1/orders", json=body))["attributed_to"] == d
    s.shop.save_rings(
        [
            _ring("ring-a", 80, ("d1", "distributor"), ("c1", "alt")),
            _ring("ring-b", 30, ("d2", "distributor")),
        ],
        scan_id="scan-1",
    )
    return s


def test_risk_list_and_ring_evidence(make_shop: MakeShop) -> None:
    s = _shop(make_shop)
    page = _ok(s.analyst.get("/v1/rings"))
    assert [r["id"] for r in page["items"]] == ["ring-a", "ring-b"]  # by score
    assert page["next_cursor"] is None
    first = page["items"][0]
    assert first["status"] == "open" and first["score"] == 80
    assert first["at_stake"] == {
        "pending_fen": 1000,
        "settled_fen": 0,
        "held_fen": 0,
        "total_fen": 1000,
        "inside_fen": 1000,
    }  # c1, a member, placed the order d1 earned from (F-3)
    assert first["outside"] == {"pending_fen": 0, "settled_fen": 0, "held_fen": 0, "total_fen": 0}
    assert first["hold"] is None  # open: holds nothing
    assert first["found_at"].endswith("+08:00")  # times as ISO-8601 in the shop's zone
    one = _ok(s.analyst.get("/v1/rings", params={"limit": 1}))
    assert [r["id"] for r in one["items"]] == ["ring-a"] and one["next_cursor"] is not None
    assert len(_ok(s.analyst.get("/v1/rings", params={"limit": 500}))["items"]) == 2
    rest = _ok(s.analyst.get("/v1/rings", params={"limit": 1, "cursor": one["next_cursor"]}))
    assert [r["id"] for r in rest["items"]] == ["ring-b"] and rest["next_cursor"] is None
    ring = _ok(s.merchant.get("/v1/rings/ring-a"))
    assert [m["id"] for m in ring["member_list"]] == ["d1", "c1"]
    assert ring["member_list"][0]["is_distributor"] and not ring["member_list"][1]["is_distributor"]
    assert ring["edges"][0]["kind"] == "bound_to"
    assert ring["contributions"][0] == {
        "signal": "self_dealing",
        "points": 40,
        "detail": "d1 and c1",
    }
    assert ring["signals"][0]["members"] == ["c1", "d1"]


def test_r6_4_freeze_over_http_holds_the_members_rewards_until_release(make_shop: MakeShop) -> None:
    s = _shop(make_shop)
    frozen = _ok(s.analyst.post("/v1/rings/ring-a/freeze", json={"reason": "shared device"}))
    assert frozen["status"] == "frozen" and frozen["frozen_by"] == "analyst"
    assert frozen["changes"][0]["action"] == "ring.freeze"
    assert frozen["changes"][0]["reason"] == "shared device"
    assert frozen["hold"] == "inside" and frozen["changes"][0]["hold"] == "inside"  # F-2
    assert _ok(s.analyst.post("/v1/rings/ring-a/freeze"))["changes"] == frozen["changes"]
    for c in ("c1", "c2"):  # completed with settle_days 0: due at once
        assert s.merchant.post(f"/v1/orders/o-{c}/complete", json={}).status_code == 200
    assert _balances(s.merchant, "d1")["held"] == 1000
    assert _balances(s.merchant, "d1")["settled"] == 0
    assert _balances(s.merchant, "d2")["settled"] == 1000  # not in a frozen ring
    assert (
        _ok(s.merchant.get("/v1/rings", params={"status": "frozen"}))["items"][0]["at_stake"][
            "held_fen"
        ]
        == 1000
    )
    released = _ok(s.merchant.post("/v1/rings/ring-a/release", json={"reason": "checked"}))
    assert released["status"] == "released" and released["released_by"] == "merchant"
    assert _balances(s.merchant, "d1")["settled"] == 1000
    assert _balances(s.merchant, "d1")["held"] == 0
    assert [c["action"] for c in released["changes"]] == ["ring.freeze", "ring.release"]


def test_risk_roles_and_errors(make_shop: MakeShop) -> None:
    s = _shop(make_shop)
    d = s.client("distributor", "d1")
    for method, path in (
        ("GET", "/v1/rings"),
        ("GET", "/v1/rings/ring-a"),
        ("POST", "/v1/rings/ring-a/freeze"),
        ("POST", "/v1/rings/ring-a/release"),
    ):
        r = d.request(method, path)
        assert r.status_code == 403, (path, r.text)
        assert r.json()["error"]["code"] == "auth.forbidden"
    assert httpx.get(f"{s.url}/v1/rings").status_code == 401
    missing = s.analyst.get("/v1/rings/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "ring.not_found"
    assert s.analyst.post("/v1/rings/nope/freeze").status_code == 404
    assert s.analyst.get("/v1/rings", params={"status": "closed"}).status_code == 422
    bad = s.analyst.get("/v1/rings", params={"cursor": "x"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "request.cursor"
    assert s.analyst.post("/v1/rings/ring-a/freeze", json={"why": 1}).status_code == 422
    bad_hold = s.analyst.post("/v1/rings/ring-a/freeze", json={"hold": "some"})
    assert bad_hold.status_code == 422, bad_hold.text
    assert bad_hold.json()["error"]["field"] == "hold"
    assert _ok(s.analyst.get("/v1/rings/ring-a"))["status"] == "open"  # nothing changed


def test_issue_18_freeze_hold_all_over_http_holds_every_reward_of_the_members(
    make_shop: MakeShop,
) -> None:
    """F-2: ``{"hold": "all"}`` holds the member distributor's rewards from outside clients too
    (c3 is not in ring-a); the default (``inside``) would let c3's settle."""
    s = _shop(make_shop)
    m = s.merchant
    _ok(m.post("/v1/visits", json={"customer_id": "c3", "distributor_id": "d1"}))
    body = {"id": "o-c3", "customer_id": "c3", "lines": [{"product_id": "p", "paid_fen": 5000}]}
    assert _ok(m.post("/v1/orders", json=body))["attributed_to"] == "d1"
    ring = _ok(s.analyst.get("/v1/rings/ring-a"))
    assert ring["at_stake"]["total_fen"] == 1000 and ring["outside"]["total_fen"] == 500
    frozen = _ok(s.analyst.post("/v1/rings/ring-a/freeze", json={"hold": "all"}))
    assert frozen["hold"] == "all" and frozen["changes"][0]["hold"] == "all"
    for c in ("c1", "c3"):
        assert m.post(f"/v1/orders/o-{c}/complete", json={}).status_code == 200
    assert _balances(m, "d1")["held"] == 1500 and _balances(m, "d1")["settled"] == 0
    released = _ok(m.post("/v1/rings/ring-a/release", json={}))
    assert released["hold"] == "all"  # the record of what the freeze held
    assert _balances(m, "d1")["settled"] == 1500
