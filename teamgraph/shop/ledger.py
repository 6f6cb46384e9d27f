"""The ledger and withdrawals of a :class:`~teamgraph.shop.Shop` (R-3.12, R-3.13, docs/rules.md
section 5): balances as sums of entries, a distributor's entries page by page, the monthly
ladder bonus, and withdrawals from request to payment. Same pattern as the rest of Shop: the
pure rules decide (``rules/ledger.py``, ``rules/withdrawals.py``), one statement writes.

Choices where docs/rules.md is silent (the M- choices of orders are in
:mod:`teamgraph.shop.orders`):
- M-5 Points rewards (``reward_kind = points``) are kept in their own unit; balances are in fen
  and points are reported apart.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from teamgraph.errors import Conflict, NotFound, ValidationError
from teamgraph.rules import commission as rules_commission
from teamgraph.rules import ledger as rules_ledger
from teamgraph.rules import withdrawals as rules_withdrawals
from teamgraph.shop import cursors
from teamgraph.shop.actors import PROGRAM, Actor
from teamgraph.shop.base import ShopBase
from teamgraph.shop.orders import digest
from teamgraph.shop.retention import pseudonym


class Ledger(ShopBase):
    """Part of Shop: money owed to distributors and money paid out."""

    # -- ledger (R-3.12) ---------------------------------------------------------------------
    def balances(self, distributor_id: str, *, now: int | None = None) -> dict[str, Any]:
        now = self._now(now)
        self.catch_up(now)
        rows = self.store.read("ledger.totals", id=distributor_id)
        return _balances(rows, now)

    def ledger(
        self,
        distributor_id: str,
        *,
        limit: int = 50,
        cursor: str | None = None,
        now: int | None = None,
    ) -> dict[str, Any]:
        """Balances (sums of entries) and the entries, newest first, one page at a time."""
        before, before_id = cursors.decode("ledger", cursor, int, str) or (2**62, "")
        now = self._now(now)
        self.catch_up(now)
        if not self.store.read("distributor.profiles", ids=[distributor_id]):
            raise NotFound(
                "distributor.not_found",
                f"no distributor {distributor_id}",
                params={"id": distributor_id},
                field="id",
            )
        rows = self.store.read(
            "ledger.entries",
            id=distributor_id,
            before=before,
            before_id=before_id,
            limit=limit + 1,
        )
        items = rows[:limit]
        last = items[-1] if items else None
        return {
            "distributor_id": distributor_id,
            "balances": _balances(self.store.read("ledger.totals", id=distributor_id), now),
            "items": items,
            "next_cursor": cursors.encode("ledger", last["at"], last["id"])
            if last and len(rows) > limit
            else None,
        }

    def award_ladder(self, month: str, *, now: int | None = None) -> list[dict[str, Any]]:
        """R-3.13: the monthly ladder bonus for calendar ``month`` ("YYYY-MM", shop time zone),
        on settled sales; top-ups if a higher step is reached later (C-10). Idempotent: run it
        as often as you like (the CLI's ``teamgraph shop ladder``)."""
        now = self._now(now)
        settings = self.catch_up(now)
        if not settings.ladder:
            return []
        start, end = _month_bounds(month, settings.timezone)
        sales = self.store.read("ladder.month_sales", start=start, end=end, now=now)
        paid = {r["distributor_id"]: r["paid"] for r in self.store.read("ladder.paid", month=month)}
        rows = []
        for r in sales:
            already = paid.get(r["distributor_id"], 0)
            bonus = rules_commission.ladder_bonus(settings.ladder, r["sales"], already)
            if bonus > 0:
                rows.append(
                    {
                        "id": f"ladder:{month}:{r['distributor_id']}:{already + bonus}",
                        "distributor_id": r["distributor_id"],
                        "amount": bonus,
                        "sales": r["sales"],
                    }
                )
        self.store.write_batch("ladder.award_batch", rows, key=("id",), now=now, month=month)
        return rows

    # -- withdrawals (docs/rules.md §5) -------------------------------------------------------
    def request_withdrawal(
        self,
        distributor_id: str,
        amount_fen: int,
        method: str,
        account: str,
        *,
        holder: str | None = None,
        withdrawal_id: str | None = None,
        now: int | None = None,
    ) -> dict[str, Any]:
        """R-5.1/R-5.2: settled balance moves into ``requested``; tax withheld (R-5.4)."""
        return self.place_withdrawal(
            distributor_id, amount_fen, method, account, holder=holder,
            withdrawal_id=withdrawal_id, now=now,
        )[0]  # fmt: skip

    def place_withdrawal(
        self,
        distributor_id: str,
        amount_fen: int,
        method: str,
        account: str,
        *,
        holder: str | None = None,
        withdrawal_id: str | None = None,
        now: int | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """:meth:`request_withdrawal`, and whether this call made the request (``False``: a
        repeat of the same id and body, R-3.12; K-3)."""
        now = self._now(now)
        settings = self.catch_up(now)
        profile = self.store.read("distributor.profiles", ids=[distributor_id])
        if not profile:
            raise NotFound(
                "distributor.not_found",
                f"no distributor {distributor_id}",
                params={"id": distributor_id},
                field="distributor_id",
            )
        wid = withdrawal_id or uuid.uuid4().hex
        body = {
            "distributor_id": distributor_id,
            "amount_fen": amount_fen,
            "method": method,
            "account": account,
            "holder": holder,
        }
        # PD-6: the account enters the fingerprint keyed, so the stored digest cannot be
        # searched for the number once the number is masked; digests stored before, unkeyed,
        # still answer their repeats
        keyed = pseudonym(self.store.phones, "withdrawal_account", account.strip())
        fingerprint = digest(body | {"account": keyed})
        existing = self.store.read("withdrawal.get", id=wid)
        if existing:
            if existing[0]["digest"] not in (fingerprint, digest(body)):
                raise Conflict(
                    "event.conflict",
                    f"withdrawal {wid} exists with another body",
                    params={"id": wid},
                    rule="R-3.12",
                    field="id",
                )
            return self.withdrawal(wid), False
        if not account or not account.strip():
            raise ValidationError("withdrawal.account", "an account is needed", field="account")
        if profile[0]["status"] == "frozen":
            raise ValidationError(
                "withdrawal.frozen",
                f"{distributor_id} is frozen: nothing can be withdrawn until it is unfrozen",
                rule="R-6.4",
                field="distributor_id",
            )
        balance = _balances(self.store.read("ledger.totals", id=distributor_id), now)
        since = rules_withdrawals.period_start(now, settings.withdrawal.per, settings.timezone)
        count = self.store.read("withdrawal.count_since", id=distributor_id, since=since)[0]["n"]
        rules_withdrawals.check_request(
            settings.withdrawal,
            amount=amount_fen,
            method=method,
            withdrawable=balance["withdrawable"],
            count_in_period=count,
        )
        tax = rules_withdrawals.tax(amount_fen, settings.tax_bp)
        try:
            written = self.store.write(
                "withdrawal.create",
                since=since,
                max_count=settings.withdrawal.max_count,
                id=wid,
                distributor_id=distributor_id,
                amount_fen=amount_fen,
                net_fen=amount_fen - tax,
                tax_fen=tax,
                method=method,
                account=account.strip(),
                holder=holder,
                digest=fingerprint,
                now=now,
            )
        except Conflict:  # the same id was requested meanwhile: answer as a repeat
            if not self.store.read("withdrawal.get", id=wid):
                raise
            return self.place_withdrawal(
                distributor_id, amount_fen, method, account, holder=holder,
                withdrawal_id=wid, now=now,
            )  # fmt: skip
        if not written:  # a concurrent request took the balance or the period's last slot
            raise ValidationError(
                "withdrawal.insufficient",
                "the settled balance or this period's withdrawals no longer allow it",
                rule="R-5.2",
                field="amount_fen",
            )
        return self.withdrawal(wid), True

    def withdrawal(self, withdrawal_id: str) -> dict[str, Any]:
        rows = self.store.read("withdrawal.get", id=withdrawal_id)
        if not rows:
            raise NotFound(
                "withdrawal.not_found",
                f"no withdrawal {withdrawal_id}",
                params={"id": withdrawal_id},
                field="id",
            )
        row = rows[0]
        row.pop("digest")
        row["account_masked"] = rules_withdrawals.mask_account(row["account"])
        return row

    def move_withdrawals(
        self,
        ids: Sequence[str],
        action: str,
        *,
        reason: str | None = None,
        actor: Actor = PROGRAM,
        now: int | None = None,
    ) -> list[dict[str, Any]]:
        """R-5.2/R-5.3: approve, reject or confirm paid, one or many in one statement. Each
        transition is checked first; nothing moves if any is not allowed. The statement checks
        again under the withdrawals' locks, so of two merchants racing (one pays while the other
        rejects) exactly one wins and the other gets ``withdrawal.state``."""
        now = self._now(now)
        ids = list(dict.fromkeys(ids))
        current = [self.withdrawal(i) for i in ids]
        targets = {rules_withdrawals.transition(w["status"], action) for w in current}  # type: ignore[arg-type]
        to = targets.pop() if len(targets) == 1 else None
        if to is None:  # pragma: no cover - transition() maps one action to one status
            raise Conflict("withdrawal.state", "mixed transitions", rule="R-5.2")
        allowed = {
            "approve": ["requested"],
            "reject": ["requested", "approved"],
            "pay": ["approved"],
        }[action]
        moved = self.store.write(
            "withdrawal.transition",
            ids=ids,
            to=to,
            **{"from": allowed},
            reason=reason,
            now=now,
            action=f"withdrawal.{action}",
            change_id=uuid.uuid4().hex,
            **actor.params(),
        )
        if not moved:  # another change came first: say which one, as the check above would
            for w in (self.withdrawal(i) for i in ids):
                rules_withdrawals.transition(w["status"], action)  # type: ignore[arg-type]
            raise Conflict(  # pragma: no cover - the loop above raises
                "withdrawal.state", "the withdrawals changed meanwhile", rule="R-5.2"
            )
        return [self.withdrawal(i) for i in ids]

    def withdrawals(
        self,
        *,
        status: str | None = None,
        distributor_id: str | None = None,
        limit: int = 500,
        cursor: str | None = None,
    ) -> dict[str, Any]:
        (after,) = cursors.decode("withdrawals", cursor, str) or ("",)
        rows = self.store.read(
            "withdrawal.list",
            status=status,
            distributor_id=distributor_id,
            after=after,
            limit=limit + 1,
        )
        items = rows[:limit]
        for row in items:
            row["account_masked"] = rules_withdrawals.mask_account(row["account"])
        return {
            "items": items,
            "next_cursor": cursors.encode("withdrawals", items[-1]["id"])
            if len(rows) > limit and items
            else None,
        }


def _balances(rows: list[dict[str, Any]], now: int) -> dict[str, Any]:
    """Balances in fen from per-(kind, status) sums (statuses are current: catch_up settled
    what was due), points apart (M-5)."""
    fen = [
        rules_ledger.Entry(f"{r['kind']}:{r['status']}", r["kind"], r["amount"], r["status"], None)
        for r in rows
        if r["unit"] == "fen"
    ]
    b = rules_ledger.balances(fen, now)
    out = b.to_dict()
    out["withdrawable"] = rules_ledger.withdrawable(b)
    out["points"] = sum(r["amount"] for r in rows if r["unit"] == "point")
    return out


def _month_bounds(month: str, tz: str) -> tuple[int, int]:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from teamgraph.rules.timeutil import to_ms

    try:
        year, mon = (int(x) for x in month.split("-"))
        start = datetime(year, mon, 1, tzinfo=ZoneInfo(tz))
    except ValueError:
        raise ValidationError("ladder.month", f"{month!r} is not YYYY-MM", field="month") from None
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=ZoneInfo(tz))
    return to_ms(start), to_ms(end)
