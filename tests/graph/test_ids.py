"""The last guard before the engine (docs/choices.md I-1): no statement gets an id the id rule
forbids, whatever the path. FalkorDB 4.16 dies on a uniquely constrained id holding U+0001 or
made only of spaces; here such ids, and every other control or invisible character, are sent
through the shop at the real engine, which must answer every one and still be alive after."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teamgraph.errors import NotFound, ValidationError
from teamgraph.graph import Engine
from teamgraph.graph.store import check_keys
from teamgraph.shop import Shop
from tests.conftest import new_shop_id
from tests.rules.test_ids import INVISIBLE


@pytest.fixture
def shop(engine: Engine) -> Iterator[Shop]:
    shop = Shop.create(engine, new_shop_id("ids"))
    yield shop
    shop.store.drop()


@pytest.mark.parametrize("bad", ["a\u0001", " ", "", "c1\u200b", "x\x00y", "\u202eevil"])
def test_a_forbidden_id_never_reaches_the_engine(shop: Shop, bad: str) -> None:
    with pytest.raises(ValidationError) as err:
        shop.create_customer(bad)
    assert err.value.code == "id.invalid" and err.value.field == "id"
    with pytest.raises((ValidationError, NotFound)):  # reads too: no parser error from the
        shop.customer(bad)  # engine (a blank read is harmless: not found)
    with pytest.raises(ValidationError):  # and a batch row, nested
        shop.store.write_batch("customer.upsert_batch", [{"id": "ok"}, {"id": bad}])
    shop.create_customer("after")  # the engine is alive and nothing of the above was stored
    assert [c["id"] for c in shop.store.read("customer.existing", ids=["ok", "after"])] == ["after"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet=st.sampled_from([*INVISIBLE, " ", "a", "王"]), min_size=0, max_size=6))
def test_any_id_is_answered_and_the_engine_lives(shop: Shop, value: str) -> None:
    try:
        shop.create_customer(value)
    except ValidationError as exc:
        assert exc.code in {"id.invalid", "customer.invalid"}, exc
    assert shop.store.read("shop.get", id=shop.id)  # still answering


def test_keys_are_found_in_names_rows_and_nested_rows() -> None:
    check_keys({"id": "a", "order_id": "o", "n": 1, "name": "\x01 may be in a name", "idx": 3})
    for params in (
        {"customer_id": " "},
        {"ids": ["a", "b\x01"]},
        {"rows": [{"id": "a", "lines": [{"product_id": "p\u200b"}]}]},
    ):
        with pytest.raises(ValidationError) as err:
            check_keys(params)
        assert err.value.code == "id.invalid"


def test_a_nul_in_any_text_is_refused_before_the_engine(shop: Shop) -> None:
    """FalkorDB's parameter parser stops at a NUL and fails the statement with its parser text
    (found by schemathesis: a customer's name, a product's, a cursor): 422 ``text.invalid``
    naming the parameter, on both engines, and the engine answers after."""
    for params, field in (
        ({"name": "a\x00b"}, "name"),
        ({"methods": ["bank", "\x00"]}, "methods"),
        ({"rows": [{"id": "a", "reason": "\x00"}]}, "rows[].reason"),
    ):
        with pytest.raises(ValidationError) as err:
            check_keys(params)
        assert (err.value.code, err.value.field) == ("text.invalid", field)
    with pytest.raises(ValidationError) as err:
        shop.create_customer("c1", name="Zhang\x00San")
    assert (err.value.code, err.value.field) == ("text.invalid", "name")
    with pytest.raises(ValidationError) as err:
        shop.upsert_product("p1", name="tea\x00", price_fen=100)
    assert err.value.code == "text.invalid"
    shop.create_customer("c1", name="Zhang San")  # alive, and nothing of the above stored
    assert shop.customer("c1")["name"] == "Zhang San"
