"""Orders of a :class:`~teamgraph.shop.Shop`: products, orders, completions and refunds, and
the rewards and clawbacks they write to the ledger (docs/rules.md §3).

Same pattern as the rest of Shop: one read gathers an event's context, the pure decisions of
:mod:`teamgraph.rules.orders` (the very ones a historical load calls, :mod:`.history`) say
what it writes, and one statement writes it. Events are idempotent on their id (R-3.12): the
same id with the same body answers the first result and writes nothing; another body is 409
``event.conflict``. The choices M-1 to M-4 are written down with the decisions.

M-5 (points) is in :mod:`teamgraph.shop.ledger`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from teamgraph.errors import Conflict, NotFound, ValidationError
from teamgraph.rules import commission as rules_commission
from teamgraph.rules import orders as rules_orders
from teamgraph.rules.binding import Binding, Sharer
from teamgraph.rules.settings import MAX_RATE_BP
from teamgraph.rules.timeutil import MS_PER_HOUR
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
                raise ValidationError(
                    "product.invalid", f"{name_} is integer fen", field=name_, params={}
                )
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
                    params={
                        "variant": "total",
                        "worst_bp": worst,
                        "inviters": settings.tiers - 1,
                        "inviter_bp": inviter,
                    },
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
        return self.place_order(order_id, customer_id, lines, paid_at=paid_at, now=now)[0]

    def place_order(
        self,
        order_id: str,
        customer_id: str,
        lines: Sequence[Mapping[str, Any]],
        *,
        paid_at: int | None = None,
        now: int | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """:meth:`record_order`, and whether this call recorded it (``False``: a repeat of a
        recorded order, R-3.12), so that an API can answer 201 or 200 without a read first."""
        now = self._now(now)
        body = {"customer_id": customer_id, "lines": [dict(x) for x in lines], "paid_at": paid_at}
        fingerprint = digest(body)
        paid = paid_at if paid_at is not None else now
        parsed = rules_orders.parse_lines(lines)
        settings = self.catch_up(now)
        window = settings.sharer_window_hours * MS_PER_HOUR
        for _attempt in range(ATTEMPTS):
            ctx = self.store.read(
                "order.context",
                customer_id=customer_id,
                paid_at=paid,
                order_id=order_id,
                product_ids=sorted({x.product_id for x in parsed}),
                window=window,
            )
            if not ctx:
                raise NotFound(
                    "customer.not_found",
                    f"no customer {customer_id}",
                    params={"id": customer_id},
                    field="customer_id",
                )
            row = ctx[0]
            if row["existing_digest"] is not None:
                return self._repeat(order_id, row["existing_digest"], fingerprint, now), False
            decided = rules_orders.decide_order(
                settings, _order_context(order_id, customer_id, paid, parsed, row, window)
            )
            order = {
                "id": order_id,
                "customer_id": customer_id,
                "paid_at": paid,
                "paid_fen": decided.paid_fen,
                "split_fen": decided.split_fen,
                "digest": fingerprint,
                "attributed_to": decided.attributed_to,
                "first_order": decided.first_order,
                "lines": decided.lines,
                "entries": decided.entries,
                "now": now,  # the order.attributed event's time
                **_deltas(decided.counters, "paid_orders", "transaction_fen", "received_fen"),
            }
            try:  # with the orders other requests are writing meanwhile (group commit)
                written = self.store.write_together(
                    "order.create", order, keys=(("customer", customer_id), ("order", order_id))
                )
            except Conflict:  # the same id was recorded meanwhile: answer as a repeat
                existing = self.store.read("order.view", id=order_id)[0]
                return self._repeat(order_id, existing["digest"], fingerprint, now), False
            if written:
                break
            # stored meanwhile (the context read again tells), or another order of this buyer
            # came first and may have been the first order: decide again
        else:  # pragma: no cover - a buyer's orders racing this one won every time
            raise Conflict("order.busy", f"orders of {customer_id} are being recorded; retry")
        if written[0]["attributed"] is not None:
            self._raise_levels([written[0]["attributed"]], now, settings)
        return _written_view(order, decided.entries), True

    def _repeat(self, order_id: str, stored: str, fingerprint: str, now: int) -> dict[str, Any]:
        if stored != fingerprint:
            raise Conflict(
                "event.conflict",
                f"order {order_id} was recorded with another body",
                params={"id": order_id},
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
            raise NotFound(
                "order.not_found", f"no order {order_id}", params={"id": order_id}, field="id"
            )
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
        done = rules_orders.decide_completion(settings, paid_at=current["paid_at"], at=at)
        if current["completed_at"] is None:
            rows = self.store.write(
                "order.complete",
                id=order_id,
                at=at,
                settle_at=done.settle_at,
                **_deltas(done.counters, "completed_orders"),
            )
            if rows and rows[0]["attributed"] is not None:
                self._raise_levels([rows[0]["attributed"]], now, settings)
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
    ) -> dict[str, Any]:
        """R-3.11: a refund claws back what it refunds, per line and tier, exactly. Refunds of
        one order racing each other are serialised by a compare-and-set on its refunded total."""
        return self.place_refund(
            order_id, refund_id, amount_fen, product_id=product_id, at=at, now=now
        )[0]

    def place_refund(
        self,
        order_id: str,
        refund_id: str,
        amount_fen: int,
        *,
        product_id: str | None = None,
        at: int | None = None,
        now: int | None = None,
        _attempt: int = 0,
    ) -> tuple[dict[str, Any], bool]:
        """:meth:`refund`, and whether this call recorded it (``False``: a repeat, R-3.12)."""
        now = self._now(now)
        if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
            raise TypeError("amount_fen is integer fen")
        body = {"order_id": order_id, "amount_fen": amount_fen, "product_id": product_id, "at": at}
        fingerprint = digest(body)
        at = at if at is not None else now
        self.catch_up(now)
        ctx = self.store.read("refund.context", order_id=order_id, refund_id=refund_id)
        if not ctx:
            raise NotFound(
                "order.not_found", f"no order {order_id}", params={"id": order_id}, field="order_id"
            )
        row = ctx[0]
        if row["existing_digest"] is not None:
            if row["existing_digest"] != fingerprint:
                raise Conflict(
                    "event.conflict",
                    f"refund {refund_id} was recorded with another body",
                    params={"id": refund_id},
                    rule="R-3.12",
                    field="id",
                )
            return self._refund_view(order_id, refund_id, now), False
        decided = rules_orders.decide_refund(
            refund_id=refund_id,
            order_id=order_id,
            amount_fen=amount_fen,
            product_id=product_id,
            at=at,
            paid_at=row["paid_at"],
            lines=[rules_orders.StoredLine.of(x) for x in row["lines"]],
            rewards=[rules_orders.StoredReward.of(e) for e in row["entries"] if e is not None],
        )
        try:
            written = self.store.write(
                "refund.create",
                id=refund_id,
                order_id=order_id,
                amount_fen=amount_fen,
                at=at,
                digest=fingerprint,
                now=now,
                refunded_before=row["refunded_fen"],
                lines_read=[
                    {"idx": x["idx"], "refunded_fen": x["refunded_fen"]} for x in row["lines"]
                ],
                rewards_read=[
                    {"id": e["id"], "returned": e["returned"]}
                    for e in row["entries"]
                    if e is not None
                ],
                lines=decided.lines,
                clawbacks=decided.clawbacks,
                **_deltas(decided.counters, "received_fen"),
            )
        except Conflict:  # the same refund id was written meanwhile: answer as a repeat
            written = []
        if not written:  # another refund of this order came first: decide again on fresh state
            if _attempt >= ATTEMPTS:  # pragma: no cover - lost every race
                raise Conflict("refund.busy", f"order {order_id} is being refunded; retry")
            return self.place_refund(
                order_id,
                refund_id,
                amount_fen,
                product_id=product_id,
                at=at,
                now=now,
                _attempt=_attempt + 1,
            )
        return self._refund_view(order_id, refund_id, now), True

    def _refund_view(self, order_id: str, refund_id: str, now: int) -> dict[str, Any]:
        order = self.order(order_id, now=now)
        mine = [c for c in order["clawbacks"] if c["id"].startswith(f"{refund_id}:")]
        return {"id": refund_id, "order_id": order_id, "clawbacks": mine, "order": order}


def _order_context(
    order_id: str,
    customer_id: str,
    paid_at: int,
    lines: Sequence[rules_commission.Line],
    row: Mapping[str, Any],
    window: int,
) -> rules_orders.OrderContext:
    """An order's decision context from what ``order.context`` read."""
    return rules_orders.OrderContext(
        order_id=order_id,
        customer_id=customer_id,
        paid_at=paid_at,
        lines=lines,
        products={
            p["id"]: rules_orders.Product(
                rules_commission.ProductReward(p["reward_bp"], p["reward_fen"]), p["cost_fen"]
            )
            for p in row["products"]
            if p["id"] is not None
        },
        bindings=[
            Binding(b["distributor_id"], b["since"], b["expires_at"], b["ended_at"])
            for b in row["bindings"]
        ],
        sharers=[
            Sharer(s["distributor_id"], until=s["visited_at"] + window, since=s["visited_at"])
            for s in row["sharers"]
        ],
        chains={
            c["distributor_id"]: [(d, level) for d, level in c["chain"]]
            for c in (*row["bindings"], *row["sharers"])
        },
        paid_orders=row["paid_orders"],
    )


def _written_view(order: Mapping[str, Any], entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The order as ``order.create`` has just stored it (``order``, its row) and as
    ``order.view`` would read it back: the caller needs no read after the write."""
    rewards = [
        {
            "id": e["id"],
            "kind": "reward",
            "distributor_id": e["distributor_id"],
            "amount": e["amount"],
            "unit": e["unit"],
            "status": "pending",
            "tier": e["tier"],
            "line": e["line"],
            "at": order["paid_at"],
            "settle_at": None,
            "basis": e["basis"],
            "rate_bp": e["rate_bp"],
            "returned": 0,
        }
        for e in sorted(entries, key=lambda e: (e["tier"], e["line"]))
    ]
    return {
        "id": order["id"],
        "customer_id": order["customer_id"],
        "paid_at": order["paid_at"],
        "paid_fen": order["paid_fen"],
        "split_fen": order["split_fen"],
        "refunded_fen": 0,
        "status": "paid",
        "attributed_to": order["attributed_to"],
        "completed_at": None,
        "settle_at": None,
        "rewards": rewards,
        "clawbacks": [],
    }


def _deltas(counters: Mapping[str, int], *names: str) -> dict[str, int]:
    """The counter deltas a decision gives, as the statement's parameters (0 when unmoved)."""
    return {name: counters.get(name, 0) for name in names}
