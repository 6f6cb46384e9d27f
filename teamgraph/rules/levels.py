"""Distributor levels (等级): which level a distributor has earned, and its progress to the next.

Rules (docs/rules.md §4):
- R-4.1 Up to 5 levels (checked by :mod:`teamgraph.rules.settings`); with one level, levels are
  not shown to distributors (:func:`shown`).
- R-4.2 A level's upgrade conditions are any of :data:`CONDITIONS`; meeting any chosen one is
  enough (:func:`earned_level`).
- R-4.3 Upgrades happen as soon as a condition is met; levels never drop automatically; the
  merchant may set any level by hand, so ``current`` is an input and a floor.
- R-4.4 Progress, per chosen condition of the next level: current value, threshold, percentage;
  the overall percentage is the highest of them (:func:`progress`).

Choices where docs/rules.md is silent (written down here, as docs/rules.md asks):
- L-1 A level counts as earned when one of its own chosen conditions is met, whether or not a
  lower level's is: a distributor may jump from level 1 straight to level 3.
- L-2 Level 1 is the entry level: every distributor holds it, its conditions (if any) are never
  required and never shown as progress.
- L-3 A ``current`` level above the top level (the merchant removed levels) counts as the top
  level, and one below 1 as level 1. A level above 1 with no chosen condition (settings refuse
  it) is never earned automatically, only set by hand.
- L-4 Percentages are integers rounded down and capped to 0..100, so 100% means "met"; a
  threshold of 0 is always met (100%). A value that is missing counts as 0.

Pure: plain ints and frozen dataclasses in and out; no I/O, no clock, no floats.
- L-5 A level set by hand (R-4.3) holds until the distributor's counters next change; then
  the automatic upgrade applies again. Reading progress never changes a level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from teamgraph.rules.money import require_int
from teamgraph.rules.settings import Level

CONDITIONS: tuple[str, ...] = (
    "bound_customers",
    "invited_distributors",
    "paid_orders",
    "received_fen",
    "transaction_fen",
    "completed_orders",
)
"""The upgrade conditions of R-4.2, in display order (the fields of ``settings.Conditions``)."""

ENTRY_LEVEL = 1  # L-2


@dataclass(frozen=True)
class ConditionProgress:
    """One chosen condition of the next level (R-4.4)."""

    name: str
    current: int
    threshold: int
    percent: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "current": self.current,
            "threshold": self.threshold,
            "percent": self.percent,
        }


@dataclass(frozen=True)
class Progress:
    """Progress towards the next level (R-4.4); at the top level ``next_level`` is ``None``."""

    level: int
    next_level: int | None
    percent: int
    conditions: tuple[ConditionProgress, ...]

    def to_dict(self) -> dict[str, Any]:
        """The API shape ``{level, next_level, percent, conditions: [{name, current, threshold,
        percent}]}``."""
        return {
            "level": self.level,
            "next_level": self.next_level,
            "percent": self.percent,
            "conditions": [c.to_dict() for c in self.conditions],
        }


def percent(current: int, threshold: int) -> int:
    """``floor(current * 100 / threshold)`` capped to 0..100; a threshold ≤ 0 is met: 100 (L-4).

    Integer arithmetic only: ``percent(2, 3) == 66``, ``percent(5, 3) == 100``.
    """
    current = require_int(current, "current")
    threshold = require_int(threshold, "threshold")
    if threshold <= 0:
        return 100
    return max(0, min(100, current * 100 // threshold))


def shown(levels: Sequence[Level]) -> bool:
    """R-4.1: levels are shown to distributors only when the program has more than one."""
    return len(levels) > 1


def _ordered(levels: Sequence[Level]) -> list[Level]:
    if not levels:
        raise ValueError("a program has at least one level (R-4.1)")
    return sorted(levels, key=lambda lv: lv.level)


def _clamp(current: int, top: int) -> int:
    """L-3: a level out of range counts as the nearest one that exists."""
    return max(ENTRY_LEVEL, min(require_int(current, "current"), top))


def _value(values: Mapping[str, int], name: str) -> int:
    return require_int(values.get(name, 0), f"values[{name!r}]")  # L-4: missing counts as 0


def _chosen(level: Level) -> list[tuple[str, int]]:
    """The chosen conditions of ``level`` as ``(name, threshold)``, in :data:`CONDITIONS` order."""
    chosen = level.conditions.chosen()
    return [(name, chosen[name]) for name in CONDITIONS if name in chosen]


def _met(level: Level, values: Mapping[str, int]) -> bool:
    """R-4.2: meeting any one chosen condition is enough; none chosen is never met (L-3)."""
    return any(_value(values, name) >= threshold for name, threshold in _chosen(level))


def earned_level(levels: Sequence[Level], values: Mapping[str, int], current: int) -> int:
    """The level a distributor holds after its values are counted (R-4.3).

    The highest level above the entry level one of whose chosen conditions is met (R-4.2; lower
    levels need not be met, L-1), and never lower than ``current``: levels never drop
    automatically, and a level the merchant set by hand is kept (R-4.3). ``current`` beyond the
    levels that exist is clamped to them (L-3); missing values count as 0 (L-4).
    """
    ordered = _ordered(levels)
    held = _clamp(current, ordered[-1].level)
    for level in reversed(ordered):
        if level.level <= held:
            break
        if level.level > ENTRY_LEVEL and _met(level, values):
            return level.level
    return held


def raised(levels: Sequence[Level], values: Mapping[str, int], current: int) -> int | None:
    """R-4.3 after a counter moved: the higher level the values earn at once, or ``None`` when
    the distributor stays where it is (always, with a single level)."""
    if len(levels) < 2:
        return None
    earned = earned_level(levels, values, current)
    return earned if earned > current else None


def progress(levels: Sequence[Level], values: Mapping[str, int], current: int) -> Progress:
    """Progress from ``current`` to the next level, ``current + 1`` (R-4.4).

    One :class:`ConditionProgress` per chosen condition of the next level, in
    :data:`CONDITIONS` order; the overall percentage is the highest of them, since meeting any
    one is enough (R-4.2). At the top level: ``next_level=None``, 100%, no conditions. The
    caller passes the level the distributor holds (after :func:`earned_level`).
    """
    ordered = _ordered(levels)
    held = _clamp(current, ordered[-1].level)
    following = [lv for lv in ordered if lv.level > held]
    if not following:
        return Progress(level=held, next_level=None, percent=100, conditions=())
    nxt = following[0]
    conditions = tuple(
        ConditionProgress(
            name=name,
            current=_value(values, name),
            threshold=threshold,
            percent=percent(_value(values, name), threshold),
        )
        for name, threshold in _chosen(nxt)
    )
    overall = max((c.percent for c in conditions), default=0)
    return Progress(level=held, next_level=nxt.level, percent=overall, conditions=conditions)
