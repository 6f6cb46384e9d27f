"""Binding and attribution (docs/rules.md §1), as pure decisions over plain values.

The caller reads the customer's current binding and sharer, asks :func:`visit` what a share
visit does, and writes the answer in one statement. :func:`attribute` says who a customer's
orders and becoming a distributor count for at a given time.

Choices where docs/rules.md is silent (written down as docs/rules.md asks):
- B-1 Every visit records the visiting distributor as the customer's latest sharer for
  ``sharer_window_hours``, in both modes, so the fallback of R-1.4 always has one.
- B-2 Team counts (direct and indirect clients, R-2.3) count lasting bindings. A sharer
  attribution (R-1.3) is a 24-hour credit for orders, not a team membership; in ``sharer``
  mode client counts therefore stay at zero and orders are credited to the sharer.
- B-3 A visit through a distributor that is not active (pending, rejected, frozen) is refused
  (``binding.not_distributor`` / ``binding.frozen``); a dormant one is active again by it.
- B-5 A visit is decided on the current state. One that arrives late, timed before the
  customer's last binding change, neither binds nor renews (history is never rewritten), and
  records its sharer only if no later visit did.
- B-4 A visit through the same distributor renews a time-limited binding to a full period
  from the visit (R-1.2); a permanent binding stays as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from teamgraph.errors import NotFound, ValidationError
from teamgraph.rules.settings import ProgramSettings
from teamgraph.rules.timeutil import MS_PER_DAY, MS_PER_HOUR

ACTIVE_STATUSES = ("active", "dormant")


@dataclass(frozen=True)
class Binding:
    """A binding of a customer to ``distributor_id``; ``ended_at`` once it was ended."""

    distributor_id: str
    since: int
    expires_at: int | None
    ended_at: int | None = None

    def active(self, now: int) -> bool:
        """Not yet expired (a current binding: one not ended)."""
        return self.expires_at is None or now < self.expires_at

    def in_force(self, at: int) -> bool:
        """Begun by ``at`` and neither ended nor expired then."""
        return (
            self.since <= at
            and (self.ended_at is None or at < self.ended_at)
            and (self.expires_at is None or at < self.expires_at)
        )


@dataclass(frozen=True)
class Sharer:
    """A sharer visit through ``distributor_id`` at ``since``, valid until ``until``
    (the sharer window after it, R-1.3)."""

    distributor_id: str
    until: int
    since: int = 0

    def active(self, now: int) -> bool:
        return self.since <= now < self.until


@dataclass(frozen=True)
class VisitOutcome:
    """What a visit does: ``bind`` a new binding, ``renew`` the current one, or ``none``;
    the sharer is recorded in every case (B-1)."""

    action: Literal["bind", "renew", "none"]
    expires_at: int | None
    sharer_until: int
    reason: str


def expiry(settings: ProgramSettings, since: int) -> int | None:
    """When a binding made at ``since`` expires (S-5), or None for a permanent one."""
    if settings.auto_unbind == "on_expiry" and settings.binding_days is not None:
        return since + settings.binding_days * MS_PER_DAY
    return None


def sharer_until(settings: ProgramSettings, at: int) -> int:
    return at + settings.sharer_window_hours * MS_PER_HOUR


def check_target(customer_id: str, distributor_id: str, status: str | None, found: bool) -> None:
    """R-1.8 and B-3: who a customer may be bound to."""
    if customer_id == distributor_id:
        raise ValidationError(
            "binding.self",
            f"{customer_id} cannot be bound to itself",
            rule="R-1.8",
            field="distributor_id",
        )
    if not found:
        raise NotFound(
            "distributor.not_found",
            f"no distributor {distributor_id}",
            params={"id": distributor_id},
            field="distributor_id",
        )
    if status == "frozen":
        raise ValidationError(
            "binding.frozen",
            f"distributor {distributor_id} is frozen and cannot take customers",
            rule="R-2.1",
            params={"id": distributor_id},
            field="distributor_id",
        )
    if status not in ACTIVE_STATUSES:
        raise ValidationError(
            "binding.not_distributor",
            f"{distributor_id} is not an approved distributor",
            rule="R-2.1",
            params={"id": distributor_id},
            field="distributor_id",
        )


def visit(
    settings: ProgramSettings,
    *,
    distributor_id: str,
    binding: Binding | None,
    joined_via: str | None,
    new_customer: bool,
    now: int,
    last_change: int | None = None,
) -> VisitOutcome:
    """R-1.2, R-1.3, R-1.4, R-1.13: what a share visit through ``distributor_id`` does."""
    until = sharer_until(settings, now)
    if settings.attribution_mode == "sharer":
        return VisitOutcome("none", None, until, "R-1.3 sharer mode records the sharer only")
    if last_change is not None and now < last_change:
        return VisitOutcome("none", None, until, "B-5 late visit: history is not rewritten")
    current = binding if binding is not None and binding.active(now) else None
    if current is not None:
        if current.distributor_id != distributor_id:
            return VisitOutcome("none", current.expires_at, until, "R-1.2 no override")
        if current.expires_at is None:
            return VisitOutcome("none", None, until, "R-1.2 permanent binding")
        return VisitOutcome("renew", expiry(settings, now), until, "R-1.2 renewed")
    if settings.new_customers_only and not new_customer and joined_via != distributor_id:
        return VisitOutcome("none", None, until, "R-1.13 existing customers stay as they are")
    return VisitOutcome("bind", expiry(settings, now), until, "R-1.2 bound")


def attribute(bindings: Iterable[Binding], sharers: Iterable[Sharer], at: int) -> str | None:
    """R-1.2–R-1.4 (M-1): the distributor a customer is attributed to at ``at``, if any: the
    binding then in force, else the sharer whose visit is then valid. The one place that
    chooses, for orders (live and historical), the customer view and applications.

    B-6 Of several bindings in force at once (a history the loaders refuse to create, but a
    graph may hold), the one begun last counts; of several valid sharers, the latest visit,
    and of equally recent visits the smallest distributor id. In ``sharer`` mode only a
    merchant's rebind (R-1.12) makes a binding, and it counts like any other."""
    bound = [b for b in bindings if b.in_force(at)]
    if bound:
        return max(bound, key=lambda b: (b.since, b.distributor_id)).distributor_id
    valid = [s for s in sharers if s.active(at)]
    if valid:
        return min(valid, key=lambda s: (-s.since, s.distributor_id)).distributor_id
    return None


def status_at(status: str, last_active_at: int | None, settings: ProgramSettings, now: int) -> str:
    """R-2.1: an active distributor with no promotion activity for ``dormant_days`` is
    ``dormant``, computed when read."""
    idle = last_active_at is not None and now - last_active_at >= settings.dormant_days * MS_PER_DAY
    return "dormant" if status == "active" and idle else status
