"""docs/api.md "Fraud rings" over real HTTP, issue 18's review flow: `POST /v1/rings/{id}/review`
(merchant and analyst; distributors 403), the verdict in the ring views, the `verdict` filter
and `GET /v1/rings/evaluation`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.api.conftest import ShopApi

MakeShop = Callable[..., ShopApi]


def _ok(r: httpx.Response) -> Any:
    assert r.status_code in (200, 201), r.text
    return r.json()


def _ring(ring_id: str, score: int, kind: str, *members: str) -> dict[str, Any]:
    return {
        "id": ring_id,
        "score": score,
        "kinds": [kind],
        "members": [{"id": m, "role": "alt"} for m in members],
        "distributors": 0,
        "top_signals": ["device shared by 2 accounts"],
        "inside_fen": 0,
    }


def _shop(make_shop: MakeShop) -> ShopApi:
    s = make_shop()
    for c in ("c1", "c2", "c3", "d1"):
        _ok(s.merchant.post("/v1/customers", json={"id": c, "name": c}))
    _ok(s.merchant.post("/v1/distributors", json={"customer_id": "d1"}))
    s.shop.save_rings(
        [
            _ring("ring-a", 85, "circular", "c1", "c2"),
            _ring("ring-b", 45, "self_dealing", "c2", "c3"),
            _ring("ring-c", 25, "self_dealing", "c1", "c3"),
        ],
        scan_id="scan-1",
    )
    return s


def test_issue18_an_analyst_reviews_a_ring_and_the_views_show_the_verdict(
    make_shop: MakeShop,
) -> None:
    s = _shop(make_shop)
    body = {"verdict": "fraud", "note": "同一设备下单"}
    ring = _ok(s.analyst.post("/v1/rings/ring-a/review", json=body))
    assert (ring["verdict"], ring["verdict_note"], ring["verdict_by"]) == (
        "fraud",
        "同一设备下单",
        "analyst",
    )
    assert ring["verdict_at"].endswith("+08:00") and ring["status"] == "open"
    assert ring["changes"][-1]["action"] == "ring.review"
    assert (ring["changes"][-1]["before"], ring["changes"][-1]["after"]) == (None, "fraud")
    assert _ok(s.merchant.get("/v1/rings/ring-a"))["verdict"] == "fraud"
    _ok(s.merchant.post("/v1/rings/ring-b/review", json={"verdict": "not_fraud"}))
    listed = _ok(s.analyst.get("/v1/rings"))["items"]
    assert [(r["id"], r["verdict"]) for r in listed] == [
        ("ring-a", "fraud"),
        ("ring-b", "not_fraud"),
        ("ring-c", None),
    ]
    for verdict, ids in (("fraud", ["ring-a"]), ("not_fraud", ["ring-b"]), ("none", ["ring-c"])):
        page = _ok(s.analyst.get("/v1/rings", params={"verdict": verdict}))
        assert [r["id"] for r in page["items"]] == ids, verdict
    audit = _ok(s.merchant.get("/v1/audit", params={"kind": "ring.review"}))["items"]
    assert {(c["object_id"], c["after"]) for c in audit} == {
        ("ring-a", "fraud"),
        ("ring-b", "not_fraud"),
    }


def test_issue18_the_evaluation_reports_precision_over_the_reviewed_rings(
    make_shop: MakeShop,
) -> None:
    s = _shop(make_shop)
    _ok(s.analyst.post("/v1/rings/ring-a/review", json={"verdict": "fraud"}))
    _ok(s.analyst.post("/v1/rings/ring-b/review", json={"verdict": "not_fraud"}))
    out = _ok(s.analyst.get("/v1/rings/evaluation"))
    assert (out["flag_score"], out["rings"], out["flagged"], out["unreviewed_flagged"]) == (
        40,
        3,
        2,
        0,
    )
    assert out["overall"] == {"reviewed": 2, "fraud": 1, "not_fraud": 1, "precision_bp": 5000}
    assert {k["kind"]: k["precision_bp"] for k in out["kinds"]} == {
        "circular": 10_000,
        "self_dealing": 0,
    }
    assert [b["reviewed"] for b in out["bands"]] == [0, 0, 1, 0, 1]
    low = _ok(s.merchant.get("/v1/rings/evaluation", params={"flag_score": 20}))
    assert low["unreviewed_flagged"] == 1 and low["overall"]["reviewed"] == 2
    latest = _ok(s.merchant.get("/v1/rings/evaluation", params={"scores": "latest"}))
    assert latest["scores"] == "latest" and latest["overall"] == out["overall"]  # one scan
    assert s.analyst.get("/v1/rings/evaluation", params={"scores": "best"}).status_code == 422
    bad = s.analyst.get("/v1/rings/evaluation", params={"flag_score": 101})
    assert bad.status_code == 422


def test_issue18_reviews_refused(make_shop: MakeShop) -> None:
    s = _shop(make_shop)
    distributor = s.client("distributor", "d1")
    refused = distributor.post("/v1/rings/ring-a/review", json={"verdict": "fraud"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "auth.forbidden"
    assert distributor.get("/v1/rings/evaluation").status_code == 403
    missing = s.analyst.post("/v1/rings/ring-zz/review", json={"verdict": "fraud"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "ring.not_found"
    for body in ({"verdict": "maybe"}, {}, {"verdict": "fraud", "note": ""}, {"verdict": 1}):
        bad = s.analyst.post("/v1/rings/ring-a/review", json=body)
        assert bad.status_code == 422, body
    assert s.analyst.get("/v1/rings", params={"verdict": "maybe"}).status_code == 422
    assert _ok(s.analyst.get("/v1/rings/ring-a"))["verdict"] is None
