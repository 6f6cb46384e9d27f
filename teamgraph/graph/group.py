"""Group commit: rows that threads of one process submit for the same write statement at about
the same time are written together, as the ``$rows`` of one statement.

FalkorDB runs one write at a time per graph, and one statement of eight rows costs far less
than eight statements of one (docs/architecture.md, "Group commit"). So when concurrent
requests each have one row to write, the first to arrive writes at once, and whatever arrives
while that write runs waits for it and is written together in the next statement. Nothing is
delayed on purpose: a lone request writes alone, as before, and groups form only under load.

- Each submitter gets back only the result rows of its own row: the statement answers each
  row's index as ``i`` (the rows are sent with it), and rows the statement's guards left out
  get no result.
- Rows that must not share a statement (two orders of one buyer) name the same ``keys``; a
  group takes at most one row per key, and the others wait for the next group.
- A failing row never fails its neighbours: if a statement of several rows fails, each of its
  rows is written again alone by its own submitter, which then gets its own error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]
Runner = Callable[[str, list[dict[str, Any]]], list[Row]]

MAX_ROWS = 64
"""The most rows one statement takes; more wait for the next one."""


@dataclass(eq=False)
class _Pending:
    name: str
    row: Mapping[str, Any]
    keys: frozenset[Hashable]
    wake: threading.Event = field(default_factory=threading.Event)
    """Set when this row is written (``done``), or when it is to lead the next group."""
    done: bool = False
    result: list[Row] = field(default_factory=list)
    error: BaseException | None = None
    shared: bool = False
    """Whether the statement that failed held other rows (then this one is tried alone)."""


class GroupCommit:
    """The rows waiting to be written to one graph, and whether a write is under way."""

    def __init__(self, run: Runner, max_rows: int = MAX_ROWS) -> None:
        self._run = run
        self._max = max_rows
        self._lock = threading.Lock()
        self._waiting: list[_Pending] = []
        self._busy = False
        self.statements = 0
        """Statements written so far (with :attr:`rows`: how well rows were grouped)."""
        self.rows = 0

    def write(self, name: str, row: Mapping[str, Any], keys: Sequence[Hashable] = ()) -> list[Row]:
        """Write ``row`` as one of ``name``'s ``$rows``; its own result rows (without ``i``)."""
        mine = _Pending(name, row, frozenset(keys))
        with self._lock:
            self._waiting.append(mine)
            lead = not self._busy
            self._busy = True
        if not lead:
            mine.wake.wait()
        if not mine.done:  # the leader: it is the oldest waiting, so its group holds it
            self._write_group()
        if mine.error is None:
            return mine.result
        if mine.shared:  # not necessarily this row's fault: alone, it gets its own answer
            return [_own(r) for r in self._run(name, [{**row, "i": 0}])]
        raise mine.error

    def _write_group(self) -> None:
        """Write the oldest waiting rows in one statement, then hand the lead on."""
        with self._lock:
            group = self._take()
        self.statements += 1
        self.rows += len(group)
        try:
            rows = self._run(group[0].name, [{**p.row, "i": i} for i, p in enumerate(group)])
        except BaseException as exc:  # each submitter learns of it; see _Pending.shared
            for p in group:
                p.error, p.shared = exc, len(group) > 1
        else:
            for r in rows:
                group[int(r["i"])].result.append(_own(r))
        for p in group:
            p.done = True
        with self._lock:
            if self._waiting:
                self._waiting[0].wake.set()  # the longest waiting leads the next group
            else:
                self._busy = False
        for p in group:
            p.wake.set()

    def _take(self) -> list[_Pending]:
        """The oldest rows of one statement, at most one per key, at most ``max_rows``."""
        name = self._waiting[0].name
        group: list[_Pending] = []
        used: set[Hashable] = set()
        for p in self._waiting:
            if len(group) == self._max:
                break
            if p.name != name or p.keys & used:
                continue
            group.append(p)
            used |= p.keys
        taken = set(map(id, group))
        self._waiting = [p for p in self._waiting if id(p) not in taken]
        return group


class Groups:
    """An engine's :class:`GroupCommit` per shop, made when first used."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._of: dict[str, GroupCommit] = {}

    def of(self, shop: str, run: Runner) -> GroupCommit:
        with self._lock:
            group = self._of.get(shop)
            if group is None:
                group = self._of[shop] = GroupCommit(run)
            return group

    def totals(self) -> tuple[int, int]:
        """Statements and rows written together so far, every shop's summed."""
        with self._lock:
            groups = list(self._of.values())
        return sum(g.statements for g in groups), sum(g.rows for g in groups)


def _own(row: Row) -> Row:
    return {k: v for k, v in row.items() if k != "i"}
