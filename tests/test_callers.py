"""The one key resolution and role check the API and the UI share (teamgraph.callers), on the
real engine: tests/api and tests/ui cover it through each entry point, these call it directly."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from teamgraph.callers import EVERYONE, MERCHANT, READERS, remembered, resolve
from teamgraph.errors import AuthError, Forbidden
from teamgraph.graph import Engine
from teamgraph.shop import Principal, Shop
from tests.conftest import new_shop_id


@pytest.fixture
def shop(engine: Engine) -> Iterator[Shop]:
    shop = Shop.create(engine, new_shop_id("k"))
    yield shop
    shop.store.drop()


def test_a_key_resolves_to_its_shop_and_principal(engine: Engine, shop: Shop) -> None:
    merchant = resolve(engine, shop.create_key("merchant"))
    assert merchant.shop.id == shop.id
    assert merchant.principal == Principal(shop.id, "merchant")
    assert (merchant.role, merchant.distributor_id, merchant.is_distributor) == (
        "merchant",
        None,
        False,
    )
    own = resolve(engine, shop.create_key("distributor", "d1"))
    assert own.principal == Principal(shop.id, "distributor", "d1")
    assert (own.role, own.distributor_id, own.is_distributor) == ("distributor", "d1", True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        own.principal = merchant.principal  # type: ignore[misc]


@pytest.mark.parametrize("key", [None, ""])
def test_no_key_is_missing_with_the_entry_points_hint(engine: Engine, key: str | None) -> None:
    with pytest.raises(AuthError) as err:
        resolve(engine, key, missing="enter a key")
    assert (err.value.code, err.value.message) == ("auth.missing_key", "enter a key")


def test_malformed_unknown_and_foreign_keys_are_invalid(engine: Engine, shop: Shop) -> None:
    other = Shop.create(engine, new_shop_id("k"))
    try:
        foreign = other.create_key("merchant")  # valid in its own shop only
        _, secret = foreign.split(".", 1)
        for key in [
            "nodot",  # no shop part
            f"{shop.id}.",  # no secret
            "NO_SUCH.shop",  # a shop part that cannot name a shop: refused before the graph
            f"{new_shop_id('none')}.secret",  # no such shop
            f"{shop.id}.not-a-real-secret",
            f"{shop.id}.{secret}",  # another shop's secret
        ]:
            with pytest.raises(AuthError) as err:
                resolve(engine, key)
            assert err.value.code == "auth.invalid_key", key
        assert resolve(engine, foreign).shop.id == other.id
    finally:
        other.store.drop()


def test_roles_are_checked_once_for_both_entry_points(engine: Engine, shop: Shop) -> None:
    callers = {
        role: resolve(engine, shop.create_key(role, "d1" if role == "distributor" else None))
        for role in EVERYONE
    }
    assert EVERYONE == ("merchant", "analyst", "distributor")
    assert callers["merchant"].require(*MERCHANT) is callers["merchant"]
    assert callers["analyst"].require(*READERS) is callers["analyst"]
    assert [r for r, c in callers.items() if c.allows(*READERS)] == ["merchant", "analyst"]
    with pytest.raises(Forbidden) as err:
        callers["analyst"].require(*MERCHANT)
    assert (err.value.code, err.value.message) == (
        "auth.forbidden",
        "an analyst key may not do this (needs merchant)",
    )
    with pytest.raises(Forbidden) as err:
        callers["distributor"].require(*READERS)
    assert err.value.message == "a distributor key may not do this (needs merchant/analyst)"


def test_a_distributor_key_reads_only_its_own_distributor(engine: Engine, shop: Shop) -> None:
    own = resolve(engine, shop.create_key("distributor", "d1"))
    analyst = resolve(engine, shop.create_key("analyst"))
    assert own.may_read_distributor("d1") is own
    assert analyst.may_read_distributor("d2") is analyst
    assert (own.reads_distributor("d2"), analyst.reads_distributor("d2")) == (False, True)
    with pytest.raises(Forbidden) as err:
        own.may_read_distributor("d2")
    assert (err.value.code, err.value.message) == (
        "auth.forbidden",
        "a distributor key reads only its own distributor",
    )
    with pytest.raises(Forbidden) as err:
        own.may_read_distributor("d2", refusal="a distributor key reaches only its own withdrawals")
    assert err.value.message == "a distributor key reaches only its own withdrawals"


def test_a_key_found_a_moment_ago_is_remembered_without_reading_the_engine(
    engine: Engine, shop: Shop
) -> None:
    """K-1: the API resolves a remembered key on its event loop, and only an unseen one on a
    worker thread (teamgraph/api/deps.py); both answer the same caller."""
    key = shop.create_key("distributor", "d1")
    assert remembered(engine, key) is None  # never found by this process: it would read
    found = resolve(engine, key)
    again = remembered(engine, key)
    assert again is not None and again.principal == found.principal
    assert again.shop.id == shop.id
    with pytest.raises(AuthError) as err:
        remembered(engine, None, missing="enter a key")
    assert err.value.code == "auth.missing_key"
    for refused in ("nodot", "NO_SUCH.shop", f"{shop.id}."):  # refused on their form alone
        with pytest.raises(AuthError) as err:
            remembered(engine, refused)
        assert err.value.code == "auth.invalid_key"
