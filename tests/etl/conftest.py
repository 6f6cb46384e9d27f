"""Import tests on the real embedded engine: fresh shops (``make_shop``), files written here."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from teamgraph.etl.importer import Options, Result, load_file
from teamgraph.shop import Shop
from tests.shop.conftest import make_shop

__all__ = ["make_shop"]


def write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str = "utf-8"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows([["" if c is None else c for c in r] for r in rows])
    return path


def load(shop: Shop, kind: str, path: Path, **options: Any) -> Result:
    return load_file(shop, kind, path, Options(**options))


def rejects(result: Result) -> list[dict[str, str]]:
    if result.rejects is None:
        return []
    with result.rejects.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def counts(result: Result) -> tuple[int, int, int]:
    """(loaded, unchanged, rejected)"""
    return result.loaded, result.unchanged, result.rejected
