"""The back office over HTTP (issue 17; docs/api.md "Back office"): ``GET /v1/applications``
(R-2.1, the queue with each applicant's progress), approve / reject with a reason kept in the
audit, ``POST /v1/distributors/{id}/adjustments`` (R-3.12: idempotent on its id, 409 for another
body, 422 below zero, shown in the ledger), ``PUT /v1/customers/{id}/groups`` (R-2.1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.api.conftest import ShopApi
from tests.api.test_relationships import customer, distributor, listed, ok, refused

MakeShop = Callable[..., ShopApi]


def audit(s: ShopApi, action: str) -> list[dict[str, Any]]:
    items = ok(s.merchant.get("/v1/audit", params={"kind": action}))["items"]
    return [c for c in items if c["action"] == action]


def test_r_2_1_the_queue_over_the_api_with_progress_and_reasons_audited(
    make_shop: MakeShop,
) -> None:
    s = make_shop({"application": {"review": True, "groups": ["vip"]}})
    m = s.merchant
    for cid in ("a", "b", "c"):
        customer(m, cid)
    ok(m.put("/v1/customers/a/groups", json={"groups": ["vip"], "reason": "from the CRM"}))
    ok(m.put("/v1/customers/b/groups", json={"groups": ["vip"]}))
    ok(m.put("/v1/customers/c/groups", json={"groups": ["vip"]}))
    for cid in ("a", "b", "c"):
        assert ok(m.post("/v1/distributors", json={"customer_id": cid}), 201)["status"] == (
            "pending"
        )
    ok(m.put("/v1/customers/c/groups", json={"groups": []}))
    assert ok(m.get("/v1/customers/a"))["groups"] == ["vip"]
    assert ok(m.get("/v1/customers/c"))["groups"] == []
    queue = listed(m, "/v1/applications", limit=2)
    assert [(a["id"], a["ready"]) for a in queue] == [("a", True), ("b", True), ("c", False)]
    assert queue[2]["conditions"] == [
        {"name": "groups", "met": False, "current": 0, "threshold": 1, "groups": ["vip"]}
    ]
    assert queue[0]["applied_at"].endswith("+08:00")
    ok(m.post("/v1/distributors/a/approve", json={"reason": "known buyer"}))
    ok(m.post("/v1/distributors/c/reject", json={"reason": "not in the VIP group"}))
    assert [a["id"] for a in listed(m, "/v1/applications")] == ["b"]
    assert [(c["object_id"], c["reason"]) for c in audit(s, "distributor.approve")] == [
        ("a", "known buyer")
    ]
    assert [(c["object_id"], c["reason"]) for c in audit(s, "distributor.reject")] == [
        ("c", "not in the VIP group")
    ]
    groups = audit(s, "customer.groups")
    assert len(groups) == 4 and groups[-1]["reason"] == "from the CRM"
    refused(m.put("/v1/customers/zz/groups", json={"groups": []}), 404, "customer.not_found")
    refused(m.put("/v1/customers/a/groups", json={"groups": [""]}), 422, "customer.groups")


def test_r_3_12_an_adjustment_over_the_api(make_shop: MakeShop) -> None:
    s = make_shop()
    m = s.merchant
    distributor(m, "D")
    body = {"id": "adj-1", "amount_fen": 2500, "reason": "launch bonus"}
    made = ok(m.post("/v1/distributors/D/adjustments", json=body), 201)
    shown = ("id", "distributor_id", "kind", "amount", "status", "reason")
    assert {k: made[k] for k in shown} == {
        "id": "adj-1",
        "distributor_id": "D",
        "kind": "adjustment",
        "amount": 2500,
        "status": "settled",
        "reason": "launch bonus",
    }
    assert ok(m.post("/v1/distributors/D/adjustments", json=body), 200) == made
    refused(
        m.post("/v1/distributors/D/adjustments", json=body | {"amount_fen": 2600}),
        409,
        "event.conflict",
        "R-3.12",
    )
    refused(
        m.post(
            "/v1/distributors/D/adjustments",
            json={"id": "adj-2", "amount_fen": -2501, "reason": "too much"},
        ),
        422,
        "adjustment.insufficient",
        "R-3.12",
    )
    for bad in ({"amount_fen": 0}, {"amount_fen": 1.5}, {"reason": ""}, {"reason": None}):
        assert (
            m.post("/v1/distributors/D/adjustments", json=body | {"id": "x"} | bad).status_code
            == 422
        )
    nobody = m.post("/v1/distributors/nobody/adjustments", json=body | {"id": "z"})
    refused(nobody, 404, "distributor.not_found")
    ledger = ok(m.get("/v1/distributors/D/ledger"))
    assert ledger["balances"]["settled"] == 2500
    assert [(e["id"], e["kind"], e["amount"], e["reason"]) for e in ledger["items"]] == [
        ("adj-1", "adjustment", 2500, "launch bonus")
    ]
    own = s.client("distributor", "D")
    assert ok(own.get("/v1/distributors/D/ledger"))["items"][0]["kind"] == "adjustment"
    assert own.post("/v1/distributors/D/adjustments", json=body | {"id": "y"}).status_code == 403
    (change,) = audit(s, "distributor.adjust")
    assert (change["object_id"], change["reason"], change["before"], change["after"]) == (
        "D",
        "launch bonus",
        "0",
        "2500",
    )
