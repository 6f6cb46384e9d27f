"""The commission ledger (R-3.12): a distributor's balances are sums of its entries.

Every money movement is one :class:`Entry` — an issued reward, a clawback, a ladder bonus, a
merchant adjustment, a withdrawal, a tax withholding — and :func:`balances` adds them up as of a
time. Nothing is ever stored as a balance, so nothing can drift from the entries.

Rules (docs/rules.md):
- R-3.10 A reward is ``pending`` until its after-sale window has passed (``settle_at``), then
  ``settled``; a frozen account's reward is ``held`` instead (R-6.4).
- R-3.11 A clawback after settlement may make the settled balance negative; it is netted against
  later earnings before anything can be withdrawn (:func:`withdrawable`).
- R-3.12 Append-only: a balance is the sum of its entries.
- R-5.2 A withdrawal request moves settled money into ``requested``; a rejection returns it; a
  confirmed payment makes it ``withdrawn``.
- R-5.4 A tax withholding is its own entry (kind ``tax``).

Invariant (tested with hypothesis): ``pending + held + settled + requested + withdrawn`` equals
the sum of all non-withdrawal entries, for any ledger — withdrawals only move money between
balances, they neither create nor destroy it. (A rejected tax entry, G-4, is returned with its
withdrawal and left out of both sides.)

Choices where docs/rules.md is silent (written down here, as docs/rules.md asks):
- G-1 Settlement is computed when read (:func:`status_at`): a ``pending`` reward, clawback or
  bonus whose ``settle_at`` has passed counts as ``settled`` with no job having run. A
  ``settle_at`` of ``None`` (order not completed yet) stays pending.
- G-2 Freezing holds only what would settle: a frozen distributor's due pending entries read as
  ``held``, and read as ``settled`` again once it is released. Entries settled before the freeze
  stay settled (refusing a frozen distributor's withdrawals is the caller's decision).
- G-3 ``adjustment`` and ``tax`` entries never settle by time: they count in the status they were
  written with (a merchant's adjustment is normally written ``settled``).
- G-4 A withdrawal leaves the settled balance when it is requested (R-5.2); ``requested`` counts
  requested and approved withdrawals (their net amount), ``withdrawn`` paid ones; a rejected one
  counts nowhere, so its money is back in the settled balance. A ``tax`` entry withheld on a
  withdrawal (W-5) carries its withdrawal's status: requested, approved or paid it is out of the
  settled balance (and in no other), rejected it counts nowhere, returned with the withdrawal.
- G-5 An entry checks its kind, its status for that kind and the sign of its amount when built
  (``ValueError``): rewards and bonuses ≥ 0; clawbacks, withdrawals and tax ≤ 0; adjustments
  either. Withdrawals take ``requested``/``approved``/``paid``/``rejected``; tax those or
  ``pending``/``held``/``settled``; every other kind ``pending``/``held``/``settled`` — which is
  what makes the invariant hold for every ledger.
- G-6 The withdrawable amount is ``max(0, settled)``: a negative settled balance is paid back by
  later earnings first (R-3.11).
- G-7 Balances are of one unit: entries carry fen (cash, balance); points rewards are summed on
  their own (the caller passes one unit's entries), never added to fen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from teamgraph.rules.money import require_int

KINDS: tuple[str, ...] = ("reward", "clawback", "bonus", "adjustment", "withdrawal", "tax")
EARNING_STATUSES: tuple[str, ...] = ("pending", "held", "settled")
"""The statuses of every kind but ``withdrawal`` (G-5)."""
WITHDRAWAL_STATUSES: tuple[str, ...] = ("requested", "approved", "paid", "rejected")
"""The statuses of a withdrawal (R-5.2)."""
SETTLING_KINDS: tuple[str, ...] = ("reward", "clawback", "bonus")
"""The kinds that settle by time (R-3.10, G-1, G-3)."""

_POSITIVE = ("reward", "bonus")
_NEGATIVE = ("clawback", "withdrawal", "tax")


@dataclass(frozen=True)
class Entry:
    """One ledger entry of one distributor. ``amount`` is signed fen (G-5); ``settle_at`` is when
    a pending entry settles (epoch ms), ``None`` while unknown."""

    id: str
    kind: str
    amount: int
    status: str
    settle_at: int | None

    def __post_init__(self) -> None:
        require_int(self.amount, "amount")
        if self.settle_at is not None:
            require_int(self.settle_at, "settle_at")
        if self.kind not in KINDS:
            raise ValueError(f"entry {self.id}: unknown kind {self.kind!r}")
        allowed = {
            "withdrawal": WITHDRAWAL_STATUSES,
            "tax": EARNING_STATUSES + WITHDRAWAL_STATUSES,  # G-4
        }.get(self.kind, EARNING_STATUSES)
        if self.status not in allowed:
            raise ValueError(f"entry {self.id}: a {self.kind} entry cannot be {self.status!r}")
        if self.kind in _POSITIVE and self.amount < 0:
            raise ValueError(f"entry {self.id}: a {self.kind} is not negative")
        if self.kind in _NEGATIVE and self.amount > 0:
            raise ValueError(f"entry {self.id}: a {self.kind} is not positive")


def status_at(entry: Entry, now: int, *, frozen: bool) -> str:
    """The status of ``entry`` as read at ``now`` (R-3.10, R-6.4, G-1–G-3): a pending reward,
    clawback or bonus whose ``settle_at`` ≤ ``now`` is ``settled``, or ``held`` when the
    distributor is frozen; every other entry has the status it was written with."""
    now = require_int(now, "now")
    if (
        entry.status == "pending"
        and entry.kind in SETTLING_KINDS
        and entry.settle_at is not None
        and entry.settle_at <= now
    ):
        return "held" if frozen else "settled"
    return entry.status


@dataclass(frozen=True)
class Balances:
    """A distributor's balances in fen. ``settled`` may be negative (R-3.11); ``requested`` and
    ``withdrawn`` are ≥ 0 amounts that left it (G-4)."""

    pending: int
    held: int
    settled: int
    requested: int
    withdrawn: int

    @property
    def total(self) -> int:
        """Everything ever earned net of clawbacks, adjustments and tax: the invariant's side."""
        return self.pending + self.held + self.settled + self.requested + self.withdrawn

    def to_dict(self) -> dict[str, Any]:
        return {
            "pending": self.pending,
            "held": self.held,
            "settled": self.settled,
            "requested": self.requested,
            "withdrawn": self.withdrawn,
        }


def balances(entries: Iterable[Entry], now: int, *, frozen: bool = False) -> Balances:
    """Sum ``entries`` into :class:`Balances` as of ``now`` (R-3.10, R-3.12, R-5.2, G-1–G-4).

    Non-withdrawal entries count in their read-time status (:func:`status_at`). Every withdrawal
    but a rejected one counts in ``settled`` (its negative amount) and, by its status, in
    ``requested`` (requested, approved) or ``withdrawn`` (paid) as a positive amount; a tax entry
    with a withdrawal status counts in ``settled`` only, unless rejected (G-4). One unit's
    entries at a time (G-7).
    """
    sums = {"pending": 0, "held": 0, "settled": 0}
    requested = withdrawn = 0
    for e in entries:
        if e.status in WITHDRAWAL_STATUSES:  # a withdrawal, or the tax withheld on one
            if e.status == "rejected":
                continue
            sums["settled"] += e.amount
            if e.kind != "withdrawal":
                continue
            if e.status == "paid":
                withdrawn -= e.amount
            else:
                requested -= e.amount
        else:
            sums[status_at(e, now, frozen=frozen)] += e.amount
    return Balances(
        pending=sums["pending"],
        held=sums["held"],
        settled=sums["settled"],
        requested=requested,
        withdrawn=withdrawn,
    )


def withdrawable(b: Balances) -> int:
    """What may be withdrawn now: the settled balance, and 0 while it is negative (G-6)."""
    return max(0, b.settled)
