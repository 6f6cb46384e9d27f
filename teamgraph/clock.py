"""The one place that reads the wall clock; everything below it takes ``now`` as an argument."""

from __future__ import annotations

import time


def now_ms() -> int:
    return time.time_ns() // 1_000_000
