"""Every format and encoding reads the same rows: CSV (UTF-8, BOM, GBK), Excel, Parquet, JSON
Lines; Chinese names survive; --map renames columns."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from teamgraph.errors import ValidationError
from teamgraph.etl import read as reader
from tests.etl.conftest import counts, load, write_csv
from tests.shop.conftest import T0, ShopFactory

HEADER = ["id", "name", "phone", "joined_at", "groups"]
ROWS = [
    ["c1", "王伟", "13800000001", T0, "vip;new"],
    ["c2", "李娜", None, T0 + 1000, None],
    ["c3", "欧阳明月", None, None, None],
]


def _excel(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    book.save(path)
    return path


def _parquet(path: Path) -> Path:
    columns = list(zip(*ROWS, strict=True))
    table = pa.table(
        {
            "id": pa.array(columns[0], pa.string()),
            "name": pa.array(columns[1], pa.string()),
            "phone": pa.array(columns[2], pa.string()),
            "joined_at": pa.array(columns[3], pa.int64()),
            "groups": pa.array(columns[4], pa.string()),
        }
    )
    pq.write_table(table, path)
    return path


def _jsonl(path: Path) -> Path:
    lines = [json.dumps(dict(zip(HEADER, r, strict=True)), ensure_ascii=False) for r in ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


WRITERS = {
    "utf-8.csv": lambda p: write_csv(p, HEADER, ROWS),
    "bom.csv": lambda p: write_csv(p, HEADER, ROWS, encoding="utf-8-sig"),
    "gbk.csv": lambda p: write_csv(p, HEADER, ROWS, encoding="gbk"),
    "gb18030.csv": lambda p: write_csv(p, HEADER, ROWS, encoding="gb18030"),
    "sheet.xlsx": _excel,
    "table.parquet": _parquet,
    "lines.jsonl": _jsonl,
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_each_format_and_encoding_loads_the_same_customers(
    make_shop: ShopFactory, tmp_path: Path, name: str
) -> None:
    shop = make_shop()
    path = WRITERS[name](tmp_path / name)
    result = load(shop, "customers", path)
    assert counts(result) == (3, 0, 0), result.summary()
    assert result.rejects is None
    c1 = shop.customer("c1", now=T0 + 5000)
    assert (c1["name"], c1["joined_at"]) == ("王伟", T0)
    assert shop.customer("c3", now=T0 + 5000)["name"] == "欧阳明月"
    stored = shop.store.read("etl.customers_get", ids=["c1", "c2"])
    assert {r["id"]: r["groups"] for r in stored} == {"c1": ["vip", "new"], "c2": None}
    assert all(r["phone_hash"] != "13800000001" for r in stored)  # kept hashed
    assert counts(load(shop, "customers", path)) == (0, 3, 0)


def test_encoding_detection_and_override(tmp_path: Path) -> None:
    gbk = write_csv(tmp_path / "gbk.csv", HEADER, ROWS, encoding="gbk")
    table = reader.read(gbk)
    assert table.encoding == "gb18030"
    assert list(table.frame["name"]) == ["王伟", "李娜", "欧阳明月"]
    bom = write_csv(tmp_path / "bom.csv", HEADER, ROWS, encoding="utf-8-sig")
    assert reader.read(bom).columns[0] == "id"  # the BOM is not part of the first header
    assert reader.read(bom, encoding="utf-8").columns[0] == "id"
    assert reader.read(gbk, encoding="GBK").frame.at[0, "name"] == "王伟"
    with pytest.raises(ValidationError, match="not utf-8"):
        reader.read(gbk, encoding="utf-8")
    with pytest.raises(ValidationError, match="unknown encoding"):
        reader.read(gbk, encoding="klingon")
    with pytest.raises(ValidationError, match="unknown format"):
        reader.read(tmp_path / "x.xml")


def test_map_renames_source_columns(make_shop: ShopFactory, tmp_path: Path) -> None:
    shop = make_shop()
    path = write_csv(tmp_path / "users.csv", ["uid", "昵称"], [["u1", "小明"]])
    result = load(shop, "customers", path, mapping={"uid": "id", "昵称": "name"})
    assert counts(result) == (1, 0, 0)
    assert shop.customer("u1", now=T0)["name"] == "小明"
    with pytest.raises(ValidationError, match="no column 'nope'"):
        load(shop, "customers", path, mapping={"nope": "id"})
