"""Fraud detection on pruned identity signals (docs/choices.md PD-4, issue 16: "drop values
older than N days, keep their hashed ties for fraud detection"): a generator shop with planted
rings is scanned, every signal value then takes its keyed pseudonym through the retention
pass, and a second scan finds the same rings with the same members, kinds and scores; the
values the graph holds are all pseudonyms."""

from __future__ import annotations

from pathlib import Path

import pytest

from teamgraph.graph import Engine
from teamgraph.phones import PSEUDONYM
from teamgraph.shop.retention import DAY_MS
from tests.conftest import new_shop_id
from tests.fraud.conftest import load_generated


def test_pd_4_rings_are_found_the_same_on_pruned_signals(engine: Engine, tmp_path: Path) -> None:
    shop, _ = load_generated(
        engine, new_shop_id("prune"), tmp_path,
        customers=800, distributors=80, orders=500, seed=3, rings=4,
    )  # fmt: skip
    try:
        now = 4_102_444_800_000  # 2100: every sighting of the generator's shop is older
        shop.catch_up(now)  # whatever falls due by then, before both scans
        first = shop.scan()
        found = sorted((r.score, tuple(sorted(r.member_ids))) for r in first.rings)
        assert found, "the planted rings are found before pruning"
        assert shop.store.read("signals.stale", cutoff=now, limit=10), "raw values to prune"
        shop.update_settings({"signal_retention_days": 1}, now=now)
        shop.catch_up(now + 1)
        values = {r["value"] for r in shop.store.read("signals.stale", cutoff=now, limit=10)}
        assert values == set(), "every value took its pseudonym"
        second = shop.scan()
        again = sorted((r.score, tuple(sorted(r.member_ids))) for r in second.rings)
        assert again == found
        assert [sorted(r.kinds) for r in second.rings] == [sorted(r.kinds) for r in first.rings]
    finally:
        shop.store.drop()


@pytest.mark.parametrize("kind", ["device", "ip"])
def test_pd_4_a_value_seen_again_after_pruning_keeps_its_tie(make_shop, kind: str) -> None:  # type: ignore[no-untyped-def]
    """A value pruned for one customer and then seen with another ties both to the one
    (pseudonymised) node: shared-signal detection still pairs them."""
    shop = make_shop()
    for cid in ("a", "b"):
        shop.create_customer(cid, now=1)
    shop.bulk.add_signals(kind, [{"customer_id": "a", "value": "v-1", "first_seen": 1,
                                  "last_seen": 1}])  # fmt: skip
    now = 10 * DAY_MS
    shop.update_settings({"signal_retention_days": 1}, now=now)
    shop.catch_up(now)
    shop.bulk.add_signals(kind, [{"customer_id": "b", "value": "v-1", "first_seen": now,
                                  "last_seen": now}])  # fmt: skip
    shared = shop.store.read(f"risk.shared_{kind}", max_shared=10)
    assert {r["customer_id"] for r in shared} == {"a", "b"}
    assert all(r["value"].startswith(PSEUDONYM) for r in shared)
