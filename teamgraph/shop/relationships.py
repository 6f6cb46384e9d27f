"""Relationships of a :class:`~teamgraph.shop.Shop` (docs/rules.md sections 1 and 2): customers and
their visits, bindings and the merchant's edits of them, applications, approvals, a
distributor's status and level, and the performance counters order events feed."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from teamgraph.errors import Conflict, NotFound, ValidationError
from teamgraph.rules import binding as rules_binding
from teamgraph.rules import share as rules_share
from teamgraph.rules.binding import Binding, Sharer
from teamgraph.rules.settings import ProgramSettings
from teamgraph.shop.actors import PROGRAM, Actor
from teamgraph.shop.backoffice import application_conditions
from teamgraph.shop.base import ShopBase
from teamgraph.shop.orders import digest


class Relationships(ShopBase):
    """Part of Shop: who is bound to whom, who is a distributor."""

    # -- customers and visits (docs/rules.md §1) ----------------------------------------------
    def create_customer(
        self,
        customer_id: str,
        *,
        name: str | None = None,
        phone: str | None = None,
        phone_verified: bool = False,
        joined_at: int | None = None,
        via_distributor_id: str | None = None,
        now: int | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Register a customer (idempotent on its id). Joining through a distributor's link is
        a visit at the joining time (R-1.5, R-1.13). Returns the customer and whether it was
        created; the same id with other details is 409 ``event.conflict`` (docs/api.md). The
        phone is kept as its keyed digest only (P-1, P-2): 422 ``phone.invalid`` when it is
        not a phone number."""
        now = self._now(now)
        joined = joined_at if joined_at is not None else now
        phone_hash = self.phone_digest(phone) if phone else None
        existing = self.store.read("customer.get", id=customer_id)
        if existing:
            stored = existing[0]
            given = {
                "name": name,
                "phone_hash": phone_hash,
                "joined_at": joined_at,
                "via": via_distributor_id,
            }
            differs = [k for k, v in given.items() if v is not None and stored[k] != v]
            if bool(stored["phone_verified"]) != phone_verified:
                differs.append("phone_verified")
            if differs:
                raise Conflict(
                    "event.conflict",
                    f"customer {customer_id} exists with another {', '.join(differs)}",
                    params={"id": customer_id},
                    field="id",
                )
            return self.customer(customer_id, now=now), False
        if via_distributor_id is not None:  # refuse a bad distributor before writing anything
            ctx = self.store.read(
                "visit.context", customer_id=customer_id, distributor_id=via_distributor_id
            )[0]
            rules_binding.check_target(
                customer_id, via_distributor_id, ctx["d_status"], found=ctx["d_id"] is not None
            )
        self.store.write(
            "customer.create",
            id=customer_id,
            name=name,
            phone_hash=phone_hash,
            phone_verified=phone_verified,
            joined_at=joined,
            via=via_distributor_id,
        )
        if via_distributor_id is not None:
            self.visit(customer_id, via_distributor_id, at=joined, now=now, new_customer=True)
        return self.customer(customer_id, now=now), True

    def resolve_distributor(self, distributor_id: str | None, code: str | None) -> str:
        """A visit names the distributor by id or by its share code (推广码)."""
        if distributor_id is not None:
            return distributor_id
        if code is None:
            raise ValidationError(
                "visit.no_distributor", "give distributor_id or code", field="distributor_id"
            )
        rows = self.store.read("distributor.by_code", code=rules_share.normalize_code(code))
        if not rows:
            raise NotFound(
                "share.unknown_code",
                f"no distributor has the code {code}",
                params={"id": code},
                field="code",
            )
        return str(rows[0]["id"])

    def visit(
        self,
        customer_id: str,
        distributor_id: str,
        *,
        at: int | None = None,
        channel: str | None = None,
        name: str | None = None,
        now: int | None = None,
        new_customer: bool | None = None,
        visit_id: str | None = None,
    ) -> dict[str, Any]:
        """A customer opens a distributor's link or code (R-1.2–R-1.4, R-1.13). Unknown
        customers are created, joined through this distributor.

        With ``visit_id`` the visit is an event like the others (R-3.12, docs/api.md "Visits"):
        recorded once under its id with the answer it gave; a repeat with the same body changes
        nothing and answers that again, another body is 409 ``event.conflict``. Without one,
        every call is a new visit (it renews, counts and records the sharer again)."""
        fingerprint = None
        if visit_id is not None:
            fingerprint = digest(
                {"customer_id": customer_id, "distributor_id": distributor_id, "at": at,
                 "channel": channel}
            )  # fmt: skip
            repeat = self._visit_repeat(visit_id, fingerprint)
            if repeat is not None:
                return repeat
        at = at if at is not None else self._now(now)
        settings = self.catch_up(at)
        ctx = self.store.read(
            "visit.context", customer_id=customer_id, distributor_id=distributor_id
        )[0]
        rules_binding.check_target(
            customer_id, distributor_id, ctx["d_status"], found=ctx["d_id"] is not None
        )
        binding = (
            Binding(ctx["bound_to"], ctx["since"], ctx["expires_at"]) if ctx["bound_to"] else None
        )
        outcome = rules_binding.visit(
            settings,
            distributor_id=distributor_id,
            binding=binding,
            joined_via=ctx["via"],
            new_customer=ctx["c_id"] is None if new_customer is None else new_customer,
            now=at,
            last_change=ctx["last_change"],
        )
        params = {
            "customer_id": customer_id,
            "distributor_id": distributor_id,
            "now": at,
            "expires_at": outcome.expires_at,
            "sharer_until": outcome.sharer_until,
            "channel": channel,
            "name": name,
            "visit_id": visit_id,
            "digest": fingerprint,
            "outcome": outcome.action,
            "reason": outcome.reason,
        }
        try:
            if outcome.action == "bind":
                rows = self.store.write("visit.bind", source="visit", actor=None, **params)
                if rows:
                    self._check_levels([distributor_id], at, settings)
                else:  # bound meanwhile by another request: record the sharer only
                    rows = self.store.write("visit.share", **params)
            elif outcome.action == "renew":
                rows = self.store.write("visit.renew", **params)
            else:
                rows = self.store.write("visit.share", **params)
        except Conflict:  # Neo4j: the same id recorded meanwhile for another customer
            if visit_id is None or fingerprint is None:
                raise
            rows = []
        if visit_id is not None and fingerprint is not None:
            if not rows:  # recorded meanwhile under this id: a repeat
                repeat = self._visit_repeat(visit_id, fingerprint)
                if repeat is not None:
                    return repeat
            else:
                return _visit_answer(customer_id, outcome.action, outcome.reason, rows[0], at)
        view = self._customer_view(customer_id, settings, at)
        return {
            "customer_id": customer_id,
            "bound_to": view["binding"]["distributor_id"] if view["binding"] else None,
            "expires_at": view["binding"]["expires_at"] if view["binding"] else None,
            "sharer_id": view["sharer"]["distributor_id"] if view["sharer"] else None,
            "sharer_until": view["sharer"]["until"] if view["sharer"] else None,
            "attributed_to": view["attributed_to"],
            "outcome": outcome.action,
            "reason": outcome.reason,
        }

    def _visit_repeat(self, visit_id: str, fingerprint: str) -> dict[str, Any] | None:
        """The answer of the visit recorded under ``visit_id``, None when there is none; 409
        ``event.conflict`` when it was recorded with another body (R-3.12)."""
        rows = self.store.read("visit.get", visit_id=visit_id)
        if not rows:
            return None
        row = rows[0]
        if row["digest"] != fingerprint:
            raise Conflict(
                "event.conflict",
                f"visit {visit_id} was recorded with another body",
                params={"id": visit_id},
                rule="R-3.12",
                field="id",
            )
        return _visit_answer(row["customer_id"], row["outcome"], row["reason"], row, row["at"])

    def customer(self, customer_id: str, *, now: int | None = None) -> dict[str, Any]:
        """A customer with its current binding, sharer, attribution and full binding history
        (R-1.12: bindings are ended, never deleted)."""
        now = self._now(now)
        return self._customer_view(customer_id, self.catch_up(now), now)

    def _customer_view(
        self, customer_id: str, settings: ProgramSettings, now: int
    ) -> dict[str, Any]:
        rows = self.store.read("customer.view", id=customer_id)
        if not rows:
            raise NotFound(
                "customer.not_found",
                f"no customer {customer_id}",
                params={"id": customer_id},
                field="id",
            )
        row = rows[0]
        history = sorted(row["bindings"], key=lambda b: b["since"])
        current = next(
            (
                b
                for b in history
                if b["active"] and (b["expires_at"] is None or now < b["expires_at"])
            ),
            None,
        )
        sharer = (
            Sharer(row["sharer_id"], row["sharer_until"]) if row["sharer_id"] is not None else None
        )
        binding = (
            Binding(current["distributor_id"], current["since"], current["expires_at"])
            if current
            else None
        )
        return {
            "id": row["id"],
            "name": row["name"],
            "joined_at": row["joined_at"],
            "joined_via": row["via"],
            "binding": None
            if current is None
            else {
                "distributor_id": current["distributor_id"],
                "since": current["since"],
                "expires_at": current["expires_at"],
                "source": current["source"],
            },
            "sharer": None
            if sharer is None or not sharer.active(now)
            else {
                "distributor_id": sharer.distributor_id,
                "until": sharer.until,
                "channel": row["sharer_channel"],
            },
            "attributed_to": rules_binding.attribute(_listed(binding), _listed(sharer), now),
            "history": history,
            "groups": list(row["groups"] or []),
        }

    def rebind(
        self,
        customer_id: str,
        distributor_id: str,
        *,
        reason: str | None = None,
        actor: Actor = PROGRAM,
        now: int | None = None,
    ) -> dict[str, Any]:
        """R-1.12: the merchant binds a customer to another distributor; the old binding ends
        (kept, with who ended it and why) and an audit entry records the change."""
        now = self._now(now)
        settings = self.catch_up(now)
        ctx = self.store.read(
            "visit.context", customer_id=customer_id, distributor_id=distributor_id
        )[0]
        if ctx["c_id"] is None:
            raise NotFound(
                "customer.not_found",
                f"no customer {customer_id}",
                params={"id": customer_id},
                field="customer_id",
            )
        rules_binding.check_target(
            customer_id, distributor_id, ctx["d_status"], found=ctx["d_id"] is not None
        )
        rows = self.store.write(
            "binding.set",
            customer_id=customer_id,
            distributor_id=distributor_id,
            now=now,
            expires_at=rules_binding.expiry(settings, now),
            source="merchant",
            reason=reason,
            **actor.params(),
            end_reason="merchant_rebind",
            action="binding.rebind",
            change_id=_change_id(),
        )
        if rows:
            self._check_levels([distributor_id], now, settings)
        return self._customer_view(customer_id, settings, now)

    def unbind(
        self,
        customer_id: str,
        *,
        reason: str | None = None,
        actor: Actor = PROGRAM,
        now: int | None = None,
    ) -> dict[str, Any]:
        """R-1.12: the merchant ends a customer's binding (idempotent: unbound stays unbound)."""
        now = self._now(now)
        settings = self.catch_up(now)
        if not self.store.read("customer.get", id=customer_id):
            raise NotFound(
                "customer.not_found",
                f"no customer {customer_id}",
                params={"id": customer_id},
                field="customer_id",
            )
        self.store.write(
            "binding.end",
            customer_id=customer_id,
            now=now,
            reason=reason,
            **actor.params(),
            end_reason="merchant_unbind",
            action="binding.unbind",
            change_id=_change_id(),
        )
        return self._customer_view(customer_id, settings, now)

    # -- distributors (docs/rules.md §2) ------------------------------------------------------
    def apply(self, customer_id: str, *, now: int | None = None) -> dict[str, Any]:
        """R-2.1: a customer applies; approved at once unless the shop reviews applications."""
        now = self._now(now)
        settings = self.catch_up(now)
        ctx = self._distributor_context(customer_id)
        if ctx["status"] is not None:  # already a distributor: the application is done
            return self.distributor(customer_id, now=now)
        _check_application(settings, ctx)
        self.store.write("distributor.apply", id=customer_id, now=now)
        if not settings.application.review:
            return self.approve(customer_id, actor=Actor.system("auto"), now=now)
        return {"id": customer_id, "status": "pending", "inviter_id": None}

    def application(self, customer_id: str, *, now: int | None = None) -> dict[str, Any]:
        """R-2.1 as the applicant sees it (the distributor center, C-4): each condition the shop
        sets with the customer's value and whether it holds (``ready`` when all do), whether
        the shop reviews applications, and where the customer's application stands: ``none``,
        ``pending``, ``rejected`` or ``distributor``."""
        settings = self.catch_up(self._now(now))
        ctx = self._distributor_context(customer_id)
        app = settings.application
        conditions = application_conditions(settings, ctx)
        status = "distributor" if ctx["status"] is not None else (ctx["application"] or "none")
        return {
            "customer_id": customer_id,
            "status": status,
            "review": app.review,
            "conditions": conditions,
            "ready": all(c["met"] for c in conditions),
        }  # fmt: skip

    def approve(
        self,
        customer_id: str,
        *,
        reason: str | None = None,
        actor: Actor = PROGRAM,
        now: int | None = None,
    ) -> dict[str, Any]:
        """R-2.2: approval makes the customer a distributor; its inviter is the distributor it
        is attributed to now, fixed for good. Every distributor above gains a team member. The
        ``reason`` is kept in the approval's Change (R-2.1, issue 17)."""
        now = self._now(now)
        settings = self.catch_up(now)
        ctx = self._distributor_context(customer_id)
        if ctx["status"] is not None:
            return self.distributor(customer_id, now=now)
        if ctx["application"] != "pending":
            raise Conflict(
                "distributor.not_pending",
                f"{customer_id} has no pending application",
                rule="R-2.1",
                field="id",
            )
        binding = (
            Binding(ctx["bound_to"], ctx["since"], ctx["expires_at"]) if ctx["bound_to"] else None
        )
        sharer = Sharer(ctx["sharer_id"], ctx["sharer_until"]) if ctx["sharer_id"] else None
        inviter = rules_binding.attribute(_listed(binding), _listed(sharer), now)
        if inviter is not None and self.store.read(
            "distributor.in_team", id=customer_id, other=inviter
        ):
            raise Conflict(
                "distributor.cycle",
                f"{inviter} is in {customer_id}'s team: the invitation would form a cycle",
                rule="R-2.2",
                field="inviter_id",
            )
        rows = self.store.write(
            "distributor.approve",
            id=customer_id,
            now=now,
            code=self._free_code(customer_id),
            inviter_id=inviter,
            reason=reason,
            change_id=_change_id(),
            invitation_points=settings.invitation_points,
            **actor.params(),
        )
        if rows and rows[0]["inviter_id"] is not None:
            self._check_levels([rows[0]["inviter_id"]], now, settings)
        return self._profile(customer_id, settings, now)

    def reject(
        self,
        customer_id: str,
        *,
        reason: str | None = None,
        actor: Actor = PROGRAM,
        now: int | None = None,
    ) -> dict[str, Any]:
        now = self._now(now)
        ctx = self._distributor_context(customer_id)
        if ctx["application"] == "rejected":
            return {"id": customer_id, "status": "rejected", "inviter_id": None}
        if ctx["application"] != "pending":
            raise Conflict(
                "distributor.not_pending",
                f"{customer_id} has no pending application",
                rule="R-2.1",
                field="id",
            )
        self.store.write(
            "distributor.reject",
            id=customer_id,
            now=now,
            reason=reason,
            **actor.params(),
            change_id=_change_id(),
        )
        return {"id": customer_id, "status": "rejected", "inviter_id": None}

    def set_status(
        self,
        distributor_id: str,
        status: Literal["active", "frozen"],
        *,
        reason: str | None = None,
        actor: Actor = PROGRAM,
        now: int | None = None,
    ) -> dict[str, Any]:
        """R-2.1: the merchant (or the risk engine) freezes or unfreezes a distributor."""
        now = self._now(now)
        self.distributor(distributor_id, now=now)  # 404 for an unknown id
        self.store.write(
            "distributor.set_status",
            id=distributor_id,
            status=status,
            now=now,
            reason=reason,
            **actor.params(),
            action=f"distributor.{'freeze' if status == 'frozen' else 'unfreeze'}",
            change_id=_change_id(),
        )
        return self.distributor(distributor_id, now=now)

    def set_level(
        self,
        distributor_id: str,
        level: int,
        *,
        reason: str | None = None,
        actor: Actor = PROGRAM,
        now: int | None = None,
    ) -> dict[str, Any]:
        """R-4.3: the merchant can set any level by hand (up or down)."""
        now = self._now(now)
        settings = self.settings(now=now)
        if isinstance(level, bool) or not 1 <= level <= len(settings.levels):
            raise ValidationError(
                "level.unknown",
                f"the program has levels 1..{len(settings.levels)}",
                rule="R-4.1",
                field="level",
            )
        self.distributor(distributor_id, now=now)
        self.store.write(
            "distributor.set_level",
            id=distributor_id,
            level=level,
            now=now,
            reason=reason,
            **actor.params(),
            change_id=_change_id(),
        )
        return self.distributor(distributor_id, now=now)

    def add_performance(
        self,
        distributor_id: str,
        *,
        paid_orders: int = 0,
        received_fen: int = 0,
        transaction_fen: int = 0,
        completed_orders: int = 0,
        now: int | None = None,
    ) -> dict[str, Any]:
        """The update point order events feed (R-4.2's order-based conditions); upgrades
        follow at once (R-4.3)."""
        values = (paid_orders, received_fen, transaction_fen, completed_orders)
        if any(isinstance(v, bool) or not isinstance(v, int) for v in values):
            raise TypeError("performance deltas are integers (fen, counts)")
        now = self._now(now)
        if not self.store.write(
            "distributor.add_performance",
            id=distributor_id,
            paid_orders=paid_orders,
            received_fen=received_fen,
            transaction_fen=transaction_fen,
            completed_orders=completed_orders,
        ):
            raise NotFound(
                "distributor.not_found",
                f"no distributor {distributor_id}",
                params={"id": distributor_id},
                field="id",
            )
        self._check_levels([distributor_id], now)
        return self.distributor(distributor_id, now=now)

    # -- internals ---------------------------------------------------------------------------------
    def _distributor_context(self, customer_id: str) -> dict[str, Any]:
        rows = self.store.read("distributor.context", id=customer_id)
        if not rows:
            raise NotFound(
                "customer.not_found",
                f"no customer {customer_id}",
                params={"id": customer_id},
                field="customer_id",
            )
        return rows[0]

    def _free_code(self, distributor_id: str) -> str:
        for attempt in range(10):
            code = rules_share.share_code(distributor_id, attempt)
            owner = self.store.read("distributor.by_code", code=code)
            if not owner or owner[0]["id"] == distributor_id:
                return code
        raise Conflict("share.code_exhausted", "no free share code")  # pragma: no cover


T = TypeVar("T")


def _listed(x: T | None) -> list[T]:
    return [] if x is None else [x]


def _change_id() -> str:
    return uuid.uuid4().hex


def _check_application(settings: ProgramSettings, ctx: Mapping[str, Any]) -> None:
    """R-2.1 / S-6: every condition the shop sets must hold."""
    app = settings.application
    failed = []
    if app.verified_phone and not ctx["phone_verified"]:
        failed.append("a verified phone")
    if app.min_spend_fen is not None and (ctx["spent_fen"] or 0) < app.min_spend_fen:
        failed.append(f"total spend of at least {app.min_spend_fen} fen")
    if app.min_paid_orders is not None and (ctx["paid_orders"] or 0) < app.min_paid_orders:
        failed.append(f"at least {app.min_paid_orders} paid orders")
    if app.groups and not set(app.groups) & set(ctx["groups"] or []):
        failed.append(f"membership of one of the groups {', '.join(app.groups)}")
    if failed:
        raise ValidationError(
            "distributor.conditions",
            "the application needs " + "; ".join(failed),
            rule="R-2.1",
            field="customer_id",
        )


def _visit_answer(
    customer_id: str, outcome: str, reason: str, row: Mapping[str, Any], at: int
) -> dict[str, Any]:
    """A visit's answer from what its statement stored (the binding and the sharer as they
    stood after it), as of the visit's time: the first answer and every repeat's are one."""
    bound = row["distributor_id"] if "distributor_id" in row else row["bound_to"]
    expires_at = row["expires_at"]
    binding = (
        Binding(bound, at, expires_at)
        if bound is not None and (expires_at is None or at < expires_at)
        else None
    )
    sharer = Sharer(row["sharer_id"], row["sharer_until"]) if row["sharer_id"] else None
    if sharer is not None and not sharer.active(at):
        sharer = None
    return {
        "customer_id": customer_id,
        "bound_to": binding.distributor_id if binding else None,
        "expires_at": binding.expires_at if binding else None,
        "sharer_id": sharer.distributor_id if sharer else None,
        "sharer_until": sharer.until if sharer else None,
        "attributed_to": rules_binding.attribute(_listed(binding), _listed(sharer), at),
        "outcome": outcome,
        "reason": reason,
    }
