"""The risk side of a :class:`~teamgraph.shop.Shop`: fraud rings found by a scan, listed,
explained, frozen and released (RULES.md section 6).

A scan (:mod:`teamgraph.fraud`) computes the rings over a projection of the shop and hands them
to :meth:`Risk.save_rings`, which writes them as ``(:Ring)`` nodes with their members linked
(``queries/risk.cypher``). Freezing a ring holds its distributor members' rewards: pending
rewards that come due while the ring is frozen become ``held`` instead of ``settled``
(R-6.4, the settle sweep ``ledger.settle_due``), and settle when the ring is released. Nothing is
deleted; each freeze and release is an audit ``Change``.

Choices where RULES.md is silent (F-…, the fraud detector's are in :mod:`teamgraph.fraud`):

- F-1 A ring is ``open`` when found, ``frozen`` or ``released`` after a decision. A scan
  replaces the open rings (an open ring not found again is dropped: it was never reviewed) and
  never changes a frozen or released one, the record of a decision; a group found again that
  overlaps a reviewed ring by at least half of its members (Jaccard) is reported under that
  ring's id instead of as a new ring.
- F-2 What a freeze holds: the rewards (and their clawbacks) of the ring's distributor members
  that are still pending, and any they earn while the ring stays frozen, as they come due —
  G-2 of the ledger, applied to a ring. Money settled before the freeze stays settled and
  withdrawable: the freeze holds exactly the pending rewards (R-6.4); a merchant who wants to
  stop withdrawals freezes the distributor itself (R-2.1).
- F-3 ``at_stake`` is what the ring's distributor members have earned (rewards net of
  clawbacks and bonuses, in fen): ``pending_fen`` is what a freeze holds (pending and already
  held), ``settled_fen`` what settled. ``inside_fen`` is the commission that flowed inside the
  group (members earning from members' orders), the scan's measure.
- F-4 A ring's hold is kept apart from a distributor's own status: the distributor carries the
  ids of the frozen rings holding it (``ring_holds``). Releasing a ring settles a held reward
  only when no other frozen ring holds the distributor and it is not frozen by hand;
  unfreezing a distributor by hand leaves what a frozen ring holds held.
- F-5 Freeze and release are idempotent: freezing a frozen ring or releasing a ring that is
  not frozen changes nothing and answers the ring as it is. A released ring may be frozen
  again.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from teamgraph.errors import NotFound, ValidationError
from teamgraph.shop.base import ShopBase

RING_STATUSES = ("open", "frozen", "released")
EDGE_KINDS = ("shares_signal", "bound_to", "invited_by", "earned_from")
MAX_RINGS_LIMIT = 1000


class Risk(ShopBase):
    """Part of Shop: its fraud rings."""

    # -- reads ------------------------------------------------------------------------------
    def rings(
        self, *, status: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[dict[str, Any]]:
        """Rings by score, highest first (R-6.2), optionally of one status."""
        if status is not None and status not in RING_STATUSES:
            raise ValidationError(
                "ring.status", f"status is one of {', '.join(RING_STATUSES)}", field="status"
            )
        if isinstance(limit, bool) or not 1 <= limit <= MAX_RINGS_LIMIT:
            raise ValidationError("ring.limit", f"limit is 1..{MAX_RINGS_LIMIT}", field="limit")
        if isinstance(offset, bool) or offset < 0:
            raise ValidationError("ring.offset", "offset is >= 0", field="offset")
        rows = self.store.read("risk.rings", status=status, limit=offset + limit)[offset:]
        stakes = self._at_stake([r["id"] for r in rows])
        return [_summary(row, stakes.get(row["id"], {})) for row in rows]

    def ring(self, ring_id: str) -> dict[str, Any]:
        """One ring with its evidence: score contributions, members, the edges that tie them,
        the shared signals (values masked) and the commission at stake (R-6.2)."""
        rows = self.store.read("risk.ring", id=ring_id)
        if not rows:
            raise NotFound("ring.not_found", f"no ring {ring_id}", rule="R-6.2", field="id")
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

    def _at_stake(self, ids: Sequence[str]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        if not ids:
            return out
        for r in self.store.read("risk.at_stake", ids=list(ids)):
            stake = out.setdefault(r["id"], {"pending_fen": 0, "held_fen": 0, "settled_fen": 0})
            key = {"pending": "pending_fen", "held": "held_fen", "settled": "settled_fen"}.get(
                r["status"]
            )
            if key is not None:
                stake[key] += int(r["amount"] or 0)
        for stake in out.values():  # F-3: what a freeze holds is pending and already held
            stake["pending_fen"] += stake["held_fen"]
        return out

    # -- decisions (R-6.4) ----------------------------------------------------------------------
    def freeze_ring(
        self, ring_id: str, *, actor: str, reason: str | None = None, now: int | None = None
    ) -> dict[str, Any]:
        """Hold the ring's distributor members' pending rewards until release (R-6.4, F-2).
        Idempotent (F-5); an audit Change records who and why."""
        # what was due before the freeze settles first (the catch-up in _decide)
        return self._decide("risk.freeze", ring_id, actor=actor, reason=reason, now=now)

    def release_ring(
        self, ring_id: str, *, actor: str, reason: str | None = None, now: int | None = None
    ) -> dict[str, Any]:
        """Release a frozen ring: what it held settles (F-4). Idempotent (F-5)."""
        # entries due while frozen are held (the catch-up in _decide) before the release
        return self._decide("risk.release", ring_id, actor=actor, reason=reason, now=now)

    def _decide(
        self, statement: str, ring_id: str, *, actor: str, reason: str | None, now: int | None
    ) -> dict[str, Any]:
        """Catch up to ``now``, check the ring exists (404), write the decision and its audit
        Change in one statement, answer the ring as it now is."""
        now = self._now(now)
        self.catch_up(now)
        self.ring(ring_id)
        self.store.write(
            statement, id=ring_id, now=now, actor=actor, reason=reason, change_id=uuid.uuid4().hex
        )
        return self.ring(ring_id)

    # -- the scan's writer ------------------------------------------------------------------------
    def reviewed_rings(self) -> list[dict[str, Any]]:
        """Frozen and released rings with their member ids (F-1)."""
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
        return written


def _summary(row: Mapping[str, Any], stake: Mapping[str, int]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "score": int(row["score"] or 0),
        "status": row["status"],
        "kinds": list(row["kinds"] or []),
        "members": int(row["members"] or 0),
        "distributors": int(row["distributors"] or 0),
        "at_stake": {
            "pending_fen": stake.get("pending_fen", 0),
            "settled_fen": stake.get("settled_fen", 0),
            "held_fen": stake.get("held_fen", 0),
            "inside_fen": int(row["inside_fen"] or 0),
        },
        "found_at": row["found_at"],
        "top_signals": list(row["top_signals"] or []),
        "seen_at": row["seen_at"],
        "frozen_at": row["frozen_at"],
        "frozen_by": row["frozen_by"],
        "released_at": row["released_at"],
        "released_by": row["released_by"],
    }
