"""A new shop's graph written in one pass by FalkorDB's bulk path (``GRAPH.BULK``).

``GRAPH.BULK <key> BEGIN ...`` creates a graph key from binary blocks of nodes and edges and
refuses a key that exists, so it only ever writes a *new* shop; the schema (indexes, unique
constraints) is made after it (``FalkorStore.setup_schema``). The wire format is the one of
the ``falkordb-bulk-loader`` package (``entity_file.py``, ``label.py``, ``relation_type.py``,
``query_buffer.py``), fed here from Python values instead of CSV cells:

- a command: ``GRAPH.BULK key [BEGIN] nodes edges label_blocks type_blocks <blocks...>``;
- a block: its label (``Customer:Distributor`` for several) or edge type, NUL-terminated,
  the number of properties (uint32) and their names, NUL-terminated; then one record per node
  (its property values) or edge (source and target node as uint64, then its values);
- a value: a type byte and its bytes: 0 null (the property is not set, as a Cypher ``SET`` of
  null), 1 bool, 2 double, 3 NUL-terminated UTF-8 string, 4 int64, 5 array (int64 length,
  then its values).

Nodes are numbered 0, 1, ... in the order they are sent, across commands; an edge names its
ends by those numbers, so every node goes before the edges.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from teamgraph.errors import ValidationError

MAX_COMMAND_BYTES = 64_000_000
"""Bytes per ``GRAPH.BULK`` command (the bulk loader's default buffer; Redis takes 512 MB)."""

_NULL = b"\x00"
_TRUE = b"\x01\x01"
_FALSE = b"\x01\x00"
_LONG = struct.Struct("=Bq").pack
_DOUBLE = struct.Struct("=Bd").pack
_EDGE = struct.Struct("=QQ").pack


@dataclass(frozen=True)
class Nodes:
    """Nodes of one label set, each a property map (a None value: the property is not set)."""

    labels: tuple[str, ...]
    rows: Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Edges:
    """Edges of one type: (source node number, target node number, property map)."""

    type: str
    rows: Sequence[tuple[int, int, Mapping[str, Any]]]


def _text(v: str) -> bytes:
    raw = v.encode()
    if b"\x00" in raw:
        raise ValidationError("bulk.nul", f"a text value holds a NUL character: {v!r}")
    return b"\x03" + raw + b"\x00"


def _array(v: list[Any] | tuple[Any, ...]) -> bytes:
    return _LONG(5, len(v)) + b"".join([value(x) for x in v])


_BY_TYPE: dict[type, Any] = {
    str: _text,
    int: lambda v: _LONG(4, v),
    type(None): lambda v: _NULL,
    bool: lambda v: _TRUE if v else _FALSE,
    float: lambda v: _DOUBLE(2, v),
    list: _array,
    tuple: _array,
}


def value(v: Any) -> bytes:
    """One property value in the bulk format (picked by its exact type: a bool is not sent as
    an int, and a type with no encoding is refused)."""
    encode = _BY_TYPE.get(type(v))
    if encode is None:
        raise ValidationError("bulk.type", f"no bulk encoding for a {type(v).__name__}: {v!r}")
    return encode(v)


def _header(name: str, props: Sequence[str]) -> bytes:
    return b"".join(
        [
            name.encode() + b"\x00",
            struct.pack("=I", len(props)),
            *(p.encode() + b"\x00" for p in props),
        ]
    )


def _names(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every property name the rows set, in first-seen order."""
    seen: dict[str, None] = {}
    for row in rows:
        for k, v in row.items():
            if v is not None and k not in seen:
                seen[k] = None
    return list(seen)


def _column(values: list[Any]) -> list[bytes]:
    """One property of many entities, encoded: a column of text, integers or booleans (and
    nulls) in one comprehension each, anything else value by value."""
    kinds = set(map(type, values)) - {type(None)}
    if kinds == {str}:
        if any("\x00" in v for v in values if v is not None):
            return [value(v) for v in values]  # refused with its reason
        return [_NULL if v is None else b"\x03" + v.encode() + b"\x00" for v in values]
    if kinds == {int}:
        return [_NULL if v is None else _LONG(4, v) for v in values]
    if kinds == {bool}:
        return [_NULL if v is None else _TRUE if v else _FALSE for v in values]
    return [value(v) for v in values]


def _nodes_encoded(rows: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[bytes]]:
    """The property names of a node block and its records."""
    props = _names(rows)
    if not props:
        return props, [b"" for _ in rows]
    columns = [_column([row.get(p) for row in rows]) for p in props]
    return props, [b"".join(cells) for cells in zip(*columns, strict=True)]


def _edges_encoded(
    rows: Sequence[tuple[int, int, Mapping[str, Any]]],
) -> tuple[list[str], list[bytes]]:
    """The property names of an edge block and its records (ends, then properties)."""
    props = _names([p for _, _, p in rows])
    ends = [_EDGE(src, dst) for src, dst, _ in rows]
    columns = [_column([p.get(name) for _, _, p in rows]) for name in props]
    return props, [b"".join(cells) for cells in zip(ends, *columns, strict=True)]


def commands(
    key: str, nodes: Sequence[Nodes], edges: Sequence[Edges], limit: int = MAX_COMMAND_BYTES
) -> Iterator[list[Any]]:
    """The ``GRAPH.BULK`` commands (argument lists) that create graph ``key`` holding ``nodes``
    and then ``edges``, each at most about ``limit`` bytes."""
    first = True
    blocks: list[tuple[bool, bytes]] = []  # (is a node block, bytes)
    counts = [0, 0]
    size = 0

    def flush() -> list[Any]:
        nonlocal first, size
        labels = [b for is_node, b in blocks if is_node]
        types = [b for is_node, b in blocks if not is_node]
        command: list[Any] = ["GRAPH.BULK", key, *(["BEGIN"] if first else [])]
        command += [counts[0], counts[1], len(labels), len(types), *labels, *types]
        first, size = False, 0
        blocks.clear()
        counts[0] = counts[1] = 0
        return command

    # each group's records are encoded when it is reached, so only one group's are held
    groups: list[tuple[bool, str, Callable[[], tuple[list[str], list[bytes]]]]] = []
    for n in nodes:
        groups.append((True, ":".join(n.labels), partial(_nodes_encoded, n.rows)))
    for e in edges:
        groups.append((False, e.type, partial(_edges_encoded, e.rows)))
    for is_node, name, encode in groups:
        props, records = encode()
        head = _header(name, props)
        part: list[bytes] = [head]
        part_size = len(head)
        for record in records:
            if size + part_size + len(record) > limit and part_size > len(head):
                blocks.append((is_node, b"".join(part)))
                yield flush()
                part, part_size = [head], len(head)
            part.append(record)
            part_size += len(record)
            counts[0 if is_node else 1] += 1
        if part_size > len(head):
            blocks.append((is_node, b"".join(part)))
            size += part_size
    if blocks:
        yield flush()
