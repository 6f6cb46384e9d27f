"""A customer's phone over HTTP (docs/api.md, docs/choices.md P-1, P-2): read as E.164, kept as
the installation's keyed digest, which the API process and this one compute alike; what is not
a phone number is 422 ``phone.invalid`` naming the field, and nothing is written."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from teamgraph.graph import Engine
from tests.api.conftest import ShopApi
from tests.api.test_relationships import customer, ok, refused

MakeShop = Callable[..., ShopApi]


def test_p1_one_number_written_three_ways_is_one_digest(
    make_shop: MakeShop, engine: Engine
) -> None:
    s = make_shop()
    m = s.merchant
    written = {"A": "17300000001", "B": "+86 17300000001", "C": "173-0000-0001"}
    for cid, phone in written.items():
        customer(m, cid, phone=phone)
    stored = {r["id"]: r["phone_hash"] for r in s.shop.bulk.stored("members", list(written))}
    assert engine.phones is not None
    keyed = engine.phones.digest_e164("+8617300000001")
    assert stored == dict.fromkeys(written, keyed)  # the server's key is this process's
    assert keyed not in {hashlib.sha256(p.encode()).hexdigest() for p in written.values()}
    # the same customer again, its phone written another way: the same event, not a conflict
    again = m.post("/v1/customers", json={"id": "A", "phone": "173 0000 0001"})
    assert again.status_code == 200, again.text
    refused(
        m.post("/v1/customers", json={"id": "A", "phone": "17300000002"}), 409, "event.conflict"
    )


@pytest.mark.parametrize("bad", ["call me", "123", "+999 1234 5678", "17300000001 ext. 5"])
def test_p1_a_phone_that_is_no_number_is_422_naming_the_field(
    make_shop: MakeShop, bad: str
) -> None:
    m = make_shop().merchant
    err = refused(m.post("/v1/customers", json={"id": "X", "phone": bad}), 422, "phone.invalid")
    assert err["field"] == "phone" and err["rule"] is None
    assert "is not a phone number" in err["message"]
    refused(m.get("/v1/customers/X"), 404, "customer.not_found")  # nothing written
    assert ok(m.post("/v1/customers", json={"id": "X", "phone": "13800138000"}), 201)
