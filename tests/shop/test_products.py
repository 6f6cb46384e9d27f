"""Products through Shop on both engines (issue 17): the catalogue read page by page, and R-3.1's
product half: switching the reward kind sets every product's own reward back to 0, in the same
statement as the settings change."""

from __future__ import annotations

import pytest

from teamgraph.errors import NotFound, ValidationError
from tests.shop.conftest import HOUR, T0, ShopFactory, distributors, paid_to


def test_products_are_listed_by_id_page_by_page(make_shop: ShopFactory) -> None:
    shop = make_shop()
    for pid in ("p2", "p0", "p1"):
        shop.upsert_product(pid, name=pid.upper(), price_fen=100, reward_bp=500, now=T0)
    first = shop.products(limit=2)
    assert [p["id"] for p in first["items"]] == ["p0", "p1"]
    second = shop.products(limit=2, cursor=first["next_cursor"])
    assert [p["id"] for p in second["items"]] == ["p2"] and second["next_cursor"] is None
    assert shop.product("p1") == {
        "id": "p1",
        "name": "P1",
        "price_fen": 100,
        "cost_fen": None,
        "reward_bp": 500,
        "reward_fen": None,
    }
    with pytest.raises(NotFound):
        shop.product("nope")
    with pytest.raises(ValidationError):
        shop.products(cursor="nope")


def test_r3_1_switching_the_reward_kind_resets_product_rewards_too(
    make_shop: ShopFactory,
) -> None:
    """R-3.1: cash fixed with a product paying 500 fen a unit → points: the product's own reward
    is 0 points (not 500 points), a product without one keeps following its level, and the
    settings change and the reset are one statement (one audited change)."""
    shop = make_shop(
        {
            "reward_basis": "fixed",
            "levels": [{"level": 1, "name": "L1", "reward_fen": 200, "inviter_reward_fen": 50}],
        }
    )
    distributors(shop, "d")
    shop.upsert_product("own", name="Own", price_fen=10_000, reward_fen=500, now=T0)
    shop.upsert_product("plain", name="Plain", price_fen=10_000, now=T0)
    shop.visit("c", "d", at=T0 + HOUR)
    before = shop.record_order(
        "o1", "c", [{"product_id": "own", "paid_fen": 10_000}], paid_at=T0 + 2 * HOUR
    )
    assert paid_to(before) == [("d", 1, 500)]

    new, _ = shop.update_settings({"reward_kind": "points"}, now=T0 + 3 * HOUR)

    assert new.reward_basis == "fixed" and new.levels[0].reward_fen == 0
    assert shop.product("own")["reward_fen"] == 0 and shop.product("own")["reward_bp"] is None
    assert shop.product("plain")["reward_fen"] is None, "no own reward: nothing to reset"
    after = shop.record_order(
        "o2",
        "c",
        [{"product_id": "own", "paid_fen": 10_000}, {"product_id": "plain", "paid_fen": 10_000}],
        paid_at=T0 + 4 * HOUR,
        now=T0 + 4 * HOUR,
    )
    assert after["rewards"] == [], "0 points everywhere until the merchant sets new rewards"
    changes = shop.audit_log(kind="settings.update")["items"]
    assert len(changes) == 1


def test_r3_1_to_cash_on_the_rate_basis_resets_to_a_zero_rate(make_shop: ShopFactory) -> None:
    """R-3.1 from points (fixed) to cash on the rate basis: an own amount becomes a 0 rate; with
    ``auto_unbind`` changed in the same request (the other settings statement) too."""
    shop = make_shop(
        {
            "reward_kind": "points",
            "reward_basis": "fixed",
            "binding_days": 30,
            "levels": [{"level": 1, "name": "L1", "reward_fen": 20, "inviter_reward_fen": 5}],
        }
    )
    shop.upsert_product("own", name="Own", price_fen=1_000, reward_fen=30, now=T0)
    shop.update_settings(
        {"reward_kind": "cash", "reward_basis": "rate", "auto_unbind": "on_expiry"},
        now=T0 + HOUR,
    )
    assert shop.product("own")["reward_bp"] == 0 and shop.product("own")["reward_fen"] is None


def test_r3_1_nothing_is_reset_when_the_settings_change_is_refused(make_shop: ShopFactory) -> None:
    """R-3.1 with a refused change (R-3.3 cap in the same request): nothing half-written, the
    product keeps its reward."""
    fixed = [{"level": 1, "name": "L1", "reward_fen": 200, "inviter_reward_fen": 50}]
    shop = make_shop({"reward_basis": "fixed", "levels": fixed})
    shop.upsert_product("own", name="Own", price_fen=10_000, reward_fen=500, now=T0)
    too_high = {"level": 1, "name": "L1", "reward_bp": 6000, "inviter_reward_bp": 0}
    with pytest.raises(ValidationError):
        shop.update_settings(
            {"reward_kind": "cash", "reward_basis": "rate", "levels": [too_high]},
            now=T0 + HOUR,
        )
    assert shop.product("own")["reward_fen"] == 500
    assert shop.settings(now=T0 + HOUR).reward_kind == "cash"
