"""Several shops in one Neo4j database: every statement scoped to one shop by a ``shop`` property.

Neo4j Community, AuraDB Free and Professional have one user database, so a Neo4j server keeps
its shops side by side in one database (docs/neo4j.md). The statements under
``teamgraph/graph/queries`` never mention the shop (on FalkorDB a shop is its own graph); for
Neo4j, :func:`scoped` derives the shop-scoped text from them:

- every *labelled* node pattern gets ``shop: $shop`` in its property map. In a MATCH that is
  a filter (served by the ``(shop, id)`` uniqueness constraints and the per-label ``shop``
  indexes of ``schema_neo4j.cypher``); in a CREATE or MERGE it stores the shop on the node, and
  a MERGE then matches on ``(shop, id)``, which the composite constraint makes unique;
- relationships carry no shop: they only ever join two nodes of the same shop.

A forgotten scope would show one merchant's data to another, so :func:`unscoped_paths` checks a
statement: every path of a MATCH, OPTIONAL MATCH or MERGE must hold a labelled node (scoped by
the rewrite) or a variable bound earlier in the statement (scoped where it was bound). A path of
unlabelled new nodes only (``MATCH (n)``, ``MATCH ()-[b:BOUND_TO]->()``) is refused; the test
suite runs the check over every statement and the Neo4j store refuses to run one that fails it.
"""

from __future__ import annotations

import re

SHOP_PARAM = "shop"

# A node pattern with at least one label: (var:Label:Other {props}). Property maps never nest in
# teamgraph's statements (values come in as parameters).
_LABELLED_NODE = re.compile(r"\((\w*)((?:\s*:\s*\w+)+)\s*(\{[^{}]*\})?\s*\)")
_NODE = re.compile(r"\((\w*)\s*((?::\s*\w+\s*)*)(\{[^{}]*\})?\s*\)")
_LABEL_START = re.compile(r"\(\w*\s*:\s*[A-Za-z]")
_COMMENT = re.compile(r"//[^\n]*")
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
# Keywords are upper case in teamgraph's statements (labels such as Order are not).
_PATTERN_CLAUSE = re.compile(r"\b(?:OPTIONAL\s+MATCH|MATCH|MERGE)\b")
_CLAUSE_END = re.compile(
    r"\b(?:WHERE|WITH|RETURN|SET|REMOVE|DELETE|DETACH|CREATE|MERGE|MATCH|OPTIONAL|UNWIND|"
    r"CALL|ON|FOREACH|UNION|ORDER|LIMIT|SKIP)\b"
)
_IDENT = re.compile(r"\b[A-Za-z_]\w*\b")


def _with_shop(match: re.Match[str]) -> str:
    var, labels, props = match.group(1), match.group(2) or "", match.group(3)
    inner = props[1:-1].strip() if props else ""
    if re.search(rf"(?<![\w.]){SHOP_PARAM}\s*:", inner):
        raise ValueError(f"a node pattern already names the property {SHOP_PARAM!r}: {match[0]}")
    inner = f"{inner}, {SHOP_PARAM}: ${SHOP_PARAM}" if inner else f"{SHOP_PARAM}: ${SHOP_PARAM}"
    head = f"{var}{labels.strip()}"
    return f"({head} {{{inner}}})" if head else f"({{{inner}}})"


def _mask_strings(text: str) -> str:
    """``text`` with string literals blanked, same length (positions stay valid)."""
    return _STRING.sub(lambda m: "'" + " " * (len(m[0]) - 2) + "'", text)


def _top_level_split(pattern: str, offset: int) -> list[tuple[int, str]]:
    """Split a clause's pattern at the commas that separate paths (not those inside {} or []),
    each part with its position."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(pattern):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append((offset + start, pattern[start:i]))
            start = i + 1
    parts.append((offset + start, pattern[start:]))
    return [(at, p) for at, p in parts if p.strip()]


def _paths(text: str) -> list[tuple[int, str, set[str]]]:
    """Each path of the MATCH / OPTIONAL MATCH / MERGE clauses of ``text`` (comments already
    removed): its position, its text and the identifiers seen before its clause."""
    masked = _mask_strings(text)
    out = []
    for clause in _PATTERN_CLAUSE.finditer(masked):
        start = clause.end()
        end_match = _CLAUSE_END.search(masked, start)
        end = end_match.start() if end_match else len(masked)
        bound = set(_IDENT.findall(masked[: clause.start()]))
        for at, path in _top_level_split(masked[start:end], start):
            out.append((at, path, bound))
    return out


def _is_scoped(path: str, bound: set[str]) -> bool:
    """A path is scoped by a node that carries the shop or a variable bound before it."""
    body = path.split("=", 1)[1] if re.match(r"\s*\w+\s*=", path) else path
    nodes = _NODE.findall(body)
    return not nodes or any(
        re.search(rf"\b{SHOP_PARAM}\s*:\s*\${SHOP_PARAM}\b", props) or (var and var in bound)
        for var, _, props in nodes
    )


def scoped(text: str) -> str:
    """``text`` with ``shop: $shop`` in every labelled node pattern, and in every node of a
    path that holds neither a labelled node nor a bound variable (``()-[b:BOUND_TO]->(d)``
    stays a relationship scan, its ends filtered by shop)."""
    text = _LABELLED_NODE.sub(_with_shop, _COMMENT.sub("", text))
    for at, path, bound in reversed(_paths(text)):
        if not _is_scoped(path, bound):
            text = text[:at] + _NODE.sub(_with_shop, path) + text[at + len(path) :]
    carrying = {
        m.start() for m in _LABELLED_NODE.finditer(text) if f"{SHOP_PARAM}: ${SHOP_PARAM}" in m[0]
    }
    for start in _LABEL_START.finditer(text):  # a node pattern the rewrite could not read
        if start.start() not in carrying:
            raise ValueError(f"cannot scope the node pattern at {text[start.start() :][:60]!r}")
    return text


def unscoped_paths(text: str) -> list[str]:
    """The paths of ``text``'s MATCH / OPTIONAL MATCH / MERGE clauses that no shop scope
    reaches. Empty for every :func:`scoped` statement: the Neo4j store checks it before it
    runs a statement in a database shared by several shops."""
    return [p.strip() for _, p, bound in _paths(_COMMENT.sub("", text)) if not _is_scoped(p, bound)]
