"""Issue 16 "Audit log", the settings paths the API test does not reach: a change of
``auto_unbind`` (binding.reexpire_all), a mode change taking effect by itself later (the
catch-up's shop.put_settings / binding.end_all: the program's, actor ``catch-up``), and the
poster. Each is one Change written with the settings, the settings JSON before and after. Both
engines (make_shop)."""

from __future__ import annotations

import json

from teamgraph.shop import Actor
from tests.shop.conftest import DAY, T0, ShopFactory, distributors

ME = Actor("key_0123456789abcdef", "ops")


def test_an_auto_unbind_change_is_audited_with_the_settings_before_and_after(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop({"binding_days": 2})
    distributors(shop, "d1")
    shop.visit("c1", "d1", at=T0 + 10)
    shop.update_settings({"auto_unbind": "on_expiry"}, actor=ME, now=T0 + 20)
    [change] = shop.audit_log(kind="settings")["items"]
    assert (change["action"], change["actor"], change["actor_key"]) == (
        "settings.update",
        "ops",
        ME.key_id,
    )
    assert change["object_id"] == shop.id and change["at"] == T0 + 20
    assert json.loads(change["before"])["auto_unbind"] == "never"
    assert json.loads(change["after"])["auto_unbind"] == "on_expiry"


def test_a_pending_mode_change_taking_effect_is_the_programs_change(
    make_shop: ShopFactory,
) -> None:
    """R-1.9: the merchant asks (its Change), the catch-up applies it later (actor catch-up,
    no key), for chain -> sharer in the same statement that ends the bindings (R-1.10)."""
    shop = make_shop()
    shop.update_settings({"attribution_mode": "sharer"}, actor=ME, now=T0)
    effective = shop.settings(now=T0)
    assert effective.attribution_mode == "chain"
    shop.catch_up(T0 + 2 * DAY)
    changes = shop.audit_log(kind="settings")["items"]
    assert [c["action"] for c in changes] == ["settings.apply_pending", "settings.update"]
    applied, asked = changes
    assert (asked["actor"], asked["actor_key"]) == ("ops", ME.key_id)
    assert (applied["actor"], applied["actor_key"]) == ("catch-up", None)
    assert json.loads(applied["before"])["attribution_mode"] == "chain"
    assert json.loads(applied["after"])["attribution_mode"] == "sharer"
    shop.catch_up(T0 + 3 * DAY)
    assert len(shop.audit_log(kind="settings")["items"]) == 2, "applied once"


def test_the_poster_background_is_a_settings_change(make_shop: ShopFactory) -> None:
    shop = make_shop()
    shop.set_poster_background(b"\xff\xd8 not really a jpeg", actor=ME, now=T0)
    shop.set_poster_background(None, actor=ME, now=T0 + 1)
    changes = shop.audit_log(kind="settings.poster")["items"]
    assert [(c["before"], c["after"]) for c in changes] == [("custom", "none"), ("none", "custom")]
    assert {c["actor_key"] for c in changes} == {ME.key_id}
