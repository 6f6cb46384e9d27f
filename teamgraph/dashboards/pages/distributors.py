"""/distributors: the distributors in a grid with search, level and status filters, sorting and
CSV export; a click on an id opens its team view, on a name its management page
(pages/manage.py: freeze, level, adjustment). The engine filters, orders (by the chosen key)
and cuts the list to its first 500 (``Shop.distributor_table``); the grid sorts, and the export
is what it shows, written by :mod:`teamgraph.sheets` like every other file (the grid's own CSV
export would neither defuse formula-like names nor write the byte-order mark Excel needs for
Chinese)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from teamgraph.callers import READERS
from teamgraph.dashboards.components import access, error_alert, grid, page_title
from teamgraph.dashboards.i18n import DEFAULT_LANG, number, t
from teamgraph.dashboards.shell import GOTO, LANG, SESSION, TEAM_PATH
from teamgraph.dashboards.tables import (
    STATUSES,
    distributor_columns,
    distributor_csv,
    distributor_rows,
)
from teamgraph.errors import TeamgraphError
from teamgraph.shop import Shop

ROLES = READERS
dash.register_page(
    __name__,
    path="/distributors",
    title="teamgraph",
    name="distributors",
    nav_key="nav.distributors",
    order=1,
    roles=ROLES,
)

LEVELS = (1, 2, 3, 4, 5)
SORTS = ("sales", "team", "clients", "orders", "id")
MANAGE_PATH = "/distributor"  # pages/manage.py


def layout(lang: str = DEFAULT_LANG, **_query: Any) -> html.Div:
    filters = dbc.Row(
        [
            dbc.Col(
                dbc.Input(
                    id="dist-search",
                    type="search",
                    debounce=True,
                    placeholder=t("dist.search", lang),
                ),
                md=3,
            ),
            dbc.Col(
                dcc.Dropdown(
                    id="dist-sort",
                    options=[{"label": t(f"dist.sort.{k}", lang), "value": k} for k in SORTS],
                    value="sales",
                    clearable=False,
                ),
                md=2,
            ),
            dbc.Col(
                dcc.Dropdown(
                    id="dist-level",
                    options=[{"label": f"L{lv}", "value": lv} for lv in LEVELS],
                    multi=True,
                    placeholder=t("dist.level", lang),
                ),
                md=2,
            ),
            dbc.Col(
                dcc.Dropdown(
                    id="dist-status",
                    options=[{"label": t(f"status.{s}", lang), "value": s} for s in STATUSES],
                    multi=True,
                    placeholder=t("dist.status", lang),
                ),
                md=3,
            ),
            dbc.Col(
                dbc.Button(
                    t("dist.export", lang),
                    id="dist-export",
                    color="secondary",
                    outline=True,
                    className="w-100",
                ),
                md=2,
            ),
        ],
        className="g-2 mb-2",
    )
    return html.Div(
        [
            page_title(t("nav.distributors", lang)),
            filters,
            html.Div(id="dist-count", className="small text-body-secondary mb-2"),
            html.Div(id="dist-error"),
            html.Div(t("bo.dist_hint", lang), className="small text-body-secondary mb-1"),
            grid(
                "dist-grid",
                [],
                distributor_columns(lang),
                height=600,
                getRowId="params.data.id",
            ),
            dcc.Download(id="dist-download"),
        ]
    )


def rows_for(
    shop: Shop,
    lang: str,
    search: str | None,
    levels: list[int] | None,
    statuses: list[str] | None,
    sort: str = "sales",
) -> tuple[list[dict[str, Any]], int]:
    """The grid's rows (the first 500 by ``sort``) and how many distributors match."""
    tz = shop.timezone()
    page = shop.distributor_table(search=search, levels=levels, statuses=statuses, sort=sort)
    return distributor_rows(page["items"], tz, lang), page["total"]


@callback(
    Output("dist-grid", "rowData"),
    Output("dist-count", "children"),
    Output("dist-error", "children"),
    Input(SESSION, "data"),
    Input(LANG, "value"),
    Input("dist-search", "value"),
    Input("dist-level", "value"),
    Input("dist-status", "value"),
    Input("dist-sort", "value"),
)
def render(
    key: str | None,
    lang: str,
    search: str | None,
    levels: list[int] | None,
    statuses: list[str] | None,
    sort: str | None,
) -> Any:
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return [], "", instead
    try:
        rows, total = rows_for(caller.shop, lang, search, levels, statuses, sort or "sales")
    except TeamgraphError as exc:
        return [], "", dbc.Alert(error_alert(exc, lang), color="danger")
    if total > len(rows):
        return rows, t("dist.count_some", lang, n=number(len(rows)), total=number(total)), None
    return rows, t("dist.count", lang, n=number(total)), None


@callback(
    Output("dist-download", "data"),
    Input("dist-export", "n_clicks"),
    State("dist-grid", "virtualRowData"),
    State("dist-grid", "rowData"),
    State(LANG, "value"),
    prevent_initial_call=True,
)
def export(
    _clicks: int | None,
    shown: list[dict[str, Any]] | None,
    rows: list[dict[str, Any]] | None,
    lang: str,
) -> Any:
    """The rows as the grid shows them (its filters and sort), else as loaded."""
    table = shown if shown is not None else rows or []
    return dcc.send_bytes(distributor_csv(table, lang or DEFAULT_LANG), "distributors.csv")


@callback(
    Output(GOTO, "href", allow_duplicate=True),
    Input("dist-grid", "cellClicked"),
    prevent_initial_call=True,
)
def open_team(cell: dict[str, Any] | None) -> str:
    """An id opens the team view; a name the distributor's management page (issue 17)."""
    if cell and cell.get("colId") == "name" and cell.get("rowId"):
        return f"{MANAGE_PATH}?{urlencode({'id': cell['rowId']})}"
    if not cell or cell.get("colId") != "id" or not cell.get("value"):
        raise PreventUpdate
    return f"{TEAM_PATH}?id={cell['value']}"
