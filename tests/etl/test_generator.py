"""The synthetic shop generator (issue #5): deterministic files, a realistic shape, planted
rings as labelled, and a validator that holds on what it writes and catches what it should."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from teamgraph.etl import generator as g
from teamgraph.rules import settings as rules_settings
from tests.conftest import ROOT
from tests.formulas import FORMULAS, assert_inert_csv

CST = timezone(timedelta(hours=8))


@pytest.fixture(scope="module")
def shop() -> g.SyntheticShop:
    return g.generate(customers=10_000, distributors=1_000, orders=20_000, seed=7, end=g.END_MS)


@pytest.fixture(scope="module")
def f(shop: g.SyntheticShop) -> dict[str, pd.DataFrame]:
    return g.frames(shop)


def _files(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_seed_same_files_other_seed_other_files(tmp_path: Path, fmt: g.Format) -> None:
    args = {"customers": 3000, "distributors": 200, "orders": 4000}
    g.write(g.generate(**args, seed=11, end=g.END_MS), tmp_path / "a", fmt)
    g.write(g.generate(**args, seed=11, end=g.END_MS), tmp_path / "b", fmt)
    g.write(g.generate(**args, seed=12, end=g.END_MS), tmp_path / "c", fmt)
    a, b, c = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert set(a) == {f"{k}.{fmt}" for k in g.KINDS} | {"settings.json"}
    assert a == b
    differ = {name for name in a if a[name] != c[name]}
    assert differ == set(a) - {"settings.json"}


def test_the_validator_passes_on_what_is_generated_and_on_the_files(
    shop: g.SyntheticShop, f: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    assert g.validate(shop.tables) == []
    for fmt in g.FORMATS:
        g.write(shop, tmp_path / fmt, fmt)
        back = g.read(tmp_path / fmt, fmt)
        assert g.validate(back) == []
        for kind in g.KINDS:  # the files hold exactly the tables
            left, right = f[kind], back[kind]
            assert list(right.columns) == list(g.SCHEMAS[kind].names)
            pd.testing.assert_frame_equal(
                left.astype(object).where(left.notna(), None),
                right.astype(object).where(right.notna(), None),
                check_dtype=False,
            )


def test_csv_is_utf8_with_bom_and_times_carry_the_offset(
    shop: g.SyntheticShop, tmp_path: Path
) -> None:
    paths = g.write(shop, tmp_path, "csv")
    raw = paths["customers"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    header, first = text.splitlines()[:2]
    assert (
        header == '"id","name","phone","phone_verified","joined_at","via_distributor_id","groups"'
    )
    name = first.split(",")[1].strip('"')
    assert name and all("\u4e00" <= ch <= "\u9fff" for ch in name)  # a Chinese name
    joined = pd.read_csv(paths["customers"], encoding="utf-8-sig", dtype=str)["joined_at"]
    assert joined.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00").all()
    orders = pq.read_table(g.write(shop, tmp_path / "pq", "parquet")["orders"])
    assert str(orders.schema.field("paid_fen").type) == "int64"  # money: integer fen


def test_iso8601_agrees_with_the_standard_library() -> None:
    rng = np.random.default_rng(1)
    ms = np.concatenate(
        [
            rng.integers(0, 4_102_444_800_000, 2000) // 1000 * 1000,  # 1970..2100
            np.array([951_753_600_000, 1_709_164_800_000, 1_709_222_399_000, 0]),  # leap days
        ]
    )
    text = g.iso8601(ms).to_pylist()
    want = [datetime.fromtimestamp(x / 1000, CST).isoformat() for x in ms.tolist()]
    assert text == want
    back = g.frame(pd.DataFrame({"at": text}))["at"]
    assert back.tolist() == ms.tolist()


def test_shape_at_ten_thousand(shop: g.SyntheticShop, f: dict[str, pd.DataFrame]) -> None:
    s = g.summary(shop.tables)
    assert s["rows"]["customers"] == 10_000 and s["rows"]["distributors"] == 1_000
    assert s["orders"] == 20_000
    assert 8 <= s["max_depth"] <= g.MAX_DEPTH
    assert s["biggest_team_share"] >= 0.10  # a few big teams ...
    teams = g.team_sizes(f["invitations"])
    assert teams.median() <= 2  # ... most small
    assert 0.04 <= s["refund_rate"] <= 0.07
    assert s["rings"] == {kind: 1 for kind in g.RING_KINDS}

    b = f["bindings"]
    assert set(b["end_reason"].dropna()) == set(g.END_REASONS)  # churn of every kind
    assert b.groupby("customer_id").size().max() >= 3  # rebinds make histories
    direct = b[b["ended_at"].isna()].groupby("distributor_id").size()
    assert direct.max() >= 20 * direct.median()  # skewed direct clients

    od, rf = f["orders"], f["refunds"]
    done = od.drop_duplicates("id").set_index("id")["completed_at"]
    settled = rf["order_id"].map(done) + g.SETTLE_DAYS * g.DAY
    assert (rf["at"] > settled).sum() >= 20  # some refunds after settlement
    lines = rf.merge(od, left_on=["order_id", "product_id"], right_on=["id", "product_id"])
    assert (lines["amount_fen"] < lines["paid_fen"]).any()  # partial refunds too

    si = f["signals"]
    sharing = si.groupby(["kind", "value"])["customer_id"].nunique()
    assert set(si["kind"]) == set(g.SIGNAL_KINDS)
    assert sharing.loc["ip"].max() >= 100  # public IPs shared by many
    for kind in ("device", "phone", "account"):
        assert (sharing.loc[kind] > 1).mean() < 0.01  # otherwise shared rarely
    assert si["customer_id"].nunique() == 10_000


def test_planted_rings_are_what_the_labels_say(f: dict[str, pd.DataFrame]) -> None:
    lb, b, si, od, rf = f["labels"], f["bindings"], f["signals"], f["orders"], f["refunds"]
    inv, cu = f["invitations"], f["customers"].set_index("id")
    open_ = b[b["ended_at"].isna()].set_index("customer_id")["distributor_id"]
    rings = {kind: grp for kind, grp in lb.groupby("kind")}

    def values(c: str, kind: str) -> set[str]:
        return set(si[(si["customer_id"] == c) & (si["kind"] == kind)]["value"])

    sd = rings["self_dealing"]
    boss = sd[sd["role"] == "distributor"]["customer_id"].item()
    for alt in sd[sd["role"] == "alt"]["customer_id"]:
        assert open_[alt] == boss
        assert values(alt, "device") & values(boss, "device")
        assert values(alt, "account") & values(boss, "account")
        assert (od["customer_id"] == alt).any()

    members = list(rings["circular"]["customer_id"])
    assert len(members) >= 3
    for a, nxt in zip(members, members[1:] + members[:1], strict=True):
        assert open_[a] == nxt  # A -> B -> C -> A
        assert (od["customer_id"] == a).any()

    ib = rings["invite_burst"]
    inviter = ib[ib["role"] == "inviter"]["customer_id"].item()
    accounts = ib[ib["role"] == "account"]["customer_id"]
    assert len(accounts) >= 12
    joined = cu.loc[accounts, "joined_at"]
    assert joined.max() - joined.min() <= 10 * g.MINUTE
    assert (open_[accounts] == inviter).all()
    invited = inv[inv["id"].isin(accounts)]
    assert len(invited) >= 4 and (invited["inviter_id"] == inviter).all()
    assert invited["at"].max() - invited["at"].min() <= 15 * g.MINUTE
    assert len(set.intersection(*(values(c, "device") for c in accounts))) == 1

    ras = rings["refund_after_settle"]
    boss = ras[ras["role"] == "distributor"]["customer_id"].item()
    buyers = ras[ras["role"] == "buyer"]["customer_id"]
    assert (open_[buyers] == boss).all()
    orders = od[od["customer_id"].isin(buyers)].drop_duplicates("id").set_index("id")
    refunds = rf[rf["order_id"].isin(orders.index)]
    assert len(refunds) == len(orders) >= 6
    settle = refunds["order_id"].map(orders["completed_at"]) + g.SETTLE_DAYS * g.DAY
    assert ((refunds["at"] > settle) & (refunds["at"] <= settle + 48 * g.HOUR)).all()


def test_settings_json_is_a_valid_program_for_the_levels_written(
    shop: g.SyntheticShop, tmp_path: Path
) -> None:
    paths = g.write(shop, tmp_path, "csv")
    settings = rules_settings.parse(json.loads(paths["settings"].read_text("utf-8")))
    assert len(settings.levels) == 3
    assert set(shop.tables["distributors"]["level"].to_pylist()) == {1, 2, 3}


def _broken(f: dict[str, pd.DataFrame], kind: str, change: object) -> list[str]:
    data = {k: v.copy() for k, v in f.items()}
    data[kind] = change(data[kind])  # type: ignore[operator]
    return g.validate(data)


def test_the_validator_catches_what_a_loader_would_trip_on(f: dict[str, pd.DataFrame]) -> None:
    b, inv, od, rf = f["bindings"], f["invitations"], f["orders"], f["refunds"]
    dist = f["distributors"].set_index("id")["became_at"]

    def self_bind(x: pd.DataFrame) -> pd.DataFrame:
        x.loc[x.index[0], "distributor_id"] = x.loc[x.index[0], "customer_id"]
        return x

    def too_early(x: pd.DataFrame) -> pd.DataFrame:
        row = x.index[0]
        x.loc[row, "since"] = dist[x.loc[row, "distributor_id"]] - g.SECOND
        return x

    def two_open(x: pd.DataFrame) -> pd.DataFrame:
        ended = x[x["end_reason"] == "merchant_rebind"].index[0]
        x.loc[ended, ["ended_at", "end_reason"]] = [pd.NA, None]
        return x

    def unknown(x: pd.DataFrame) -> pd.DataFrame:
        x.loc[x.index[0], "distributor_id"] = "c9999999"
        return x

    def refund_too_much(x: pd.DataFrame) -> pd.DataFrame:
        x.loc[x.index[0], "amount_fen"] = 10**9
        return x

    def paid_before_joining(x: pd.DataFrame) -> pd.DataFrame:
        x.loc[x.index[0], "paid_at"] = 0
        return x

    def inviter_younger(x: pd.DataFrame) -> pd.DataFrame:
        x.loc[x.index[0], ["id", "inviter_id"]] = x.loc[x.index[0], ["inviter_id", "id"]].values
        return x

    def chain(x: pd.DataFrame) -> pd.DataFrame:  # 20 levels deep
        ids = list(dist.sort_values().index[:21])
        rows = pd.DataFrame({"id": ids[1:], "inviter_id": ids[:-1], "at": dist[ids[1:]].values})
        return rows

    assert any("self-binding" in p for p in _broken(f, "bindings", self_bind))
    assert any("did not exist at since" in p for p in _broken(f, "bindings", too_early))
    assert any("more than one open binding" in p or "overlapping" in p
               for p in _broken(f, "bindings", two_open))  # fmt: skip
    assert any("unknown distributor" in p for p in _broken(f, "bindings", unknown))
    assert any("more than the line paid" in p for p in _broken(f, "refunds", refund_too_much))
    assert any("paid before the customer joined" in p
               for p in _broken(f, "orders", paid_before_joining))  # fmt: skip
    assert any("inviter not a distributor before" in p
               for p in _broken(f, "invitations", inviter_younger))  # fmt: skip
    assert any("deeper than 15" in p for p in _broken(f, "invitations", chain))
    assert len(b) and len(inv) and len(od) and len(rf)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="distributors"):
        g.generate(customers=10, distributors=20, orders=0)
    with pytest.raises(ValueError, match="rings"):
        g.generate(customers=200, distributors=20, orders=10, rings=40)
    tiny = g.generate(
        customers=50, distributors=5, orders=30, seed=1, end=g.END_MS
    )  # no rings below 1,000
    assert tiny.tables["labels"].num_rows == 0
    assert g.validate(tiny.tables) == []


def test_demo_generate_on_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "shop"
    args = ["demo", "generate", "--customers", "2000", "--distributors", "100", "--orders",
            "3000", "--seed", "3", "--rings", "4", "--out", str(out), "--check",
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
    assert f"{out / 'customers.csv'}  2000 rows" in proc.stdout
    labels = pd.read_csv(out / "labels.csv", encoding="utf-8-sig")
    assert set(labels["kind"]) == set(g.RING_KINDS)
    again = g.generate(customers=2000, distributors=100, orders=3000, seed=3, rings=4, end=g.END_MS)
    g.write(again, tmp_path / "again", "csv")
    assert _files(out) == _files(tmp_path / "again")  # the CLI writes what the API does
    bad = subprocess.run(
        [sys.executable, "-m", "teamgraph", "demo", "generate", "--format", "xml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1 and "csv or parquet" in bad.stderr


def test_the_generator_writes_through_the_one_writer(shop: g.SyntheticShop, tmp_path: Path) -> None:
    """X-1 for the demo files too: the generator makes no formula-like text, but a table that
    had some (here, customers' names) would be written inert in CSV and exact in Parquet."""
    customers = shop.tables["customers"]
    i = customers.schema.get_field_index("name")
    names = customers.column(i).to_pylist()
    names[: len(FORMULAS)] = FORMULAS
    rigged = g.SyntheticShop({"customers": customers.set_column(i, "name", pa.array(names))}, 7)
    assert_inert_csv(g.write(rigged, tmp_path / "csv", "csv")["customers"].read_bytes())
    parquet = pq.read_table(g.write(rigged, tmp_path / "pq", "parquet")["customers"])
    assert parquet.column("name").to_pylist()[: len(FORMULAS)] == list(FORMULAS)


def test_d_2_the_data_ends_at_its_end_and_only_its_times_move(tmp_path: Path) -> None:
    """D-2 (issue 17): the data covers the year before ``end`` (by default the current minute),
    so a demo made today is alive today; another ``end`` moves every time alike and nothing
    else."""
    args = {"customers": 300, "distributors": 30, "orders": 200, "seed": 5, "rings": 0}
    fixed = g.generate(**args, end=g.END_MS)
    today = g.generate(**args)
    assert fixed.end == g.END_MS and g.END_MS < today.end <= g.default_end()
    assert g.validate(today.tables, now=today.end) == []
    shift = today.end - g.END_MS
    for kind, table in fixed.tables.items():
        other = today.tables[kind]
        for name in table.column_names:
            a, b = table[name].to_pylist(), other[name].to_pylist()
            if name in g.TIME_COLUMNS:
                assert [
                    None if x is None else x + shift for x in g.parse_times(table[name]).tolist()
                ] == [None if x is None else x for x in g.parse_times(other[name]).tolist()], (
                    kind,
                    name,
                )
            else:
                assert a == b, (kind, name)
    last = max(g.parse_times(today.tables["orders"]["paid_at"]).dropna())
    assert today.end - 2 * g.DAY < last <= today.end
