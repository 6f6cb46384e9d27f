"""docs/api.md "Conventions", health, auth and settings, over real HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from teamgraph.graph import Engine
from teamgraph.shop import Shop
from tests.api.conftest import Api


def error_of(response: httpx.Response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "rule", "message"} <= set(body["error"]), body
    return body["error"]


def test_health_needs_no_key_and_names_the_engine(api: Api, engine: Engine) -> None:
    r = httpx.get(f"{api.url}/v1/health")
    assert r.status_code == 200
    assert r.json()["engine"] == engine.kind
    assert r.json()["answers"] is True
    info = r.json()["engine_info"]
    assert info == {k: v for k, v in engine.describe().items() if k != "engine"}
    if engine.kind == "neo4j":  # the suite's server is Community: shops share its database
        assert info["version"].startswith("5.") and info["edition"] == "community"
        assert (info["database"], info["shops"]) == ("neo4j", "shared database")
    else:
        assert info["version"].startswith("4.") and info["shops"] == "graph per shop"


def test_docs_are_served_without_a_cdn(api: Api) -> None:
    page = httpx.get(f"{api.url}/docs")
    assert page.status_code == 200
    assert "cdn." not in page.text and "unpkg" not in page.text
    assert "/static-offline-docs/swagger-ui-bundle.js" in page.text
    js = httpx.get(f"{api.url}/static-offline-docs/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    spec = httpx.get(f"{api.url}/openapi.json").json()
    assert "/v1/settings" in spec["paths"] and "/v1/health" in spec["paths"]


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "auth.missing_key"),
        ({"Authorization": "Bearer nonsense"}, "auth.invalid_key"),
        ({"Authorization": "Bearer apitest.not-a-real-secret"}, "auth.invalid_key"),
        ({"Authorization": "Bearer NO_SUCH.shop"}, "auth.invalid_key"),
        ({"Authorization": "Bearer nosuchshop.secret"}, "auth.invalid_key"),
    ],
)
def test_missing_or_invalid_key_is_401(api: Api, headers: dict, code: str) -> None:
    r = httpx.get(f"{api.url}/v1/settings", headers=headers)
    assert r.status_code == 401
    assert error_of(r)["code"] == code


def test_a_key_never_reaches_another_shop(api: Api, fresh_shop: tuple[Shop, httpx.Client]) -> None:
    shop, _ = fresh_shop
    # the secret of an apitest key, presented as if it were another shop's
    secret = api.keys["merchant"].split(".", 1)[1]
    r = httpx.get(f"{api.url}/v1/settings", headers={"Authorization": f"Bearer {shop.id}.{secret}"})
    assert r.status_code == 401


def test_roles_decide_what_a_key_may_do(api: Api) -> None:
    with api.client("analyst") as analyst:
        assert analyst.get("/v1/settings").status_code == 200
        r = analyst.put("/v1/settings", json={"settle_days": 3})
        assert r.status_code == 403
        assert error_of(r)["code"] == "auth.forbidden"
    with api.client("distributor") as distributor:
        assert distributor.get("/v1/settings").status_code == 403


def test_settings_defaults(api: Api) -> None:
    with api.client() as merchant:
        body = merchant.get("/v1/settings").json()
    assert body["attribution_mode"] == "chain"
    assert body["tiers"] == 2 and body["settle_days"] == 7
    assert body["timezone"] == "Asia/Shanghai"
    assert body["pending"] is None
    assert "last_mode_change_at" not in body


def test_r3_3_a_rate_above_50_percent_is_refused_not_clipped(
    fresh_shop: tuple[Shop, httpx.Client],
) -> None:
    shop, client = fresh_shop
    levels = [{"level": 1, "name": "银牌", "reward_bp": 5001, "inviter_reward_bp": 100}]
    r = client.put("/v1/settings", json={"levels": levels})
    assert r.status_code == 422
    err = error_of(r)
    assert (err["code"], err["rule"], err["field"]) == (
        "settings.rate_cap",
        "R-3.3",
        "levels[0].reward_bp",
    )
    assert shop.settings().levels[0].reward_bp == 1000  # nothing stored
    levels[0]["reward_bp"] = 5000  # with the inviter's 100 bp an order could pay 51%: refused
    r = client.put("/v1/settings", json={"levels": levels})
    assert r.status_code == 422 and error_of(r)["rule"] == "R-3.3"
    levels[0]["inviter_reward_bp"] = 0
    ok = client.put("/v1/settings", json={"levels": levels})
    assert ok.status_code == 200
    assert ok.json()["levels"][0]["reward_bp"] == 5000


def test_r3_7_tiers_are_1_to_3_and_three_warns(fresh_shop: tuple[Shop, httpx.Client]) -> None:
    _, client = fresh_shop
    r = client.put("/v1/settings", json={"tiers": 4})
    assert r.status_code == 422 and error_of(r)["rule"] == "R-3.7"
    r = client.put("/v1/settings", json={"tiers": 3})
    assert r.status_code == 200
    assert [w["rule"] for w in r.json()["warnings"]] == ["R-3.7"]
    assert client.put("/v1/settings", json={"tiers": 2}).json()["warnings"] == []


def test_r4_1_one_to_five_levels(fresh_shop: tuple[Shop, httpx.Client]) -> None:
    _, client = fresh_shop
    six = [
        {
            "level": i,
            "name": f"L{i}",
            "reward_bp": 100,
            "inviter_reward_bp": 10,
            "conditions": {"paid_orders": i},
        }
        for i in range(1, 7)
    ]
    r = client.put("/v1/settings", json={"levels": six})
    assert r.status_code == 422 and error_of(r)["rule"] == "R-4.1"
    r = client.put("/v1/settings", json={"levels": []})
    assert r.status_code == 422 and error_of(r)["rule"] == "R-4.1"
    assert client.put("/v1/settings", json={"levels": six[:5]}).status_code == 200


def test_r1_9_mode_change_waits_for_0500_next_day_and_not_again_for_3_days(
    fresh_shop: tuple[Shop, httpx.Client],
) -> None:
    _, client = fresh_shop
    before = datetime.now(ZoneInfo("Asia/Shanghai"))
    r = client.put("/v1/settings", json={"attribution_mode": "sharer"})
    assert r.status_code == 200
    body = r.json()
    assert body["attribution_mode"] == "chain"  # still in force until the pending change is due
    effective = datetime.fromisoformat(body["pending"]["effective_at"])
    assert body["pending"]["attribution_mode"] == "sharer"
    assert effective.utcoffset() == timedelta(hours=8)
    assert (effective.hour, effective.minute) == (5, 0)
    assert effective.date() == (before + timedelta(days=1)).date()

    again = client.put("/v1/settings", json={"attribution_mode": "chain"})
    assert again.status_code == 409
    err = error_of(again)
    assert (err["code"], err["rule"]) == ("settings.too_soon", "R-1.9")
    retry = datetime.fromisoformat(err["retry_after"])
    assert abs(retry - before - timedelta(days=3)) < timedelta(minutes=1)
    # other fields still change at once
    assert client.put("/v1/settings", json={"settle_days": 10}).json()["settle_days"] == 10
    assert client.get("/v1/settings").json()["pending"]["attribution_mode"] == "sharer"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"tiers": "two"}, "settings.invalid"),
        ({"attribution_mode": "pyramid"}, "settings.attribution_mode"),
        ({"no_such_field": 1}, "settings.unknown_field"),
        ({"timezone": "Mars/Olympus"}, "settings.invalid"),
        ({"settle_days": 1.5}, "settings.invalid"),
        ({"reward_kind": "points", "reward_basis": "rate"}, "settings.reward_basis"),
    ],
)
def test_bad_settings_are_a_clear_4xx(
    fresh_shop: tuple[Shop, httpx.Client], body: dict, code: str
) -> None:
    shop, client = fresh_shop
    before = shop.settings()
    r = client.put("/v1/settings", json=body)
    assert r.status_code == 422
    assert error_of(r)["code"] == code
    assert shop.settings() == before


def test_malformed_json_is_422_not_500(api: Api) -> None:
    with api.client() as merchant:
        r = merchant.put(
            "/v1/settings", content=b"{not json", headers={"Content-Type": "application/json"}
        )
    assert r.status_code == 422
    err = error_of(r)
    assert err["code"] == "request.invalid"
    # a message a person can read, no character offset passed off as a field named "1"
    assert err["message"].startswith("the body is not valid JSON at character 1: ")
    assert err.get("field") is None


def test_a_nul_in_a_text_is_422_not_the_engines_parser_error(
    fresh_shop: tuple[Shop, httpx.Client],
) -> None:
    """Found by schemathesis: FalkorDB fails a statement whose text parameter holds a NUL with
    its parser's text (400 ``graph.query_failed``)."""
    _, merchant = fresh_shop
    for path, body in (
        ("/v1/customers", {"id": "c1", "name": "a\u0000b"}),
        ("/v1/products", {"id": "p1", "name": "tea\u0000", "price_fen": 100}),
    ):
        r = merchant.post(path, json=body)
        assert r.status_code == 422, r.text
        assert (error_of(r)["code"], error_of(r)["field"]) == ("text.invalid", "name")
    assert merchant.get("/v1/customers/c1").status_code == 404  # nothing stored


def test_unknown_path_has_the_error_shape(api: Api) -> None:
    r = httpx.get(f"{api.url}/v1/nothing-here")
    assert r.status_code == 404
    assert error_of(r)["code"] == "http.not_found"
