"""Responses as docs/api.md "Conventions" shows them: times are ISO-8601 with the shop's offset.

``Shop`` returns times as epoch ms ints under keys ending in ``_at`` or ``_until`` (``paid_at``,
``completed_at``, ``settle_at``, ``requested_at``, ``approved_at``, ``rejected_at``, ...) and
under ``since``, ``until`` and ``at`` (a ledger entry's time); :func:`with_times` turns every
such value into a string, at any depth, in the shop's time zone. The one place the API renders
times of responses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from teamgraph.rules.timeutil import iso
from teamgraph.shop import Shop

_TIME_KEYS = frozenset({"since", "until", "at"})
_TIME_SUFFIXES = ("_at", "_until")


def is_time_key(key: str) -> bool:
    return key in _TIME_KEYS or key.endswith(_TIME_SUFFIXES)


def _time(value: Any, tz: str) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return iso(value, tz)
    return value


def with_times(value: Any, tz: str) -> Any:
    """A copy of ``value`` whose time fields (any depth) are ISO-8601 strings in ``tz``."""
    if isinstance(value, Mapping):
        return {
            k: _time(v, tz) if isinstance(k, str) and is_time_key(k) else with_times(v, tz)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [with_times(v, tz) for v in value]
    return value


def public(shop: Shop, value: Any) -> Any:
    """``value`` rendered for a response of ``shop`` (its time zone, R-1.9's settings)."""
    return with_times(value, shop.timezone())
