"""Every Cypher statement teamgraph runs, one named statement per file or per ``// name:`` section.

A file ``foo.cypher`` without sections holds the statement ``foo``. A file with lines
``// name: bar`` holds one statement per section, named ``bar``. Files named ``schema_*.cypher``
hold per-engine DDL (indexes, constraints) and ``admin_*.cypher`` per-engine administration
(Neo4j databases, FalkorDB's property names); they are the only per-engine text
(docs/architecture.md) and stay out of :func:`catalogue`, whose statements must run unchanged
on both engines.

Concurrent writers. FalkorDB runs one write at a time; Neo4j 5 runs them side by side at read
committed, where a ``WHERE`` guard is evaluated before any lock is taken and is not re-checked
after waiting for one. So a statement that decides on stored state takes the lock first and
checks after::

    MATCH (o:Order {id: $id})
    FOREACH (locking IN [o] | SET locking._lock = true REMOVE locking._lock)
    WITH o                    // the SET took the node's lock, held until the statement commits;
                              // the property is gone again before anyone can read it
    WHERE o.completed_at IS NULL    // read under the lock: sees every earlier writer's commit

A concurrent writer blocks on the ``SET`` and, once the first commits, reads its result. The
``FOREACH`` form, not a plain ``SET``: FalkorDB 4.16 spends 1.5-2 ms on a plain SET followed by
a CREATE in one statement, and nothing on the same write inside a FOREACH (docs/neo4j.md N-5);
for the same reason a statement that creates writes its counters after the CREATEs. Only
what is read after the lock counts: a guard must not read a property the statement already read
before it (Neo4j may reuse the value), so a statement that found its rows by a property
(``binding.expire_due``) matches them again under the lock. A read that takes no lock (the
context a decision is computed from) can see part of another transaction's commit on Neo4j, so a
write carrying such a decision checks under the lock every stored value the decision used, not
just one (``refund.create``). Which node guards what: the customer
its bindings, ``SHARED_BY`` and first order; the distributor its balance; the order its refunds
and completion; the withdrawal its status; the shop node its settings; the ring its status.
One statement that locks several nodes takes them in one order (``ORDER BY`` id, or upwards in
the invitation forest); Neo4j answers any deadlock left with a transient error, and the store
runs the statement again. Counters move by ``SET x.n = x.n + k``, which Neo4j locks before it
reads ``x.n``; relationship MERGEs that must stay unique run under their start node's lock.
Unique ids (constraints on both engines) decide between concurrent CREATEs and node MERGEs.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

QUERY_DIR = Path(__file__).resolve().parent
ENGINE_SPECIFIC = ("schema_", "admin_")
_SECTION = re.compile(r"^//\s*name:\s*([\w.]+)\s*$", re.MULTILINE)


def parse(text: str, default_name: str) -> dict[str, str]:
    """Split one file's text into ``{name: statement}``."""
    marks = list(_SECTION.finditer(text))
    if not marks:
        return {default_name: text.strip()}
    out: dict[str, str] = {}
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        name = mark.group(1)
        if name in out:
            raise ValueError(f"query {name!r} is defined twice in {default_name}.cypher")
        out[name] = text[mark.end() : end].strip()
    return out


@cache
def catalogue() -> dict[str, str]:
    """All named statements of the package, loaded once."""
    out: dict[str, str] = {}
    for path in sorted(QUERY_DIR.glob("*.cypher")):
        if path.name.startswith(ENGINE_SPECIFIC):
            continue
        for name, text in parse(path.read_text(encoding="utf-8"), path.stem).items():
            if name in out:
                raise ValueError(f"query {name!r} is defined twice ({path.name})")
            out[name] = text
    return out


def get(name: str) -> str:
    try:
        return catalogue()[name]
    except KeyError:
        raise KeyError(f"no Cypher statement named {name!r} in {QUERY_DIR}") from None


KEEPS_MEMO = "// keeps: memo"
"""A statement's line saying it makes nothing due and changes no settings, so that what a
process remembers about its shop (``GraphStore.memo``, K-4) stays true after it."""


@cache
def keeps_memo(name: str) -> bool:
    """Whether statement ``name`` carries the line :data:`KEEPS_MEMO`."""
    return any(line.strip() == KEEPS_MEMO for line in get(name).splitlines())


def schema(engine: str) -> list[str]:
    """The DDL statements of one engine (``falkordb`` or ``neo4j``), in file order."""
    path = QUERY_DIR / f"schema_{engine}.cypher"
    return list(parse(path.read_text(encoding="utf-8"), path.stem).values())


@cache
def admin(engine: str) -> dict[str, str]:
    """The named administration statements of one engine."""
    path = QUERY_DIR / f"admin_{engine}.cypher"
    return parse(path.read_text(encoding="utf-8"), path.stem)


_COMMENT = re.compile(r"//[^\n]*")
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'")
_ACCESS = re.compile(r"\.\s*([a-z_][A-Za-z0-9_]*)\b(?!\s*\()")
_MAP_KEY = re.compile(r"[{,]\s*([a-z_][A-Za-z0-9_]*)\s*:(?!:)")


@cache
def property_keys() -> frozenset[str]:
    """Every property name the statements read or write: the names after a ``.`` that are not
    function calls, and the keys of map literals. Labels and relationship types start with a
    capital and are not matched; a parameter or alias caught as a key costs nothing. FalkorDB
    registers these before any write (``FalkorStore.setup_schema``, docs/architecture.md
    "Engine facts")."""
    keys: set[str] = set()
    for text in catalogue().values():
        code = _STRING.sub("''", _COMMENT.sub("", text))
        keys.update(_ACCESS.findall(code))
        keys.update(_MAP_KEY.findall(code))
    return frozenset(keys)
