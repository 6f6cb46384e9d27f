"""Precision and recall of ring membership against the generator's ground truth (``labels``).

A detected ring is **flagged** when its score reaches ``flag_score``. Per planted ring kind:
*recall* is the share of the planted members that are in the flagged ring overlapping their
ring most; *precision* is the share of the members of the flagged rings matched to rings of
that kind (by largest overlap) that belong to the ring they matched. Overall figures use every
flagged ring; a flagged ring overlapping no planted ring is a false positive, and on a shop
without planted rings every flagged ring is one (F-13).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FLAG_SCORE = 40


def evaluate(
    rings: Sequence[tuple[int, set[str]]],
    labels: Iterable[Mapping[str, Any]],
    *,
    customers: int,
    flag_score: int = FLAG_SCORE,
) -> dict[str, Any]:
    """``rings``: (score, member ids) of the detected rings; ``labels``: rows of ``ring_id,
    kind, customer_id``. Returns per-kind and overall precision / recall, and the false
    positives."""
    truth: dict[str, set[str]] = {}
    kind_of: dict[str, str] = {}
    for row in labels:
        truth.setdefault(str(row["ring_id"]), set()).add(str(row["customer_id"]))
        kind_of[str(row["ring_id"])] = str(row["kind"])
    planted = set().union(*truth.values()) if truth else set()
    flagged = [members for score, members in rings if score >= flag_score]
    per_kind: dict[str, dict[str, int]] = {}
    for rid, members in truth.items():
        zero = dict.fromkeys(("rings", "found", "planted", "recalled", "flagged", "correct"), 0)
        k = per_kind.setdefault(kind_of[rid], zero)
        best = max((len(members & f) for f in flagged), default=0)
        k["rings"] += 1
        k["planted"] += len(members)
        k["recalled"] += best
        k["found"] += int(best * 2 >= len(members))
    false_rings, false_members = 0, 0
    for f in flagged:
        overlaps = {rid: len(f & m) for rid, m in truth.items()}
        best_rid = max(overlaps, key=lambda r: overlaps[r], default=None)
        if best_rid is None or overlaps[best_rid] == 0:
            false_rings += 1
            false_members += len(f)
            continue
        k = per_kind[kind_of[best_rid]]
        k["flagged"] += len(f)
        k["correct"] += overlaps[best_rid]
    out_kinds = {
        kind: {
            "rings": k["rings"],
            "found": k["found"],
            "recall": _ratio(k["recalled"], k["planted"]),
            "precision": _ratio(k["correct"], k["flagged"]),
        }
        for kind, k in sorted(per_kind.items())
    }
    in_flagged = set().union(*flagged) if flagged else set()
    flagged_members = sum(len(f) for f in flagged)
    return {
        "kinds": out_kinds,
        "recall": _ratio(len(in_flagged & planted), len(planted)),
        "precision": _ratio(sum(len(f & planted) for f in flagged), flagged_members),
        "rings": len(rings),
        "flagged": len(flagged),
        "false_rings": false_rings,
        "false_members": false_members,
        "false_positive_rate": _ratio(false_members, customers),
        "max_score": max((s for s, _ in rings), default=0),
        "flag_score": flag_score,
    }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None
