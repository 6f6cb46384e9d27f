"""Issue 18 "Done when": on hand-made rings of shapes the generator does not plant
(tests/fraud/handmade.py: a commission carousel, an IP-only burst, a slow burst, a cycle of
seven, a late refund farm, a count just over a level condition), every ring is found (at least
half its members in one flagged ring) with member recall and precision >= 0.9, and the honest
look-alikes (a family with a distributor parent, an office group-buy, a campus NAT, a big
livestream distributor) have at most one member flagged each.

An honest generator shop (no rings) plus the planted rows, written as one file per kind and
loaded through the importer in ``LOAD_ORDER`` as ``teamgraph load`` does, scanned once at the
data's "now"; ``pytest -s`` prints the figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import pandas as pd
import pytest

from teamgraph.etl import generator
from teamgraph.etl.generator import DAY
from teamgraph.graph import Engine
from teamgraph.shop import Shop
from teamgraph.shop.projection import GraphSource
from teamgraph.shop.risk import ScanResult
from tests.conftest import new_shop_id
from tests.fraud import handmade

CUSTOMERS = 2500
RING_GROUPS = {
    "carousel": "hm-carousel",
    "ip_burst": "hm-ip-burst",
    "slow_burst": "hm-slow-burst",
    "long_cycle": "hm-cycle-7",
    "late_refund_farm": "hm-late-refund",
    "count_threshold": "hm-threshold",
}
HONEST_GROUPS = {
    "honest_family": "hm-family",
    "honest_office": "hm-office",
    "honest_campus": "hm-campus",
    "honest_livestream": "hm-livestream",
}


class Planted(NamedTuple):
    shop: Shop
    labels: pd.DataFrame
    result: ScanResult
    report: dict[str, dict[str, Any]]
    money: dict[str, dict[str, Any]]


SEEDS = {"tuned": (18, handmade.SEED), "held-out": (29, 1029)}
"""(honest shop seed, plant seed): the default the runner builds, and a held-out pair (the
same shapes, other shop and other details) the detector's thresholds are not tuned on."""


RUNS = ("falkordb-tuned", "falkordb-held-out", "neo4j-tuned")
"""Both seed pairs on FalkorDB, the tuned one on Neo4j too (the same statements, the same
rings)."""


@pytest.fixture(scope="module", params=RUNS)
def handmade_shop(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Planted]:
    """2,500 honest customers plus the hand-made rows, loaded with no row refused, scanned at
    ``generator.END_MS``; the report printed."""
    kind, _, pair = str(request.param).partition("-")
    engine: Engine = request.getfixturevalue(
        "embedded_engine" if kind == "falkordb" else "neo4j_engine"
    )
    seed, plant_seed = SEEDS[pair]
    out = tmp_path_factory.mktemp("handmade")
    paths, labels = handmade.build_files(out, customers=CUSTOMERS, seed=seed, plant_seed=plant_seed)
    shop = Shop.create(engine, new_shop_id("hm"), generator.SETTINGS)
    handmade.load(shop, paths)  # raises on any refused row
    result = shop.scan(now=generator.END_MS)
    report = handmade.handmade_report(result.rings, labels)
    stray = handmade.outside(result.rings, labels)
    print(f"\n{request.param} (shop seed {seed}, plant seed {plant_seed}): {result.summary()}")
    print(handmade.format_report(report, stray))
    orders = pd.read_parquet(paths["orders"], columns=["id", "customer_id"])
    money = handmade.money(shop, labels, orders, result.rings)
    print(handmade.format_money(money))
    yield Planted(shop, labels, result, report, money)
    shop.store.drop()


def test_issue_18_the_planted_rows_are_stored_with_their_links(
    handmade_shop: Planted,
    request: pytest.FixtureRequest,
) -> None:
    """Sanity of the evaluation itself: every labelled account is a stored customer, the
    planted customers and orders all loaded, and the weak links the shapes rely on are in the
    graph as the detector reads it (a phone written three ways is one digest; the one-IP burst,
    the one-device burst and the campus NAT are shared values)."""
    shop, labels = handmade_shop.shop, handmade_shop.labels
    seed, plant_seed = SEEDS[str(request.node.callspec.params["handmade_shop"]).partition("-")[2]]
    honest = generator.frames(generator.generate(CUSTOMERS, 250, 2500, seed, 0, generator.END_MS))
    rows = handmade.plant(honest, plant_seed)
    again = handmade.plant(honest, plant_seed)  # deterministic: same shop, same seed, same rows
    assert all(rows[k].equals(again[k]) for k in rows) and labels.equals(rows["labels"])
    missing = shop.store.read("etl.customer_ids_missing", ids=sorted(set(labels["customer_id"])))
    assert missing == []
    counts = shop.store.read("shop.counts")[0]
    assert counts["customers"] == CUSTOMERS + len(rows["customers"])
    assert counts["orders"] == honest["orders"]["id"].nunique() + rows["orders"]["id"].nunique()
    assert set(labels["kind"]) == set(RING_GROUPS) | set(HONEST_GROUPS)

    shared = GraphSource(shop.store).shared_signals(max_shared=50)
    group = {rid: set(g["customer_id"]) for rid, g in labels.groupby("ring_id")}
    by_value = shared.groupby(["kind", "value"])["customer_id"].agg(set)
    carousel = labels[labels["ring_id"] == "hm-carousel"]["customer_id"].tolist()
    a, alt = carousel[:4], carousel[4:]  # A1..A4 then their alts, in order
    phones = [s for (k, _), s in by_value.items() if k == "phone" and s & group["hm-carousel"]]
    assert sorted(phones, key=sorted) == sorted([{a[0], alt[0]}, {a[2], alt[2]}], key=sorted)
    addresses = [s for (k, _), s in by_value.items() if k == "address" and s <= set(carousel)]
    assert addresses == [{a[1], alt[1], a[3], alt[3]}]

    def shared_by(kind: str, rid: str, role: str) -> set[str]:
        want = set(labels[(labels["ring_id"] == rid) & (labels["role"] == role)]["customer_id"])
        return {v for (k, v), s in by_value.items() if k == kind and s >= want}

    assert shared_by("ip", "hm-ip-burst", "account") and not shared_by(
        "device", "hm-ip-burst", "account"
    )
    assert shared_by("device", "hm-slow-burst", "account")
    assert shared_by("ip", "hm-campus", "student")


def test_issue_18_the_shapes_move_commission_as_described(handmade_shop: Planted) -> None:
    """The ledger the rows made is what the shapes say: the carousel and the cycle earn only
        from each other; the farm's rewards settled (completion + the shop's settle days) and were
        all clawed back 3.5–5 days after; the pumps bought nothing and took their distributor to one
    client over level 2's count; the family mother and the
        office colleague earn from their ordinary clients too."""
    shop, labels, money = handmade_shop.shop, handmade_shop.labels, handmade_shop.money
    for rid in ("hm-carousel", "hm-cycle-7"):
        assert money[rid]["inside_fen"] > 0 and money[rid]["other_fen"] == 0, money[rid]
    farm = money["hm-late-refund"]
    assert farm["inside_fen"] == farm["clawback_fen"] > 0 and farm["other_fen"] > 0
    assert money["hm-threshold"]["inside_fen"] == 0
    need = handmade.count_conditions(generator.SETTINGS)["bound_customers"]
    pumped = labels[(labels["ring_id"] == "hm-threshold") & (labels["role"] == "distributor")]
    [profile] = shop.store.read("distributor.profiles", ids=list(pumped["customer_id"]))
    assert profile["direct_clients"] == need + 1 and profile["level"] == 2  # just over
    for rid in ("hm-family", "hm-office"):
        assert money[rid]["inside_fen"] > 0 and money[rid]["other_fen"] > 0, money[rid]
    farmer = labels[(labels["ring_id"] == "hm-late-refund") & (labels["role"] == "distributor")]
    entries = shop.store.read(
        "ledger.entries", id=farmer["customer_id"].iloc[0], before=2**62, before_id="",
        limit=10_000,
    )  # fmt: skip
    settle = {e["order_id"]: e["settle_at"] for e in entries if e["kind"] == "reward"}
    late = [e["at"] - settle[e["order_id"]] for e in entries if e["kind"] == "clawback"]
    assert late and all(3.5 * DAY <= t <= 5 * DAY for t in late), late


@pytest.mark.parametrize("shape", list(RING_GROUPS))
def test_issue_18_a_hand_made_ring_is_found_whole(handmade_shop: Planted, shape: str) -> None:
    """Found (>= 50% of its members in one flagged ring), member recall >= 0.9, precision
    >= 0.9 (issue 18, "Done when")."""
    row = handmade_shop.report[RING_GROUPS[shape]]
    assert row["found"] and row["recall"] >= 0.9, row
    assert row["precision"] is not None and row["precision"] >= 0.9, row


@pytest.mark.parametrize("kind", list(HONEST_GROUPS))
def test_issue_18_an_honest_look_alike_has_at_most_one_member_flagged(
    handmade_shop: Planted, kind: str
) -> None:
    row = handmade_shop.report[HONEST_GROUPS[kind]]
    assert row["flagged"] <= 1, row


def test_issue_18_the_report_reads_overlaps_and_scores() -> None:
    """:func:`handmade.handmade_report` on made-up rings: a ring found with a stranger in its
    flagged ring (precision 4/5), one found in two halves (recall 0.5), an honest group with
    two flagged members, and rings under the flag line count for nothing but ``best_score``."""
    labels = pd.DataFrame(
        [("r1", "carousel", f"a{i}", "x") for i in range(4)]
        + [("r2", "ip_burst", f"b{i}", "x") for i in range(4)]
        + [("h1", "honest_office", f"h{i}", "x") for i in range(3)],
        columns=["ring_id", "kind", "customer_id", "role"],
    )
    rings = [
        (80, {"a0", "a1", "a2", "a3", "z"}),
        (60, {"b0", "b1"}),
        (45, {"b2", "b3"}),
        (39, {"h0", "h1", "h2"}),
        (41, {"h0", "h1"}),
    ]
    r = handmade.handmade_report(rings, labels)
    assert r["r1"]["found"] and r["r1"]["recall"] == 1.0
    assert r["r1"]["precision"] == 0.8 and not r["r1"]["ok"]
    assert r["r2"]["found"] and r["r2"]["recall"] == 0.5 and r["r2"]["precision"] == 1.0
    assert r["h1"]["flagged"] == 2 and not r["h1"]["ok"] and r["h1"]["best_score"] == 39
    assert "FAIL" in handmade.format_report(r)
    points = {p["flag_score"]: p for p in handmade.curve(rings, labels, [40, 50, 90])}
    assert points[40]["found"] == 2 and points[40]["honest_flagged"] == 2
    assert points[50]["honest_ok"] == 1 and points[50]["recall"] == 0.75  # (1 + 0.5) / 2
    assert points[90]["found"] == 0 and "flag" in handmade.format_curve(list(points.values()))
    assert handmade.outside([*rings, (50, {"q1", "q2"}), (10, {"q3"})], labels) == {
        "rings": 1,
        "members": 2,
        "scores": [50],
    }
