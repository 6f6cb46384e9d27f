"""Orders, completions and refunds decided once (docs/rules.md §3), for a live event and for a
historical load alike.

A live event reads its context from the graph (one read), calls the decision here and writes
what it returns (one statement). A historical load keeps the shop's state in memory and calls
the very same functions event after event, writing them in batches. Either way the input is
plain data and the answer is plain data: who the order is attributed to, the entries it pays,
the lines as stored, and how the attributed distributor's counters move.

Choices where the rules are silent (M- in docs/choices.md):
- M-1 An order is attributed as of its paid time (:func:`teamgraph.rules.binding.attribute`):
  the binding then in force, else the sharer then valid (R-1.4); tier 2 and 3 are the inviters
  above the attributed distributor with their levels as they stand when the order is decided.
- M-2 Performance counters (R-4.2) of the attributed distributor: paid orders and transaction
  amount (成交) grow when paid; received amount (实收) grows when paid and shrinks by refunds;
  completed orders (成单) grow on completion.
- M-3 A refund without ``product_id`` is spread over the order's lines in proportion to what is
  still refundable on each (largest remainder); with ``product_id`` it falls on that product's
  lines.
- M-4 A clawback takes the status, at the refund's time, of the reward it reverses: against a
  pending reward it is pending (the two net before settling), against a settled one it comes
  off the settled balance at once, which may go negative (R-3.11).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from teamgraph.errors import ValidationError
from teamgraph.rules import binding as rules_binding
from teamgraph.rules import commission as rules_commission
from teamgraph.rules import ledger as rules_ledger
from teamgraph.rules.settings import ProgramSettings
from teamgraph.rules.timeutil import MS_PER_DAY

Chain = Sequence[tuple[str, int]]
"""A distributor and the inviters above it, ``[(id, level), ...]``, nearest first."""


def parse_lines(lines: Sequence[Mapping[str, Any]]) -> list[rules_commission.Line]:
    """An order's lines as an event gives them (``split_fen`` defaults to ``paid_fen``),
    checked (R-3.4, R-3.8, R-3.9)."""
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


@dataclass(frozen=True)
class Product:
    """What an order needs of a product: its own reward (R-3.5) and unit cost (R-3.8)."""

    reward: rules_commission.ProductReward = field(default_factory=rules_commission.ProductReward)
    cost_fen: int | None = None


@dataclass(frozen=True)
class OrderContext:
    """Everything an order's decision depends on, as read at its paid time.

    ``bindings`` and ``sharers`` are the candidates for attribution (at least those in force at
    ``paid_at``); ``chains`` gives, for each candidate, the chain of distributors from it up
    (R-3.7). ``paid_orders`` is the buyer's paid orders before this one (R-3.5)."""

    order_id: str
    customer_id: str
    paid_at: int
    lines: Sequence[rules_commission.Line]
    products: Mapping[str, Product]
    bindings: Sequence[rules_binding.Binding]
    sharers: Sequence[rules_binding.Sharer]
    chains: Mapping[str, Chain]
    paid_orders: int


@dataclass(frozen=True)
class OrderDecision:
    """What a paid order writes: the order's own fields, its lines and reward entries as
    stored, and the attributed distributor's counter deltas (M-2)."""

    attributed_to: str | None
    first_order: bool
    paid_fen: int
    split_fen: int
    lines: list[dict[str, Any]]
    entries: list[dict[str, Any]]
    counters: dict[str, int]


def entry_id(order_id: str, line: int, tier: int) -> str:
    """A reward entry's id names its order, line and tier, so a repeat cannot pay twice."""
    return f"{order_id}:r{line}:t{tier}"


def decide_order(settings: ProgramSettings, ctx: OrderContext) -> OrderDecision:
    """R-3.1–R-3.9 for one paid order: attribution (M-1), earners by tier, rewards with the
    first-order rate, the cap and cost protection, one entry per line and tier."""
    costed = [_with_cost(line, ctx.products.get(line.product_id)) for line in ctx.lines]
    head = rules_binding.attribute(ctx.bindings, ctx.sharers, ctx.paid_at)
    chain = list(ctx.chains.get(head, ())) if head is not None else []
    earners = rules_commission.earners(
        [(d, level or 1) for d, level in chain], ctx.customer_id, settings.tiers
    )
    first = ctx.paid_orders == 0
    rewards = rules_commission.rewards(
        settings,
        earners,
        costed,
        {pid: p.reward for pid, p in ctx.products.items()},
        first_order=first,
    )
    paid = sum(x.paid_fen for x in costed)
    attributed = chain[0][0] if chain else None
    return OrderDecision(
        attributed_to=attributed,
        first_order=first,
        paid_fen=paid,
        split_fen=sum(x.split_fen for x in costed),
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
        entries=[
            {
                "id": entry_id(ctx.order_id, r.line, r.tier),
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
        ],
        counters=(
            {"paid_orders": 1, "transaction_fen": paid, "received_fen": paid}
            if attributed is not None
            else {}
        ),
    )


def _with_cost(line: rules_commission.Line, product: Product | None) -> rules_commission.Line:
    """R-3.8: a line without its own cost takes its product's unit cost × quantity."""
    if line.cost_fen is not None or product is None or product.cost_fen is None:
        return line
    return dataclasses.replace(line, cost_fen=line.qty * product.cost_fen)


@dataclass(frozen=True)
class CompletionDecision:
    settle_at: int
    counters: dict[str, int]


def check_completion(paid_at: int, at: int) -> None:
    """R-3.10: an order completes after it was paid (else its rewards would settle early)."""
    if at < paid_at:
        raise ValidationError(
            "order.complete_at",
            "an order cannot complete before it was paid",
            rule="R-3.10",
            field="at",
        )


def decide_completion(settings: ProgramSettings, *, paid_at: int, at: int) -> CompletionDecision:
    """R-3.10: completion starts the after-sale window of ``settle_days``; the attributed
    distributor's completed orders grow by one (M-2)."""
    check_completion(paid_at, at)
    return CompletionDecision(at + settings.settle_days * MS_PER_DAY, {"completed_orders": 1})


@dataclass(frozen=True)
class StoredLine:
    idx: int
    product_id: str
    paid_fen: int
    refunded_fen: int

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> StoredLine:
        return cls(row["idx"], row["product_id"], row["paid_fen"], row["refunded_fen"])


@dataclass(frozen=True)
class StoredReward:
    """A reward entry of the order as it stands when a refund comes: what it paid and on which
    basis (R-3.11), what was returned already, and what its status at the refund depends on."""

    id: str
    distributor_id: str
    tier: int
    line: int
    amount: int
    basis: rules_commission.Basis
    rate_bp: int | None
    returned: int
    status: str
    settle_at: int | None
    frozen: bool

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> StoredReward:
        return cls(
            id=row["id"], distributor_id=row["distributor_id"], tier=row["tier"],
            line=row["line"], amount=row["amount"], basis=row["basis"], rate_bp=row["rate_bp"],
            returned=row["returned"], status=row["status"], settle_at=row["settle_at"],
            frozen=bool(row["frozen"]),
        )  # fmt: skip


@dataclass(frozen=True)
class RefundDecision:
    """What a refund writes: the part of it each line takes (``[{"idx", "amount"}]``), one
    clawback per reward it touches (``{"id", "entry_id", "amount", "status"}``, amount > 0),
    and the attributed distributor's counter deltas (M-2)."""

    lines: list[dict[str, int]]
    clawbacks: list[dict[str, Any]]
    counters: dict[str, int]


def decide_refund(
    *,
    refund_id: str,
    order_id: str,
    amount_fen: int,
    product_id: str | None,
    at: int,
    paid_at: int,
    lines: Sequence[StoredLine],
    rewards: Sequence[StoredReward],
) -> RefundDecision:
    """R-3.11: a refund claws back what it refunds, per line (M-3) and tier, exactly, each
    clawback in the status of the reward it reverses at the refund's time (M-4)."""
    if at < paid_at:
        raise ValidationError(
            "refund.at",
            "a refund cannot come before the order was paid",
            rule="R-3.11",
            field="at",
        )
    targets = sorted(
        (x for x in lines if product_id is None or x.product_id == product_id),
        key=lambda x: x.idx,
    )
    if not targets:
        raise ValidationError(
            "refund.product",
            f"order {order_id} has no line of {product_id}",
            rule="R-3.11",
            field="product_id",
        )
    room = [x.paid_fen - x.refunded_fen for x in targets]
    if amount_fen <= 0 or amount_fen > sum(room):
        raise ValidationError(
            "refund.too_much" if amount_fen > 0 else "refund.amount",
            f"refund {amount_fen} fen: {sum(room)} fen is refundable",
            rule="R-3.11",
            field="amount_fen",
            extra={"refundable_fen": sum(room)},
        )
    parts: list[dict[str, int]] = []
    clawbacks: list[dict[str, Any]] = []
    for line, part in zip(targets, rules_commission.allocate(amount_fen, room), strict=True):
        if part == 0:
            continue
        parts.append({"idx": line.idx, "amount": part})
        mine = {r.id: r for r in rewards if r.line == line.idx}
        issued = [
            rules_commission.Issued(
                entry_id=r.id, distributor_id=r.distributor_id, tier=r.tier, line=r.line,
                amount=r.amount, basis=r.basis, rate_bp=r.rate_bp, returned=r.returned,
            )
            for r in mine.values()
        ]  # fmt: skip
        for reverses, amount in rules_commission.clawbacks(
            issued, line_paid=line.paid_fen, refunded_before=line.refunded_fen, refund=part
        ):
            reward = mine[reverses]
            status = rules_ledger.status_at(
                rules_ledger.Entry(
                    reverses, "reward", reward.amount, reward.status, reward.settle_at
                ),
                at,
                frozen=reward.frozen,
            )
            clawbacks.append(
                {"id": f"{refund_id}:{reverses}", "entry_id": reverses, "amount": amount,
                 "status": status}
            )  # fmt: skip
    return RefundDecision(parts, clawbacks, {"received_fen": -amount_fen})
