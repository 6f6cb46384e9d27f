"""``teamgraph fraud scan``: project the shop, detect, write the rings (F-1), optionally hold
the worst at once (the circuit breaker, F-6)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from teamgraph.fraud.detect import Detected, Params, Stats, detect, level_thresholds
from teamgraph.fraud.projection import GraphSource

if TYPE_CHECKING:
    from teamgraph.shop import Shop

CIRCUIT_BREAKER = "risk-engine"
"""The actor of an automatic hold in the audit trail (F-6)."""


@dataclass
class ScanResult:
    scan_id: str
    rings: list[Detected]
    stats: Stats
    seconds: float
    auto_held: list[str] = field(default_factory=list)

    def summary(self) -> str:
        s = self.stats
        return (
            f"{len(self.rings)} rings (score >= min) from {s.seeds} seeds "
            f"({s.cycles} attribution cycles, {s.shared_values} shared identity values), "
            f"{s.candidates} candidate groups, {s.split} split by Louvain; {self.seconds:.1f} s"
        )


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def stable_ids(rings: list[Detected], existing: list[dict[str, Any]]) -> None:
    """F-1: a ring found again under another member set keeps the id of the stored ring it
    overlaps most, if by at least half (Jaccard), each stored ring given once."""
    taken: set[str] = set()
    stored = [(r["id"], set(r["member_ids"])) for r in existing]
    for ring in rings:
        members = ring.member_ids
        best = max(
            ((jaccard(members, m), rid) for rid, m in stored if rid not in taken),
            default=(0.0, ""),
        )
        if best[0] >= 0.5:
            ring.id = best[1]
            taken.add(best[1])


def scan(
    shop: Shop,
    *,
    params: Params | None = None,
    auto_hold_score: int | None = None,
    step: Callable[[str, float], None] | None = None,
    now: int | None = None,
) -> ScanResult:
    """Scan ``shop`` and write its rings. With ``auto_hold_score`` (else the shop's
    ``ring_auto_hold_score`` setting), every open ring scoring at least that much is frozen at
    once by the circuit breaker (F-6), audited as any freeze."""
    started = time.perf_counter()
    now = shop._now(now)
    settings = shop.catch_up(now)
    stats = Stats()
    rings = detect(
        GraphSource(shop.store),
        params=params,
        thresholds=level_thresholds(settings),
        now=now,
        step=step,
        stats=stats,
    )
    stable_ids(rings, shop.reviewed_rings() + shop.open_rings())
    scan_id = uuid.uuid4().hex[:12]
    shop.save_rings([r.to_dict() for r in rings], scan_id=scan_id, now=now)
    held = []
    if auto_hold_score is None:
        auto_hold_score = settings.ring_auto_hold_score
    if auto_hold_score is not None:
        over = [r.id for r in rings if r.score >= auto_hold_score]
        status = {r["id"]: r for r in shop.rings(status="open", limit=1000)}
        for rid in over:
            ring = status.get(rid) or shop.ring(rid)
            if ring["status"] == "open":  # F-6: never a ring a person decided on
                shop.freeze_ring(
                    rid,
                    actor=CIRCUIT_BREAKER,
                    reason=f"circuit breaker: score {ring['score']} >= {auto_hold_score}",
                    now=now,
                )
                held.append(rid)
    stats.written = len(rings)
    return ScanResult(scan_id, rings, stats, time.perf_counter() - started, held)
