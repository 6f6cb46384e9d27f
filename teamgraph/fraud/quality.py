"""Precision and recall of ring membership against the generator's ground truth (``labels``).

A detected ring is **flagged** when its score reaches ``flag_score``. Per planted ring kind:
*recall* is the share of the planted members that are in the flagged ring overlapping their
ring most; *precision* is the share of the members of the flagged rings matched to rings of
that kind (by largest overlap) that belong to the ring they matched. Overall figures use every
flagged ring; a flagged ring overlapping no planted ring is a false positive, and on a shop
without planted rings every flagged ring is one (F-13).

Labels whose kind starts with ``honest_`` (the generator's look-alikes, D-12) are honest groups,
not rings: their members count as false positives when flagged, and ``honest`` reports, per
honest kind, how many groups and members were flagged and how many groups had more than
:data:`HONEST_BAR` member flagged (issue 18's bar: at most one member flagged per group).
:func:`curve` gives precision and recall for each flag line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FLAG_SCORE = 40
HONEST_PREFIX = "honest_"
HONEST_BAR = 1
"""At most this many members of an honest look-alike group may be flagged (issue 18)."""


def evaluate(
    rings: Sequence[tuple[int, set[str]]],
    labels: Iterable[Mapping[str, Any]],
    *,
    customers: int,
    flag_score: int = FLAG_SCORE,
) -> dict[str, Any]:
    """``rings``: (score, member ids) of the detected rings; ``labels``: rows of ``ring_id,
    kind, customer_id``. Returns per-kind and overall precision / recall, the false
    positives, and per honest kind the members flagged (``honest``)."""
    truth, honest, kind_of = _truth(labels)
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
        "honest": _honest(honest, kind_of, in_flagged),
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


def curve(
    rings: Sequence[tuple[int, set[str]]],
    labels: Iterable[Mapping[str, Any]],
    flag_scores: Iterable[int] = range(0, 101, 5),
) -> list[dict[str, Any]]:
    """Precision and recall of ring membership (as :func:`evaluate` computes them overall) for
    each flag line in ``flag_scores``, with the flagged rings and the honest look-alikes'
    members flagged and groups over the bar at that line."""
    rows = list(labels)
    out = []
    for line in flag_scores:
        q = evaluate(rings, rows, customers=0, flag_score=line)
        out.append(
            {
                "flag_score": line,
                "flagged": q["flagged"],
                "precision": q["precision"],
                "recall": q["recall"],
                "honest_flagged": sum(h["flagged"] for h in q["honest"].values()),
                "honest_over_bar": sum(h["over_bar"] for h in q["honest"].values()),
            }
        )
    return out


def _truth(
    labels: Iterable[Mapping[str, Any]],
) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, str]]:
    """Members of the planted rings and of the honest groups by ``ring_id``, and their kinds."""
    truth: dict[str, set[str]] = {}
    honest: dict[str, set[str]] = {}
    kind_of: dict[str, str] = {}
    for row in labels:
        rid, kind = str(row["ring_id"]), str(row["kind"])
        into = honest if kind.startswith(HONEST_PREFIX) else truth
        into.setdefault(rid, set()).add(str(row["customer_id"]))
        kind_of[rid] = kind
    return truth, honest, kind_of


def _honest(
    groups: Mapping[str, set[str]], kind_of: Mapping[str, str], flagged: set[str]
) -> dict[str, dict[str, int]]:
    """Per honest kind: ``groups`` and ``members``, the members ``flagged``, the groups with
    any member flagged (``groups_flagged``) and with more than :data:`HONEST_BAR`
    (``over_bar``), and the most members flagged in one group (``max_flagged``)."""
    out: dict[str, dict[str, int]] = {}
    for gid, members in sorted(groups.items()):
        zero = dict.fromkeys(
            ("groups", "members", "flagged", "groups_flagged", "over_bar", "max_flagged"), 0
        )
        k = out.setdefault(kind_of[gid], zero)
        hit = len(members & flagged)
        k["groups"] += 1
        k["members"] += len(members)
        k["flagged"] += hit
        k["groups_flagged"] += int(hit > 0)
        k["over_bar"] += int(hit > HONEST_BAR)
        k["max_flagged"] = max(k["max_flagged"], hit)
    return dict(sorted(out.items()))


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None
