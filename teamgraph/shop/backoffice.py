"""The merchant's back-office decisions of a :class:`~teamgraph.shop.Shop` (issue 17): the
queue of pending applications with each applicant's progress against the shop's conditions
(R-2.1), ledger adjustments (R-3.12) and a customer's groups set by hand (R-2.1). Each decision
is one statement that writes its ``Change`` (the audit log, :mod:`teamgraph.shop.audit`).

Choices (docs/choices.md):
- AJ-1 A debit may not take the distributor's settled balance below zero: the statement that
  writes it sums the balance again under the distributor's lock and refuses (422
  ``adjustment.insufficient``, R-3.12). Only a refund's clawback may make it negative (R-3.11),
  because the money left with the customer; a merchant's debit is a decision, and a typo (an
  extra zero) must not leave a distributor in debt. To recover more, debit what is there.
- AJ-2 An adjustment is idempotent on its ``id`` (R-3.12): the same id and body answer the
  first entry and write nothing; the same id with another body, or the id of another entry,
  is 409 ``event.conflict``.
- AJ-3 A customer's groups are 0–20 names of 1–64 characters (no control characters), trimmed,
  kept in the order given without repeats; setting them replaces the groups an import set.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from teamgraph.errors import Conflict, NotFound, ValidationError
from teamgraph.rules.money import MAX_FEN
from teamgraph.rules.settings import ProgramSettings
from teamgraph.shop import cursors
from teamgraph.shop.actors import PROGRAM, Actor
from teamgraph.shop.base import ShopBase
from teamgraph.shop.orders import digest

APPLICATIONS_CURSOR = "applications"
MAX_GROUPS = 20
MAX_GROUP_LENGTH = 64


def application_conditions(
    settings: ProgramSettings, ctx: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """R-2.1: each condition the shop sets, with the applicant's value, the threshold and
    whether it holds (``ctx``: the fields of ``distributor.context``)."""
    app = settings.application
    spent, orders = int(ctx.get("spent_fen") or 0), int(ctx.get("paid_orders") or 0)
    out: list[dict[str, Any]] = []
    if app.verified_phone:
        met = bool(ctx.get("phone_verified"))
        out.append({"name": "verified_phone", "met": met, "current": int(met), "threshold": 1})
    if app.min_spend_fen is not None:
        out.append({"name": "min_spend_fen", "met": spent >= app.min_spend_fen,
                    "current": spent, "threshold": app.min_spend_fen})  # fmt: skip
    if app.min_paid_orders is not None:
        out.append({"name": "min_paid_orders", "met": orders >= app.min_paid_orders,
                    "current": orders, "threshold": app.min_paid_orders})  # fmt: skip
    if app.groups:
        met = bool(set(app.groups) & set(ctx.get("groups") or []))
        out.append({"name": "groups", "met": met, "current": int(met), "threshold": 1,
                    "groups": list(app.groups)})  # fmt: skip
    return out


class Backoffice(ShopBase):
    """Part of Shop: the merchant's decisions the back office makes."""

    # -- the application queue (R-2.1) ---------------------------------------------------------
    def applications(
        self, *, limit: int = 50, cursor: str | None = None, now: int | None = None
    ) -> dict[str, Any]:
        """Pending applications, oldest first, each with its progress against the shop's
        conditions (``conditions``, ``ready`` when all hold); ``next_cursor`` names the next
        page."""
        after_at, after_id = cursors.decode(APPLICATIONS_CURSOR, cursor, int, str) or (-1, "")
        settings = self.catch_up(self._now(now))
        rows = self.store.read(
            "applications.page", after_at=after_at, after_id=after_id, limit=limit + 1
        )
        items = []
        for row in rows[:limit]:
            conditions = application_conditions(settings, row)
            items.append(
                {
                    "id": row["id"],
                    "name": row["name"],
                    "applied_at": row["applied_at"],
                    "groups": list(row["groups"] or []),
                    "conditions": conditions,
                    "ready": all(c["met"] for c in conditions),
                }
            )
        last = items[-1] if items else None
        return {
            "items": items,
            "next_cursor": cursors.encode(APPLICATIONS_CURSOR, last["applied_at"], last["id"])
            if last and len(rows) > limit
            else None,
        }

    # -- ledger adjustments (R-3.12) -----------------------------------------------------------
    def adjust(
        self,
        distributor_id: str,
        adjustment_id: str,
        amount_fen: int,
        reason: str,
        *,
        actor: Actor = PROGRAM,
        now: int | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """R-3.12: credit (``amount_fen`` > 0) or debit (< 0) the distributor's settled balance
        with a reason; the entry and, whether this call wrote it (``False``: a repeat, AJ-2)."""
        if (
            isinstance(amount_fen, bool)
            or not isinstance(amount_fen, int)
            or amount_fen == 0
            or abs(amount_fen) > MAX_FEN
        ):
            raise ValidationError(
                "adjustment.amount",
                f"amount_fen is a non-zero integer of at most {MAX_FEN} fen either way "
                "(negative for a debit)",
                rule="R-3.12",
                field="amount_fen",
            )
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError(
                "adjustment.reason", "an adjustment needs a reason", rule="R-3.12", field="reason"
            )
        now = self._now(now)
        self.catch_up(now)
        fingerprint = digest(
            {"distributor_id": distributor_id, "amount_fen": amount_fen, "reason": reason}
        )
        repeat = self._adjustment_repeat(adjustment_id, fingerprint)
        if repeat is not None:
            return repeat, False
        if not self.store.read("distributor.profiles", ids=[distributor_id]):
            raise NotFound(
                "distributor.not_found",
                f"no distributor {distributor_id}",
                params={"id": distributor_id},
                field="id",
            )
        try:
            rows = self.store.write(
                "adjustment.create",
                id=adjustment_id,
                distributor_id=distributor_id,
                amount_fen=amount_fen,
                reason=reason,
                digest=fingerprint,
                now=now,
                change_id=uuid.uuid4().hex,
                **actor.params(),
            )
        except Conflict:  # the id was taken meanwhile (Neo4j's unique constraint)
            rows = []
        if not rows:
            repeat = self._adjustment_repeat(adjustment_id, fingerprint)
            if repeat is not None:
                return repeat, False
            raise ValidationError(
                "adjustment.insufficient",
                f"a debit of {-amount_fen} fen would take {distributor_id}'s settled balance "
                "below zero",
                rule="R-3.12",
                field="amount_fen",
                params={"debit_fen": -amount_fen, "id": distributor_id},
            )
        return self.adjustment(adjustment_id), True

    def adjustment(self, adjustment_id: str) -> dict[str, Any]:
        rows = self.store.read("adjustment.view", id=adjustment_id)
        if not rows:
            raise NotFound(
                "adjustment.not_found",
                f"no adjustment {adjustment_id}",
                params={"id": adjustment_id},
                field="id",
            )
        return rows[0]

    def _adjustment_repeat(self, adjustment_id: str, fingerprint: str) -> dict[str, Any] | None:
        """The stored adjustment when ``adjustment_id`` repeats it; None when the id is free;
        409 when it names another entry or another body (AJ-2)."""
        rows = self.store.read("adjustment.get", id=adjustment_id)
        if not rows:
            return None
        if rows[0]["kind"] != "adjustment" or rows[0]["digest"] != fingerprint:
            raise Conflict(
                "event.conflict",
                f"entry {adjustment_id} exists with another body",
                params={"id": adjustment_id},
                rule="R-3.12",
                field="id",
            )
        return self.adjustment(adjustment_id)

    # -- customer groups (R-2.1) ---------------------------------------------------------------
    def set_groups(
        self,
        customer_id: str,
        groups: Sequence[str],
        *,
        reason: str | None = None,
        actor: Actor = PROGRAM,
        now: int | None = None,
    ) -> dict[str, Any]:
        """R-2.1: the customer's groups (what an application condition may require), replacing
        those an import set (AJ-3); audited as ``customer.groups``."""
        clean = _groups(groups)
        rows = self.store.write(
            "customer.set_groups",
            id=customer_id,
            groups=clean,
            now=self._now(now),
            reason=reason,
            after_json=json.dumps(clean, ensure_ascii=False),
            change_id=uuid.uuid4().hex,
            **actor.params(),
        )
        if not rows:
            raise NotFound(
                "customer.not_found",
                f"no customer {customer_id}",
                params={"id": customer_id},
                field="id",
            )
        return {"customer_id": customer_id, "groups": list(rows[0]["groups"] or [])}

    def customer_groups(self, customer_id: str) -> list[str]:
        rows = self.store.read("distributor.context", id=customer_id)
        if not rows:
            raise NotFound(
                "customer.not_found",
                f"no customer {customer_id}",
                params={"id": customer_id},
                field="id",
            )
        return list(rows[0]["groups"] or [])


def _groups(groups: Sequence[str]) -> list[str]:
    if isinstance(groups, str) or not isinstance(groups, Sequence):
        raise ValidationError("customer.groups", "groups is a list of names", field="groups")
    out: list[str] = []
    for g in groups:
        name = g.strip() if isinstance(g, str) else ""
        if not 1 <= len(name) <= MAX_GROUP_LENGTH or any(ch < " " or ch == "\x7f" for ch in name):
            raise ValidationError(
                "customer.groups",
                f"a group name has 1-{MAX_GROUP_LENGTH} characters, none a control character",
                rule="R-2.1",
                field="groups",
            )
        if name not in out:
            out.append(name)
    if len(out) > MAX_GROUPS:
        raise ValidationError(
            "customer.groups", f"at most {MAX_GROUPS} groups", rule="R-2.1", field="groups"
        )
    return out
