"""``GET /v1/products`` and ``GET /v1/products/{product_id}`` (issue 17) over real HTTP on both
engines, and R-3.1's product half seen through the API: after a switch of the reward kind, a
product that paid 500 fen a unit in cash pays 0 points, not 500 points."""

from __future__ import annotations

from tests.api.conftest import ShopApi
from tests.api.test_authorization_matrix import MakeShop
from tests.api.test_relationships import distributor, get, listed, ok, refused, visit


def test_products_are_listed_and_read_one_by_one(make_shop: MakeShop) -> None:
    s: ShopApi = make_shop()
    m = s.merchant
    for pid in ("p2", "p1", "p3"):
        ok(
            m.post(
                "/v1/products", json={"id": pid, "name": pid, "price_fen": 990, "reward_bp": 700}
            )
        )
    assert [p["id"] for p in listed(m, "/v1/products", limit=2)] == ["p1", "p2", "p3"]
    assert get(s.analyst, "/v1/products/p2") == {
        "id": "p2", "name": "p2", "price_fen": 990, "cost_fen": None, "reward_bp": 700,
        "reward_fen": None,
    }  # fmt: skip
    refused(m.get("/v1/products/nope"), 404, "product.not_found")


def test_r3_1_a_reward_kind_switch_resets_product_rewards_over_the_api(make_shop: MakeShop) -> None:
    s: ShopApi = make_shop(
        {
            "reward_basis": "fixed",
            "levels": [{"level": 1, "name": "L1", "reward_fen": 100, "inviter_reward_fen": 0}],
        }
    )
    m = s.merchant
    ok(m.post("/v1/products", json={"id": "tea", "name": "Tea", "price_fen": 9_900,
                                    "reward_fen": 500}))  # fmt: skip
    distributor(m, "d")
    visit(m, "c", "d")
    line = {"product_id": "tea", "paid_fen": 9_900}
    cash = ok(m.post("/v1/orders", json={"id": "o1", "customer_id": "c", "lines": [line]}), 201)
    assert [(r["amount"], r["unit"]) for r in cash["rewards"]] == [(500, "fen")]

    ok(m.put("/v1/settings", json={"reward_kind": "points"}))

    assert get(m, "/v1/products/tea")["reward_fen"] == 0
    points = ok(m.post("/v1/orders", json={"id": "o2", "customer_id": "c", "lines": [line]}), 201)
    assert points["rewards"] == []
