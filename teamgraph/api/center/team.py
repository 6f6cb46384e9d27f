"""The center's "my team" page (issue 15): direct clients, indirect clients and invitees by
depth, one list at a time, paged and searched in the engine (C-4 of
:mod:`teamgraph.shop.center_pages`), each member with its join date, orders and spend; and the
team tree three levels deep as nested lists. Other people's names are masked."""

from __future__ import annotations

from typing import Any, Final

from fastapi import Request
from fastapi.responses import HTMLResponse

from teamgraph.api.center.lists import day, mask_name, more_link, page_size, signed_in_page
from teamgraph.api.center.web import PATH, router
from teamgraph.rules.money import yuan
from teamgraph.shop import Shop
from teamgraph.shop.center_pages import TEAM_LISTS, TeamList

TREE_DEPTH: Final = 3
TREE_LIMIT: Final = 200
"""At most this many members in the tree; the lists above it page through the rest."""


@router.get("/team")
def team_page(request: Request) -> HTMLResponse:
    params = request.query_params

    def build(shop: Shop, distributor_id: str, tz: str) -> dict[str, Any]:
        return team_view(
            shop,
            distributor_id,
            tz,
            kind=params.get("list") or "direct",
            q=params.get("q") or "",
            depth=params.get("depth") or "1",
            limit=page_size(params.get("limit")),
            cursor=params.get("cursor") or None,
        )

    return signed_in_page(request, "team.html", "team", build)


def team_view(
    shop: Shop,
    distributor_id: str,
    tz: str,
    *,
    kind: str,
    q: str,
    depth: str,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """The page's values: the counts, the chosen list's page and the tree."""
    chosen: TeamList = next((k for k in TEAM_LISTS if k == kind), "direct")
    level = int(depth) if depth in ("1", "2", "3") else 1
    profile = shop.distributor(distributor_id)
    page = shop.team_members(
        distributor_id,
        chosen,
        q=q,
        depth=level,
        limit=limit,
        cursor=cursor,
    )
    kind = chosen
    filters: dict[str, Any] = {"list": kind, "q": q.strip()}
    if kind == "invitees":
        filters["depth"] = level
    if limit != page_size(None):
        filters["limit"] = limit
    depths = [
        {"depth": int(d["depth"]), "count": int(d["distributors"])}
        for d in profile.get("by_depth") or []
        if int(d["depth"]) <= TREE_DEPTH
    ]
    return {
        "list": kind,
        "q": q.strip(),
        "depth": level,
        "depths": depths or [{"depth": 1, "count": 0}],
        "counts": {k: int(profile[k]) for k in ("direct_clients", "indirect_clients", "invitees")},
        "rows": [_member(row, kind, tz) for row in page["items"]],
        "more": more_link(f"{PATH}/team", filters, page["next_cursor"]),
        "tree": _tree(shop, distributor_id),
    }


def _member(row: dict[str, Any], kind: str, tz: str) -> dict[str, Any]:
    return {
        "name": mask_name(row.get("name"), row["id"]),
        "joined": day(row.get("since"), tz),
        "orders": row["orders"],
        "spend": yuan(row["spend_fen"]),
        "level": row.get("level"),
        "team_size": row.get("team_size"),
        "via_self": kind == "direct",
    }


def _tree(shop: Shop, distributor_id: str) -> dict[str, Any]:
    """The team tree to :data:`TREE_DEPTH` levels as nested ``children`` lists."""
    tree = shop.tree(distributor_id, depth=TREE_DEPTH, limit=TREE_LIMIT)
    children: dict[str, list[dict[str, Any]]] = {}
    for node in tree["nodes"]:
        children.setdefault(node["parent_id"], []).append(node)

    def branch(parent: str) -> list[dict[str, Any]]:
        return [
            {
                "name": mask_name(n.get("name"), n["id"]),
                "level": n.get("level"),
                "team_size": int(n.get("team_size") or 0),
                "children": branch(n["id"]),
            }
            for n in children.get(parent, [])
        ]

    return {"children": branch(distributor_id), "truncated": tree["truncated"]}
