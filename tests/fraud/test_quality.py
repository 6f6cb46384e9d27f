"""Quality of the detector on generator shops, computed in memory (``TableSource``, F-12):
several seeds with planted rings, and shops with none (the false positives, F-13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from teamgraph.etl import generator
from teamgraph.fraud import quality
from teamgraph.fraud.detect import Stats, detect
from teamgraph.fraud.projection import TableSource

CUSTOMERS = 20_000


def _scan(tmp_path: Path, seed: int, rings: int) -> tuple[dict, Stats]:
    data = generator.generate(CUSTOMERS, 2000, 10_000, seed, rings, generator.END_MS)
    generator.write(data, tmp_path, "parquet")
    frames = generator.read(tmp_path)
    stats = Stats()
    found = detect(TableSource(frames, now=generator.END_MS), now=generator.END_MS, stats=stats)
    q = quality.evaluate(
        [(r.score, r.member_ids) for r in found],
        frames["labels"].to_dict("records"),
        customers=CUSTOMERS,
    )
    return q, stats


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_r6_2_planted_rings_are_found_on_every_seed(tmp_path: Path, seed: int) -> None:
    q, stats = _scan(tmp_path, seed, rings=8)
    assert q["recall"] >= 0.9 and q["precision"] >= 0.8, q
    assert all(k["found"] == k["rings"] for k in q["kinds"].values()), q
    assert stats.seeds > q["flagged"]  # most candidate groups were honest and dropped


@pytest.mark.parametrize("seed", [4, 5])
def test_f13_a_shop_without_rings_gives_few_low_scored_rings(tmp_path: Path, seed: int) -> None:
    q, _ = _scan(tmp_path, seed, rings=0)
    assert q["flagged"] == 0 and q["max_score"] < quality.FLAG_SCORE, q
    assert q["rings"] <= 5, q
