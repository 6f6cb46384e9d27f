"""Group commit (:mod:`teamgraph.graph.group`): rows submitted while a write runs are written
together in the next statement, each submitter gets its own rows back, rows sharing a key are
never together, and a failing row never fails its neighbours.

The statement here is a function standing in for the store's ``write`` (it records the groups
it is given and answers each row's index); the real statement, ``order.create``, is raced on
both engines in ``tests/shop/test_concurrency.py``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from teamgraph.graph.group import GroupCommit


class Statement:
    """Answers each row as ``{"i", "value"}``; the first call waits for :attr:`release`, so
    that the rows submitted meanwhile queue up behind it. Fails a group holding a ``bad`` row,
    as an engine fails a whole statement."""

    def __init__(self) -> None:
        self.groups: list[list[dict[str, Any]]] = []
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.groups.append(rows)
        if len(self.groups) == 1:
            self.started.set()
            assert self.release.wait(10)
        if any(r.get("bad") for r in rows):
            raise ValueError(f"{name}: a bad row")
        return [{"i": r["i"], "value": r["value"] * 10} for r in rows if not r.get("skip")]


def submit_all(
    group: GroupCommit, rows: list[dict[str, Any]], keys: Callable[[dict[str, Any]], Any]
) -> list[Any]:
    """Submit ``rows[0]`` and wait until its write has started, then the rest from threads of
    their own while it is held; release it and collect every thread's answer."""
    statement: Statement = group._run  # type: ignore[assignment]
    answers: list[Any] = [None] * len(rows)

    def one(k: int) -> None:
        try:
            answers[k] = group.write("t", rows[k], keys(rows[k]))
        except Exception as exc:
            answers[k] = exc

    threads = [threading.Thread(target=one, args=(k,)) for k in range(len(rows))]
    threads[0].start()
    assert statement.started.wait(10)
    for t in threads[1:]:
        t.start()
    deadline = time.monotonic() + 10
    while len(group._waiting) < len(rows) - 1 and time.monotonic() < deadline:
        time.sleep(0.001)
    statement.release.set()
    for t in threads:
        t.join(10)
    return answers


def test_rows_submitted_during_a_write_go_together_in_the_next_statement() -> None:
    statement = Statement()
    group = GroupCommit(statement)
    rows = [{"value": k} for k in range(8)]

    answers = submit_all(group, rows, lambda r: ())

    assert [len(g) for g in statement.groups] == [1, 7]
    assert answers == [[{"value": 10 * k}] for k in range(8)]  # each its own, without ``i``
    assert (group.statements, group.rows) == (2, 8)


def test_a_lone_row_is_written_at_once_and_alone() -> None:
    statement = Statement()
    statement.release.set()
    group = GroupCommit(statement)

    assert group.write("t", {"value": 4}) == [{"value": 40}]
    assert group.write("t", {"value": 5}) == [{"value": 50}]
    assert [len(g) for g in statement.groups] == [1, 1]


def test_rows_sharing_a_key_are_never_written_together() -> None:
    """Two orders of one buyer wait for separate statements (order.create checks the buyer's
    first order once per statement, R-3.5)."""
    statement = Statement()
    group = GroupCommit(statement)
    rows = [{"value": k, "buyer": b} for k, b in enumerate("xaabab")]

    answers = submit_all(group, rows, lambda r: (r["buyer"],))

    assert answers == [[{"value": 10 * k}] for k in range(6)]
    for g in statement.groups:
        buyers = [r["buyer"] for r in g]
        assert len(buyers) == len(set(buyers)), g
    assert [len(g) for g in statement.groups] == [1, 2, 2, 1]


def test_a_row_the_statement_leaves_out_gets_no_rows() -> None:
    statement = Statement()
    group = GroupCommit(statement)
    rows = [{"value": 0}, {"value": 1, "skip": True}, {"value": 2}]

    assert submit_all(group, rows, lambda r: ()) == [[{"value": 0}], [], [{"value": 20}]]


def test_a_failing_row_never_fails_its_neighbours() -> None:
    """The group's statement fails; each row is written again alone, and only the bad row's
    submitter gets the error."""
    statement = Statement()
    group = GroupCommit(statement)
    rows = [{"value": 0}, {"value": 1}, {"value": 2, "bad": True}, {"value": 3}]

    answers = submit_all(group, rows, lambda r: ())

    assert answers[:2] == [[{"value": 0}], [{"value": 10}]]
    assert isinstance(answers[2], ValueError)
    assert answers[3] == [{"value": 30}]
    assert [len(g) for g in statement.groups] == [1, 3, 1, 1, 1]


def test_a_lone_failing_row_raises_its_own_error_and_the_next_row_still_writes() -> None:
    statement = Statement()
    statement.release.set()
    group = GroupCommit(statement)

    with pytest.raises(ValueError):
        group.write("t", {"value": 1, "bad": True})
    assert group.write("t", {"value": 2}) == [{"value": 20}]


def test_many_threads_each_get_their_own_answer() -> None:
    """64 threads over 4 keys, released together: every row is written once, and every
    thread gets its own row back."""
    statement = Statement()
    statement.release.set()
    group = GroupCommit(statement, max_rows=8)
    barrier = threading.Barrier(64)
    answers: list[Any] = [None] * 64

    def one(k: int) -> None:
        barrier.wait()
        answers[k] = group.write("t", {"value": k}, (k % 4,))

    threads = [threading.Thread(target=one, args=(k,)) for k in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)

    assert answers == [[{"value": 10 * k}] for k in range(64)]
    written = sorted(r["value"] for g in statement.groups for r in g)
    assert written == list(range(64))
    assert all(len(g) <= 4 for g in statement.groups)
