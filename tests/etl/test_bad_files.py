"""The bad-file corpus (issue 14): import files that are broken, mis-encoded or full of bad
rows, through ``teamgraph load`` (docs/import-formats.md).

:data:`REFUSED` are files refused whole with an error code and nothing written; :data:`ROWS` are
files whose bad rows go to ``FILE.rejects.csv`` with their reason while the good rows load, and
nothing of a refused row is written. Both run in process (:func:`load_file`) on each engine,
against a seeded shop whose whole graph is compared before and after. Two runs of the CLI
check what a user sees (exit 1 with the code, exit 2 with the rejects file), one of them on a
100 MB file, with the peak memory of its process held to a bound (docs/reliability.md).
"""

from __future__ import annotations

import codecs
import csv
import random
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from teamgraph.errors import NotFound, ValidationError
from teamgraph.graph import Engine
from teamgraph.shop import Shop
from tests.conftest import ROOT, engine_env, new_shop_id, whole_graph
from tests.etl.conftest import load, rejects, write_csv
from tests.shop.conftest import T0, ShopFactory

HOUR = 3_600_000
ORDER_HEADER = ["id", "customer_id", "paid_at", "product_id", "paid_fen"]
Writer = Callable[[Path], Path]


def _bytes(name: str, data: bytes) -> Writer:
    def write(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(data)
        return path

    return write


def _csv(header: list[str], rows: list[list[Any]], encoding: str = "utf-8") -> Writer:
    return lambda tmp: write_csv(tmp / "file.csv", header, rows, encoding=encoding)


def _text(name: str, text: str) -> Writer:
    return _bytes(name, text.encode("utf-8"))


@dataclass(frozen=True)
class Refused:
    """A file refused whole: the error code, and nothing written."""

    name: str
    kind: str
    write: Writer
    code: str
    options: dict[str, Any] = field(default_factory=dict)


JUNK = random.Random(14).randbytes(8 * 1024)
"""A binary file (what a renamed .zip, image or database dump looks like to the reader)."""

REFUSED = [
    Refused("binary renamed .csv", "customers", _bytes("file.csv", JUNK), "import.encoding"),
    Refused("binary renamed .jsonl", "customers", _bytes("file.jsonl", JUNK), "import.encoding"),
    Refused("GBK read as UTF-8", "customers", _csv(["id", "name"], [["g1", "王伟"]], "gbk"),
            "import.encoding", {"encoding": "utf-8"}),
    Refused("unknown encoding", "customers", _csv(["id"], [["g1"]]), "import.encoding",
            {"encoding": "klingon"}),
    Refused("no id column", "customers", _csv(["name", "phone"], [["Ann", "13800138000"]]),
            "import.columns"),
    Refused("orders without paid_fen", "orders",
            _csv(ORDER_HEADER[:-1], [["o9", "c1", T0, "p1"]]), "import.columns"),
    Refused("refunds without at", "refunds", _csv(["id", "order_id", "amount_fen"],
                                                  [["r9", "o1", 100]]), "import.columns"),
    # found a bug: pandas read the first two cells of a long first row as an index and loaded
    # the cells after them ("extra", "more") as a customer
    Refused("first row longer than the header", "customers",
            _text("file.csv", "id,name\nc8,Ann,extra,more\nc9,Bo\n"), "import.unreadable"),
    # found a bug: a later long row, a quote never closed, an empty file, a workbook or Parquet
    # file that is none were Python tracebacks, not an error with its code
    Refused("a later row longer than the header", "customers",
            _text("file.csv", "id,name\nc8,Ann\nc9,Bo,Jr.\n"), "import.unreadable"),
    Refused("quote never closed", "customers", _text("file.csv", 'id,name\nc8,"Ann\nc9,Bo\n'),
            "import.unreadable"),
    Refused("xlsx that is no workbook", "customers", _text("file.xlsx", "id,name\nc8,Ann\n"),
            "import.unreadable"),
    Refused("xlsx that is a zip of junk", "customers",
            _bytes("file.xlsx", b"PK\x05\x06" + b"\x00" * 18), "import.unreadable"),
    Refused("parquet that is no parquet", "customers", _text("file.parquet", "id\nc8\n"),
            "import.unreadable"),
    Refused("unknown format", "customers", _text("file.exe", "MZ"), "import.format"),
]  # fmt: skip


@dataclass(frozen=True)
class Rows:
    """A file read row by row: how many rows load and, in order, the start of each refused
    row's reason in the rejects file; ``absent`` ids a refused row must not have written."""

    name: str
    kind: str
    write: Writer
    loaded: int
    reasons: list[str]
    absent: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)


def _orders(*rows: list[Any]) -> Writer:
    return _csv(ORDER_HEADER, [list(r) for r in rows])


ROWS = [
    Rows("empty file", "customers", _bytes("file.csv", b""), 0, []),
    Rows("blank lines only", "customers", _bytes("file.csv", b"\n\r\n\n"), 0, []),
    Rows("header only", "customers", _bytes("file.csv", b"id,name\n"), 0, []),
    Rows("empty JSON Lines", "customers", _bytes("file.jsonl", b""), 0, []),
    Rows("GBK detected", "customers", _csv(["id", "name"], [["g1", "王伟"], ["g2", "李娜"]],
                                           "gbk"), 2, []),
    Rows("UTF-8 with BOM", "customers",
         _bytes("file.csv", codecs.BOM_UTF8 + "id,name\ng1,王伟\n".encode()), 1, []),
    Rows("UTF-16 with BOM", "customers", _bytes("file.csv", "id,name\ng1,王伟\n".encode("utf-16")),
         1, []),
    Rows("Latin-1", "customers", _bytes("file.csv", "id,name\ng1,Café\n".encode("latin-1")),
         1, []),
    Rows("ids the id rule refuses", "customers",
         _csv(["id", "name"], [["g\x01", "x"], ["   ", "x"], ["g\u200b", "x"], ["g\u202e", "x"],
                               ["x" * 129, "x"], ["g1", "ok"]]),
         1, ["id:", "missing id", "id:", "id:", "id:"], absent=["g\x01", "g\u200b"]),
    Rows("NUL byte in an id", "customers", _bytes("file.csv", b"id,name\ng\x001,x\ng1,ok\n"), 1,
         ["id:"]),
    Rows("same id, other content", "customers",  # the first kept, the others refused (E-1)
         _csv(["id", "name"], [["g1", "Ann"], ["g1", "Bob"], ["g2", "Cy"]]), 2,
         ["id repeats row 1 with other values"]),
    Rows("times without a zone", "customers",
         _csv(["id", "joined_at"], [["g1", "2026-01-01 09:00"], ["g2", "2026-01-01T09:00:00"],
                                    ["g3", "2026-01-01T09:00:00+08:00"]]),
         1, ["joined_at:", "joined_at:"], absent=["g1", "g2"]),
    Rows("times without a zone, --tz given", "customers",
         _csv(["id", "joined_at"], [["g1", "2026-01-01 09:00"]]), 1, [],
         options={"tz": "Asia/Shanghai"}),
    # found a bug: years 1 and 3000 written as text loaded (the range held for epoch ms only)
    Rows("times out of range", "customers",
         _csv(["id", "joined_at"], [["g1", "0001-01-01T00:00:00+08:00"],
                                    ["g2", "3000-06-01T00:00:00+00:00"], ["g3", "-1"],
                                    ["g4", "10000000000000000000"], ["g5", "yesterday"]]),
         0, ["joined_at:"] * 5, absent=["g1", "g5"]),
    # found a bug: 10^20 fen loaded (and a quantity of 10^20, below)
    Rows("absurd amounts", "orders",
         _orders(["o-neg", "c1", T0 + HOUR, "p1", -100], ["o-big", "c1", T0 + HOUR, "p1", 10**20],
                 ["o-float", "c1", T0 + HOUR, "p1", "12.50"],
                 ["o-exp", "c1", T0 + HOUR, "p1", "1e3"], ["o-text", "c1", T0 + HOUR, "p1", "abc"],
                 ["o-ok", "c1", T0 + HOUR, "p1", 100]),
         1, ["paid_fen:"] * 5, absent=["o-neg", "o-big", "o-float"]),
    Rows("absurd quantities", "orders", _csv([*ORDER_HEADER, "qty"], [
        ["o-q0", "c1", T0 + HOUR, "p1", 100, 0], ["o-qbig", "c1", T0 + HOUR, "p1", 100, 10**20],
        ["o-qf", "c1", T0 + HOUR, "p1", 100, "1.5"]]), 0, ["qty:"] * 3),
    Rows("yuan with a third decimal", "orders",
         _orders(["o-y", "c1", T0 + HOUR, "p1", "12.345"], ["o-ok", "c1", T0 + HOUR, "p1", "1.5"]),
         1, ["paid_fen:"], absent=["o-y"], options={"money": "yuan"}),
    Rows("unknown customer", "orders",
         _orders(["o-ghost", "ghost", T0 + HOUR, "p1", 100], ["o-ok", "c1", T0 + HOUR, "p1", 100]),
         1, ["unknown customer_id ghost"], absent=["o-ghost"]),
    Rows("same order id, other content", "orders",
         _orders(["o1", "c1", T0 + 2 * HOUR, "p1", 999]), 0, ["R-3.12 event.conflict"]),
    Rows("refund of an unknown order, more than paid", "refunds",
         _csv(["id", "order_id", "amount_fen", "at"], [["r-ghost", "ghost", 1, T0 + 2 * HOUR],
                                                       ["r-much", "o1", 10**6, T0 + 2 * HOUR],
                                                       ["r-neg", "o1", -1, T0 + 2 * HOUR]]),
         0, ["unknown order_id ghost", "R-3.11 refund.too_much", "amount_fen:"]),
    Rows("binding to an unknown distributor, to itself", "bindings",
         _csv(["customer_id", "distributor_id", "since"], [["c1", "ghost", T0],
                                                           ["d1", "d1", T0]]),
         0, ["unknown distributor_id ghost", "R-1.8"]),
    Rows("JSON Lines with lines that are no object", "customers",
         _text("file.jsonl", '{"id": "g1"}\n[1, 2]\nnot json\n"g2"\n{"id": "g3"}\n'), 2,
         ["not a JSON object", "not JSON", "not a JSON object"]),
]  # fmt: skip


# -- the shop the files go into ------------------------------------------------------------------
def seeded(make_shop: ShopFactory) -> Shop:
    """A distributor d1, its client c1 with an order o1 of 10,000 fen, a product p1."""
    shop = make_shop()
    shop.create_customer("d1", now=T0)
    shop.apply("d1", now=T0)
    shop.visit("c1", "d1", at=T0 + 1, now=T0 + 1)
    shop.upsert_product("p1", name="茶", price_fen=1000, now=T0)
    shop.place_order("o1", "c1", [{"product_id": "p1", "paid_fen": 10_000}], paid_at=T0 + HOUR,
                     now=T0 + HOUR)  # fmt: skip
    return shop


def exists(shop: Shop, kind: str, key: str) -> bool:
    read = shop.order if kind == "orders" else shop.customer
    try:
        read(key, now=T0 + 10 * HOUR)
    except (NotFound, ValidationError):  # an id the id rule refuses is no id of the shop
        return False
    return True


# -- the tests -------------------------------------------------------------------------------------
def test_the_corpus_is_a_table_of_distinct_files() -> None:
    names = [f.name for f in [*REFUSED, *ROWS]]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("bad", REFUSED, ids=[f.name for f in REFUSED])
def test_a_broken_file_is_refused_whole_and_nothing_written(
    make_shop: ShopFactory, tmp_path: Path, bad: Refused
) -> None:
    shop = seeded(make_shop)
    before = whole_graph(shop.store)
    path = bad.write(tmp_path)
    with pytest.raises(ValidationError) as info:
        load(shop, bad.kind, path, now=T0 + 10 * HOUR, **bad.options)
    assert info.value.code == bad.code, info.value
    assert whole_graph(shop.store) == before
    assert not path.with_name(path.name + ".rejects.csv").exists()


@pytest.mark.parametrize("bad", ROWS, ids=[f.name for f in ROWS])
def test_bad_rows_are_rejected_with_their_reason_and_nothing_of_them_written(
    make_shop: ShopFactory, tmp_path: Path, bad: Rows
) -> None:
    shop = seeded(make_shop)
    before = shop.counts()
    path = bad.write(tmp_path)
    result = load(shop, bad.kind, path, now=T0 + 10 * HOUR, **bad.options)
    reasons = [r["_reason"] for r in rejects(result)]
    assert (result.loaded, result.rejected) == (bad.loaded, len(bad.reasons)), reasons
    assert len(reasons) == len(bad.reasons)
    for reason, start in zip(reasons, bad.reasons, strict=True):
        assert reason.startswith(start), reasons
    assert (result.rejects is None) == (not bad.reasons)
    grown = {k: shop.counts()[k] - n for k, n in before.items()}
    key = "orders" if bad.kind == "orders" else "customers"
    assert grown == {"customers": 0, "distributors": 0, "orders": 0} | (
        {key: bad.loaded} if bad.kind in ("customers", "orders") else {}
    )
    for key_ in bad.absent:
        assert not exists(shop, bad.kind, key_), key_


# -- the CLI, and a 100 MB file --------------------------------------------------------------------
PEAK = "import resource, subprocess, sys; rc = subprocess.run(sys.argv[1:]).returncode; " \
       "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); " \
       "sys.exit(rc)"  # fmt: skip
"""Runs the command given and prints its peak resident memory (KiB, Linux) as the last line of
stderr: measured in a parent of its own, whose only child is the command."""
BIG = 100 * 1024 * 1024
PEAK_BOUND_KIB = 1_500_000
"""1.5 GB: the bound on the peak memory of loading the 100 MB file (measured: about 0.65 GB,
docs/reliability.md "Bad input")."""


def load_cli(
    engine: Engine, data: Path, shop: str, kind: str, path: Path
) -> tuple[subprocess.CompletedProcess[str], int]:
    """``teamgraph load KIND PATH --shop SHOP`` in its own process; its peak RSS in KiB."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK, sys.executable, "-m", "teamgraph", "load", kind, str(path),
         "--shop", shop],
        env=engine_env(engine, data), cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    *lines, peak = done.stderr.strip().splitlines()
    done.stderr = "\n".join(lines)
    return done, int(peak)


def test_cli_refuses_a_100_mb_file_early_with_bounded_memory(
    embedded_engine: Engine, data_dir: Path, tmp_path: Path
) -> None:
    """A 100 MB file of a million lines without the id column: refused with exit 1 and its code
    once read, nothing written, no rejects file of 100 MB, the process's peak memory bounded."""
    shop = Shop.create(embedded_engine, new_shop_id("big"))
    try:
        path = tmp_path / "huge.csv"
        line = b"x" * 60 + b"," + b"y" * 39 + b"\n"
        with path.open("wb") as f:
            f.write(b"foo,bar\n")
            block = line * 10_000
            for _ in range(BIG // len(block) + 1):
                f.write(block)
        assert path.stat().st_size > BIG
        done, peak = load_cli(embedded_engine, data_dir, shop.id, "customers", path)
        assert done.returncode == 1, done.stderr
        assert "error: import.columns: the file has no column id" in done.stderr
        assert peak < PEAK_BOUND_KIB, f"peak RSS {peak} KiB"
        print(f"peak RSS loading {path.stat().st_size:,} bytes: {peak:,} KiB")
        assert shop.counts() == {"customers": 0, "distributors": 0, "orders": 0}
        assert not path.with_name(path.name + ".rejects.csv").exists()
    finally:
        shop.store.drop()


def test_cli_exits_2_with_the_rejects_file(
    embedded_engine: Engine, data_dir: Path, tmp_path: Path
) -> None:
    shop = Shop.create(embedded_engine, new_shop_id("rej"))
    try:
        path = write_csv(tmp_path / "people.csv", ["id", "joined_at"],
                         [["g1", "2026-01-01T09:00:00+08:00"], ["g\x01", ""],
                          ["g3", "2026-01-01 09:00"]])  # fmt: skip
        done, _ = load_cli(embedded_engine, data_dir, shop.id, "customers", path)
        assert done.returncode == 2, done.stderr
        assert "customers: 1 loaded, 0 unchanged, 2 rejected" in done.stdout
        assert "people.csv.rejects.csv" in done.stderr
        with path.with_name("people.csv.rejects.csv").open(encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
        assert [(r["_row"], r["_reason"].split(":")[0]) for r in rows] == [
            ("2", "id"),
            ("3", "joined_at"),
        ]
        assert shop.counts()["customers"] == 1
    finally:
        shop.store.drop()
