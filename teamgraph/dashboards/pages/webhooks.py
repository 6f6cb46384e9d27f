"""/webhooks: the merchant's webhook endpoints (issue 16; docs/integration.md "Webhooks"):
register one (its signing secret shown once, here, never again), enable, disable or delete the
selected one, and its recent deliveries with their status, attempts and last answer, each
resendable. Every action is a ``Shop`` method (audited with the key as the actor)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from teamgraph.callers import MERCHANT
from teamgraph.dashboards import context
from teamgraph.dashboards.components import access, error_alert, grid, page_title
from teamgraph.dashboards.i18n import DEFAULT_LANG, t, when
from teamgraph.dashboards.shell import LANG, SESSION
from teamgraph.errors import TeamgraphError
from teamgraph.shop import Shop
from teamgraph.shop.events import EVENT_TYPES

ROLES = MERCHANT
dash.register_page(
    __name__,
    path="/webhooks",
    title="teamgraph",
    name="webhooks",
    nav_key="nav.webhooks",
    order=10,
    roles=ROLES,
)

ALL = "*"
RECENT = 200
ACTIONS = {"wh-enable": "enable", "wh-disable": "disable", "wh-delete": "delete"}
DONE = {"enable": "wh.done_enable", "disable": "wh.done_disable", "delete": "wh.done_delete"}


def _col(field: str, header: str, width: int) -> dict[str, Any]:
    return {"field": field, "headerName": header, "width": width}


def endpoint_columns(lang: str) -> list[dict[str, Any]]:
    return [
        _col("url", t("wh.col.url", lang), 300),
        _col("events_text", t("wh.col.events", lang), 220),
        _col("enabled_text", t("wh.col.enabled", lang), 90),
        _col("status_text", t("wh.col.status", lang), 100),
        _col("description", t("wh.col.description", lang), 160),
        _col("created", t("wh.col.created", lang), 150),
    ]


def delivery_columns(lang: str) -> list[dict[str, Any]]:
    return [
        _col("event_id", t("wh.col.event", lang), 240),
        _col("event_type", t("wh.col.type", lang), 170),
        _col("key", t("wh.col.key", lang), 110),
        _col("status_text", t("wh.col.status", lang), 100),
        _col("attempts", t("wh.col.attempts", lang), 90),
        _col("last_status_code", t("wh.col.code", lang), 90),
        _col("last", t("wh.col.last", lang), 150),
        _col("last_error", t("wh.col.error", lang), 220),
    ]


def endpoint_rows(shop: Shop, lang: str) -> list[dict[str, Any]]:
    """Every endpoint of ``shop`` as the grid shows it (never its secret)."""
    tz = shop.timezone()
    return [
        {
            "id": w["id"],
            "url": w["url"],
            "events_text": t("wh.all", lang) if w["events"] == [ALL] else ", ".join(w["events"]),
            "enabled": w["enabled"],
            "enabled_text": t("wh.yes" if w["enabled"] else "wh.no", lang),
            "status_text": t(f"whstatus.{w['status']}", lang),
            "description": w["description"] or "",
            "created": when(w["created_at"], tz),
        }
        for w in shop.webhooks()
    ]


def delivery_rows(shop: Shop, webhook_id: str, lang: str) -> list[dict[str, Any]]:
    """The endpoint's most recent deliveries, newest event first."""
    tz = shop.timezone()
    return [
        {
            "event_id": d["event_id"],
            "event_type": d["event_type"],
            "key": d["key"],
            "status_text": t(f"dstatus.{d['status']}", lang),
            "attempts": d["attempts"],
            "last_status_code": d["last_status_code"] or "–",
            "last": when(d["last_at"], tz),
            "last_error": d["last_error"] or "",
        }
        for d in shop.deliveries(webhook_id, limit=RECENT)
    ]


def layout(lang: str = DEFAULT_LANG, **_query: Any) -> html.Div:
    form = dbc.Row(
        [
            dbc.Col(
                dbc.Input(id="wh-url", placeholder=t("wh.url", lang), type="url", size="sm"),
                md=4,
            ),
            dbc.Col(
                dcc.Dropdown(
                    id="wh-events",
                    options=[{"label": t("wh.all", lang), "value": ALL}]
                    + [{"label": e, "value": e} for e in EVENT_TYPES],
                    value=[ALL],
                    multi=True,
                    placeholder=t("wh.events", lang),
                ),
                md=4,
            ),
            dbc.Col(
                dbc.Input(id="wh-description", placeholder=t("wh.description", lang), size="sm"),
                md=2,
            ),
            dbc.Col(
                dbc.Button(t("wh.create", lang), id="wh-create", color="primary", size="sm"),
                md="auto",
            ),
        ],
        className="g-2 align-items-center mb-2",
    )
    actions = html.Div(
        [
            dbc.Button(t("wh.enable", lang), id="wh-enable", color="success", size="sm"),
            dbc.Button(
                t("wh.disable", lang), id="wh-disable", color="secondary", outline=True, size="sm"
            ),
            dbc.Button(
                t("wh.delete", lang), id="wh-delete", color="danger", outline=True, size="sm"
            ),
        ],
        className="d-flex gap-2 flex-wrap mb-2",
    )
    return html.Div(
        [
            page_title(t("nav.webhooks", lang)),
            html.P(t("wh.help", lang), className="small text-body-secondary"),
            form,
            html.Div(id="wh-message"),
            dcc.Store(id="wh-version", data=0),
            html.H3(t("wh.endpoints", lang), className="h5 mt-3"),
            actions,
            grid(
                "wh-grid",
                [],
                endpoint_columns(lang),
                height=220,
                getRowId="params.data.id",
                dashGridOptions={"rowSelection": {"mode": "singleRow", "checkboxes": True}},
            ),
            html.H3(t("wh.deliveries", lang), className="h5 mt-3"),
            html.Div(
                dbc.Button(
                    t("wh.resend", lang), id="wh-resend", color="primary", outline=True, size="sm"
                ),
                className="mb-2",
            ),
            html.Div(id="wh-resend-message"),
            grid(
                "wh-deliveries",
                [],
                delivery_columns(lang),
                height=360,
                getRowId="params.data.event_id",
                dashGridOptions={"rowSelection": {"mode": "singleRow", "checkboxes": True}},
            ),
        ]
    )


@callback(
    Output("wh-grid", "rowData"),
    Output("wh-message", "children", allow_duplicate=True),
    Input(SESSION, "data"),
    Input(LANG, "value"),
    Input("wh-version", "data"),
    prevent_initial_call="initial_duplicate",
)
def render(key: str | None, lang: str, _v: int) -> Any:
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return [], instead
    try:
        return endpoint_rows(caller.shop, lang), dash.no_update
    except TeamgraphError as exc:
        return [], dbc.Alert(error_alert(exc, lang), color="danger")


def create(shop: Shop, url: str, events: list[str], description: str | None, actor: Any,
           lang: str) -> Any:  # fmt: skip
    """Register the endpoint; the alert holds its secret, shown this once."""
    made = shop.create_webhook(
        url or "",
        events or [],
        description=description,
        actor=actor,
        allow_private=context.webhooks_private_urls(),
    )
    return dbc.Alert(
        [
            html.Strong(t("wh.created", lang)),
            html.Div(t("wh.secret_once", lang), className="small"),
            html.Code(made["secret"], id="wh-secret", className="user-select-all"),
        ],
        color="success",
        id="wh-done",
    )


@callback(
    Output("wh-message", "children"),
    Output("wh-version", "data"),
    Input("wh-create", "n_clicks"),
    Input("wh-enable", "n_clicks"),
    Input("wh-disable", "n_clicks"),
    Input("wh-delete", "n_clicks"),
    State("wh-url", "value"),
    State("wh-events", "value"),
    State("wh-description", "value"),
    State("wh-grid", "selectedRows"),
    State("wh-version", "data"),
    State(SESSION, "data"),
    State(LANG, "value"),
    prevent_initial_call=True,
)
def act(
    _c: Any,
    _e: Any,
    _d: Any,
    _x: Any,
    url: str | None,
    events: list[str] | None,
    description: str | None,
    selected: list[dict[str, Any]] | None,
    version: int,
    key: str | None,
    lang: str,
) -> Any:
    trigger = str(ctx.triggered_id)
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return instead, dash.no_update
    shop = caller.shop
    try:
        if trigger == "wh-create":
            message = create(shop, url or "", events or [], description, caller.actor, lang)
            return message, (version or 0) + 1
        action = ACTIONS.get(trigger)
        if action is None:
            raise PreventUpdate
        if not selected:
            return dbc.Alert(t("wh.select", lang), color="warning", id="wh-none"), dash.no_update
        wid = str(selected[0]["id"])
        if action == "delete":
            shop.delete_webhook(wid, actor=caller.actor)
        else:
            shop.update_webhook(wid, enabled=action == "enable", actor=caller.actor)
    except TeamgraphError as exc:
        return dbc.Alert(error_alert(exc, lang), color="danger", id="wh-failed"), dash.no_update
    done = dbc.Alert(t(DONE[action], lang), color="success", duration=6000, id="wh-changed")
    return done, (version or 0) + 1


@callback(
    Output("wh-deliveries", "rowData"),
    Input("wh-grid", "selectedRows"),
    Input("wh-version", "data"),
    Input("wh-resend-message", "children"),
    State(SESSION, "data"),
    State(LANG, "value"),
)
def deliveries(selected: list[dict[str, Any]] | None, _v: int, _m: Any, key: str | None,
               lang: str) -> Any:  # fmt: skip
    if not selected:
        return []
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return []
    try:
        return delivery_rows(caller.shop, str(selected[0]["id"]), lang)
    except TeamgraphError:
        return []


@callback(
    Output("wh-resend-message", "children"),
    Input("wh-resend", "n_clicks"),
    State("wh-grid", "selectedRows"),
    State("wh-deliveries", "selectedRows"),
    State(SESSION, "data"),
    State(LANG, "value"),
    prevent_initial_call=True,
)
def resend(
    _n: Any,
    endpoint: list[dict[str, Any]] | None,
    delivery: list[dict[str, Any]] | None,
    key: str | None,
    lang: str,
) -> Any:
    if not endpoint or not delivery:
        return dbc.Alert(t("wh.select_delivery", lang), color="warning", id="wh-none")
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return instead
    try:
        caller.shop.resend(str(endpoint[0]["id"]), str(delivery[0]["event_id"]))
    except TeamgraphError as exc:
        return dbc.Alert(error_alert(exc, lang), color="danger", id="wh-failed")
    return dbc.Alert(t("wh.resent", lang), color="success", duration=6000, id="wh-resent")
