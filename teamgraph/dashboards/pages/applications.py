"""/applications: the merchant's queue of pending distributor applications (R-2.1, issue 17):
each applicant's progress against the shop's application conditions (verified phone, total
spend, paid orders, customer groups), and the selected ones approved or rejected with a reason.
Each decision is a ``Shop`` method that writes its audit ``Change`` (``distributor.approve`` /
``distributor.reject``) with the key as the actor; the API reads the same queue
(``GET /v1/applications``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from teamgraph.callers import MERCHANT
from teamgraph.dashboards.components import access, error_alert, grid, page_title
from teamgraph.dashboards.i18n import DEFAULT_LANG, money, number, t, when
from teamgraph.dashboards.pages.manage import failed
from teamgraph.dashboards.shell import LANG, SESSION
from teamgraph.errors import TeamgraphError
from teamgraph.shop import Actor, Shop

ROLES = MERCHANT
dash.register_page(
    __name__,
    path="/applications",
    title="teamgraph",
    name="applications",
    nav_key="bo.nav.applications",
    order=11,
    roles=ROLES,
)

SHOWN = 500
"""The queue's first applications the page shows (oldest first)."""


def _col(field: str, header: str, **extra: Any) -> dict[str, Any]:
    return {"field": field, "headerName": header, **extra}


def columns(lang: str) -> list[dict[str, Any]]:
    return [
        _col("id", t("col.id", lang), pinned="left", minWidth=110),
        _col("name", t("col.name", lang), width=120),
        _col("applied", t("bo.col.applied", lang), width=150),
        _col("groups_text", t("bo.col.groups", lang), width=130),
        _col("progress", t("bo.col.progress", lang), minWidth=420, wrapText=True, autoHeight=True),
        _col("ready_text", t("bo.col.ready", lang), width=110),
    ]


def condition_text(c: Mapping[str, Any], lang: str) -> str:
    """One condition as the merchant reads it: met or not, the applicant's value, the bar."""
    mark = "✓" if c["met"] else "✗"
    name = c["name"]
    if name == "min_spend_fen":
        value = f"{money(int(c['current']))} / {money(int(c['threshold']))}"
    elif name == "min_paid_orders":
        value = f"{number(int(c['current']))} / {number(int(c['threshold']))}"
    elif name == "groups":
        value = " / ".join(c.get("groups") or [])
    else:
        value = ""
    label = t(f"bo.cond.{name}", lang)
    return f"{mark} {label}" + (f" {value}" if value else "")


def rows(shop: Shop, lang: str) -> list[dict[str, Any]]:
    """The queue as the grid shows it, oldest application first."""
    tz = shop.timezone()
    out = []
    for a in shop.applications(limit=SHOWN)["items"]:
        conditions = a["conditions"]
        out.append(
            {
                "id": a["id"],
                "name": a["name"] or "",
                "applied": when(a["applied_at"], tz),
                "groups_text": ", ".join(a["groups"]) or "–",
                "progress": " · ".join(condition_text(c, lang) for c in conditions)
                or t("bo.cond.none", lang),
                "ready": a["ready"],
                "ready_text": t("bo.ready.yes" if a["ready"] else "bo.ready.no", lang),
            }
        )
    return out


def decide(
    shop: Shop, ids: list[str], approve: bool, reason: str | None, actor: Actor, lang: str
) -> dbc.Alert:
    """Approve or reject each of ``ids`` with ``reason`` (audited); the alert says how many."""
    reason = (reason or "").strip() or None
    for cid in ids:
        if approve:
            shop.approve(cid, reason=reason, actor=actor)
        else:
            shop.reject(cid, reason=reason, actor=actor)
    key = "bo.approved" if approve else "bo.rejected"
    return dbc.Alert(t(key, lang, n=len(ids)), color="success", duration=8000, id="app-done")


def layout(lang: str = DEFAULT_LANG, **_query: Any) -> html.Div:
    actions = dbc.Row(
        [
            dbc.Col(
                dbc.Input(
                    id="app-reason", placeholder=t("bo.reason", lang), maxLength=500, size="sm"
                ),
                md=5,
            ),
            dbc.Col(
                html.Div(
                    [
                        dbc.Button(
                            t("bo.approve", lang), id="app-approve", color="success", size="sm"
                        ),
                        dbc.Button(
                            t("bo.reject", lang),
                            id="app-reject",
                            color="danger",
                            outline=True,
                            size="sm",
                        ),
                    ],
                    className="d-flex gap-2",
                ),
                md="auto",
            ),
        ],
        className="g-2 align-items-center mb-2",
    )
    return html.Div(
        [
            page_title(t("bo.nav.applications", lang)),
            html.P(t("bo.applications.help", lang), className="small text-body-secondary"),
            actions,
            html.Div(id="app-message"),
            html.Div(id="app-count", className="small text-body-secondary mb-2"),
            dcc.Store(id="app-version", data=0),
            grid(
                "app-grid",
                [],
                columns(lang),
                height=480,
                getRowId="params.data.id",
                dashGridOptions={"rowSelection": {"mode": "multiRow", "checkboxes": True}},
            ),
        ]
    )


@callback(
    Output("app-grid", "rowData"),
    Output("app-count", "children"),
    Output("app-message", "children", allow_duplicate=True),
    Input(SESSION, "data"),
    Input(LANG, "value"),
    Input("app-version", "data"),
    prevent_initial_call="initial_duplicate",
)
def render(key: str | None, lang: str, _v: int) -> Any:
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return [], "", instead
    try:
        queue = rows(caller.shop, lang)
    except TeamgraphError as exc:
        return [], "", dbc.Alert(error_alert(exc, lang), color="danger")
    return queue, t("bo.applications.count", lang, n=number(len(queue))), dash.no_update


@callback(
    Output("app-message", "children"),
    Output("app-version", "data"),
    Input("app-approve", "n_clicks"),
    Input("app-reject", "n_clicks"),
    State("app-grid", "selectedRows"),
    State("app-reason", "value"),
    State("app-version", "data"),
    State(SESSION, "data"),
    State(LANG, "value"),
    prevent_initial_call=True,
)
def act(
    _a: Any,
    _r: Any,
    selected: list[dict[str, Any]] | None,
    reason: str | None,
    version: int,
    key: str | None,
    lang: str,
) -> Any:
    trigger = str(ctx.triggered_id)
    if trigger not in ("app-approve", "app-reject"):
        raise PreventUpdate
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return instead, dash.no_update
    if not selected:
        return dbc.Alert(t("bo.select", lang), color="warning", id="app-none"), dash.no_update
    ids = [str(r["id"]) for r in selected]
    try:
        done = decide(caller.shop, ids, trigger == "app-approve", reason, caller.actor, lang)
    except TeamgraphError as exc:
        return failed(exc, lang, "app-failed"), (version or 0) + 1
    return done, (version or 0) + 1
