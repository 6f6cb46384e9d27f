"""The one table writer (teamgraph/sheets.py): every format, the formula safeguards (X-1 to X-3
in docs/choices.md) and the bank batch file's layout (R-5.3)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from teamgraph import sheets
from teamgraph.sheets import Column

FORMULAS = ['=HYPERLINK("http://x","点我")', "@SUM(A1:A2)", "+1", "-1+1", "-12.34", "\tx", "\rx"]
"""Text a spreadsheet would run as a formula in a CSV cell (``-12.34`` typed as free text)."""

COLUMNS = [
    Column("text"),
    Column("n", "int"),
    Column("yuan", "decimal"),
    Column("account"),
    Column("ok", "bool"),
]


def _rows() -> list[list[sheets.Cell]]:
    return [[f, -1234, "-12.34", "=cmd|' /C calc'!A0", True] for f in FORMULAS] + [
        ["张三", 7, "-1+1", "+8613800000000", False],
        [None, None, None, None, None],
    ]


def _csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_prefixes_formula_text_in_every_text_column_and_keeps_numbers() -> None:
    header, *rows = _csv(sheets.table_bytes("csv", COLUMNS, _rows()))
    assert header == ["text", "n", "yuan", "account", "ok"]
    for row, formula in zip(rows, FORMULAS, strict=False):
        assert row[0] == "'" + formula  # text, whatever follows the first character
        assert row[1] == "-1234"  # a number is data
        assert row[2] == "-12.34"  # a decimal column's plain number is data
        assert row[3] == "'=cmd|' /C calc'!A0"  # an account is text like any other
        assert row[4] == "true"
    assert rows[-2] == ["张三", "7", "'-1+1", "'+8613800000000", "false"]  # not a number: text
    assert rows[-1] == ["", "", "", "", ""]


def test_csv_guards_the_header_too() -> None:
    header, row = _csv(sheets.table_bytes("csv", ["=1+1", "name"], [["a", "b"]]))
    assert header == ["'=1+1", "name"] and row == ["a", "b"]


def test_xlsx_cells_are_typed_and_text_is_never_a_formula() -> None:
    data = sheets.table_bytes("xlsx", COLUMNS, _rows(), sheet="t")
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert values[0] == ["text", "n", "yuan", "account", "ok"]
    texts = [r[0] for r in values[1 : len(FORMULAS) + 1]]
    assert texts == [*FORMULAS[:-1], "\nx"]  # XML reads a carriage return back as a line feed
    for r in ws.iter_rows(min_row=2, max_row=len(FORMULAS) + 1):
        assert (r[0].data_type, r[1].value, r[2].value, r[4].value) == ("s", -1234, -12.34, True)
        assert r[2].data_type == "n"  # issue 17: a decimal column's number is a number cell
        assert r[3].value == "=cmd|' /C calc'!A0" and r[3].data_type == "s"
        # Excel's quote prefix keeps formula-like text text even when it is edited; a
        # decimal column's plain number and an ordinary text need none
        assert (r[0].quotePrefix, r[2].quotePrefix, r[3].quotePrefix) == (True, False, True)
    plain = next(ws.iter_rows(min_row=len(FORMULAS) + 2, max_row=len(FORMULAS) + 2))
    assert [c.value for c in plain] == ["张三", 7, "-1+1", "+8613800000000", False]
    assert [c.quotePrefix for c in plain] == [False, False, True, True, False]
    assert not [c for r in ws.iter_rows() for c in r if c.data_type == "f"]
    assert ws.freeze_panes == "A2"


def test_xlsx_drops_characters_xml_cannot_hold() -> None:
    data = sheets.xlsx_bytes(["name"], [["a\x00b\x1fc"]], sheet="x/y:z")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.active["A2"].value == "abc" and wb.active.title == "x-y-z"


def test_parquet_keeps_every_value_exactly(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    assert sheets.write_table(path, "parquet", COLUMNS, _rows()) == len(_rows())
    table = pq.read_table(path)
    assert table.schema.types == [pa.string(), pa.int64(), pa.string(), pa.string(), pa.bool_()]
    assert table.column("text").to_pylist()[: len(FORMULAS)] == FORMULAS


def test_csv_bytes_and_xlsx_bytes_are_the_writer_by_header_names() -> None:
    rows: list[list[sheets.Cell]] = [["=A1", "ok"]]
    text = sheets.csv_bytes(["a", "b"], rows)
    assert text == sheets.table_bytes("csv", [Column("a"), Column("b")], rows)
    assert _csv(text)[1] == ["'=A1", "ok"]
    book = openpyxl.load_workbook(io.BytesIO(sheets.xlsx_bytes(["=h", "b"], rows, sheet="s")))
    assert [(c.value, c.quotePrefix) for r in book.active.iter_rows() for c in r] == [
        ("=h", True),
        ("b", False),
        ("=A1", True),
        ("ok", False),
    ]


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(1)", "\t1", "\r1", "=cmd|'/C calc'!A0"])
def test_x1_one_test_says_what_a_spreadsheet_runs(text: str) -> None:
    assert sheets.starts_formula(text) and sheets.safe_text(text) == "'" + text
    assert not sheets.starts_formula("'" + text)


@pytest.mark.parametrize("text", ["6222021234567890", "c1@example.cn", "13800000000", "张三", ""])
def test_x1_ordinary_text_is_left_as_it_is(text: str) -> None:
    assert not sheets.starts_formula(text) and sheets.safe_text(text) == text


def test_an_unknown_format_is_refused() -> None:
    from teamgraph.errors import ValidationError

    with pytest.raises(ValidationError, match="format is one of csv, xlsx, parquet"):
        sheets.table_bytes("pdf", ["a"], [])


def test_arrow_tables_are_guarded_in_csv_and_exact_in_parquet(tmp_path: Path) -> None:
    table = pa.table(
        {"id": ["a", "=1+1", None, "@x"], "n": [1, -2, 3, 4], "t": ["2026-01-01", "x", "y", "z"]}
    )
    sheets.write_arrow(table, tmp_path / "t.csv", "csv")
    raw = (tmp_path / "t.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = _csv(raw)
    assert [r[0] for r in rows] == ["id", "a", "'=1+1", "", "'@x"]
    assert [r[1] for r in rows] == ["n", "1", "-2", "3", "4"]
    sheets.write_arrow(table, tmp_path / "t.parquet", "parquet")
    assert pq.read_table(tmp_path / "t.parquet").equals(table)


def test_arrow_screening_reads_sliced_chunks_and_large_strings(tmp_path: Path) -> None:
    chunks = pa.chunked_array([pa.array(["=x", "a", "b"]).slice(1), pa.array(["", "c", "+1"])])
    big = pa.array(["a", "-b", "a", "-b", "a"], pa.large_string())
    table = pa.table({"s": chunks, "big": big})
    sheets.write_arrow(table, tmp_path / "t.csv", "csv")
    rows = _csv((tmp_path / "t.csv").read_bytes())
    assert [r[0] for r in rows] == ["s", "a", "b", "", "c", "'+1"]
    assert [r[1] for r in rows] == ["big", "a", "'-b", "a", "'-b", "a"]
    clean = pa.table({"s": pa.array(["=x", "a"]).slice(1)})
    sheets.write_arrow(clean, tmp_path / "c.csv", "csv")  # the sliced-off "=x" is not read
    assert _csv((tmp_path / "c.csv").read_bytes()) == [["s"], ["a"]]


def test_the_bank_batch_columns_are_typed() -> None:
    cols = {c.name: c for c in sheets.batch_columns()}
    assert tuple(cols) == sheets.BATCH_COLUMNS
    assert cols["account"].kind == "str"  # guarded like any text
    assert {n for n, c in cols.items() if c.kind == "int"} == {"amount_fen", "tax_fen", "net_fen"}
    assert {n for n, c in cols.items() if c.kind == "decimal"} == {
        "amount_yuan",
        "tax_yuan",
        "net_yuan",
    }
    assert [c.name for c in sheets.batch_columns(leave_out={"tax_yuan"})] == [
        n for n in sheets.BATCH_COLUMNS if n != "tax_yuan"
    ]


def test_r5_3_batch_row_carries_every_batch_column_in_fen_and_yuan() -> None:
    w = {
        "id": "w1",
        "distributor_id": "d1",
        "holder": "王芳",
        "account": "6222021000001234",
        "account_masked": "6222 **** 1234",
        "amount_fen": 12_345,
        "tax_fen": 1_235,
        "net_fen": 11_110,
        "method": "bank",
        "status": "approved",
    }
    row = sheets.batch_row(w, "2026-11-25 10:00")
    assert tuple(row) == sheets.BATCH_COLUMNS
    assert (row["amount_yuan"], row["tax_yuan"], row["net_yuan"]) == ("123.45", "12.35", "111.10")
    assert row["account"] == "6222021000001234" and row["holder"] == "王芳"
    assert sheets.batch_row(w | {"holder": None}, None)["holder"] == ""
    assert (row["approved_at"], row["paid_at"]) == (None, None)  # not yet approved nor paid
    later = sheets.batch_row(w, "2026-11-25 10:00", "2026-11-25 11:00", "2026-11-26 09:00")
    assert (later["approved_at"], later["paid_at"]) == ("2026-11-25 11:00", "2026-11-26 09:00")
