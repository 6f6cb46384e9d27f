"""How good the detector's flags are by the analysts' verdicts (issue 18, "a review flow that
makes the detector better"; F-22): a pure function of the stored rings.

An analyst marks a ring ``fraud`` or ``not_fraud`` (``Shop.review_ring``). A ring is
**flagged** when its score reaches the flag line (``FLAG_SCORE``, 40, as the quality figures of
:mod:`teamgraph.fraud.quality`). Over the reviewed flagged rings, *precision* is the share the
analysts found to be fraud; it is given overall, per ring kind (a ring of several kinds counts
in each) and per score band (every reviewed ring, flagged or not, so the bands below the line
show what lowering it would add). Each figure comes with the counts behind it, and the flagged
rings not yet reviewed are counted, since a precision over few reviews says little.

Ratios are integer basis points (``_bp``, 10,000 = 100%), rounded down, ``None`` when nothing
was reviewed (docs/api.md: rates are basis points).

Which score counts (F-22): by default a ring's stored score, for a reviewed ring the one it had
when reviewed (later scans keep it, F-20). :func:`by_latest_scan` counts instead what the
latest scan made of each ring, so a changed detector is measured against the verdicts already
given: the score that scan gave the group found again under the ring's id, or 0 (not flagged)
for a ring that scan did not find.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from teamgraph.fraud.quality import FLAG_SCORE

VERDICTS = ("fraud", "not_fraud")
BANDS: tuple[tuple[int, int], ...] = ((0, 19), (20, 39), (40, 59), (60, 79), (80, 100))
"""Score bands, inclusive."""


SCORES = ("reviewed", "latest")


def by_latest_scan(rings: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``rings`` (``{score, kinds, verdict, last_score}``) with ``score`` replaced by the latest
    scan's: ``last_score``, the score that scan gave the group found again under the ring's id,
    or 0 when it did not find the ring (no ``last_score``): that scan would not flag it."""
    return [dict(r) | {"score": int(r.get("last_score") or 0)} for r in rings]


def precision_bp(fraud: int, reviewed: int) -> int | None:
    """``fraud / reviewed`` in basis points, rounded down; ``None`` when nothing was reviewed."""
    return fraud * 10_000 // reviewed if reviewed else None


def _figure(fraud: int, not_fraud: int) -> dict[str, Any]:
    reviewed = fraud + not_fraud
    return {
        "reviewed": reviewed,
        "fraud": fraud,
        "not_fraud": not_fraud,
        "precision_bp": precision_bp(fraud, reviewed),
    }


def evaluate(
    rings: Iterable[Mapping[str, Any]], *, flag_score: int = FLAG_SCORE, scores: str = "reviewed"
) -> dict[str, Any]:
    """``rings``: every stored ring as ``{score, kinds, verdict}`` (verdict ``fraud``,
    ``not_fraud`` or ``None``); with ``scores="latest"`` also ``last_score``, scored by
    :func:`by_latest_scan`. Returns::

        {flag_score, scores, rings, reviewed, flagged, unreviewed_flagged,
         overall: {reviewed, fraud, not_fraud, precision_bp},   # the flagged reviewed rings
         below_line: {reviewed, fraud, not_fraud, precision_bp},  # the reviewed rings not flagged
         kinds: [{kind, ...figure}],                            # flagged, by kind
         bands: [{low, high, flagged, ...figure}]}              # every reviewed ring, by score
    """
    if isinstance(flag_score, bool) or not 0 <= flag_score <= 100:
        raise ValueError("flag_score is 0..100")
    if scores not in SCORES:
        raise ValueError("scores is reviewed or latest")
    if scores == "latest":
        rings = by_latest_scan(rings)
    total = reviewed = flagged = unreviewed = 0
    flag = {"fraud": 0, "not_fraud": 0}
    below = {"fraud": 0, "not_fraud": 0}
    kinds: dict[str, dict[str, int]] = {}
    bands = [{"fraud": 0, "not_fraud": 0} for _ in BANDS]
    for ring in rings:
        total += 1
        score = int(ring["score"] or 0)
        verdict = ring.get("verdict")
        is_flagged = score >= flag_score
        flagged += is_flagged
        if verdict not in VERDICTS:
            unreviewed += is_flagged
            continue
        reviewed += 1
        for i, (low, high) in enumerate(BANDS):
            if low <= score <= high:
                bands[i][verdict] += 1
        if not is_flagged:
            below[verdict] += 1
            continue
        flag[verdict] += 1
        for kind in sorted(set(ring.get("kinds") or [])):
            kinds.setdefault(kind, {"fraud": 0, "not_fraud": 0})[verdict] += 1
    return {
        "flag_score": flag_score,
        "scores": scores,
        "rings": total,
        "reviewed": reviewed,
        "flagged": flagged,
        "unreviewed_flagged": unreviewed,
        "overall": _figure(flag["fraud"], flag["not_fraud"]),
        "below_line": _figure(below["fraud"], below["not_fraud"]),
        "kinds": [
            {"kind": kind} | _figure(k["fraud"], k["not_fraud"])
            for kind, k in sorted(kinds.items())
        ],
        "bands": [
            {"low": low, "high": high, "flagged": low >= flag_score}
            | _figure(b["fraud"], b["not_fraud"])
            for (low, high), b in zip(BANDS, bands, strict=True)
        ],
    }


def lines(report: Mapping[str, Any]) -> list[str]:
    """The evaluation as text, for ``teamgraph fraud evaluate``."""

    def pct(figure: Mapping[str, Any]) -> str:
        bp = figure["precision_bp"]
        return "   -  " if bp is None else f"{bp / 100:5.1f}%"

    def counts(figure: Mapping[str, Any]) -> str:
        return f"{figure['fraud']} fraud / {figure['reviewed']} reviewed"

    o = report["overall"]
    out = [
        f"flag line {report['flag_score']}: {report['flagged']} of {report['rings']} rings "
        f"flagged, {report['reviewed']} reviewed; flagged, not yet reviewed: "
        f"{report['unreviewed_flagged']}",
        "scores: the latest scan's (a ring it did not find: 0)"
        if report["scores"] == "latest"
        else "scores: as reviewed",
        f"precision {pct(o)}  ({counts(o)} flagged rings)",
        f"below the line: {counts(report['below_line'])}",
        "by kind (flagged rings):",
    ]
    out += [f"  {k['kind']:22s} {pct(k)}  ({counts(k)})" for k in report["kinds"]] or ["  -"]
    out.append("by score band (reviewed rings):")
    out += [
        f"  {b['low']:3d}-{b['high']:<3d}{' *' if b['flagged'] else '  '}  {pct(b)}  ({counts(b)})"
        for b in report["bands"]
    ]
    out.append("  (* flagged)")
    return out
