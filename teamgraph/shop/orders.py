"""Orders of a :class:`~teamgraph.shop.Shop`: products, orders, completions and refunds, and
the rewards and clawbacks they write to the ledger (RULES.md section 3).

Same pattern as the rest of Shop: the pure rules decide (``rules/commission.py``,
``rules/ledger.py``), one read gathers the context, one statement writes. Events are idempotent
on their id (R-3.12): the same id with the same body answers the first result and writes
nothing; another body is 409 ``event.conflict``.

Choices where RULES.md is silent:
- M-1 An order is attributed as of its paid time: the binding then in force, else the
  sharer then valid (R-1.4).
- M-2 Performance counters (R-4.2) of the attributed distributor: paid orders and transaction
  amount (成交) grow when paid; received amount (实收) grows when paid and shrinks by refunds;
  completed orders (成单) grow on completion.
- M-3 A refund without ``product_id`` is spread over the order's lines in proportion to what is
  still refundable on each (largest remainder); with ``product_id`` it falls on that product's
  lines.
- M-4 A clawback takes the read-time status of the reward it reverses: against a pending
  reward it is pending (the two net before settling), against a settled one it comes off the
  settled balance at once, which may go negative (R-3.11).

M-5 (points) is in :mod:`teamgraph.shop.ledger`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from teamgraph.errors import Conflict, NotFound, ValidationError
from teamgraph.rules import commission as rules_commission
from teamgraph.rules import ledger as rules_ledger
from teamgraph.rules.settings import MAX_RATE_BP
from teamgraph.rules.timeutil import MS_PER_DAY, MS_PER_HOUR
from teamgraph.shop.base import ShopBase

ATTEMPTS = 50
"""How often an order or a refund is decided again after a concurrent one of the same buyer or
order came first (each round one of them wins, so 16 at once need at most 16)."""


def digest(body: Mapping[str, Any]) -> str:
    """A stable fingerprint of an event's body, for idempotency (R-3.12)."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class Orders(ShopBase):
    """Part of Shop: what orders pay, and what refunds take back."""

    # -- products ----------------------------------------------------------------------------
    def upsert_product(
        self,
        product_id: str,
        *,
        name: str | None = None,
        price_fen: int = 0,
        cost_fen: int | None = None,
        reward_bp: int | None = None,
        reward_fen: int | None = None,
        now: int | None = None,
    ) -> dict[str, Any]:
        """A product and its own reward (R-3.5), refused above the cap (R-3.3, C-6)."""
        now = self._now(now)
        settings = self.catch_up(now)
        for name_, value in (("price_fen", price_fen), ("cost_fen", cost_fen)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValidationError("product.invalid", f"{name_} is integer fen", field=name_)
        rules_commission.validate_product_reward(
            rules_commission.ProductReward(reward_bp=reward_bp, reward_fen=reward_fen)
        )
        if reward_bp is not None and settings.reward_basis == "rate":
            inviter = max(lv.inviter_reward_bp or 0 for lv in settings.levels)
            worst = reward_bp + (settings.tiers - 1) * inviter
            if worst > MAX_RATE_BP:
                raise ValidationError(
                    "product.rate_cap",
                    f"with {settings.tiers - 1} inviter tier(s) at up to {inviter} bp an order "
                    f"could pay {worst} bp: at most {MAX_RATE_BP} bp (50%)",
                    rule="R-3.3",
                    field="reward_bp",
                )
        return self.store.write(
            "product.upsert",
            id=product_id,
            name=name,
            price_fen=price_fen,
            cost_fen=cost_fen,
            reward_bp=reward_bp,
            reward_fen=reward_fen,
            now=now,
        )[0]

    # -- orders ------------------------------------------------------------------------------
    def record_order(
        self,
        order_id: str,
        customer_id: str,
        lines: Sequence[Mapping[str, Any]],
        *,
        paid_at: int | None = None,
        now: int | None = None,
    ) -> dict[str, Any]:
        """A paid order (R-3.1–R-3.9): who it pays, how much, each reward pending until the
        order completes and its after-sale window passes. Idempotent on ``order_id``."""
        now = self._now(now)
        body = {"customer_id": customer_id, "lines": [dict(x) for x in lines], "paid_at": paid_at}
        fingerprint = digest(body)
        paid = paid_at if paid_at is not None else now
        parsed = _lines(lines)
        settings = self.catch_up(now)
        for _attempt in range(ATTEMPTS):
            ctx = self.store.read(
                "order.context",
                customer_id=customer_id,
                paid_at=paid,
                order_id=order_id,
                product_ids=sorted({x.product_id for x in parsed}),
                window=settings.sharer_window_hours * MS_PER_HOUR,
            )
            if not ctx:
                raise NotFound(
                    "customer.not_found", f"no customer {customer_id}", field="customer_id"
                )
            row = ctx[0]
            if row["existing_digest"] is not None:
                return self._repeat(order_id, row["existing_digest"], fingerprint, now)
            costed = _with_product_costs(parsed, row["products"])
            chain = row["bound_chain"] or row["sharer_chain"]
            earners = rules_commission.earners(
                [(d, lvl or 1) for d, lvl, _ in chain], customer_id, settings.tiers
            )
            products = {
                p["id"]: rules_commission.ProductReward(p["reward_bp"], p["reward_fen"])
                for p in row["products"]
                if p["id"] is not None
            }
            rewards = rules_commission.rewards(
                settings, earners, costed, products, first_order=row["paid_orders"] == 0
            )
            attributed = chain[0][0] if chain else None
            entries = [
                {
                    "id": f"{order_id}:r{r.line}:t{r.tier}",
                    "distributor_id": r.distributor_id,
                    "amount": r.amount,
                    "unit": r.unit,
                    "tier": r.tier,
                    "line": r.line,
                    "product_id": r.product_id,
                    "basis": r.basis,
                    "rate_bp": r.rate_bp,
                    "per_unit": r.per_unit,
                }
                for r in rewards
            ]
            try:
                written = self.store.write(
                    "order.create",
                    id=order_id,
                    customer_id=customer_id,
                    paid_at=paid,
                    paid_fen=sum(x.paid_fen for x in costed),
                    split_fen=sum(x.split_fen for x in costed),
                    digest=fingerprint,
                    attributed_to=attributed,
                    first_order=row["paid_orders"] == 0,
                    lines=[
                        {
                            "idx": i,
                            "product_id": x.product_id,
                            "qty": x.qty,
                            "paid_fen": x.paid_fen,
                            "split_fen": x.split_fen,
                            "cost_fen": x.cost_fen,
                        }
                        for i, x in enumerate(costed)
                    ],
                    entries=entries,
                )
            except Conflict:  # the same id was recorded meanwhile: answer as a repeat
                existing = self.store.read("order.view", id=order_id)[0]
                return self._repeat(order_id, existing["digest"], fingerprint, now)
            if written:
                break
            # another order of this buyer came first: it may have been the first order
        else:  # pragma: no cover - a buyer's orders racing this one won every time
            raise Conflict("order.busy", f"orders of {customer_id} are being recorded; retry")
        if attributed is not None:
            self._check_levels([attributed], now, settings)
        return self._order_view(order_id)

    def _repeat(self, order_id: str, stored: str, fingerprint: str, now: int) -> dict[str, Any]:
        if stored != fingerprint:
            raise Conflict(
                "event.conflict",
                f"order {order_id} was recorded with another body",
                rule="R-3.12",
                field="id",
            )
        return self.order(order_id, now=now)

    def order(self, order_id: str, *, now: int | None = None) -> dict[str, Any]:
        """An order with its rewards and clawbacks, each in its read-time status."""
        now = self._now(now)
        self.catch_up(now)
        return self._order_view(order_id)

    def _order_view(self, order_id: str) -> dict[str, Any]:
        """The order as stored; callers have caught up already (one read)."""
        rows = self.store.read("order.view", id=order_id)
        if not rows:
            raise NotFound("order.not_found", f"no order {order_id}", field="id")
        row = rows[0]
        row.pop("digest")
        entries = row.pop("entries")
        row["rewards"] = [e for e in entries if e["kind"] == "reward"]
        row["clawbacks"] = [e for e in entries if e["kind"] == "clawback"]
        return row

    def complete_order(
        self, order_id: str, *, at: int | None = None, now: int | None = None
    ) -> dict[str, Any]:
        """R-3.10: completion starts the after-sale window of ``settle_days``. Idempotent."""
        now = self._now(now)
        at = at if at is not None else now
        settings = self.catch_up(now)
        current = self._order_view(order_id)
        if at < current["paid_at"]:
            raise ValidationError(
                "order.complete_at",
                "an order cannot complete before it was paid",
                rule="R-3.10",
                field="at",
            )
        if current["completed_at"] is None:
            rows = self.store.write(
                "order.complete",
                id=order_id,
                at=at,
                settle_at=at + settings.settle_days * MS_PER_DAY,
            )
            if rows and current["attributed_to"]:
                self._check_levels([current["attributed_to"]], now, settings)
        return self.order(order_id, now=now)  # its rewards may settle at once

    def refund(
        self,
        order_id: str,
        refund_id: str,
        amount_fen: int,
        *,
        product_id: str | None = None,
        at: int | None = None,
        now: int | None = None,
        _attempt: int = 0,
    ) -> dict[str, Any]:
        """R-3.11: a refund claws back what it refunds, per line and tier, exactly. Refunds of
        one order racing each other are serialised by a compare-and-set on its refunded total."""
        now = self._now(now)
        if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
            raise TypeError("amount_fen is integer fen")
        body = {"order_id": order_id, "amount_fen": amount_fen, "product_id": product_id, "at": at}
        fingerprint = digest(body)
        at = at if at is not None else now
        self.catch_up(now)
        ctx = self.store.read("refund.context", order_id=order_id, refund_id=refund_id)
        if not ctx:
            raise NotFound("order.not_found", f"no order {order_id}", field="order_id")
        row = ctx[0]
        if row["existing_digest"] is not None:
            if row["existing_digest"] != fingerprint:
                raise Conflict(
                    "event.conflict",
                    f"refund {refund_id} was recorded with another body",
                    rule="R-3.12",
                    field="id",
                )
            return self._refund_view(order_id, refund_id, now)
        if at < row["paid_at"]:
            raise ValidationError(
                "refund.at",
                "a refund cannot come before the order was paid",
                rule="R-3.11",
                field="at",
            )
        lines = sorted(row["lines"], key=lambda x: x["idx"])
        targets = [x for x in lines if product_id is None or x["product_id"] == product_id]
        if not targets:
            raise ValidationError(
                "refund.product",
                f"order {order_id} has no line of {product_id}",
                rule="R-3.11",
                field="product_id",
            )
        room = [x["paid_fen"] - x["refunded_fen"] for x in targets]
        if amount_fen <= 0 or amount_fen > sum(room):
            raise ValidationError(
                "refund.too_much" if amount_fen > 0 else "refund.amount",
                f"refund {amount_fen} fen: {sum(room)} fen is refundable",
                rule="R-3.11",
                field="amount_fen",
                extra={"refundable_fen": sum(room)},
            )
        parts = rules_commission.allocate(amount_fen, room)
        entries = [e for e in row["entries"] if e is not None]
        settle = {e["id"]: e for e in entries}
        clawbacks: list[dict[str, Any]] = []
        line_parts = []
        for line, part in zip(targets, parts, strict=True):
            if part == 0:
                continue
            line_parts.append({"idx": line["idx"], "amount": part})
            issued = [
                rules_commission.Issued(
                    entry_id=e["id"],
                    distributor_id=e["distributor_id"],
                    tier=e["tier"],
                    line=e["line"],
                    amount=e["amount"],
                    basis=e["basis"],
                    rate_bp=e["rate_bp"],
                    returned=e["returned"],
                )
                for e in entries
                if e["line"] == line["idx"]
            ]
            for entry_id, amount in rules_commission.clawbacks(
                issued,
                line_paid=line["paid_fen"],
                refunded_before=line["refunded_fen"],
                refund=part,
            ):
                reward = settle[entry_id]
                status = rules_ledger.status_at(
                    rules_ledger.Entry(
                        entry_id, "reward", reward["amount"], reward["status"], reward["settle_at"]
                    ),
                    at,
                    frozen=bool(reward["frozen"]),
                )
                clawbacks.append(
                    {
                        "id": f"{refund_id}:{entry_id}",
                        "entry_id": entry_id,
                        "amount": amount,
                        "status": status,
                    }
                )
        try:
            written = self.store.write(
                "refund.create",
                id=refund_id,
                order_id=order_id,
                amount_fen=amount_fen,
                at=at,
                digest=fingerprint,
                refunded_before=row["refunded_fen"],
                lines=line_parts,
                clawbacks=clawbacks,
            )
        except Conflict:  # the same refund id was written meanwhile: answer as a repeat
            written = []
        if not written:  # another refund of this order came first: decide again on fresh state
            if _attempt >= ATTEMPTS:  # pragma: no cover - lost every race
                raise Conflict("refund.busy", f"order {order_id} is being refunded; retry")
            return self.refund(
                order_id,
                refund_id,
                amount_fen,
                product_id=product_id,
                at=at,
                now=now,
                _attempt=_attempt + 1,
            )
        return self._refund_view(order_id, refund_id, now)

    def _refund_view(self, order_id: str, refund_id: str, now: int) -> dict[str, Any]:
        order = self.order(order_id, now=now)
        mine = [c for c in order["clawbacks"] if c["id"].startswith(f"{refund_id}:")]
        return {"id": refund_id, "order_id": order_id, "clawbacks": mine, "order": order}


def _lines(lines: Sequence[Mapping[str, Any]]) -> list[rules_commission.Line]:
    if not lines:
        raise ValidationError("order.lines", "an order has at least one line", field="lines")
    out = []
    for i, x in enumerate(lines):
        try:
            paid = x["paid_fen"]
            split = x.get("split_fen")
            out.append(
                rules_commission.Line(
                    product_id=str(x["product_id"]),
                    qty=x.get("qty", 1),
                    paid_fen=paid,
                    split_fen=paid if split is None else split,
                    cost_fen=x.get("cost_fen"),
                )
            )
        except KeyError as exc:
            raise ValidationError(
                "order.line", f"lines[{i}] needs {exc.args[0]}", field=f"lines[{i}].{exc.args[0]}"
            ) from None
        except TypeError as exc:
            raise ValidationError(
                "order.line", f"lines[{i}]: {exc}", rule="R-3.9", field=f"lines[{i}]"
            ) from None
    rules_commission.validate_lines(out)
    return out


def _with_product_costs(
    lines: list[rules_commission.Line], products: list[dict[str, Any]]
) -> list[rules_commission.Line]:
    """R-3.8: a line without its own cost takes its product's unit cost × quantity."""
    cost = {p["id"]: p["cost_fen"] for p in products if p["id"] is not None}
    return [
        line
        if line.cost_fen is not None or cost.get(line.product_id) is None
        else dataclasses.replace(line, cost_fen=line.qty * cost[line.product_id])
        for line in lines
    ]
