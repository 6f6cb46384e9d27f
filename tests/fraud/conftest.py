"""Fraud tests: shops on the real embedded engine (the shop-level factory of tests/shop) and
generator shops with planted rings, loaded through the importer as ``teamgraph load`` does."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from teamgraph.etl import generator, importer
from teamgraph.graph import Engine
from teamgraph.shop import Shop
from tests.shop.conftest import make_shop  # noqa: F401  (the fixture, shared)


def load_generated(
    engine: Engine,
    shop_id: str,
    out: Path,
    *,
    customers: int,
    distributors: int,
    orders: int,
    seed: int,
    rings: int,
) -> tuple[Shop, pd.DataFrame]:
    """A generator shop written as files and loaded kind by kind; returns it and its labels."""
    data = generator.generate(customers, distributors, orders, seed, rings, generator.END_MS)
    paths = generator.write(data, out, "parquet")
    shop = Shop.create(engine, shop_id, generator.SETTINGS)
    for kind in generator.LOAD_ORDER:
        result = importer.load_file(shop, kind, paths[kind])
        assert result.rejected == 0, (kind, result.summary())
    return shop, data.tables["labels"].to_pandas()
