"""The generator's extra ring kinds (D-11) and honest look-alikes (D-12), issue 18's
"evaluation the detector was not written against": opt-in, drawn from a stream of their own (a
seed's files do not move when they are off), consistent, and shaped as the issue describes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from teamgraph.etl import generator as g
from teamgraph.etl.importer import Options, load_shop
from teamgraph.graph import Engine
from teamgraph.shop import Shop
from tests.conftest import ROOT, new_shop_id

NOW = 1_790_000_000_000  # 2026-09-21, after every generated time (as tests/etl/test_load_shop.py)

ARGS = {"customers": 3000, "distributors": 200, "orders": 4000, "seed": 11, "rings": 4}
PINNED = "e629e81fee82b63ef6840749e4f853c6587643d964878015dd04823e552a0b20"
"""The CSV files of :data:`ARGS` as the generator wrote them before D-11/D-12 existed."""


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(path.iterdir()):
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def base() -> dict[str, pd.DataFrame]:
    return g.frames(g.generate(20_000, 2000, 10_000, 5, 4, g.END_MS))


@pytest.fixture(scope="module")
def shop() -> g.SyntheticShop:
    return g.generate(20_000, 2000, 10_000, 5, 4, g.END_MS, extra_rings=10, lookalikes=3)


@pytest.fixture(scope="module")
def f(shop: g.SyntheticShop) -> dict[str, pd.DataFrame]:
    return g.frames(shop)


def _group(f: dict[str, pd.DataFrame], kind: str) -> list[pd.DataFrame]:
    lb = f["labels"]
    return [rows for _, rows in lb[lb["kind"] == kind].groupby("ring_id")]


def _values(f: dict[str, pd.DataFrame], ids: list[str], kind: str) -> pd.Series:
    si = f["signals"]
    return si[si["customer_id"].isin(ids) & (si["kind"] == kind)].groupby("value")["customer_id"]


def _open_to(f: dict[str, pd.DataFrame], ids: list[str]) -> pd.Series:
    """Each customer's open binding's distributor."""
    bi = f["bindings"]
    return bi[bi["ended_at"].isna() & bi["customer_id"].isin(ids)].set_index("customer_id")[
        "distributor_id"
    ]


def test_d11_off_a_seed_writes_the_files_it_wrote_before(tmp_path: Path) -> None:
    """D-11/D-12 are opt-in: with neither asked for, not one byte of a seed's files moves."""
    g.write(g.generate(**ARGS, end=g.END_MS), tmp_path / "a", "csv")
    g.write(g.generate(**ARGS, end=g.END_MS, extra_rings=0, lookalikes=0), tmp_path / "b", "csv")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b") == PINNED


def test_d11_on_the_validator_passes_and_the_d8_rings_stay_as_they_were(
    shop: g.SyntheticShop, f: dict[str, pd.DataFrame], base: dict[str, pd.DataFrame]
) -> None:
    assert g.validate(shop.tables) == []
    lb = f["labels"]
    kinds = lb.groupby("kind")["ring_id"].nunique().to_dict()
    assert kinds == {
        **dict.fromkeys(g.RING_KINDS, 1),
        **dict.fromkeys(g.EXTRA_RING_KINDS, 2),
        **dict.fromkeys(g.HONEST_KINDS, 3),
    }
    summary = g.summary(shop.tables)
    assert summary["lookalikes"] == dict.fromkeys(g.HONEST_KINDS, 3)
    assert set(summary["rings"]) == set(g.RING_KINDS) | set(g.EXTRA_RING_KINDS)
    old = lb[lb["kind"].isin(g.RING_KINDS)].reset_index(drop=True)
    pd.testing.assert_frame_equal(old, base["labels"])  # the D-8 rings' members did not move
    assert lb["ring_id"].str.startswith("honest-").eq(lb["kind"].isin(g.HONEST_KINDS)).all()
    assert not lb.duplicated("customer_id").any()  # no one is in two groups


def test_d11_a_carousel_pays_round_with_only_weak_ties(f: dict[str, pd.DataFrame]) -> None:
    """Issue 18: each alt buys through the next distributor (the fourth's via the first); a
    phone between two pairs, one address among four accounts, no binding among them."""
    for ring in _group(f, "carousel"):
        ds = ring.loc[ring["role"] == "distributor", "customer_id"].tolist()
        alts = ring.loc[ring["role"] == "alt", "customer_id"].tolist()
        assert len(ds) == len(alts) == 4
        to = _open_to(f, alts)
        assert [to[a] for a in alts] == ds[1:] + ds[:1]
        od = f["orders"]
        assert od["customer_id"].isin(alts).sum() >= 12
        bi = f["bindings"]
        assert not (bi["customer_id"].isin(ds) & bi["distributor_id"].isin(ds)).any()
        cu = f["customers"].set_index("id")["phone"]
        assert cu[ds[0]] == cu[alts[0]] and cu[ds[2]] == cu[alts[2]]
        shared = _values(f, ds + alts, "address").nunique()
        assert sorted(shared[shared > 1].tolist()) == [4]


def test_d11_bursts_on_one_ip_within_minutes_or_one_device_over_days(
    f: dict[str, pd.DataFrame],
) -> None:
    cu = f["customers"].set_index("id")
    for kind, signal, lo, hi in (
        ("ip_burst", "ip", 0, 10 * g.MINUTE),
        ("slow_burst", "device", 30 * g.HOUR, 60 * g.HOUR),
    ):
        for ring in _group(f, kind):
            accounts = ring.loc[ring["role"] == "account", "customer_id"].tolist()
            inviter = ring.loc[ring["role"] == "inviter", "customer_id"].item()
            assert 12 <= len(accounts) <= 20
            assert set(_open_to(f, accounts)) == {inviter}
            joined = cu.loc[accounts, "joined_at"]
            assert lo <= joined.max() - joined.min() <= hi, kind
            shared = _values(f, accounts, signal).nunique()
            assert shared.max() == len(accounts)  # one value all share
            if kind == "ip_burst":  # separate devices
                devices = _values(f, accounts, "device").nunique()
                assert devices.max() == 1


def test_d11_a_long_cycle_of_seven_to_nine_distributors(f: dict[str, pd.DataFrame]) -> None:
    for ring in _group(f, "long_cycle"):
        members = ring["customer_id"].tolist()
        assert 7 <= len(members) <= 9
        to = _open_to(f, members)
        assert [to[m] for m in members] == members[1:] + members[:1]


def test_d11_a_late_refund_farm_refunds_days_after_settling(f: dict[str, pd.DataFrame]) -> None:
    od, rf = f["orders"].drop_duplicates("id").set_index("id"), f["refunds"]
    for ring in _group(f, "late_refund"):
        buyers = ring.loc[ring["role"] == "buyer", "customer_id"].tolist()
        mine = rf[rf["order_id"].map(od["customer_id"]).isin(buyers)]
        settled = mine["order_id"].map(od["completed_at"]) + g.SETTLE_DAYS * g.DAY
        late = mine["at"] - settled
        assert len(mine) >= len(buyers) and late.between(84 * g.HOUR, 120 * g.HOUR).all()
        assert _values(f, buyers, "address").nunique().max() == len(buyers)


def test_d12_honest_families_and_offices_buy_through_a_distributor_with_other_clients(
    f: dict[str, pd.DataFrame],
) -> None:
    bi = f["bindings"]
    for kind, lead, member, signals in (
        ("honest_family", "parent", "child", ("device", "address")),
        ("honest_office", "distributor", "coworker", ("ip", "address")),
    ):
        for group in _group(f, kind):
            d = group.loc[group["role"] == lead, "customer_id"].item()
            members = group.loc[group["role"] == member, "customer_id"].tolist()
            assert set(_open_to(f, members)) == {d}
            assert f["orders"]["customer_id"].isin(members).any()
            everyone = [d, *members]
            for signal in signals:  # one value the whole group shares
                assert _values(f, everyone, signal).nunique().max() == len(everyone)
            clients = bi[(bi["distributor_id"] == d) & ~bi["customer_id"].isin(everyone)]
            assert clients["customer_id"].nunique() >= 2  # her ordinary clients
            if kind == "honest_office":  # group buys: co-workers order one product together
                od = f["orders"][f["orders"]["customer_id"].isin(members)]
                slot = od["paid_at"] // (3 * g.HOUR)
                together = od.groupby([od["product_id"], slot])["customer_id"].nunique()
                assert together.max() >= 3


def test_d12_campus_and_livestream_groups(f: dict[str, pd.DataFrame]) -> None:
    cu = f["customers"].set_index("id")
    for group in _group(f, "honest_campus"):
        students = group["customer_id"].tolist()
        assert 30 <= len(students) <= 60
        assert _values(f, students, "ip").nunique().max() == len(students)
        assert _open_to(f, students).nunique() >= 2  # several distributors
        joined = cu.loc[students, "joined_at"]
        assert joined.max() - joined.min() > 7 * g.DAY  # over weeks
    for group in _group(f, "honest_livestream"):
        d = group.loc[group["role"] == "distributor", "customer_id"].item()
        clients = group.loc[group["role"] == "client", "customer_id"].tolist()
        assert 100 <= len(clients) <= 200
        assert set(_open_to(f, clients)) == {d}
        for signal in ("device", "ip"):  # their own devices and IPs (and the public ones, D-7)
            shared = _values(f, clients, signal).nunique()
            assert shared[~shared.index.str.startswith("117.136.")].max() <= 2


def test_d11_bad_extra_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="extra ring kinds"):
        g.generate(3000, 200, 100, extra_rings=1, extra_kinds=("nope",), end=g.END_MS)
    with pytest.raises(ValueError, match="look-alikes"):
        g.generate(3000, 200, 100, lookalikes=-1, end=g.END_MS)
    with pytest.raises(ValueError, match="lower --extra-rings or --lookalikes"):
        g.generate(3000, 200, 100, rings=0, lookalikes=200, end=g.END_MS)


def test_d11_demo_generate_takes_extra_rings_and_lookalikes(tmp_path: Path) -> None:
    out = tmp_path / "shop"
    args = ["demo", "generate", "--customers", "3000", "--distributors", "200", "--orders",
            "2000", "--seed", "3", "--rings", "0", "--extra-rings", "2", "--extra-kinds",
            "carousel,long_cycle", "--lookalikes", "1", "--out", str(out), "--check",
            "--end", "2026-01-01T00:00+08:00"]  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "teamgraph", *args],
        env=dict(os.environ, TEAMGRAPH_DATA=str(tmp_path / "data")),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "consistent" in proc.stderr
    labels = pd.read_csv(out / "labels.csv", encoding="utf-8-sig")
    assert set(labels["kind"]) == {"carousel", "long_cycle", *g.HONEST_KINDS}


def test_d11_a_shop_with_extra_rings_and_lookalikes_loads_and_scans(
    engine: Engine, tmp_path: Path
) -> None:
    """Issue 18's evaluation also runs through `teamgraph load shop` and the graph scan: every
    row of the extra kinds and look-alikes is accepted on both engines."""
    data = g.generate(800, 100, 100, 2, 0, g.END_MS, extra_rings=5, lookalikes=1)
    g.write(data, tmp_path, "csv")
    shop_id = new_shop_id("extra")
    try:
        result = load_shop(engine, shop_id, tmp_path, Options(now=NOW))
        assert result.rejected == 0, result.summary()
        scan = Shop.open(engine, shop_id).scan(now=NOW)
        members = {m for r in scan.rings for m in r.member_ids}
        labelled = set(data.tables["labels"].column("customer_id").to_pylist())
        assert members <= set(data.tables["customers"].column("id").to_pylist())
        assert labelled  # the evaluation's truth is in the files
    finally:
        engine.open(shop_id).drop()
