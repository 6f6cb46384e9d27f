"""Networks for dash-cytoscape as plain functions: rows in, ``elements`` and stylesheets out.

- :func:`tree_elements`: a distributor's team (``Shop.team_tree`` rows) as a tree for the
  dagre layout (top-down), node size by sales, colour by level; nodes with members not shown
  yet carry the class ``more`` (a tap on them expands the tree).
- :func:`ring_elements`: a fraud ring's members and the edges between them (shared signals,
  bindings, invitations, commission) for the risk page.

No Dash callbacks and no shop here, so tests call these directly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from teamgraph.dashboards.figures import LEVEL_COLOURS, level_colour
from teamgraph.dashboards.i18n import DEFAULT_LANG, money, t

MIN_SIZE = 26
MAX_SIZE = 72

TREE_LAYOUT: dict[str, Any] = {
    "name": "dagre",
    "rankDir": "TB",
    "nodeSep": 12,
    "rankSep": 60,
    "animate": False,
    "fit": True,
    "padding": 20,
}
RING_LAYOUT: dict[str, Any] = {
    "name": "circle",
    "animate": False,
    "fit": True,
    "padding": 30,
    "avoidOverlap": True,
    "nodeDimensionsIncludeLabels": True,  # labels kept apart too (issue 17: they overlapped)
    "spacingFactor": 1.15,
}


def node_size(sales_fen: int, largest_fen: int) -> int:
    """Area grows with sales: sqrt scale from MIN_SIZE (no sales) to MAX_SIZE (the largest)."""
    if largest_fen <= 0 or sales_fen <= 0:
        return MIN_SIZE
    return round(MIN_SIZE + (MAX_SIZE - MIN_SIZE) * math.sqrt(sales_fen / largest_fen))


def tree_elements(
    root: Mapping[str, Any],
    nodes: Sequence[Mapping[str, Any]],
    lang: str = DEFAULT_LANG,
) -> list[dict[str, Any]]:
    """The root (a ``Shop.distributor`` profile plus ``sales_fen``) and its team members
    (``Shop.team_tree`` nodes, each with ``parent_id``) as cytoscape elements."""
    members = [dict(root, parent_id=None, depth=0), *nodes]
    shown = {m["id"] for m in members}
    children: dict[str, int] = {}
    for m in nodes:
        children[m["parent_id"]] = children.get(m["parent_id"], 0) + 1
    largest = max((int(m.get("sales_fen") or 0) for m in members), default=0)
    out: list[dict[str, Any]] = []
    for m in members:
        sales = int(m.get("sales_fen") or 0)
        hidden = int(m.get("team_size") or 0) > 0 and m["id"] not in children
        size = node_size(sales, largest)
        out.append(
            {
                "data": {
                    "id": m["id"],
                    "label": f"{m.get('name') or m['id']}\n{money(sales)}",
                    "level": int(m.get("level") or 1),
                    "colour": level_colour(m.get("level")),
                    "size": size,
                    "team_size": int(m.get("team_size") or 0),
                    "title": t(
                        "tree.node_title",
                        lang,
                        id=m["id"],
                        level=int(m.get("level") or 1),
                        team=int(m.get("team_size") or 0),
                    ),
                },
                "classes": " ".join(
                    c for c, on in (("root", m["depth"] == 0), ("more", hidden)) if on
                ),
            }
        )
    for m in nodes:
        if m["parent_id"] in shown:
            out.append({"data": {"source": m["parent_id"], "target": m["id"]}})
    return out


def merge_elements(
    current: Iterable[Mapping[str, Any]], extra: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """``current`` plus the elements of ``extra`` not in it yet (an expanded subtree), with
    every node's ``more`` class recomputed from the edges now shown."""
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    for el in [*current, *extra]:
        d = el["data"]
        if "source" in d:
            edges.setdefault((d["source"], d["target"]), {"data": dict(d)})
        elif d["id"] not in nodes:
            nodes[d["id"]] = {"data": dict(d), "classes": el.get("classes", "")}
    parents = {s for s, _ in edges}
    for node in nodes.values():
        classes = {c for c in node["classes"].split() if c and c != "more"}
        if node["data"].get("team_size", 0) > 0 and node["data"]["id"] not in parents:
            classes.add("more")
        node["classes"] = " ".join(sorted(classes))
    return [*nodes.values(), *edges.values()]


def tree_stylesheet() -> list[dict[str, Any]]:
    return [
        {
            "selector": "node",
            "style": {
                "label": "data(label)",
                "background-color": "data(colour)",
                "width": "data(size)",
                "height": "data(size)",
                "font-size": 10,
                "text-wrap": "wrap",
                "text-valign": "bottom",
                "text-margin-y": 4,
                "color": "#212529",
                "border-width": 1,
                "border-color": "#ffffff",
            },
        },
        {"selector": ".root", "style": {"border-width": 4, "border-color": "#212529"}},
        {
            "selector": ".more",
            "style": {"border-width": 3, "border-style": "dashed", "border-color": "#495057"},
        },
        {
            "selector": "edge",
            "style": {
                "width": 1.5,
                "line-color": "#adb5bd",
                "curve-style": "taxi",
                "taxi-direction": "downward",
                "target-arrow-shape": "none",
            },
        },
    ]


EDGE_COLOURS = {
    "shares_signal": "#dc3545",
    "bound_to": "#0d6efd",
    "invited_by": "#6f42c1",
    "earned_from": "#fd7e14",
}


def ring_elements(ring: Mapping[str, Any], lang: str = DEFAULT_LANG) -> list[dict[str, Any]]:
    """A ring's ``member_list`` and ``edges`` (``Shop.ring``) as cytoscape elements; edges of
    the same kind between the same pair are drawn once, their details joined."""
    out: list[dict[str, Any]] = []
    for m in ring.get("member_list") or []:
        is_d = bool(m.get("is_distributor"))
        out.append(
            {
                "data": {
                    "id": m["id"],
                    "label": m.get("name") or m["id"],
                    "colour": level_colour(m.get("level")) if is_d else LEVEL_COLOURS[0],
                },
                "classes": "distributor" if is_d else "customer",
            }
        )
    merged: dict[tuple[str, str, str], list[str]] = {}
    for e in ring.get("edges") or []:
        key = (e["source"], e["target"], e["kind"])
        merged.setdefault(key, [])
        if e.get("detail"):
            merged[key].append(str(e["detail"]))
    for (source, target, kind), details in merged.items():
        out.append(
            {
                "data": {
                    "source": source,
                    "target": target,
                    "kind": kind,
                    "colour": EDGE_COLOURS.get(kind, "#adb5bd"),
                    "label": t(f"ring.edge.{kind}", lang),
                    "detail": ", ".join(details[:3]),
                },
                "classes": kind,
            }
        )
    return out


def ring_stylesheet() -> list[dict[str, Any]]:
    return [
        {
            "selector": "node",
            "style": {
                "label": "data(label)",
                "background-color": "data(colour)",
                "width": 28,
                "height": 28,
                "font-size": 12,
                "text-valign": "bottom",
                "text-margin-y": 3,
                "text-background-color": "#ffffff",
                "text-background-opacity": 0.85,
                "text-background-padding": 2,
                "text-wrap": "ellipsis",
                "text-max-width": 96,
            },
        },
        {"selector": ".distributor", "style": {"shape": "diamond", "width": 36, "height": 36}},
        {
            "selector": "edge",
            "style": {
                "line-color": "data(colour)",
                "target-arrow-color": "data(colour)",
                "width": 2,
                "curve-style": "bezier",
                "opacity": 0.8,
            },
        },
        {"selector": ".shares_signal", "style": {"line-style": "dashed"}},
        {
            "selector": ".bound_to, .invited_by, .earned_from",
            "style": {"target-arrow-shape": "triangle"},
        },
    ]
