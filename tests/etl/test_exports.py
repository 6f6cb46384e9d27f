"""File exports (issue #5): every export in every format reads back with the reader a merchant
would use, Chinese survives, money is integer fen plus a yuan string, pages join seamlessly."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from teamgraph.config import Settings
from teamgraph.errors import NotFound, ValidationError
from teamgraph.etl import demo, exports
from teamgraph.graph import Engine, connect
from teamgraph.shop import Shop
from tests.conftest import ROOT, new_shop_id
from tests.formulas import FORMULAS, assert_inert_csv, assert_inert_xlsx

T0 = 1_767_196_800_000  # 2026-01-01T00:00+08:00
DAY = 86_400_000
NOW = T0 + 30 * DAY
ACCOUNT = "6222021234567890123"  # 19 digits: a spreadsheet number would lose some
FORMULA_NAME = '=HYPERLINK("http://x","点我")'


def _populate(shop: Shop) -> str:
    """The demo shop plus orders, a refund and a withdrawal; returns the richest distributor."""
    demo.load(shop, demo.generate(120, 12, seed=3))
    shop.upsert_product("p1", name="精华液", price_fen=19900, cost_fen=8000, now=T0)
    shop.create_customer("c-eq", name=FORMULA_NAME, now=T0)
    buyers = ["c000050", "c000051", "c000060", "c000070", "c000080", "c000090", "c000100"]
    for i, c in enumerate([*buyers, "c-eq"]):
        paid = T0 + 20 * DAY + i
        shop.record_order(f"o{i}", c, [{"product_id": "p1", "qty": 2, "paid_fen": 39800}],
                          paid_at=paid, now=paid)  # fmt: skip
        shop.complete_order(f"o{i}", at=T0 + 21 * DAY, now=T0 + 21 * DAY)
    shop.refund("o1", "r1", 10_001, at=T0 + 22 * DAY, now=T0 + 22 * DAY)
    totals: dict[str, int] = {}
    for row in shop.store.read("ledger.all_totals"):
        totals[row["distributor_id"]] = totals.get(row["distributor_id"], 0) + row["amount"]
    rich = max(totals, key=lambda d: totals[d])
    shop.request_withdrawal(rich, 501, "bank", ACCOUNT, holder="张三", now=NOW)
    shop.request_withdrawal(rich, 700, "bank", ACCOUNT, holder="张三", now=NOW + 1)
    return rich


@pytest.fixture(scope="module")
def shop(engine: Engine) -> Iterator[Shop]:
    s = Shop.create(engine, new_shop_id("x"), None, now=T0)
    s.rich = _populate(s)  # type: ignore[attr-defined]
    yield s
    s.store.drop()


CASES = [("distributors", None), ("team", "c000000"), ("ledger", "rich"), ("withdrawals", None),
         ("orders", None)]  # fmt: skip


def _args(shop: Shop, did: str | None) -> str | None:
    return shop.rich if did == "rich" else did  # type: ignore[attr-defined]


def read_back(path: Path, fmt: str) -> list[list[str]]:
    """Header and rows as text, with the reader of each format."""
    if fmt == "csv":
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str,
                            keep_default_na=False)  # fmt: skip
        return [list(frame.columns), *frame.to_numpy().tolist()]
    if fmt == "xlsx":
        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            raw_rows = list(wb.worksheets[0].iter_rows(values_only=True))
        finally:
            wb.close()
        names = [str(c) for c in raw_rows[0]]
        # yuan are number cells (issue 17): 796 reads back as the "796.00" the CSV holds
        rows = [
            [
                f"{c:.2f}"
                if names[i].endswith("_yuan") and isinstance(c, int | float)
                else _text(c)
                for i, c in enumerate(r)
            ]
            for r in raw_rows
        ]
        width = len(rows[0])  # trailing empty cells are not stored
        return [r + [""] * (width - len(r)) for r in rows]
    table = pq.read_table(path)
    return [table.column_names, *[[_text(v) for v in r.values()] for r in table.to_pylist()]]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.mark.parametrize(("kind", "did"), CASES)
def test_every_export_reads_back_the_same_in_every_format(
    shop: Shop, tmp_path: Path, kind: str, did: str | None
) -> None:
    did = _args(shop, did)
    tables = {}
    for fmt in exports.FORMATS:
        path, n = exports.export(shop, kind, tmp_path / f"{kind}.{fmt}", fmt,
                                 distributor_id=did, now=NOW)  # fmt: skip
        assert n > 0 and path.exists() and not path.with_name(path.name + ".part").exists()
        tables[fmt] = read_back(path, fmt)
        assert len(tables[fmt]) == n + 1
    header = [c.name for c in exports.build(shop, kind, distributor_id=did, now=NOW).columns]
    csv_rows = [[c[1:] if c.startswith("'=") else c for c in r] for r in tables["csv"]]
    assert tables["csv"][0] == tables["xlsx"][0] == tables["parquet"][0] == header
    assert csv_rows == tables["xlsx"] == tables["parquet"]


def test_counts_match_the_shop(shop: Shop, tmp_path: Path) -> None:
    def rows(kind: str, did: str | None = None) -> list[dict[str, str]]:
        path, _ = exports.export(shop, kind, tmp_path / f"{kind}.csv", distributor_id=did, now=NOW)
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))

    assert len(rows("distributors")) == shop.counts()["distributors"] == 12
    assert len(rows("orders")) == shop.counts()["orders"] == 8
    team = shop.team("c000000", now=NOW)
    members = rows("team", "c000000")
    assert len(members) == team["team_size"]
    by_depth = pd.Series([int(m["depth"]) for m in members]).value_counts().sort_index()
    assert [{"depth": d, "distributors": n} for d, n in by_depth.items()] == team["by_depth"]
    ledger = rows("ledger", shop.rich)  # type: ignore[attr-defined]
    kinds = {e["kind"] for e in ledger}
    assert {"reward", "clawback", "withdrawal"} <= kinds
    totals = shop.store.read("ledger.totals", id=shop.rich)  # type: ignore[attr-defined]
    assert sum(int(e["amount_fen"]) for e in ledger) == sum(
        t["amount"] for t in totals if t["unit"] == "fen"
    )
    assert len(ledger) == sum(t["entries"] for t in totals)
    assert rows("orders", shop.rich) == [  # type: ignore[attr-defined]
        o
        for o in rows("orders")
        if o["attributed_to"] == shop.rich  # type: ignore[attr-defined]
    ]
    assert sorted(w["amount_fen"] for w in rows("withdrawals")) == ["501", "700"]


def test_money_is_integer_fen_and_a_yuan_string(shop: Shop, tmp_path: Path) -> None:
    path, _ = exports.export(shop, "orders", tmp_path / "o.parquet", "parquet", now=NOW)
    table = pq.read_table(path)
    for name in table.column_names:
        if name.endswith("_fen"):
            assert table.schema.field(name).type == pa.int64()
            yuan = table.column(name.removesuffix("_fen") + "_yuan").to_pylist()
            fen = table.column(name).to_pylist()
            assert yuan == [exports.yuan(x) for x in fen]
    assert not any(pa.types.is_floating(t) for t in table.schema.types)
    refunded = dict(zip(table.column("order_id").to_pylist(),
                        table.column("refunded_yuan").to_pylist(), strict=True))  # fmt: skip
    assert refunded["o1"] == "100.01"
    ledger, _ = exports.export(shop, "ledger", tmp_path / "l.csv", distributor_id=shop.rich,  # type: ignore[attr-defined]
                               now=NOW)  # fmt: skip
    text = ledger.read_text("utf-8-sig")
    assert ",-5.01," in text or ",-7.00," in text  # negative yuan stays a plain number
    assert "'-" not in text
    assert (
        exports.yuan(1234) == "12.34" and exports.yuan(-5) == "-0.05" and exports.yuan(0) == "0.00"
    )
    with pytest.raises(TypeError):
        exports.yuan(1.5)  # type: ignore[arg-type]


def test_chinese_survives_csv_and_xlsx(shop: Shop, tmp_path: Path) -> None:
    name = shop.distributor("c000000", now=NOW)["name"]
    assert name and all("\u4e00" <= ch <= "\u9fff" for ch in name)
    path, _ = exports.export(shop, "distributors", tmp_path / "d.csv", now=NOW)
    raw = path.read_bytes()
    assert raw[:3] == b"\xef\xbb\xbf" and name.encode("utf-8") in raw
    assert raw.decode("utf-8-sig").splitlines()[1].split(",")[1] == name
    path, _ = exports.export(shop, "distributors", tmp_path / "d.xlsx", "xlsx", now=NOW)
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert ws["B2"].value == name and ws.freeze_panes == "A2"
    wpath, _ = exports.export(shop, "withdrawals", tmp_path / "w.xlsx", "xlsx", now=NOW)
    ws = openpyxl.load_workbook(wpath).worksheets[0]
    header = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(header, ws[2], strict=True)}
    assert row["holder"].value == "张三"
    assert row["account"].value == ACCOUNT and row["account"].data_type == "s"


def test_formulas_are_text_everywhere(shop: Shop, tmp_path: Path) -> None:
    path, _ = exports.export(shop, "orders", tmp_path / "o.csv", now=NOW)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        names = {r["order_id"]: r["customer_name"] for r in csv.DictReader(fh)}
    assert names["o7"] == "'" + FORMULA_NAME
    path, _ = exports.export(shop, "orders", tmp_path / "o.xlsx", "xlsx", now=NOW)
    ws = openpyxl.load_workbook(path).worksheets[0]
    cells = [c for c in ws["C"] if c.value == FORMULA_NAME]
    assert len(cells) == 1 and cells[0].data_type == "s"
    wpath, _ = exports.export(shop, "withdrawals", tmp_path / "w.csv", now=NOW)
    assert f",{ACCOUNT}," in wpath.read_text("utf-8-sig")  # exactly: the bank reads it (X-4)


@pytest.mark.parametrize(("kind", "did"), CASES)
def test_small_pages_give_the_same_rows(shop: Shop, kind: str, did: str | None) -> None:
    did = _args(shop, did)
    whole = list(exports.build(shop, kind, distributor_id=did, now=NOW).rows)
    paged = list(exports.build(shop, kind, distributor_id=did, page=2, now=NOW).rows)
    assert paged == whole and len(whole) >= 2


def test_wrong_requests_fail_before_writing(shop: Shop, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    with pytest.raises(ValidationError, match="needs --distributor"):
        exports.export(shop, "team", out)
    with pytest.raises(ValidationError, match="needs --distributor"):
        exports.export(shop, "ledger", out)
    with pytest.raises(ValidationError):
        exports.export(shop, "distributors", out, distributor_id="c000000")
    with pytest.raises(ValidationError):
        exports.export(shop, "orders", out, status="paid")
    with pytest.raises(ValidationError):
        exports.export(shop, "bogus", out)
    with pytest.raises(ValidationError):
        exports.export(shop, "orders", out, "pdf")
    with pytest.raises(NotFound):
        exports.export(shop, "team", out, distributor_id="nobody")
    with pytest.raises(NotFound):
        exports.export(shop, "ledger", out, distributor_id="nobody")
    assert not out.exists() and not list(tmp_path.iterdir())


def test_an_empty_table_is_a_header_in_every_format(tmp_path: Path) -> None:
    cols = [exports.Column("id"), exports.Column("n", "int"), exports.Column("ok", "bool")]
    for fmt in exports.FORMATS:
        data = exports.table_bytes(fmt, cols, [])
        (tmp_path / f"e.{fmt}").write_bytes(data)
        assert read_back(tmp_path / f"e.{fmt}", fmt) == [["id", "n", "ok"]]
    parquet = pq.read_table(tmp_path / "e.parquet")
    assert parquet.schema.types == [pa.string(), pa.int64(), pa.bool_()]


def test_export_on_the_command_line(tmp_path: Path) -> None:
    engine = connect(Settings(TEAMGRAPH_DATA=str(tmp_path)))  # the CLI attaches to it
    try:
        shop = Shop.create(engine, "acme", None, now=T0)
        demo.load(shop, demo.generate(60, 8, seed=5))
        out = tmp_path / "team.xlsx"
        proc = subprocess.run(
            [sys.executable, "-m", "teamgraph", "export", "team", "--shop", "acme",
             "--distributor", "c000000", "--out", str(out)],
            env=dict(os.environ, TEAMGRAPH_DATA=str(tmp_path)),
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == str(out)
        rows = read_back(out, "xlsx")  # the format follows --out
        assert len(rows) - 1 == shop.team("c000000")["team_size"]
        assert f"{len(rows) - 1} rows" in proc.stderr
        missing = subprocess.run(
            [sys.executable, "-m", "teamgraph", "export", "ledger", "--shop", "acme"],
            env=dict(os.environ, TEAMGRAPH_DATA=str(tmp_path)),
            cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert missing.returncode == 1 and "export.distributor" in missing.stderr
    finally:
        engine.close()


@pytest.fixture(scope="module")
def rigged(engine: Engine) -> Iterator[Shop]:
    """A shop whose text is formula-like wherever a merchant's data reaches an export: the
    names of customers and distributors, product ids (ledger lines), withdrawal holders."""
    s = Shop.create(engine, new_shop_id("f"), {"withdrawal": {"max_count": 10}}, now=T0)
    s.create_customer("root", name="根", now=T0)
    s.apply("root", now=T0)
    for i, text in enumerate(FORMULAS):
        s.visit(f"f{i}", "root", name=text, at=T0 + i + 1, now=T0 + i + 1)
        s.upsert_product(text, name=text, price_fen=10_000, now=T0)
        paid = T0 + DAY + i
        s.record_order(f"o{i}", f"f{i}", [{"product_id": text, "qty": 1, "paid_fen": 10_000}],
                       paid_at=paid, now=paid)  # fmt: skip
        s.complete_order(f"o{i}", at=T0 + 2 * DAY, now=T0 + 2 * DAY)
        s.apply(f"f{i}", now=T0 + 3 * DAY)  # in root's team
    for i, text in enumerate(FORMULAS):
        s.request_withdrawal("root", 100, "bank", ACCOUNT, holder=text, now=NOW + i)
    yield s
    s.store.drop()


@pytest.mark.parametrize(("kind", "did"), [(k, "root" if d else None) for k, d in CASES])
def test_every_export_path_writes_formulas_inert(
    rigged: Shop, tmp_path: Path, kind: str, did: str | None
) -> None:
    """X-1..X-3: ``=HYPERLINK(...)``, ``@SUM(..)``, ``+1`` and ``-2+3`` from the shop's data are
    prefixed text in CSV and text cells in xlsx, in every export; Parquet keeps them exactly."""
    files = {}
    for fmt in exports.FORMATS:
        path, _ = exports.export(rigged, kind, tmp_path / f"{kind}.{fmt}", fmt,
                                 distributor_id=did, now=NOW + DAY)  # fmt: skip
        files[fmt] = path.read_bytes()
    assert_inert_csv(files["csv"])
    assert_inert_xlsx(files["xlsx"])
    parquet = pq.read_table(io.BytesIO(files["parquet"])).to_pylist()
    assert set(FORMULAS) <= {v for row in parquet for v in row.values()}
