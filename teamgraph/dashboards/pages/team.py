"""/team: one distributor's team at a glance, the heart of the product.

The team tree (cytoscape, dagre layout, node size by sales, colour by level; a tap on a node
with a dashed border shows its members), the counts by depth, direct and indirect clients and
invitees, the badges (BG-1, BG-2), the progress toward the next level per condition (R-4.4), the
earnings per month split pending / settled / withdrawn, and the ledger. Merchant and analyst
keys pick any distributor (``?id=`` or the search box); a distributor key sees only its own ("My
team").
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import dash_cytoscape as cyto
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from teamgraph.callers import EVERYONE
from teamgraph.dashboards import context
from teamgraph.dashboards.components import access, card, error_alert, graph, grid, kpi_card
from teamgraph.dashboards.figures import earnings_figure, progress_figure, team_depth_figure
from teamgraph.dashboards.i18n import DEFAULT_LANG, money, number, t
from teamgraph.dashboards.networks import (
    TREE_LAYOUT,
    merge_elements,
    tree_elements,
    tree_stylesheet,
)
from teamgraph.dashboards.shell import LANG, SESSION, TEAM_PATH
from teamgraph.dashboards.tables import (
    client_columns,
    client_rows,
    invitee_columns,
    invitee_rows,
    ledger_columns,
    ledger_rows,
)
from teamgraph.errors import TeamgraphError
from teamgraph.shop import Shop

ROLES = EVERYONE
dash.register_page(
    __name__,
    path=TEAM_PATH,
    title="teamgraph",
    name="team",
    nav_key="nav.team",
    order=2,
    nav_key_own="team.mine",
    roles=ROLES,
)

TREE_DEPTH = 2
OPTIONS = 20
LIST_LIMIT = 100
"""The lists show the newest 100 clients and the first 100 invitees (the counts show all)."""


def layout(lang: str = DEFAULT_LANG, id: str | None = None, **_query: Any) -> html.Div:
    picker = dbc.Row(
        [
            dbc.Col(html.H2(t("team.title", lang), className="h3 mb-0", id="team-title"), md=True),
            dbc.Col(
                dcc.Dropdown(
                    id="team-pick",
                    options=[{"label": id, "value": id}] if id else [],
                    value=id,
                    placeholder=t("team.pick", lang),
                    clearable=False,
                    style={"minWidth": "22rem"},
                ),
                md="auto",
                id="team-pick-col",
            ),
        ],
        className="g-3 align-items-center mb-3",
    )
    return html.Div([picker, dcc.Loading(html.Div(id="team-body"), delay_show=300)])


def pick_options(shop: Shop, search: str | None) -> list[dict[str, str]]:
    """The first distributors whose id, name or code contains ``search``, biggest teams
    first."""
    rows = shop.distributor_table(search=search, sort="team", limit=OPTIONS)["items"]
    return [
        {"label": f"{r['id']} · {r['name'] or ''} · L{r['level']}", "value": r["id"]} for r in rows
    ]


@callback(
    Output("team-pick", "options"),
    Input("team-pick", "search_value"),
    State("team-pick", "value"),
    State(SESSION, "data"),
)
def search(text: str | None, current: str | None, key: str | None) -> Any:
    try:
        caller = context.caller(key)
    except TeamgraphError:
        raise PreventUpdate from None
    if caller.is_distributor:  # a distributor key sees only its own team: nothing to pick
        raise PreventUpdate
    options = pick_options(caller.shop, text)
    if current and all(o["value"] != current for o in options):
        options.insert(0, {"label": current, "value": current})
    return options


@callback(
    Output("team-body", "children"),
    Output("team-pick-col", "style"),
    Output("team-title", "children"),
    Input(SESSION, "data"),
    Input(LANG, "value"),
    Input("team-pick", "value"),
)
def render(key: str | None, lang: str, picked: str | None) -> Any:
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return instead, dash.no_update, dash.no_update
    own = caller.is_distributor
    title = t("team.mine" if own else "team.title", lang)
    hidden = {"display": "none"} if own else {}
    distributor_id = caller.distributor_id if own else picked
    if not distributor_id:
        return dbc.Alert(t("team.choose", lang), color="info", id="team-choose"), hidden, title
    try:
        return team_view(caller.shop, distributor_id, lang), hidden, title
    except TeamgraphError as exc:
        return dbc.Alert(error_alert(exc, lang), color="danger"), hidden, title


def team_view(shop: Shop, distributor_id: str, lang: str) -> list[Any]:
    """Everything the page shows for one distributor."""
    tz = shop.timezone()
    profile = shop.distributor(distributor_id)
    ledger = shop.ledger(distributor_id, limit=50)
    balances = ledger["balances"]
    tree = shop.team_tree(distributor_id, depth=TREE_DEPTH)
    root = dict(profile, sales_fen=int(profile.get("received_fen") or 0))
    elements = tree_elements(root, tree["nodes"], lang)
    progress = shop.progress(distributor_id)
    months = shop.earnings(distributor_id)
    direct = shop.recent_clients(distributor_id, "direct", limit=LIST_LIMIT)
    indirect = shop.recent_clients(distributor_id, "indirect", limit=LIST_LIMIT)
    invitees = shop.invitees(distributor_id, limit=LIST_LIMIT)["items"]

    cards = [
        ("team.level", f"L{profile['level']}", "team-level"),
        ("team.status", t(f"status.{profile['status']}", lang), "team-status"),
        ("team.direct", number(profile["direct_clients"]), "team-direct"),
        ("team.indirect", number(profile["indirect_clients"]), "team-indirect"),
        ("team.invitees", number(profile["invitees"]), "team-invitees"),
        ("team.size", number(profile["team_size"]), "team-size"),
        ("balance.pending", money(balances["pending"]), "team-pending"),
        ("team.settled_balance", money(balances["settled"]), "team-settled"),  # net (issue 17)
        ("balance.withdrawn", money(balances["withdrawn"]), "team-withdrawn"),
    ]
    kpis = dbc.Row(
        [dbc.Col(kpi_card(t(k, lang), v, value_id=i), xs=6, md=4, xl=2) for k, v, i in cards[:6]]
        + [dbc.Col(kpi_card(t(k, lang), v, value_id=i), xs=6, md=4) for k, v, i in cards[6:]],
        className="g-2 mb-3",
    )
    tree_note = t("tree.truncated", lang) if tree["truncated"] else t("tree.hint", lang)
    tree_card = card(
        t("tree.title", lang, id=distributor_id),
        [
            cyto.Cytoscape(
                id="team-tree",
                elements=elements,
                layout=TREE_LAYOUT,
                stylesheet=tree_stylesheet(),
                style={"width": "100%", "height": "460px"},
                minZoom=0.2,
                maxZoom=3,
                userZoomingEnabled=True,
            ),
            html.Small(tree_note, className="text-body-secondary", id="tree-note"),
            html.Div(legend(lang), className="mt-2"),
        ],
        id="tree-card",
    )
    progress_body: Any = (
        graph("progress-graph", progress_figure(progress, lang))
        if progress.get("shown") and progress.get("conditions")
        else html.P(t("progress.none", lang), className="text-body-secondary", id="progress-none")
    )
    depth_body: Any = (
        graph("depth-graph", team_depth_figure(profile["by_depth"], lang, height=260))
        if profile["by_depth"]
        else html.P(t("team.empty", lang), className="text-body-secondary")
    )
    lists = dbc.Tabs(
        [
            dbc.Tab(
                grid(
                    "direct-grid",
                    client_rows(direct, tz),
                    client_columns(lang),
                    height=300,
                    columnSize=None,
                ),
                label=t("tab.direct", lang, n=number(profile["direct_clients"])),
                tab_id="direct",
            ),
            dbc.Tab(
                grid(
                    "indirect-grid",
                    client_rows(indirect, tz),
                    client_columns(lang),
                    height=300,
                    columnSize=None,
                ),
                label=t("tab.indirect", lang, n=number(profile["indirect_clients"])),
                tab_id="indirect",
            ),
            dbc.Tab(
                grid(
                    "invitee-grid",
                    invitee_rows(invitees, tz, lang),
                    invitee_columns(lang),
                    height=300,
                    columnSize=None,
                ),
                label=t("tab.invitees", lang, n=number(profile["invitees"])),
                tab_id="invitees",
            ),
            dbc.Tab(
                grid(
                    "ledger-grid",
                    ledger_rows(ledger["items"], tz, lang),
                    ledger_columns(lang),
                    height=300,
                    columnSize=None,
                ),
                label=t("tab.ledger", lang),
                tab_id="ledger",
            ),
        ],
        id="team-tabs",
        active_tab="direct",
    )
    return [
        html.P(
            [
                html.Strong(profile.get("name") or distributor_id),
                f" · {distributor_id}",
                f" · {t('team.code', lang)} {profile.get('code') or '–'}",
            ],
            className="mb-2",
            id="team-who",
        ),
        badge_row(shop.badges(distributor_id)["items"], lang),
        kpis,
        dbc.Row(
            [
                dbc.Col(tree_card, lg=7),
                dbc.Col(
                    [
                        card(
                            t("progress.title", lang),
                            progress_body,
                            id="progress-card",
                            class_name="mb-3",
                            fill=False,
                        ),
                        card(t("fig.team.title", lang), depth_body, fill=False),
                    ],
                    lg=5,
                ),
            ],
            className="g-3 mb-3",
        ),
        dbc.Row(
            [
                dbc.Col(
                    card(
                        t("fig.earnings.title", lang),
                        graph("earnings-graph", earnings_figure(months, lang)),
                    ),
                    lg=5,
                ),
                dbc.Col(card(t("team.lists", lang), lists), lg=7),
            ],
            className="g-3",
        ),
    ]


def badge_row(items: list[dict[str, Any]], lang: str) -> html.Div:
    """The shop's badges (docs/choices.md BG-1, BG-2): held ones filled, the others outlined,
    each with what it takes as its tooltip text."""
    return html.Div(
        [html.Span(t("team.badges", lang), className="me-2 text-body-secondary")]
        + [
            dbc.Badge(
                t(f"badge.{b['badge']}", lang, threshold=b["threshold"]),
                color="warning" if b["earned"] else "light",
                text_color="dark" if b["earned"] else "secondary",
                className="me-1 border",
                title=t("badge.held" if b["earned"] else "badge.todo", lang),
                id=f"badge-{b['badge']}",
            )
            for b in items
        ],
        className="mb-2" if items else "d-none",
        id="team-badges",
    )


def legend(lang: str) -> list[Any]:
    from teamgraph.dashboards.figures import LEVEL_COLOURS

    return [
        html.Span(
            [html.Span(className="legend-dot", style={"backgroundColor": c}), f"L{i}"],
            className="me-3 small",
        )
        for i, c in enumerate(LEVEL_COLOURS)
        if i > 0
    ] + [html.Span(t("tree.legend", lang), className="small text-body-secondary")]


@callback(
    Output("team-tree", "elements"),
    Output("tree-note", "children"),
    Input("team-tree", "tapNodeData"),
    State("team-tree", "elements"),
    State(SESSION, "data"),
    State(LANG, "value"),
    prevent_initial_call=True,
)
def expand(
    node: dict[str, Any] | None, elements: list[dict[str, Any]], key: str | None, lang: str
) -> Any:
    """A tap on a member with a team not shown yet adds its members (one level)."""
    if not node or not node.get("team_size"):
        raise PreventUpdate
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        raise PreventUpdate
    shop = caller.shop
    extra = expand_elements(shop, node, lang)
    if not extra:
        raise PreventUpdate
    return merge_elements(elements, extra), t("tree.expanded", lang, id=node["id"])


def expand_elements(shop: Shop, node: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    sub = shop.team_tree(node["id"], depth=1)
    root = {
        "id": node["id"],
        "name": None,
        "level": node.get("level"),
        "team_size": node.get("team_size"),
        "sales_fen": 0,
    }
    # the tapped node is in the tree already: keep only its members and their edges
    return [e for e in tree_elements(root, sub["nodes"], lang) if e["data"].get("id") != node["id"]]
