"""Commission (推广奖励, docs/rules.md §3): what an order pays, what a refund claws back, and the
monthly ladder bonus, as pure decisions over plain values.

The caller reads the order's lines, the attributed distributor's inviter chain with levels and
the products' own reward settings, asks :func:`earners` who earns and :func:`rewards` how much,
and writes one ledger entry per :class:`Reward`. On a refund it asks :func:`clawbacks`, per
line, what to take back from each issued entry, and on a month's close :func:`ladder_bonus`.

Rules (docs/rules.md):
- R-1.6 / R-1.7 / R-3.7 Tier 1 is the attributed distributor, tier 2 its inviter, tier 3 the
  inviter's inviter, up to ``settings.tiers``; nobody earns from their own purchase.
- R-3.1 / R-3.2 The kind is cash, points or balance; points and balance are always ``fixed``.
- R-3.3 A rate is at most 5000 bp (checked by :mod:`teamgraph.rules.settings`; guarded here).
- R-3.4 ``fixed``: qty × per-unit amount; ``rate``: floor(split × rate / 10 000).
- R-3.5 The product's own setting, else the level default; a first-order rate may replace the
  level default on a customer's first paid order.
- R-3.6 Tiers 2 and 3 use their own level's inviter reward, on the same basis.
- R-3.8 Cost-price protection: a line's rewards together ≤ split − cost, lowest tier cut first.
- R-3.9 Integer fen and basis points only; rounding is explicit (floor for rewards, largest
  remainder for splits, :func:`allocate`). A float or bool given as money raises ``TypeError``.
- R-3.11 Refunds claw back in proportion (fixed) or at the rate (rate); a full refund returns
  exactly what remains, never more than was issued.
- R-3.13 Ladder bonus: the bonus of the highest threshold reached in a calendar month, once.

Choices where docs/rules.md is silent (written down here, as docs/rules.md asks):
- C-1 The chain is cut to ``tiers`` first; then a tier whose distributor is the buyer is
  skipped, not replaced by the next one up: the others keep their own tier and reward, so a
  distributor's own purchase pays exactly what it would pay without that tier (R-1.6, R-3.7).
- C-2 The product's own setting beats the first-order rate: the first-order rate replaces only
  the level default rate of tier 1, on the customer's first paid order.
- C-3 The first-order rate is a rate (``first_order_reward_bp``), so it applies on the ``rate``
  basis only; on ``fixed`` every order pays the level default amount.
- C-4 A product's own setting counts only in the program's basis (``reward_bp`` under rate,
  ``reward_fen`` under fixed); one in the other basis is ignored (R-3.1 resets them anyway). A
  product's setting applies to tier 1 only; inviter tiers always use their level (R-3.6).
- C-5 A level an earner holds that no longer exists (levels were removed) counts as the top
  level, one below 1 as level 1 (as L-3 of :mod:`teamgraph.rules.levels`); a reward left unset
  (``None``) is 0.
- C-6 R-3.3 caps what an order line pays, all tiers together, at 50% of its split. Settings
  refuse rates that could pass it (tier 1's highest rate plus the highest inviter rate for
  each further tier, :func:`teamgraph.rules.settings.check`), so on the rate basis the cap never
  bites; on the fixed basis, where amounts do not scale with the price, money rewards are cut
  to the cap, the highest tier first, as cost protection cuts them.
- C-7 Cost protection works on both bases, on money rewards (cash, balance) only: points are
  not fen and are not compared with split − cost. Cutting goes tier 3, then 2, then 1, each down
  to 0 before the next; a line without a cost is not protected.
- C-8 Rewards come out by line, then tier; zero amounts are left out.
- C-9 Refunds are per line. On the rate basis "refunded amount × rate" uses the refunded paid
  amount as R-3.11 says (not scaled to the split), capped at the amount issued. Both bases are
  computed on the cumulative refunded amount, so partial refunds add up to a full one exactly.
- C-10 The ladder bonus is paid as top-ups: the bonus of the highest threshold reached minus what
  was already paid for that month, never negative, so it is paid once per month and a higher
  step reached later pays only the difference. A month with no settled sales earns nothing (even
  with a threshold of 0); a bonus paid is never taken back.
- C-11 :func:`allocate` breaks ties between equal remainders by position (earlier first).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from teamgraph.errors import ValidationError
from teamgraph.rules.money import require_int
from teamgraph.rules.settings import MAX_RATE_BP, LadderStep, Level, ProgramSettings

BP = 10_000
"""Basis points in a whole."""

MAX_TIERS = 3

Basis = Literal["rate", "fixed"]
Unit = Literal["fen", "point"]


def _opt_int(value: object, what: str) -> int | None:
    return None if value is None else require_int(value, what)


@dataclass(frozen=True)
class Line:
    """One order line. ``split_fen`` (分账金额) defaults to ``paid_fen`` at the caller;
    ``cost_fen`` is ``None`` when the product has no cost price. Types are checked here, values by
    :func:`validate_lines`."""

    product_id: str
    qty: int
    paid_fen: int
    split_fen: int
    cost_fen: int | None

    def __post_init__(self) -> None:
        require_int(self.qty, "qty")
        require_int(self.paid_fen, "paid_fen")
        require_int(self.split_fen, "split_fen")
        _opt_int(self.cost_fen, "cost_fen")


def validate_lines(lines: Sequence[Line]) -> None:
    """An order has at least one line; qty ≥ 1, 0 ≤ split ≤ paid, cost ≥ 0 (R-3.4, R-3.8)."""
    if not lines:
        raise ValidationError(
            "order.line", "an order has at least one line", rule="R-3.4", field="lines"
        )
    for i, line in enumerate(lines):
        if line.qty < 1:
            raise ValidationError(
                "order.line",
                f"lines[{i}].qty must be at least 1 (got {line.qty})",
                rule="R-3.4",
                field=f"lines[{i}].qty",
            )
        if line.paid_fen < 0:
            raise ValidationError(
                "order.line",
                f"lines[{i}].paid_fen must not be negative (got {line.paid_fen})",
                rule="R-3.9",
                field=f"lines[{i}].paid_fen",
            )
        if not 0 <= line.split_fen <= line.paid_fen:
            raise ValidationError(
                "order.line",
                f"lines[{i}].split_fen must be between 0 and paid_fen {line.paid_fen} "
                f"(got {line.split_fen})",
                rule="R-3.2",
                field=f"lines[{i}].split_fen",
            )
        if line.cost_fen is not None and line.cost_fen < 0:
            raise ValidationError(
                "order.line",
                f"lines[{i}].cost_fen must not be negative (got {line.cost_fen})",
                rule="R-3.8",
                field=f"lines[{i}].cost_fen",
            )


@dataclass(frozen=True)
class ProductReward:
    """A product's own reward setting (R-3.5): a rate, a per-unit amount, or neither."""

    reward_bp: int | None = None
    reward_fen: int | None = None

    def __post_init__(self) -> None:
        _opt_int(self.reward_bp, "reward_bp")
        _opt_int(self.reward_fen, "reward_fen")


def validate_product_reward(reward: ProductReward) -> None:
    """A product's own reward is a rate or an amount, not both (R-3.2), ≥ 0, and a rate at most
    5000 bp (R-3.3, refused not clipped)."""
    if reward.reward_bp is not None and reward.reward_fen is not None:
        raise ValidationError(
            "product.reward",
            "a product's own reward is a rate (reward_bp) or an amount (reward_fen), not both",
            rule="R-3.2",
            field="reward_fen",
            params={"variant": "both"},
        )
    for name in ("reward_bp", "reward_fen"):
        value = getattr(reward, name)
        if value is not None and value < 0:
            raise ValidationError(
                "product.reward",
                f"{name} must not be negative (got {value})",
                field=name,
                params={"variant": "negative"},
            )
    if reward.reward_bp is not None and reward.reward_bp > MAX_RATE_BP:
        raise ValidationError(
            "product.rate_cap",
            f"a reward rate is at most {MAX_RATE_BP} bp (50%); {reward.reward_bp} bp is refused, "
            "not clipped",
            rule="R-3.3",
            field="reward_bp",
            params={"variant": "single", "rate_bp": reward.reward_bp},
        )


@dataclass(frozen=True)
class Earner:
    """Someone in line for a reward: tier 1 the attributed distributor, 2 its inviter, 3 the
    inviter's inviter (R-3.7), with the level it holds."""

    distributor_id: str
    tier: int
    level: int


@dataclass(frozen=True)
class Reward:
    """One reward of one earner on one order line (an issued ledger entry, R-3.12).

    ``unit`` is ``"fen"`` for cash and balance, ``"point"`` for points. ``rate_bp`` is the rate
    applied (rate basis), ``per_unit`` the per-unit amount (fixed basis); ``amount`` is after
    cost protection (C-7), so it may be below split × rate or qty × per_unit.
    """

    distributor_id: str
    tier: int
    line: int
    product_id: str
    amount: int
    unit: Unit
    basis: Basis
    rate_bp: int | None
    per_unit: int | None


def earners(chain: Sequence[tuple[str, int]], buyer_id: str, tiers: int) -> list[Earner]:
    """Who earns on an order: ``chain`` is the attributed distributor and its inviters as
    ``[(distributor_id, level), ...]`` in tier order. The first ``tiers`` are kept and the buyer
    never earns from its own purchase: its tier is skipped, not filled by the next one (C-1)."""
    tiers = require_int(tiers, "tiers")
    if not 1 <= tiers <= MAX_TIERS:
        raise ValidationError(
            "settings.tiers",
            f"tiers must be 1, 2 or 3 (got {tiers})",
            rule="R-3.7",
            field="tiers",
            params={"tiers": tiers},
        )
    return [
        Earner(distributor_id, tier, require_int(level, "level"))
        for tier, (distributor_id, level) in enumerate(chain[:tiers], start=1)
        if distributor_id != buyer_id
    ]


def _basis(settings: ProgramSettings) -> Basis:
    return "fixed" if settings.reward_kind in ("points", "balance") else settings.reward_basis


def _level(levels: Sequence[Level], number: int) -> Level:
    """C-5: the level ``number``, the top level above the top, level 1 below 1."""
    ordered = sorted(levels, key=lambda lv: lv.level)
    if not ordered:
        raise ValueError("a program has at least one level (R-4.1)")
    for lv in ordered:
        if lv.level == number:
            return lv
    return ordered[0] if number < ordered[0].level else ordered[-1]


def _terms(
    basis: Basis, tier: int, level: Level, product: ProductReward | None, first_order: bool
) -> int:
    """The rate (bp) or per-unit amount (fen/points) one tier earns on one line."""
    if tier > 1:  # C-4
        own = level.inviter_reward_bp if basis == "rate" else level.inviter_reward_fen
        return own or 0
    if product is not None:  # C-2, C-4
        setting = product.reward_bp if basis == "rate" else product.reward_fen
        if setting is not None:
            return setting
    if basis == "rate":
        if first_order and level.first_order_reward_bp is not None:  # C-3
            return level.first_order_reward_bp
        return level.reward_bp or 0
    return level.reward_fen or 0


def _protect(amounts: list[int], tiers: list[int], ceiling: int) -> list[int]:
    """R-3.8, C-7: cut the rewards of one line to ``ceiling`` in total, highest tier first."""
    excess = sum(amounts) - ceiling
    out = list(amounts)
    for idx in sorted(range(len(out)), key=lambda k: tiers[k], reverse=True):
        if excess <= 0:
            break
        cut = min(excess, out[idx])
        out[idx] -= cut
        excess -= cut
    return out


def rewards(
    settings: ProgramSettings,
    earners: Sequence[Earner],
    lines: Sequence[Line],
    products: Mapping[str, ProductReward],
    *,
    first_order: bool,
) -> list[Reward]:
    """The rewards an order pays (R-3.1–R-3.9), by line then tier, zero amounts left out (C-8).

    ``earners`` come from :func:`earners`; ``products`` maps a product id to its own setting
    (absent: none); ``first_order`` is whether this is the customer's first paid order (R-3.5).
    Raises :class:`ValidationError` for bad lines and ``AssertionError`` if a rate reward would
    exceed 50% of its split (C-6), a bug upstream.
    """
    validate_lines(lines)
    seen: set[int] = set()
    for e in earners:
        if not 1 <= e.tier <= settings.tiers or e.tier in seen:
            raise ValueError(
                f"earner {e.distributor_id} has tier {e.tier}: not 1..{settings.tiers}"
            )
        seen.add(e.tier)
    basis = _basis(settings)
    unit: Unit = "point" if settings.reward_kind == "points" else "fen"
    ordered = sorted(earners, key=lambda e: e.tier)
    levels = [_level(settings.levels, e.level) for e in ordered]
    out: list[Reward] = []
    for i, line in enumerate(lines):
        product = products.get(line.product_id)
        terms = [
            _terms(basis, e.tier, lv, product, first_order)
            for e, lv in zip(ordered, levels, strict=True)
        ]
        if basis == "rate":
            amounts = [line.split_fen * bp // BP for bp in terms]  # floor
            for e, bp, amount in zip(ordered, terms, amounts, strict=True):
                if amount < 0 or 2 * amount > line.split_fen:  # C-6
                    raise AssertionError(
                        f"R-3.3 broken: tier {e.tier} rate {bp} bp pays {amount} fen on "
                        f"lines[{i}] split {line.split_fen} (above 50%, max {MAX_RATE_BP} bp)"
                    )
        else:
            amounts = [line.qty * per_unit for per_unit in terms]
            for e, amount in zip(ordered, amounts, strict=True):
                if amount < 0:
                    raise AssertionError(f"negative reward for tier {e.tier} on lines[{i}]")
        if unit == "fen":  # C-6: all tiers of a line together at most half its split
            amounts = _protect(amounts, [e.tier for e in ordered], line.split_fen // 2)
        if settings.cost_protection and unit == "fen" and line.cost_fen is not None:
            ceiling = max(0, line.split_fen - line.cost_fen)
            amounts = _protect(amounts, [e.tier for e in ordered], ceiling)
        for e, term, amount in zip(ordered, terms, amounts, strict=True):
            if amount == 0:
                continue
            out.append(
                Reward(
                    distributor_id=e.distributor_id,
                    tier=e.tier,
                    line=i,
                    product_id=line.product_id,
                    amount=amount,
                    unit=unit,
                    basis=basis,
                    rate_bp=term if basis == "rate" else None,
                    per_unit=term if basis == "fixed" else None,
                )
            )
    return out


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split ``amount`` in proportion to ``weights`` by largest remainder (R-3.9): the parts sum
    to ``amount`` exactly and each is within 1 of its exact share; ties go to the earlier
    position (C-11). ``allocate(100, [1, 1, 1]) == [34, 33, 33]``.

    A negative amount splits like its absolute value, negated. Weights are ints ≥ 0, at least
    one of them above 0, else ``ValueError``.
    """
    amount = require_int(amount, "amount")
    ws = [require_int(w, "weight") for w in weights]
    if any(w < 0 for w in ws):
        raise ValueError("weights must not be negative")
    total = sum(ws)
    if total == 0:
        raise ValueError("at least one weight must be above 0")
    if amount < 0:
        return [-part for part in allocate(-amount, ws)]
    parts = [amount * w // total for w in ws]
    remainders = [amount * w % total for w in ws]
    short = amount - sum(parts)
    for idx in sorted(range(len(ws)), key=lambda k: (-remainders[k], k))[:short]:
        parts[idx] += 1
    return parts


@dataclass(frozen=True)
class Issued:
    """A reward entry issued on one line, as the ledger holds it: ``amount`` issued (≥ 0),
    ``returned`` clawed back so far (0 ≤ returned ≤ amount), the basis and rate it was
    computed with."""

    entry_id: str
    distributor_id: str
    tier: int
    line: int
    amount: int
    basis: Basis
    rate_bp: int | None
    returned: int

    def __post_init__(self) -> None:
        require_int(self.amount, "amount")
        require_int(self.returned, "returned")
        _opt_int(self.rate_bp, "rate_bp")
        if self.basis not in ("rate", "fixed"):
            raise ValueError(f"basis is rate or fixed, got {self.basis!r}")
        if self.basis == "rate" and self.rate_bp is None:
            raise ValueError(f"entry {self.entry_id}: a rate reward needs its rate_bp")
        if not 0 <= self.returned <= self.amount:
            raise ValueError(
                f"entry {self.entry_id}: returned {self.returned} outside 0..{self.amount}"
            )


def clawbacks(
    issued: Sequence[Issued], *, line_paid: int, refunded_before: int, refund: int
) -> list[tuple[str, int]]:
    """What a refund of ``refund`` fen on ONE line claws back now, per issued entry, as
    ``[(entry_id, amount), ...]`` with amounts > 0 (the caller writes them negative).

    R-3.11, C-9: with ``refunded = refunded_before + refund`` the target returned so far is
    ``floor(refunded × amount / line_paid)`` (fixed) or ``min(amount, floor(refunded × rate_bp /
    10 000))`` (rate); what is returned now is the target less ``returned``. A full refund
    (``refunded == line_paid``) returns exactly what remains; nothing ever returns more than
    remains. ``refund`` must be > 0 and at most what is left to refund.
    """
    line_paid = require_int(line_paid, "line_paid")
    refunded_before = require_int(refunded_before, "refunded_before")
    refund = require_int(refund, "refund")
    if refund <= 0:
        raise ValidationError(
            "refund.amount",
            f"a refund is a positive amount of fen (got {refund})",
            rule="R-3.11",
            field="amount_fen",
        )
    if not 0 <= refunded_before <= line_paid:
        raise ValueError(f"refunded_before {refunded_before} outside 0..{line_paid}")
    left = line_paid - refunded_before
    if refund > left:
        raise ValidationError(
            "refund.too_much",
            f"refund of {refund} fen is more than the {left} fen left to refund on the line",
            rule="R-3.11",
            field="amount_fen",
            extra={"refundable_fen": left},
        )
    refunded = refunded_before + refund
    out: list[tuple[str, int]] = []
    for e in issued:
        remains = e.amount - e.returned
        if refunded == line_paid:
            now = remains
        else:
            if e.basis == "fixed":
                target = refunded * e.amount // line_paid
            else:
                assert e.rate_bp is not None  # checked by Issued
                target = min(e.amount, refunded * e.rate_bp // BP)
            now = max(0, min(target - e.returned, remains))
        if now:
            out.append((e.entry_id, now))
    return out


def ladder_bonus(
    steps: Sequence[LadderStep], month_settled_sales_fen: int, already_paid_fen: int
) -> int:
    """R-3.13, C-10: the ladder bonus still due for a calendar month, in fen: the bonus of the
    highest threshold reached by ``month_settled_sales_fen`` less ``already_paid_fen`` for that
    month, never negative."""
    sales = require_int(month_settled_sales_fen, "month_settled_sales_fen")
    paid = require_int(already_paid_fen, "already_paid_fen")
    if sales <= 0:
        return 0
    reached = [s for s in steps if require_int(s.threshold_fen, "threshold_fen") <= sales]
    if not reached:
        return 0
    top = max(reached, key=lambda s: s.threshold_fen)
    return max(0, require_int(top.bonus_fen, "bonus_fen") - paid)
