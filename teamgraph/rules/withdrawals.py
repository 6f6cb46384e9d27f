"""Withdrawals (提现, docs/rules.md §5): whether a request may be made, what tax it withholds, how
its account is shown, and which status changes are allowed.

The caller sums the distributor's ledger (:mod:`teamgraph.rules.ledger`), counts its requests
since :func:`period_start`, asks :func:`check_request`, and writes the entries; the merchant's
approve / reject / pay goes through :func:`transition`.

Rules (docs/rules.md):
- R-5.1 Methods the shop enabled (bank card, Alipay, WeChat); one withdrawal between ``min_fen``
  and ``max_fen``; at most ``max_count`` per day, week or month.
- R-5.2 A request moves settled balance into ``requested``; the merchant approves or rejects
  (rejection returns it); payment is made offline and confirmed (``paid``).
- R-3.11 A negative settled balance is netted first: only ``withdrawable`` may be requested.
- R-5.3 Exports carry the account masked and in full (:func:`mask_account`).
- R-5.4 Optional tax withholding at ``tax_bp``, its own ledger entry (:func:`tax`).

Choices where docs/rules.md is silent (written down here, as docs/rules.md asks):
- W-1 Periods are calendar periods in the shop's time zone: the local day, the ISO week from
  Monday 00:00, the month from the 1st 00:00. ``period_start`` is their start in epoch ms.
- W-2 ``count_in_period`` counts the distributor's requests made since :func:`period_start` that
  were not rejected: a rejected request gives its slot back.
- W-3 The limits and the balance check apply to the gross amount requested (what leaves the
  settled balance); an amount must be above 0 even when ``min_fen`` is 0.
- W-4 Checks run in this order and the first failure is reported: amount > 0, method,
  min/max, count, balance.
- W-5 Tax is withheld when the request is made: with gross G and ``T = tax(G, tax_bp)`` the caller
  writes a ``withdrawal`` entry of −(G − T), the net the bank transfers and the export shows, and
  a ``tax`` entry of −T that follows its withdrawal's status (G-4), so a rejection returns both
  and a payment makes the tax final. No tax entry when T is 0.
- W-6 :func:`mask_account` keeps the last 4 characters and masks every other one, keeping the
  length; an account of 4 characters or fewer is masked entirely (showing it would show it all).
- W-7 :func:`transition` is idempotent on the status an action produces (approve on approved,
  reject on rejected, pay on paid change nothing); a payment needs an approval first; a paid or
  rejected withdrawal is final.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from teamgraph.errors import Conflict, ValidationError
from teamgraph.rules.money import require_int
from teamgraph.rules.settings import Withdrawal
from teamgraph.rules.timeutil import from_ms, to_ms

BP = 10_000

Per = Literal["day", "week", "month"]
Action = Literal["approve", "reject", "pay"]

_TRANSITIONS: dict[tuple[str, str], str] = {
    ("requested", "approve"): "approved",
    ("approved", "approve"): "approved",
    ("requested", "reject"): "rejected",
    ("approved", "reject"): "rejected",
    ("rejected", "reject"): "rejected",
    ("approved", "pay"): "paid",
    ("paid", "pay"): "paid",
}
"""R-5.2 and W-7: (status, action) → the status after it."""

ACTIONS: tuple[str, ...] = ("approve", "reject", "pay")
_DONE = {"approve": "approved", "reject": "rejected", "pay": "paid"}
VISIBLE = 4  # W-6


def period_start(now: int, per: Per, tz: str) -> int:
    """The start (epoch ms) of the day, ISO week or month containing ``now`` in the shop's time
    zone ``tz`` (R-5.1, W-1)."""
    now = require_int(now, "now")
    day = from_ms(now, tz).date()
    if per == "week":
        day -= timedelta(days=day.weekday())
    elif per == "month":
        day = day.replace(day=1)
    elif per != "day":
        raise ValueError(f"per is day, week or month, got {per!r}")
    return to_ms(datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)))


def check_request(
    rules: Withdrawal, *, amount: int, method: str, withdrawable: int, count_in_period: int
) -> None:
    """Whether a distributor may request ``amount`` fen by ``method`` now (R-5.1, R-5.2, R-3.11).

    ``withdrawable`` is :func:`teamgraph.rules.ledger.withdrawable` of its balances;
    ``count_in_period`` its non-rejected requests since :func:`period_start` (W-2). Raises a
    :class:`ValidationError` naming the rule, first failure first (W-4).
    """
    amount = require_int(amount, "amount")
    withdrawable = require_int(withdrawable, "withdrawable")
    count_in_period = require_int(count_in_period, "count_in_period")
    if amount <= 0:
        raise ValidationError(
            "withdrawal.amount",
            f"a withdrawal is a positive amount of fen (got {amount})",
            rule="R-5.1",
            field="amount_fen",
            extra={"min_fen": rules.min_fen, "max_fen": rules.max_fen},
            params={"min_fen": rules.min_fen, "max_fen": rules.max_fen},
        )
    if method not in rules.methods:
        raise ValidationError(
            "withdrawal.method",
            f"withdrawal method {method!r} is not enabled (enabled: {', '.join(rules.methods)})",
            rule="R-5.1",
            field="method",
            extra={"methods": list(rules.methods)},
        )
    if not rules.min_fen <= amount <= rules.max_fen:
        raise ValidationError(
            "withdrawal.amount",
            f"a withdrawal is between {rules.min_fen} and {rules.max_fen} fen (got {amount})",
            rule="R-5.1",
            field="amount_fen",
            extra={"min_fen": rules.min_fen, "max_fen": rules.max_fen},
            params={"min_fen": rules.min_fen, "max_fen": rules.max_fen},
        )
    if count_in_period >= rules.max_count:
        raise ValidationError(
            "withdrawal.too_many",
            f"at most {rules.max_count} withdrawals per {rules.per}; "
            f"{count_in_period} already requested",
            rule="R-5.1",
            field="distributor_id",
            extra={"max_count": rules.max_count, "per": rules.per},
            params={"max_count": rules.max_count},
        )
    if amount > withdrawable:
        raise ValidationError(
            "withdrawal.insufficient",
            f"{amount} fen requested, {withdrawable} fen withdrawable",
            rule="R-5.2",
            field="amount_fen",
            extra={"withdrawable_fen": withdrawable},
        )


def tax(amount: int, tax_bp: int) -> int:
    """The tax withheld on a withdrawal of ``amount`` fen: floor(amount × tax_bp / 10 000)
    (R-5.4, W-5). ``tax(12_345, 2000) == 2469`` (2469.0); ``tax(99, 2000) == 19`` (19.8)."""
    amount = require_int(amount, "amount")
    tax_bp = require_int(tax_bp, "tax_bp")
    if amount < 0:
        raise ValueError(f"amount must not be negative (got {amount})")
    if not 0 <= tax_bp <= BP:
        raise ValueError(f"tax_bp is 0..{BP} (got {tax_bp})")
    return amount * tax_bp // BP


def mask_account(account: str) -> str:
    """The account for display and exports (R-5.3, W-6): ``"6222021234567890"`` →
    ``"************7890"``; 4 characters or fewer are masked entirely."""
    if len(account) <= VISIBLE:
        return "*" * len(account)
    return "*" * (len(account) - VISIBLE) + account[-VISIBLE:]


def transition(status: str, action: Action) -> str:
    """The status of a withdrawal after the merchant's ``action`` (R-5.2, W-7):
    requested → approved (approve), requested/approved → rejected (reject), approved → paid
    (pay); re-applying an action to the status it produced returns it unchanged. Anything else is
    a :class:`Conflict` ``withdrawal.state``."""
    if action not in ACTIONS:
        raise ValueError(f"action is approve, reject or pay, got {action!r}")
    after = _TRANSITIONS.get((status, action))
    if after is None:
        raise Conflict(
            "withdrawal.state",
            f"a {status} withdrawal cannot be {_DONE[action]}",
            rule="R-5.2",
            extra={"status": status, "action": action},
        )
    return after
