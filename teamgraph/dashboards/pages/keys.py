"""/keys: the merchant's API keys (issue 16): the shop's keys with their role, distributor,
status, creation and last use (never a secret); create one (its secret shown once, here only),
rotate the selected one (the old secret keeps working for the overlap window) or revoke it
(refused by every API process within a second, K-1). The same ``Shop`` methods as
``/v1/keys``, audited with the logged-in key as the actor."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from teamgraph.callers import MERCHANT
from teamgraph.dashboards.components import access, error_alert, grid, page_title
from teamgraph.dashboards.i18n import DEFAULT_LANG, number, t, when
from teamgraph.dashboards.shell import LANG, SESSION
from teamgraph.errors import TeamgraphError
from teamgraph.shop import ROLES as KEY_ROLES
from teamgraph.shop import Actor, Shop
from teamgraph.shop.keys import DEFAULT_OVERLAP_S

ROLES = MERCHANT
dash.register_page(
    __name__,
    path="/keys",
    title="teamgraph",
    name="keys",
    nav_key="nav.keys",
    order=9,
    roles=ROLES,
)

MAX_ROWS = 1000
STATUSES = ("active", "expiring", "revoked", "expired")


def layout(lang: str = DEFAULT_LANG, **_query: Any) -> html.Div:
    create = dbc.Row(
        [
            dbc.Col(dbc.Input(id="ky-name", placeholder=t("ky.name", lang), size="sm"), md=3),
            dbc.Col(
                dbc.Select(
                    id="ky-role",
                    options=[
                        {"label": t(f"role.{r}", lang, id="").strip(), "value": r}
                        for r in KEY_ROLES
                    ],
                    value="merchant",
                    size="sm",
                ),
                md=2,
            ),
            dbc.Col(
                dbc.Input(id="ky-distributor", placeholder=t("ky.distributor", lang), size="sm"),
                md=2,
            ),
            dbc.Col(
                dbc.Button(t("ky.create", lang), id="ky-create", color="primary", size="sm"),
                md="auto",
            ),
        ],
        className="g-2 align-items-center mb-2",
    )
    act = dbc.Row(
        [
            dbc.Col(dbc.Checkbox(id="ky-ended", label=t("ky.ended", lang), value=False), md="auto"),
            dbc.Col(
                dbc.InputGroup(
                    [
                        dbc.InputGroupText(t("ky.overlap", lang)),
                        dbc.Input(
                            id="ky-overlap",
                            type="number",
                            min=0,
                            max=168,
                            step=1,
                            value=DEFAULT_OVERLAP_S // 3600,
                        ),
                    ],
                    size="sm",
                ),
                md=3,
            ),
            dbc.Col(
                html.Div(
                    [
                        dbc.Button(
                            t("ky.rotate", lang),
                            id="ky-rotate",
                            color="secondary",
                            outline=True,
                            size="sm",
                        ),
                        dbc.Button(
                            t("ky.revoke", lang),
                            id="ky-revoke",
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
            page_title(t("nav.keys", lang)),
            html.P(t("ky.help", lang), className="small text-body-secondary"),
            create,
            act,
            html.Div(id="ky-message"),
            html.Div(id="ky-summary", className="small text-body-secondary mb-2"),
            dcc.Store(id="ky-version", data=0),
            grid(
                "ky-grid",
                [],
                columns(lang),
                height=480,
                getRowId="params.data.id",
                dashGridOptions={"rowSelection": {"mode": "singleRow", "checkboxes": True}},
            ),
        ]
    )


def columns(lang: str) -> list[dict[str, Any]]:
    return [
        {"field": "id", "headerName": t("ky.col.id", lang), "width": 190},
        {"field": "name", "headerName": t("ky.col.name", lang), "width": 150},
        {"field": "role_text", "headerName": t("ky.col.role", lang), "width": 100},
        {"field": "distributor_id", "headerName": t("ky.col.distributor", lang), "width": 120},
        {"field": "status_text", "headerName": t("ky.col.status", lang), "width": 100},
        {"field": "created", "headerName": t("ky.col.created", lang), "width": 150},
        {"field": "last_used", "headerName": t("ky.col.last_used", lang), "width": 150},
        {"field": "expires", "headerName": t("ky.col.expires", lang), "width": 150},
    ]


def key_rows(shop: Shop, ended: bool, lang: str) -> list[dict[str, Any]]:
    tz = shop.timezone()
    items: list[dict[str, Any]] = []
    cursor = None
    while len(items) < MAX_ROWS:
        page = shop.keys(ended=ended, limit=500, cursor=cursor)
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    return [
        {
            **k,
            "name": t("ky.center", lang) if k["center_session"] else k["name"],
            "role_text": t(f"role.{k['role']}", lang, id=k["distributor_id"] or "").strip(),
            "status_text": t(f"ky.status.{k['status']}", lang),
            "created": when(k["created_at"], tz),
            "last_used": when(k["last_used_at"], tz),
            "expires": when(k["expires_at"], tz) if k["expires_at"] else "",
        }
        for k in items[:MAX_ROWS]
    ]


@callback(
    Output("ky-grid", "rowData"),
    Output("ky-summary", "children"),
    Output("ky-grid", "selectedRows"),
    Input(SESSION, "data"),
    Input(LANG, "value"),
    Input("ky-ended", "value"),
    Input("ky-version", "data"),
)
def render(key: str | None, lang: str, ended: bool | None, _v: int) -> Any:
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return [], instead, []
    try:
        rows = key_rows(caller.shop, bool(ended), lang)
    except TeamgraphError as exc:
        return [], dbc.Alert(error_alert(exc, lang), color="danger"), []
    return rows, t("ky.summary", lang, n=number(len(rows))), []


@callback(
    Output("ky-message", "children"),
    Output("ky-version", "data"),
    Input("ky-create", "n_clicks"),
    Input("ky-rotate", "n_clicks"),
    Input("ky-revoke", "n_clicks"),
    State("ky-name", "value"),
    State("ky-role", "value"),
    State("ky-distributor", "value"),
    State("ky-overlap", "value"),
    State("ky-grid", "selectedRows"),
    State("ky-version", "data"),
    State(SESSION, "data"),
    State(LANG, "value"),
    prevent_initial_call=True,
)
def act(
    _c: Any,
    _r: Any,
    _v: Any,
    name: str | None,
    role: str | None,
    distributor_id: str | None,
    overlap_h: int | None,
    selected: list[dict[str, Any]] | None,
    version: int,
    key: str | None,
    lang: str,
) -> Any:
    """Create, rotate or revoke; a new secret shows once, in this message only."""
    action = ctx.triggered_id
    if action not in {"ky-create", "ky-rotate", "ky-revoke"}:
        raise PreventUpdate
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return instead, dash.no_update
    chosen = [r["id"] for r in selected or []]
    if action != "ky-create" and not chosen:
        return dbc.Alert(t("ky.select", lang), color="warning", id="ky-none"), dash.no_update
    try:
        message = decide(
            caller.shop,
            caller.actor,
            str(action),
            lang,
            name=name,
            role=role,
            distributor_id=distributor_id,
            overlap_h=overlap_h,
            chosen=chosen[0] if chosen else None,
        )
    except TeamgraphError as exc:
        return dbc.Alert(error_alert(exc, lang), color="danger", id="ky-failed"), dash.no_update
    return message, (version or 0) + 1


def decide(
    shop: Shop,
    actor: Actor,
    action: str,
    lang: str,
    *,
    name: str | None = None,
    role: str | None = None,
    distributor_id: str | None = None,
    overlap_h: int | None = None,
    chosen: str | None = None,
) -> dbc.Alert:
    """``ky-create``, ``ky-rotate`` or ``ky-revoke`` (the button pressed) by ``actor``; the
    message to show: a new secret (this once) or the revocation."""
    if action == "ky-create":
        did = (distributor_id or "").strip() or None if role == "distributor" else None
        if did is not None:
            shop.distributor(did)  # an unknown distributor is refused, as the API does
        secret, record = shop.new_key(
            role or "", did, name=(name or "").strip() or None, actor=actor
        )
        return secret_alert(secret, record["id"], lang)
    if chosen is None:
        raise PreventUpdate
    if action == "ky-rotate":
        hours = int(overlap_h) if overlap_h is not None else DEFAULT_OVERLAP_S // 3600
        secret, record = shop.rotate_key(chosen, actor=actor, overlap_s=hours * 3600)
        return secret_alert(secret, record["id"], lang)
    shop.revoke_key(chosen, actor=actor)
    return dbc.Alert(t("ky.revoked", lang, id=chosen), color="success", id="ky-done", duration=8000)


def secret_alert(secret: str, key_id: str, lang: str) -> dbc.Alert:
    """The new secret, shown this once (it is stored hashed and cannot be shown again)."""
    return dbc.Alert(
        [
            html.Div(t("ky.secret_once", lang, id=key_id)),
            html.Code(secret, id="ky-secret", className="user-select-all"),
        ],
        color="success",
        id="ky-done",
    )
