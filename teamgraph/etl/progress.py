"""Progress bars for long loads: shown once a step has run for a second, and only on a terminal.

A :class:`Bars` hands out one :class:`Bar` per step. Nothing is drawn when stdout is not a
terminal (pipes, CI, tests), nor for steps that finish within a second.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any

DELAY_S = 1.0


class Bar:
    def __init__(self, label: str, total: int, *, enabled: bool) -> None:
        self.label, self.total, self.done = label, total, 0
        self._enabled = enabled
        self._t0 = time.monotonic()
        self._progress: Any = None
        self._task: Any = None

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._progress is None:
            if not self._enabled or time.monotonic() - self._t0 < DELAY_S:
                return
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=self.total)
        self._progress.update(self._task, completed=self.done)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __enter__(self) -> Bar:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Bars:
    """Where bars go: ``enabled=None`` draws them when stdout is a terminal."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stdout.isatty() if enabled is None else enabled

    def bar(self, label: str, total: int) -> Bar:
        return Bar(label, total, enabled=self.enabled)
