"""/withdrawals: the merchant's queue (R-5.2, R-5.3): requests by status, approve or reject the
selected ones, export the approved batch for the bank (CSV or Excel, full accounts) and confirm
it paid. Every action is ``Shop.move_withdrawals`` (all or nothing); the grid reloads after it."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from teamgraph.callers import MERCHANT
from teamgraph.dashboards.components import access, error_alert, grid, page_title
from teamgraph.dashboards.i18n import DEFAULT_LANG, money, number, t
from teamgraph.dashboards.shell import LANG, SESSION
from teamgraph.dashboards.tables import (
    export_csv,
    export_xlsx,
    withdrawal_columns,
    withdrawal_rows,
)
from teamgraph.errors import TeamgraphError
from teamgraph.shop import Shop

ROLES = MERCHANT
dash.register_page(
    __name__,
    path="/withdrawals",
    title="teamgraph",
    name="withdrawals",
    nav_key="nav.withdrawals",
    order=5,
    roles=ROLES,
)

STATUSES = ("requested", "approved", "paid", "rejected")
MAX_ROWS = 2000
ACTIONS = {"wd-approve": "approve", "wd-reject": "reject", "wd-paid": "pay"}


def layout(lang: str = DEFAULT_LANG, **_query: Any) -> html.Div:
    bar = dbc.Row(
        [
            dbc.Col(
                dbc.RadioItems(
                    id="wd-status",
                    options=[{"label": t(f"wstatus.{s}", lang), "value": s} for s in STATUSES],
                    value="requested",
                    inline=True,
                    className="btn-group btn-radio",
                    inputClassName="btn-check",
                    labelClassName="btn btn-sm btn-outline-primary",
                    labelCheckedClassName="active",
                ),
                md="auto",
            ),
            dbc.Col(dbc.Input(id="wd-reason", placeholder=t("wd.reason", lang), size="sm"), md=3),
            dbc.Col(
                html.Div(
                    [
                        dbc.Button(
                            t("wd.approve", lang), id="wd-approve", color="success", size="sm"
                        ),
                        dbc.Button(
                            t("wd.reject", lang),
                            id="wd-reject",
                            color="danger",
                            outline=True,
                            size="sm",
                        ),
                        dbc.Button(t("wd.paid", lang), id="wd-paid", color="primary", size="sm"),
                        dbc.Button(
                            t("wd.csv", lang),
                            id="wd-csv",
                            color="secondary",
                            outline=True,
                            size="sm",
                        ),
                        dbc.Button(
                            t("wd.xlsx", lang),
                            id="wd-xlsx",
                            color="secondary",
                            outline=True,
                            size="sm",
                        ),
                    ],
                    className="d-flex gap-2 flex-wrap",
                ),
                md=True,
            ),
        ],
        className="g-2 align-items-center mb-2",
    )
    return html.Div(
        [
            page_title(t("nav.withdrawals", lang)),
            html.P(t("wd.help", lang), className="small text-body-secondary"),
            bar,
            html.Div(id="wd-message"),
            html.Div(id="wd-summary", className="small text-body-secondary mb-2"),
            dcc.Store(id="wd-version", data=0),
            dcc.Download(id="wd-download"),
            grid(
                "wd-grid",
                [],
                withdrawal_columns(lang),
                height=520,
                getRowId="params.data.id",
                dashGridOptions={
                    "rowSelection": {"mode": "multiRow", "checkboxes": True, "headerCheckbox": True}
                },
            ),
        ]
    )


def queue(shop: Shop, status: str | None, lang: str) -> tuple[list[dict[str, Any]], str]:
    tz = shop.timezone()
    items = shop.withdrawals(status=status, limit=MAX_ROWS)["items"]
    total = sum(int(w["amount_fen"]) for w in items)
    summary = t("wd.summary", lang, n=number(len(items)), total=money(total))
    return withdrawal_rows(items, tz, lang), summary


@callback(
    Output("wd-grid", "rowData"),
    Output("wd-summary", "children"),
    Output("wd-grid", "selectedRows"),
    Input(SESSION, "data"),
    Input(LANG, "value"),
    Input("wd-status", "value"),
    Input("wd-version", "data"),
)
def render(key: str | None, lang: str, status: str, _v: int) -> Any:
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return [], instead, []
    try:
        rows, summary = queue(caller.shop, status, lang)
    except TeamgraphError as exc:
        return [], dbc.Alert(error_alert(exc, lang), color="danger"), []
    return rows, summary, []


@callback(
    Output("wd-message", "children"),
    Output("wd-version", "data"),
    Input("wd-approve", "n_clicks"),
    Input("wd-reject", "n_clicks"),
    Input("wd-paid", "n_clicks"),
    State("wd-grid", "selectedRows"),
    State("wd-reason", "value"),
    State("wd-version", "data"),
    State(SESSION, "data"),
    State(LANG, "value"),
    prevent_initial_call=True,
)
def act(
    _a: Any,
    _r: Any,
    _p: Any,
    selected: list[dict[str, Any]] | None,
    reason: str | None,
    version: int,
    key: str | None,
    lang: str,
) -> Any:
    action = ACTIONS.get(str(ctx.triggered_id))
    if action is None:
        raise PreventUpdate
    ids = [r["id"] for r in selected or []]
    if not ids:
        return dbc.Alert(t("wd.select", lang), color="warning", id="wd-none"), dash.no_update
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return instead, dash.no_update
    try:
        moved = caller.shop.move_withdrawals(
            ids, action, reason=(reason or "").strip() or None, actor=caller.actor
        )
    except TeamgraphError as exc:
        return dbc.Alert(error_alert(exc, lang), color="danger", id="wd-failed"), dash.no_update
    status = moved[0]["status"] if moved else ""
    msg = t("wd.moved", lang, n=len(moved), status=t(f"wstatus.{status}", lang))
    return dbc.Alert(msg, color="success", id="wd-done", duration=8000), (version or 0) + 1


@callback(
    Output("wd-download", "data"),
    Input("wd-csv", "n_clicks"),
    Input("wd-xlsx", "n_clicks"),
    State(SESSION, "data"),
    State(LANG, "value"),
    prevent_initial_call=True,
)
def download(_c: Any, _x: Any, key: str | None, lang: str) -> Any:
    """The approved batch, every row (R-5.3), with the full accounts the bank needs."""
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        raise PreventUpdate
    shop = caller.shop
    tz = shop.timezone()
    items = shop.withdrawals(status="approved", limit=20_000)["items"]
    if ctx.triggered_id == "wd-xlsx":
        return dcc.send_bytes(export_xlsx(items, tz, lang), "withdrawals-approved.xlsx")
    return dcc.send_bytes(export_csv(items, tz, lang), "withdrawals-approved.csv")
