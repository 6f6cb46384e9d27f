"""docs/rules.md sections 1, 2 and 4 through Shop, with time as an argument."""

from __future__ import annotations

import pytest

from teamgraph.errors import Conflict, NotFound, ValidationError
from tests.shop.conftest import DAY, HOUR, T0, ShopFactory, distributors

EXPIRING = {"binding_days": 7, "auto_unbind": "on_expiry"}


def test_r1_2_chain_visit_binds_permanently_by_default(make_shop: ShopFactory) -> None:
    shop = make_shop()
    distributors(shop, "d1")
    out = shop.visit("c1", "d1", at=T0 + HOUR)
    assert (out["bound_to"], out["expires_at"], out["outcome"]) == ("d1", None, "bind")
    assert shop.customer("c1", now=T0 + 3650 * DAY)["binding"]["distributor_id"] == "d1"


def test_r1_2_another_distributor_never_overrides(make_shop: ShopFactory) -> None:
    shop = make_shop(EXPIRING)
    distributors(shop, "d1", "d2")
    shop.visit("c1", "d1", at=T0 + HOUR)
    out = shop.visit("c1", "d2", at=T0 + 2 * HOUR)
    assert out["bound_to"] == "d1" and out["outcome"] == "none"
    assert out["sharer_id"] == "d2"  # B-1: the sharer is still recorded
    assert out["attributed_to"] == "d1"


def test_r1_2_same_distributor_renews_to_a_full_period(make_shop: ShopFactory) -> None:
    shop = make_shop(EXPIRING)
    distributors(shop, "d1")
    first = shop.visit("c1", "d1", at=T0 + HOUR)
    assert first["expires_at"] == T0 + HOUR + 7 * DAY
    renewed = shop.visit("c1", "d1", at=T0 + 5 * DAY)
    assert renewed["outcome"] == "renew"
    assert renewed["expires_at"] == T0 + 5 * DAY + 7 * DAY
    assert len(shop.customer("c1", now=T0 + 5 * DAY)["history"]) == 1


def test_r1_2_binding_ends_at_expiry_without_any_job(make_shop: ShopFactory) -> None:
    shop = make_shop(EXPIRING)
    distributors(shop, "d1", "d2")
    shop.visit("c1", "d1", at=T0 + HOUR)
    expiry = T0 + HOUR + 7 * DAY
    assert shop.customer("c1", now=expiry - 1)["binding"] is not None
    assert shop.team("d1", now=expiry - 1)["direct_clients"] == 1
    assert shop.customer("c1", now=expiry)["binding"] is None
    assert shop.team("d1", now=expiry)["direct_clients"] == 0
    ended = shop.customer("c1", now=expiry)["history"][0]
    assert (ended["ended_at"], ended["end_reason"]) == (expiry, "expired")
    # now another distributor can bind it
    assert shop.visit("c1", "d2", at=expiry + 1)["bound_to"] == "d2"


def test_r1_3_sharer_mode_keeps_the_latest_sharer_for_24_hours(make_shop: ShopFactory) -> None:
    shop = make_shop({"attribution_mode": "sharer"})
    distributors(shop, "d1", "d2")
    assert shop.visit("c1", "d1", at=T0 + HOUR)["attributed_to"] == "d1"
    out = shop.visit("c1", "d2", at=T0 + 2 * HOUR)
    assert (out["bound_to"], out["sharer_id"], out["attributed_to"]) == (None, "d2", "d2")
    assert shop.customer("c1", now=T0 + 26 * HOUR - 1)["attributed_to"] == "d2"
    assert shop.customer("c1", now=T0 + 26 * HOUR)["attributed_to"] is None
    assert shop.team("d2", now=T0 + 3 * HOUR)["direct_clients"] == 0  # B-2


def test_r1_4_chain_without_binding_falls_back_to_the_sharer(make_shop: ShopFactory) -> None:
    shop = make_shop({"new_customers_only": True})
    distributors(shop, "d1")
    shop.create_customer("old", name="old", now=T0)  # joined on its own, not via d1
    out = shop.visit("old", "d1", at=T0 + HOUR)
    assert out["bound_to"] is None and out["outcome"] == "none"
    assert out["attributed_to"] == "d1"
    assert shop.customer("old", now=T0 + 25 * HOUR)["attributed_to"] is None


def test_r1_13_new_customers_through_the_link_are_bound(make_shop: ShopFactory) -> None:
    shop = make_shop({"new_customers_only": True})
    distributors(shop, "d1")
    assert shop.visit("new", "d1", at=T0 + HOUR)["bound_to"] == "d1"  # created by the visit
    made, created = shop.create_customer("via", via_distributor_id="d1", now=T0 + HOUR)
    assert created and made["binding"]["distributor_id"] == "d1"
    assert made["joined_via"] == "d1"


def test_r1_6_a_distributor_is_a_customer_of_its_own_distributor(make_shop: ShopFactory) -> None:
    shop = make_shop()
    distributors(shop, "c1", "c2", "b1", "b2", via={"b1": "c1", "b2": "c2"})
    shop.visit("a1", "b1", at=T0 + HOUR)
    shop.rebind("b1", "b2", reason="R-1.6 story", now=T0 + 2 * HOUR)
    t = T0 + 3 * HOUR
    assert shop.distributor("b1", now=t)["inviter_id"] == "c1"  # never changes
    assert [c["id"] for c in shop.clients("b1", now=t)["items"]] == ["a1"]
    assert [c["id"] for c in shop.clients("c1", "indirect", now=t)["items"]] == ["a1"]
    assert [c["id"] for c in shop.clients("b2", now=t)["items"]] == ["b1"]
    assert [c["id"] for c in shop.clients("c2", "indirect", now=t)["items"]] == ["b1"]
    assert shop.clients("c1", now=t)["items"] == []
    assert shop.customer("b1", now=t)["attributed_to"] == "b2"  # b1's purchases pay b2 and c2


def test_r1_8_self_binding_is_refused(make_shop: ShopFactory) -> None:
    shop = make_shop()
    distributors(shop, "d1")
    with pytest.raises(ValidationError) as info:
        shop.visit("d1", "d1", at=T0 + HOUR)
    assert (info.value.code, info.value.rule) == ("binding.self", "R-1.8")
    with pytest.raises(ValidationError):
        shop.rebind("d1", "d1", now=T0 + HOUR)
    assert shop.customer("d1", now=T0 + HOUR)["binding"] is None


def test_r1_8_circular_attribution_is_allowed(make_shop: ShopFactory) -> None:
    shop = make_shop()
    distributors(shop, "a", "b")
    shop.visit("a", "b", at=T0 + HOUR)
    shop.visit("b", "a", at=T0 + HOUR)
    assert shop.customer("a", now=T0 + HOUR)["attributed_to"] == "b"
    assert shop.customer("b", now=T0 + HOUR)["attributed_to"] == "a"


def test_visits_to_non_distributors_frozen_or_unknown_are_refused(make_shop: ShopFactory) -> None:
    shop = make_shop()
    distributors(shop, "d1")
    shop.create_customer("plain", now=T0)
    with pytest.raises(ValidationError) as info:
        shop.visit("c1", "plain", at=T0 + HOUR)
    assert info.value.code == "binding.not_distributor"
    shop.set_status("d1", "frozen", now=T0 + HOUR)
    with pytest.raises(ValidationError) as info:
        shop.visit("c1", "d1", at=T0 + 2 * HOUR)
    assert info.value.code == "binding.frozen"
    with pytest.raises(NotFound):
        shop.visit("c1", "ghost", at=T0 + 2 * HOUR)
    with pytest.raises(NotFound):
        shop.customer("c1", now=T0 + 2 * HOUR)  # nothing was written for the refused visits


def test_r1_9_r1_10_chain_to_sharer_ends_every_binding_when_due(make_shop: ShopFactory) -> None:
    shop = make_shop()
    distributors(shop, "d1", "d2", via={"d2": "d1"})
    shop.visit("c1", "d2", at=T0 + HOUR)
    changed_at = T0 + 2 * HOUR  # 02:00 Shanghai: effective 05:00 the next day
    shop.update_settings({"attribution_mode": "sharer"}, now=changed_at)
    due = T0 + DAY + 5 * HOUR
    assert shop.team("d2", now=due - 1)["direct_clients"] == 1
    assert shop.customer("c1", now=due - 1)["binding"]["distributor_id"] == "d2"
    view = shop.customer("c1", now=due)
    assert view["binding"] is None
    assert view["history"][0]["end_reason"] == "mode_switch"
    assert view["history"][0]["ended_at"] == due
    assert shop.team("d2", now=due)["direct_clients"] == 0
    assert shop.team("d1", now=due)["indirect_clients"] == 0
    assert shop.settings(now=due).attribution_mode == "sharer"
    assert shop.recount(now=due) == []


def test_r1_10_sharer_to_chain_chains_only_what_forms_after(make_shop: ShopFactory) -> None:
    shop = make_shop({"attribution_mode": "sharer"})
    distributors(shop, "d1")
    shop.visit("c1", "d1", at=T0 + HOUR)
    shop.update_settings({"attribution_mode": "chain"}, now=T0 + 2 * HOUR)
    due = T0 + DAY + 5 * HOUR
    assert shop.customer("c1", now=due)["binding"] is None  # the sharer visit did not chain
    assert shop.visit("c1", "d1", at=due + 1)["bound_to"] == "d1"


def test_r1_11_never_to_on_expiry_recomputes_every_expiry(make_shop: ShopFactory) -> None:
    shop = make_shop({"binding_days": 10})
    distributors(shop, "d1")
    shop.visit("c1", "d1", at=T0 + HOUR)
    assert shop.customer("c1", now=T0 + 2 * HOUR)["binding"]["expires_at"] is None
    shop.update_settings({"auto_unbind": "on_expiry"}, now=T0 + DAY)
    assert shop.customer("c1", now=T0 + DAY)["binding"]["expires_at"] == T0 + 11 * DAY
    shop.update_settings({"auto_unbind": "never"}, now=T0 + 2 * DAY)
    assert shop.customer("c1", now=T0 + 100 * DAY)["binding"]["expires_at"] is None


def test_r1_12_rebind_and_unbind_keep_the_whole_history(make_shop: ShopFactory) -> None:
    shop = make_shop()
    distributors(shop, "d1", "d2")
    shop.visit("c1", "d1", at=T0 + HOUR)
    shop.rebind("c1", "d2", reason="customer asked", now=T0 + 2 * HOUR)
    shop.rebind("c1", "d2", reason="twice", now=T0 + 3 * HOUR)  # idempotent
    view = shop.unbind("c1", reason="left", now=T0 + 4 * HOUR)
    assert shop.unbind("c1", now=T0 + 5 * HOUR)["history"] == view["history"]
    assert view["binding"] is None
    h = view["history"]
    assert [(b["distributor_id"], b["end_reason"]) for b in h] == [
        ("d1", "merchant_rebind"),
        ("d2", "merchant_unbind"),
    ]
    assert h[1]["reason"] == "customer asked" and h[1]["source"] == "merchant"
    assert shop.team("d1", now=T0 + 5 * HOUR)["direct_clients"] == 0
    assert shop.team("d2", now=T0 + 5 * HOUR)["direct_clients"] == 0


def test_r2_1_review_conditions_and_statuses(make_shop: ShopFactory) -> None:
    shop = make_shop({"application": {"review": True, "verified_phone": True}})
    shop.create_customer("p", phone="13800000000", phone_verified=True, now=T0)
    shop.create_customer("q", now=T0)
    with pytest.raises(ValidationError) as info:
        shop.apply("q", now=T0)
    assert (info.value.code, info.value.rule) == ("distributor.conditions", "R-2.1")
    assert shop.apply("p", now=T0)["status"] == "pending"
    assert shop.approve("p", now=T0 + 1)["status"] == "active"
    assert shop.approve("p", now=T0 + 2)["status"] == "active"  # idempotent
    shop.create_customer("r", phone="13800000001", phone_verified=True, now=T0)
    shop.apply("r", now=T0)
    assert shop.reject("r", now=T0 + 1)["status"] == "rejected"
    with pytest.raises(Conflict):
        shop.approve("r", now=T0 + 2)
    assert shop.set_status("p", "frozen", now=T0 + 3)["status"] == "frozen"
    assert shop.set_status("p", "active", now=T0 + 4)["status"] == "active"


def test_r2_1_dormant_after_dormant_days_without_promotion(make_shop: ShopFactory) -> None:
    shop = make_shop({"dormant_days": 30})
    distributors(shop, "d1")
    assert shop.distributor("d1", now=T0 + 30 * DAY - 1)["status"] == "active"
    assert shop.distributor("d1", now=T0 + 30 * DAY)["status"] == "dormant"
    shop.visit("c1", "d1", at=T0 + 31 * DAY)  # promotion makes it active again
    assert shop.distributor("d1", now=T0 + 31 * DAY)["status"] == "active"


def test_r2_2_inviter_is_who_it_was_attributed_to_and_never_changes(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop()
    distributors(shop, "top", "mid", via={"mid": "top"})
    shop.visit("x", "mid", at=T0 + HOUR)
    assert shop.apply("x", now=T0 + 2 * HOUR)["inviter_id"] == "mid"
    shop.rebind("x", "top", now=T0 + 3 * HOUR)
    assert shop.distributor("x", now=T0 + 4 * HOUR)["inviter_id"] == "mid"
    team = shop.team("top", now=T0 + 4 * HOUR)
    assert team["team_size"] == 2
    assert team["by_depth"] == [{"depth": 1, "distributors": 1}, {"depth": 2, "distributors": 1}]
    assert [i["id"] for i in shop.invitees("top")["items"]] == ["mid"]
    tree = shop.tree("top", depth=2)
    assert [(n["id"], n["parent_id"], n["depth"]) for n in tree["nodes"]] == [
        ("mid", "top", 1),
        ("x", "mid", 2),
    ]
    assert shop.tree("top", depth=1)["nodes"] == tree["nodes"][:1]


def test_r2_3_team_counts(make_shop: ShopFactory) -> None:
    shop = make_shop()
    distributors(shop, "r", "a", "b", "a1", via={"a": "r", "b": "r", "a1": "a"})
    for i, d in enumerate(["a", "a", "b", "a1", "r"]):
        shop.visit(f"c{i}", d, at=T0 + HOUR)
    team = shop.team("r", now=T0 + HOUR)
    # direct: a, b and c4; indirect: a's and b's direct clients (c0, c1, a1, c2)
    assert (team["direct_clients"], team["indirect_clients"]) == (3, 4)
    assert (team["invitees"], team["team_size"]) == (2, 3)
    assert shop.recount(now=T0 + HOUR) == []


def test_clients_are_paged_with_a_cursor(make_shop: ShopFactory) -> None:
    shop = make_shop()
    distributors(shop, "d1")
    for i in range(7):
        shop.visit(f"c{i}", "d1", at=T0 + HOUR)
    first = shop.clients("d1", limit=3, now=T0 + HOUR)
    assert [c["id"] for c in first["items"]] == ["c0", "c1", "c2"]
    second = shop.clients("d1", limit=3, cursor=first["next_cursor"], now=T0 + HOUR)
    assert [c["id"] for c in second["items"]] == ["c3", "c4", "c5"]
    third = shop.clients("d1", limit=3, cursor=second["next_cursor"], now=T0 + HOUR)
    assert [c["id"] for c in third["items"]] == ["c6"] and third["next_cursor"] is None


THREE_LEVELS = {
    "levels": [
        {"level": 1, "name": "铜", "reward_bp": 500, "inviter_reward_bp": 100},
        {"level": 2, "name": "银", "reward_bp": 800, "inviter_reward_bp": 150,
         "conditions": {"bound_customers": 2, "paid_orders": 10}},
        {"level": 3, "name": "金", "reward_bp": 1000, "inviter_reward_bp": 200,
         "conditions": {"invited_distributors": 2, "received_fen": 1_000_000}},
    ]
}  # fmt: skip


def test_r4_3_upgrade_happens_as_soon_as_a_condition_is_met(make_shop: ShopFactory) -> None:
    shop = make_shop(THREE_LEVELS)
    distributors(shop, "d1")
    shop.visit("c1", "d1", at=T0 + HOUR)
    assert shop.distributor("d1", now=T0 + HOUR)["level"] == 1
    shop.visit("c2", "d1", at=T0 + HOUR)
    assert shop.distributor("d1", now=T0 + HOUR)["level"] == 2
    shop.unbind("c2", now=T0 + 2 * HOUR)
    assert shop.distributor("d1", now=T0 + 2 * HOUR)["level"] == 2  # never drops


def test_r4_3_order_counters_feed_upgrades(make_shop: ShopFactory) -> None:
    shop = make_shop(THREE_LEVELS)
    distributors(shop, "d1")
    shop.add_performance("d1", paid_orders=9, received_fen=500_000, now=T0 + HOUR)
    assert shop.distributor("d1", now=T0 + HOUR)["level"] == 1
    shop.add_performance("d1", received_fen=500_000, now=T0 + HOUR)
    assert shop.distributor("d1", now=T0 + HOUR)["level"] == 3  # L-1: a jump
    with pytest.raises(TypeError):
        shop.add_performance("d1", received_fen=1.5)  # type: ignore[arg-type]


def test_r4_3_merchant_sets_any_level(make_shop: ShopFactory) -> None:
    shop = make_shop(THREE_LEVELS)
    distributors(shop, "d1")
    assert shop.set_level("d1", 3, now=T0 + HOUR)["level"] == 3
    assert shop.set_level("d1", 1, now=T0 + HOUR)["level"] == 1
    with pytest.raises(ValidationError) as info:
        shop.set_level("d1", 4)
    assert info.value.rule == "R-4.1"


def test_r4_4_progress_per_condition_and_overall_highest(make_shop: ShopFactory) -> None:
    shop = make_shop(THREE_LEVELS)
    distributors(shop, "d1")
    shop.visit("c1", "d1", at=T0 + HOUR)
    shop.add_performance("d1", paid_orders=7, now=T0 + HOUR)
    p = shop.progress("d1", now=T0 + HOUR)
    assert (p["level"], p["next_level"], p["percent"], p["shown"]) == (1, 2, 70, True)
    assert {c["name"]: (c["current"], c["threshold"], c["percent"]) for c in p["conditions"]} == {
        "bound_customers": (1, 2, 50),
        "paid_orders": (7, 10, 70),
    }


def test_r1_12_refused_edits_write_nothing(make_shop: ShopFactory) -> None:
    shop = make_shop()
    distributors(shop, "d1")
    shop.visit("c1", "d1", at=T0 + HOUR)
    before = shop.customer("c1", now=T0 + HOUR)
    with pytest.raises(NotFound):
        shop.rebind("c1", "ghost", now=T0 + 2 * HOUR)
    with pytest.raises(NotFound):
        shop.rebind("ghost", "d1", now=T0 + 2 * HOUR)
    assert shop.customer("c1", now=T0 + HOUR) == before
    assert shop.recount(now=T0 + 2 * HOUR) == []
