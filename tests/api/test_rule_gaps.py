"""Issue 17's rule gaps over real HTTP: visits with an id (R-3.12), invitation points
(R-3.14), the team reward settings (TR-1, TR-2) and the badges endpoint and center section
(BG-1, BG-2)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import ShopApi
from tests.api.test_center import _link, _open, _phone
from tests.api.test_money import line, order
from tests.api.test_relationships import customer, distributor, ok, refused


def test_visit_id_repeat_answers_the_first_result_and_counts_once(make_shop: Any) -> None:
    """POST /v1/visits with an id, three times: the same answer each time (not bind, renew,
    renew), one visit counted; the same id with another body is 409 event.conflict."""
    shop: ShopApi = make_shop({"binding_days": 30, "auto_unbind": "on_expiry"})
    m = shop.merchant
    distributor(m, "D1")
    distributor(m, "D2")
    body = {"id": "v-1", "customer_id": "C1", "distributor_id": "D1", "channel": "wechat"}
    answers = [ok(m.post("/v1/visits", json=body)) for _ in range(3)]
    assert answers[0]["outcome"] == "bind" and answers[0]["bound_to"] == "D1"
    assert answers[1] == answers[0] and answers[2] == answers[0]
    refused(m.post("/v1/visits", json=body | {"distributor_id": "D2"}), 409, "event.conflict",
            "R-3.12")  # fmt: skip
    refused(m.post("/v1/visits", json=body | {"id": "a b"}), 422, "request.invalid")
    plain = {"customer_id": "C2", "distributor_id": "D1"}
    outcomes = [ok(m.post("/v1/visits", json=plain))["outcome"] for _ in range(3)]
    assert outcomes == ["bind", "renew", "renew"]  # without an id, as before
    times = shop.shop.store.read("orders.history_customers", ids=["C1", "C2"])
    assert sorted((r["id"], [len(t) for _, t in r["shares"]]) for r in times) == [
        ("C1", [1]), ("C2", [3])
    ]  # fmt: skip


def test_r3_14_invitation_points_and_team_reward_settings(make_shop: Any) -> None:
    shop: ShopApi = make_shop()
    m = shop.merchant
    s = ok(m.get("/v1/settings"))
    assert s["invitation_points"] == 0 and s["team_reward"] is None
    assert s["badges"]["clients"] == {"enabled": True, "threshold": 10}
    put = ok(m.put("/v1/settings", json={
        "invitation_points": 30,
        "team_reward": {"threshold_fen": 100_000, "kind": "cash", "amount": 2_000},
    }))  # fmt: skip
    assert put["team_reward"] == {"threshold_fen": 100_000, "kind": "cash", "amount": 2_000}
    refused(m.put("/v1/settings", json={"team_reward": {"threshold_fen": 100, "kind": "cash",
            "amount": 51}}), 422, "settings.team_reward", "R-3.3")  # fmt: skip
    refused(m.put("/v1/settings", json={"invitation_points": -1}), 422, "settings.invalid")
    distributor(m, "A")
    customer(m, "B", via_distributor_id="A")
    ok(m.post("/v1/distributors", json={"customer_id": "B"}), 201)
    book = ok(m.get("/v1/distributors/A/ledger"))
    assert [(e["kind"], e["amount"], e["unit"]) for e in book["items"]] == [("bonus", 30, "point")]
    assert book["balances"]["settled"] == 0


def test_b1_badges_endpoint_and_center_section(make_shop: Any) -> None:
    shop: ShopApi = make_shop({"badges": {"clients": {"threshold": 1}}})
    m = shop.merchant
    distributor(m, "D1", name="王小明")
    customer(m, "C1", via_distributor_id="D1")
    order(m, "o1", "C1", [line("p", 1_000)])
    body = ok(m.get("/v1/distributors/D1/badges"))
    assert {b["badge"]: b["earned"] for b in body["items"]} == {
        "first_sale": True, "clients": True, "month_top": True
    }  # fmt: skip
    assert body["month_starts_at"].endswith("+08:00")
    with _phone(shop) as phone:
        _open(phone, _link(m, "D1"))
        home = phone.get("/center/")
        assert home.status_code == 200
        assert "我的徽章" in home.text and "首单推广成功" in home.text
    with _phone(shop, **{"accept-language": "en"}) as phone:
        _open(phone, _link(m, "D1"))
        home = phone.get("/center/")
        assert "My badges" in home.text and "First sale" in home.text
    refused(httpx.get(f"{shop.url}/v1/distributors/D1/badges"), 401, "auth.missing_key")
