"""Crash durability, short form (issue 14; the long one is ``make soak``): orders and refunds
streamed at a real ``teamgraph serve`` while the engine and the API are killed with ``kill -9``;
every event is sent until acknowledged, and afterwards every acknowledged event is stored once,
each order's refunds add up to what was sent, the ledger's balances are the sums of its entries
(R-3.12) and equal those of the same events sent without kills (benchmarks/soak.py)."""

from __future__ import annotations

from pathlib import Path

from benchmarks import soak


def test_r3_12_kill_9_of_the_engine_and_the_api_loses_and_doubles_nothing(tmp_path: Path) -> None:
    said: list[str] = []
    result = soak.run(tmp_path, kills=4, events=300, seed=11, say=said.append)
    assert result["problems"] == [], "\n".join(said + result["problems"])
    assert (result["engine_kills"], result["api_kills"]) == (2, 2)
    assert result["events_resent"] > 0  # the kills did land mid-stream
