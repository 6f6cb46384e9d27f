"""Fraud detection on keyed phone digests (R-6.1, R-6.2, docs/choices.md P-1, P-2, F-11): one
number written three ways is one phone signal that ties its accounts into a ring, stored as a
digest nobody can recompute without the installation's key, and shown as its fingerprint."""

from __future__ import annotations

import hashlib
from pathlib import Path

from teamgraph.etl import importer
from teamgraph.graph import Engine
from teamgraph.shop import Shop
from tests.shop.conftest import HOUR, T0, ShopFactory, distributors

WRITTEN = {"d1": "17300000001", "c1": "+86 17300000001", "c2": "173-0000-0001"}


def _self_dealing(shop: Shop) -> None:
    """d1 and two accounts bound to it buying: commission flows inside (F-9)."""
    distributors(shop, "d1")
    for c in ("c1", "c2"):
        shop.visit(c, "d1", at=T0 + 10)
        shop.record_order(
            f"o-{c}", c, [{"product_id": "p", "paid_fen": 10_000}], paid_at=T0 + 20, now=T0 + 20
        )
        shop.complete_order(f"o-{c}", at=T0 + HOUR, now=T0 + HOUR)


def _phones(shop: Shop, ids: list[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for row in shop.bulk.stored("signals", ids):
        if "Phone" in (row["labels"] or []):
            out.setdefault(row["value"], set()).add(row["customer_id"])
    return out


def test_r6_2_p1_one_number_written_three_ways_is_one_phone_signal_tying_a_ring(
    make_shop: ShopFactory, engine: Engine, tmp_path: Path
) -> None:
    shop = make_shop()
    _self_dealing(shop)
    signals = tmp_path / "signals.csv"
    signals.write_text(
        "customer_id,kind,value,first_seen\n"
        + "".join(f'{c},phone,"{p}",{T0 + 5}\n' for c, p in WRITTEN.items())
    )
    loaded = importer.load_file(shop, "signals", signals)
    assert (loaded.loaded, loaded.rejected) == (3, 0), loaded.summary()

    stored = _phones(shop, list(WRITTEN))
    assert list(stored.values()) == [set(WRITTEN)]  # one Phone node, three accounts
    (digest,) = stored
    assert engine.phones is not None
    assert digest == engine.phones.digest_e164("+8617300000001")
    sha = {hashlib.sha256(t.encode()).hexdigest() for t in [*WRITTEN.values(), "+8617300000001"]}
    assert digest not in sha and "17300000001" not in digest  # not reversible without the key

    result = shop.scan(now=T0 + 2 * HOUR)
    (ring,) = [r for r in result.rings if set(WRITTEN) <= set(r.member_ids)]
    shown = shop.ring(ring.id)
    assert "self_dealing" in shown["kinds"]
    phone = [s for s in shown["signals"] if s["kind"] == "phone"]
    assert phone == [{"kind": "phone", "value": f"#{digest[:6]}…", "members": sorted(WRITTEN)}]


def test_p1_a_phone_that_is_no_number_refuses_its_row_with_the_reason(
    make_shop: ShopFactory, tmp_path: Path
) -> None:
    shop = make_shop()
    customers = tmp_path / "customers.csv"
    customers.write_text("id,phone\nok,173 0000 0002\nbad,call me\n")
    result = importer.load_file(shop, "customers", customers)
    assert (result.loaded, result.rejected) == (1, 1)
    assert result.rejects is not None
    rejects = result.rejects.read_text("utf-8-sig")
    assert "phone: phone.invalid: 'call me' is not a phone number" in rejects
    assert not shop.bulk.existing("customer", ["bad"])
    signals = tmp_path / "signals.csv"
    signals.write_text("customer_id,kind,value\nok,phone,12\nok,device,dev-1\n")
    result = importer.load_file(shop, "signals", signals)
    assert (result.loaded, result.rejected) == (1, 1)
    assert result.rejects is not None
    assert "value: phone.invalid: '12' is not a phone number" in result.rejects.read_text(
        "utf-8-sig"
    )
    assert _phones(shop, ["ok"]) == {}
