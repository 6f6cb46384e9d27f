"""The risk side of a :class:`~teamgraph.shop.Shop`: fraud rings found by a scan, listed,
explained, frozen and released (docs/rules.md §6).

A scan (:meth:`Risk.scan`, ``teamgraph fraud scan``) reads the shop's projection from its graph
(:class:`GraphSource`, ``queries/risk.cypher``), has the detection library
(:mod:`teamgraph.fraud`, which sees only the projection) compute the rings, and writes them with
:meth:`Risk.save_rings` as ``(:Ring)`` nodes with their members linked. Freezing a ring holds
its distributor members' rewards: pending rewards that come due while the ring is frozen become
``held`` instead of ``settled`` (R-6.4, the settle sweep ``ledger.settle_due``), and settle when
the ring is released. Nothing is deleted; each freeze and release is an audit ``Change``.

Choices where docs/rules.md is silent (F-…, the fraud detector's are in :mod:`teamgraph.fraud`):

- F-1 A ring is ``open`` when found, ``frozen`` or ``released`` after a decision. A scan
  replaces the open rings (an open ring not found again is dropped: it was never reviewed) and
  never changes a frozen or released one, the record of a decision; a group found again that
  overlaps a reviewed ring by at least half of its members (Jaccard) is reported under that
  ring's id instead of as a new ring.
- F-2 What a freeze holds: with ``hold="inside"`` (the default, and the circuit breaker's),
  the rewards (and their clawbacks) of the ring's distributor members from orders a member of
  the ring placed — the commission that flowed inside the group; with ``hold="all"`` every
  reward of its distributor members, their honest clients' included. Either way what is still
  pending, and what they earn while the ring stays frozen, is held as it comes due (G-2 of the
  ledger, applied to a ring); money settled before the freeze stays settled and withdrawable
  (R-6.4); a merchant who wants to stop withdrawals freezes the distributor itself (R-2.1).
  Inside is the default because a member distributor's outside clients are most of what an
  honest family or office group earns it: holding all of it punishes the clients' distributor
  for a suspicion about a few accounts.
- F-3 The ring's money, net of clawbacks (a refund's clawback counts where its reward counts),
  in fen and by status (``pending_fen`` not yet due, ``held_fen`` due and held, ``settled_fen``
  settled; disjoint, ``total_fen`` their sum): ``at_stake`` is the commission that flowed
  inside the group — what its distributor members earned from orders its members placed, what
  ``hold="inside"`` holds; ``outside`` is the same members' other earnings (orders of
  non-members, team bonuses), shown apart so an honest distributor's trade does not read as
  the ring's. ``at_stake.inside_fen`` is the scan's own measure (rewards as issued, before
  clawbacks, F-9).
- F-4 A ring's hold is kept apart from a distributor's own status: the members carry the ids
  of the frozen rings holding them (``ring_holds`` for hold=all, ``ring_holds_inside`` with
  every member's ``frozen_rings`` for hold=inside; queries/risk.cypher). Releasing a ring
  settles a held reward only when no other frozen ring holds it and its distributor is not
  frozen by hand; unfreezing a distributor by hand leaves what a frozen ring holds held.
- F-5 Freeze and release are idempotent: freezing a frozen ring or releasing a ring that is
  not frozen changes nothing and answers the ring as it is. A released ring may be frozen
  again.
- F-6 The circuit breaker: the shop's setting ``ring_auto_hold_score`` N (``PUT
  /v1/settings``; ``teamgraph fraud scan --auto-hold N`` for one scan): after a scan, every
  open ring scoring at least N is frozen by the actor ``risk-engine``, audited like any
  freeze, holding inside (F-2). Only open rings: a ring a person released is not frozen again
  by a later scan (F-1 keeps its id), and the breaker never releases anything. Unset (the
  default): no automatic hold.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from teamgraph.errors import NotFound, ValidationError
from teamgraph.shop.actors import Actor
from teamgraph.shop.base import ShopBase

if TYPE_CHECKING:  # the detector (networkx, scipy, pandas) loads when a scan runs
    from teamgraph.fraud.detect import Detected, Params, Stats

RING_STATUSES = ("open", "frozen", "released")
RING_VERDICT_FILTERS = ("fraud", "not_fraud", "none")
"""The ring list's verdict filter (issue 18; the verdicts are teamgraph.shop.review's)."""
HOLDS = ("inside", "all")
"""What a frozen ring holds (F-2): the commission that flowed inside it, or everything."""
EDGE_KINDS = ("shares_signal", "bound_to", "invited_by", "earned_from")
MAX_RINGS_LIMIT = 1000
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
            f"({s.shared_values} shared identity values, {s.flows} buyer-to-distributor flows), "
            f"{s.candidates} candidate groups, {s.split} split by Louvain; {self.seconds:.1f} s"
        )


class Risk(ShopBase):
    """Part of Shop: its fraud rings."""

    # -- reads ------------------------------------------------------------------------------
    def rings(
        self,
        *,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
        verdict: str | None = None,
    ) -> list[dict[str, Any]]:
        """Rings by score, highest first (R-6.2), optionally of one status and one analyst's
        verdict (``fraud``, ``not_fraud``, or ``none``: not reviewed; issue 18)."""
        if status is not None and status not in RING_STATUSES:
            raise ValidationError(
                "ring.status", f"status is one of {', '.join(RING_STATUSES)}", field="status"
            )
        if verdict is not None and verdict not in RING_VERDICT_FILTERS:
            raise ValidationError(
                "ring.verdict",
                f"verdict is one of {', '.join(RING_VERDICT_FILTERS)}",
                field="verdict",
            )
        if isinstance(limit, bool) or not 1 <= limit <= MAX_RINGS_LIMIT:
            raise ValidationError("ring.limit", f"limit is 1..{MAX_RINGS_LIMIT}", field="limit")
        if isinstance(offset, bool) or offset < 0:
            raise ValidationError("ring.offset", "offset is >= 0", field="offset")
        rows = self.store.read("risk.rings", status=status, verdict=verdict, limit=offset + limit)[
            offset:
        ]
        stakes = self._at_stake([r["id"] for r in rows])
        return [_summary(row, stakes.get(row["id"], {})) for row in rows]

    def ring(self, ring_id: str) -> dict[str, Any]:
        """One ring with its evidence: score contributions, members, the edges that tie them,
        the shared signals (values masked) and the commission at stake (R-6.2)."""
        rows = self.store.read("risk.ring", id=ring_id)
        if not rows:
            raise NotFound(
                "ring.not_found",
                f"no ring {ring_id}",
                params={"id": ring_id},
                rule="R-6.2",
                field="id",
            )
        row = rows[0]
        detail = json.loads(row.pop("detail") or "{}")
        members = row.pop("member_list")
        out = _summary(row, self._at_stake([ring_id]).get(ring_id, {}))
        out["contributions"] = detail.get("contributions", [])
        out["member_list"] = sorted(
            (
                {
                    "id": m["id"],
                    "name": m["name"],
                    "is_distributor": bool(m["is_distributor"]),
                    "level": m["level"] if m["is_distributor"] else None,
                    "role": m["role"],
                    "held": ring_id in (m["ring_holds"] or []),
                }
                for m in members
            ),
            key=lambda m: (not m["is_distributor"], m["id"]),
        )
        out["edges"] = detail.get("edges", [])
        out["signals"] = detail.get("signals", [])
        out["changes"] = self.store.read("risk.changes", id=ring_id)
        return out

    def _at_stake(self, ids: Sequence[str]) -> dict[str, dict[str, dict[str, int]]]:
        """F-3: per ring, ``{"at_stake": {...}, "outside": {...}}`` by status, net."""
        out: dict[str, dict[str, dict[str, int]]] = {}
        if not ids:
            return out
        for r in self.store.read("risk.at_stake", ids=list(ids)):
            money = out.setdefault(r["id"], {"at_stake": _money(), "outside": _money()})
            key = {"pending": "pending_fen", "held": "held_fen", "settled": "settled_fen"}.get(
                r["status"]
            )
            if key is not None:
                part = money["at_stake" if r["inside"] else "outside"]
                part[key] += int(r["amount"] or 0)
                part["total_fen"] += int(r["amount"] or 0)
        return out

    # -- decisions (R-6.4) ----------------------------------------------------------------------
    def freeze_ring(
        self,
        ring_id: str,
        *,
        actor: Actor,
        reason: str | None = None,
        hold: str = "inside",
        now: int | None = None,
    ) -> dict[str, Any]:
        """Hold the ring's distributor members' pending rewards until release (R-6.4, F-2):
        those from members' orders (``hold="inside"``) or all of them (``"all"``).
        Idempotent (F-5); an audit Change records who, why and the hold."""
        if hold not in HOLDS:
            raise ValidationError(
                "ring.hold", f"hold is one of {', '.join(HOLDS)}", field="hold", rule="R-6.4"
            )
        # what was due before the freeze settles first (the catch-up in _decide)
        return self._decide("risk.freeze", ring_id, actor=actor, reason=reason, now=now, hold=hold)

    def release_ring(
        self, ring_id: str, *, actor: Actor, reason: str | None = None, now: int | None = None
    ) -> dict[str, Any]:
        """Release a frozen ring: what it held settles (F-4). Idempotent (F-5)."""
        # entries due while frozen are held (the catch-up in _decide) before the release
        return self._decide("risk.release", ring_id, actor=actor, reason=reason, now=now)

    def _decide(
        self,
        statement: str,
        ring_id: str,
        *,
        actor: Actor,
        reason: str | None,
        now: int | None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Catch up to ``now``, check the ring exists (404), write the decision and its audit
        Change in one statement, answer the ring as it now is."""
        now = self._now(now)
        self.catch_up(now)
        self.ring(ring_id)
        self.store.write(
            statement,
            id=ring_id,
            now=now,
            reason=reason,
            change_id=uuid.uuid4().hex,
            **actor.params(),
            **extra,
        )
        return self.ring(ring_id)

    # -- the scan ------------------------------------------------------------------------------
    def scan(
        self,
        *,
        params: Params | None = None,
        auto_hold_score: int | None = None,
        step: Callable[[str, float], None] | None = None,
        now: int | None = None,
    ) -> ScanResult:
        """Project the shop, detect its rings and write them (F-1). With ``auto_hold_score``
        (else the shop's ``ring_auto_hold_score`` setting), every open ring scoring at least
        that much is frozen at once by the circuit breaker (F-6), audited as any freeze."""
        from teamgraph.fraud.detect import Stats, detect, program_of
        from teamgraph.shop.projection import GraphSource

        started = time.perf_counter()
        now = self._now(now)
        settings = self.catch_up(now)
        stats = Stats()
        rings = detect(
            GraphSource(self.store),
            params=params,
            program=program_of(settings),
            now=now,
            step=step,
            stats=stats,
        )
        _stable_ids(rings, self.reviewed_rings() + self.open_rings())
        scan_id = uuid.uuid4().hex[:12]
        self.save_rings([r.to_dict() for r in rings], scan_id=scan_id, now=now)
        held = []
        if auto_hold_score is None:
            auto_hold_score = settings.ring_auto_hold_score
        if auto_hold_score is not None:
            over = [r.id for r in rings if r.score >= auto_hold_score]
            status = {r["id"]: r for r in self.rings(status="open", limit=1000)}
            for rid in over:
                ring = status.get(rid) or self.ring(rid)
                # F-6: never a ring a person decided on; F-21: nor one an analyst cleared
                if ring["status"] == "open" and ring.get("verdict") != "not_fraud":
                    self.freeze_ring(
                        rid,
                        actor=Actor.system(CIRCUIT_BREAKER),
                        reason=f"circuit breaker: score {ring['score']} >= {auto_hold_score}",
                        hold="inside",  # F-6: the commission that flowed inside, no more
                        now=now,
                    )
                    held.append(rid)
        stats.written = len(rings)
        return ScanResult(scan_id, rings, stats, time.perf_counter() - started, held)

    def reviewed_rings(self) -> list[dict[str, Any]]:
        """Frozen and released rings, and rings with a verdict, with their member ids (F-1,
        F-20)."""
        return self.store.read("risk.reviewed")

    def open_rings(self) -> list[dict[str, Any]]:
        return self.store.read("risk.open_ids")

    def save_rings(
        self, rings: Sequence[Mapping[str, Any]], *, scan_id: str, now: int | None = None
    ) -> int:
        """Write one scan's rings (F-1): each ``{id, score, kinds, members (ids with roles:
        [{id, role}]), top_signals, inside_fen, contributions, edges, signals}``. Open rings of
        earlier scans not in ``rings`` are dropped. Returns the member links written."""
        now = self._now(now)
        self.store.setup_schema()  # shops created before rings existed get the Ring index
        rows = []
        for ring in rings:
            members = [dict(m) for m in ring["members"]]
            rows.append(
                {
                    "id": ring["id"],
                    "score": int(ring["score"]),
                    "kinds": list(ring["kinds"]),
                    "members": len(members),
                    "distributors": int(ring["distributors"]),
                    "top_signals": list(ring["top_signals"]),
                    "inside_fen": int(ring.get("inside_fen", 0)),
                    "member_ids": members,
                    "detail": json.dumps(
                        {
                            "contributions": ring.get("contributions", []),
                            "edges": ring.get("edges", []),
                            "signals": ring.get("signals", []),
                        },
                        ensure_ascii=False,
                        separators=(",", ":"),
                    ),
                }
            )
        written = 0
        for start in range(0, len(rows), 200):
            out = self.store.write_batch(
                "risk.write_rings", rows[start : start + 200], now=now, scan_id=scan_id
            )
            written += int(out[0]["n"]) if out else 0
        self.store.write("risk.drop_stale", scan_id=scan_id)
        self.store.write("risk.unseen", scan_id=scan_id)  # F-22: kept rings not found again
        return written


def _money() -> dict[str, int]:
    return {"pending_fen": 0, "held_fen": 0, "settled_fen": 0, "total_fen": 0}


def _summary(row: Mapping[str, Any], money: Mapping[str, Mapping[str, int]]) -> dict[str, Any]:
    inside = money.get("at_stake") or _money()
    status = row["status"]
    return {
        "id": row["id"],
        "score": int(row["score"] or 0),
        "status": status,
        "kinds": list(row["kinds"] or []),
        "members": int(row["members"] or 0),
        "distributors": int(row["distributors"] or 0),
        "at_stake": {**inside, "inside_fen": int(row["inside_fen"] or 0)},
        "outside": dict(money.get("outside") or _money()),
        # F-2: a ring frozen before there was a choice held all its distributors' rewards
        "hold": (row.get("hold") or "all") if status == "frozen" else row.get("hold"),
        "found_at": row["found_at"],
        "top_signals": list(row["top_signals"] or []),
        "seen_at": row["seen_at"],
        "frozen_at": row["frozen_at"],
        "frozen_by": row["frozen_by"],
        "released_at": row["released_at"],
        "released_by": row["released_by"],
        "verdict": row.get("verdict"),
        "verdict_at": row.get("verdict_at"),
        "verdict_by": row.get("verdict_by"),
        "verdict_note": row.get("verdict_note"),
    }


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def _stable_ids(rings: list[Detected], existing: list[dict[str, Any]]) -> None:
    """F-1: a ring found again under another member set keeps the id of the stored ring it
    overlaps most, if by at least half (Jaccard), each stored ring given once."""
    taken: set[str] = set()
    stored = [(r["id"], set(r["member_ids"])) for r in existing]
    for ring in rings:
        members = ring.member_ids
        best = max(
            ((_jaccard(members, m), rid) for rid, m in stored if rid not in taken),
            default=(0.0, ""),
        )
        if best[0] >= 0.5:
            ring.id = best[1]
            taken.add(best[1])
