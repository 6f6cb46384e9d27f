"""The contract of docs/import-formats.md, from both sides: what the generator writes loads
without a reject, the counters need no repair, and a second load changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from teamgraph.etl import generator
from teamgraph.etl.importer import load_file
from teamgraph.graph import Engine
from teamgraph.shop import Shop
from tests.conftest import new_shop_id

KINDS = ("customers", "distributors", "invitations", "bindings", "products", "orders",
         "refunds", "signals")  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_generated_files_load_cleanly_and_reload_unchanged(
    engine: Engine, tmp_path: Path, fmt: str
) -> None:
    data = generator.generate(
        customers=400, distributors=40, orders=300, seed=3, end=generator.END_MS
    )
    files = generator.write(data, tmp_path, fmt)  # type: ignore[arg-type]
    shop = Shop.create(engine, new_shop_id("g"), generator.SETTINGS)
    try:
        for kind in KINDS:
            result = load_file(shop, kind, files[kind])
            assert (result.rejected, result.loaded) == (0, result.rows), result.summary()
        assert shop.recount() == []
        for kind in KINDS:
            again = load_file(shop, kind, files[kind])
            assert (again.loaded, again.unchanged) == (0, again.rows), again.summary()
    finally:
        shop.store.drop()
