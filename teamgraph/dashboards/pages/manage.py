"""/distributor: one distributor's management panel (issue 17), reached from the distributors
grid (a click on a name) or by typing an id: its status, level and balances; freeze or unfreeze
with a reason (R-2.1), a level set by hand (R-4.3), a ledger adjustment that credits or debits
the settled balance with a reason (R-3.12, AJ-1), and its ledger with each entry's reason. Every
decision is a ``Shop`` method that writes its audit ``Change`` with the key as the actor. An
adjustment's id is made when the form is shown and renewed after it is written, so a second
click on the same form answers the first entry (AJ-2) and writes nothing twice."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from teamgraph.callers import MERCHANT
from teamgraph.dashboards.components import access, error_alert, grid, page_title
from teamgraph.dashboards.i18n import DEFAULT_LANG, money, t, when
from teamgraph.dashboards.shell import LANG, SESSION
from teamgraph.errors import TeamgraphError, ValidationError
from teamgraph.shop import Actor, Shop

ROLES = MERCHANT
PATH = "/distributor"
dash.register_page(
    __name__,
    path=PATH,
    title="teamgraph",
    name="manage",
    nav_key="bo.nav.manage",
    order=12,
    roles=ROLES,
)

LEDGER_SHOWN = 100
_YUAN = re.compile(r"^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$")


def yuan_to_fen(text: str | None) -> int:
    """A positive amount typed in yuan (``12``, ``12.5``, ``12.34``) as integer fen, with no
    floating point (R-3.9); ``ValidationError`` for anything else or zero."""
    found = _YUAN.match(text or "")
    fen = int(found.group(1)) * 100 + int((found.group(2) or "0").ljust(2, "0")) if found else 0
    if fen <= 0:
        raise ValidationError(
            "adjustment.amount", "an amount in yuan, e.g. 12.50", rule="R-3.12", field="amount"
        )
    return fen


def ledger_columns(lang: str) -> list[dict[str, Any]]:
    return [
        {"field": "at", "headerName": t("col.at", lang), "width": 150},
        {"field": "kind", "headerName": t("col.kind", lang), "width": 110},
        {
            "field": "amount_text",
            "headerName": t("col.amount", lang),
            "width": 130,
        },
        {"field": "status", "headerName": t("col.status", lang), "width": 110},
        {"field": "reason", "headerName": t("col.reason", lang), "minWidth": 220},
        {"field": "order_id", "headerName": t("bo.col.order", lang), "width": 140},
    ]


def ledger_rows(items: list[Mapping[str, Any]], tz: str, lang: str) -> list[dict[str, Any]]:
    return [
        {
            "id": e["id"],
            "at": when(e["at"], tz),
            "kind": t(f"kind.{e['kind']}", lang),
            "amount_text": money(int(e["amount"]))
            if e["unit"] == "fen"
            else t("ledger.points", lang, n=int(e["amount"])),
            "status": t(f"entry.{e['status']}", lang),
            "reason": e.get("reason") or "",
            "order_id": e.get("order_id") or "",
        }
        for e in items
    ]


def panel(shop: Shop, distributor_id: str, lang: str) -> dict[str, Any]:
    """What the page shows of one distributor: its profile line, balances, level choices and
    ledger rows."""
    profile = shop.distributor(distributor_id)
    ledger = shop.ledger(distributor_id, limit=LEDGER_SHOWN)
    tz = shop.timezone()
    b = ledger["balances"]
    return {
        "id": profile["id"],
        "name": profile["name"] or "",
        "status": profile["status"],
        "status_text": t(f"status.{profile['status']}", lang),
        "level": profile["level"],
        "levels": [
            {"label": f"L{lv.level} {lv.name}", "value": lv.level} for lv in shop.settings().levels
        ],
        "settled": money(b["settled"]),
        "withdrawable": money(b["withdrawable"]),
        "pending": money(b["pending"] + b["held"]),
        "ledger": ledger_rows(ledger["items"], tz, lang),
    }


def decide(
    shop: Shop,
    distributor_id: str,
    action: str,
    actor: Actor,
    lang: str,
    *,
    reason: str | None = None,
    level: int | None = None,
    direction: str = "credit",
    amount: str | None = None,
    adjustment_id: str | None = None,
) -> dbc.Alert:
    """Freeze, unfreeze, set the level or adjust the ledger; the alert says what was done."""
    reason = (reason or "").strip() or None
    if action in ("freeze", "unfreeze"):
        shop.set_status(
            distributor_id,
            "frozen" if action == "freeze" else "active",
            reason=reason,
            actor=actor,
        )
        text = t(f"bo.done.{action}", lang, id=distributor_id)
    elif action == "level":
        if level is None:
            raise ValidationError("level.unknown", "pick a level", rule="R-4.1", field="level")
        shop.set_level(distributor_id, int(level), reason=reason, actor=actor)
        text = t("bo.done.level", lang, id=distributor_id, level=int(level))
    elif action == "adjust":
        fen = yuan_to_fen(amount)
        signed = fen if direction == "credit" else -fen
        entry, _ = shop.adjust(
            distributor_id, adjustment_id or uuid.uuid4().hex, signed, reason or "", actor=actor
        )
        text = t("bo.done.adjust", lang, amount=money(int(entry["amount"])), id=distributor_id)
    else:
        raise PreventUpdate
    return dbc.Alert(text, color="success", duration=8000, id="mg-done")


def layout(lang: str = DEFAULT_LANG, id: str | None = None, **_query: Any) -> html.Div:
    picker = dbc.Row(
        [
            dbc.Col(
                dbc.Input(
                    id="mg-id",
                    value=id or "",
                    placeholder=t("bo.pick", lang),
                    debounce=True,
                    size="sm",
                ),
                md=4,
            ),
            dbc.Col(html.Div(id="mg-profile", className="small"), md=True),
        ],
        className="g-2 align-items-center mb-3",
    )
    decisions = dbc.Card(
        [
            dbc.CardHeader(t("bo.decisions", lang), className="fw-semibold"),
            dbc.CardBody(
                [
                    dbc.Input(
                        id="mg-reason",
                        placeholder=t("bo.reason", lang),
                        maxLength=500,
                        size="sm",
                        className="mb-2",
                    ),
                    html.Div(
                        [
                            dbc.Button(
                                t("bo.freeze", lang),
                                id="mg-freeze",
                                color="danger",
                                outline=True,
                                size="sm",
                            ),
                            dbc.Button(
                                t("bo.unfreeze", lang),
                                id="mg-unfreeze",
                                color="success",
                                outline=True,
                                size="sm",
                            ),
                        ],
                        className="d-flex gap-2 mb-2",
                    ),
                    dbc.Row(
                        [
                            dbc.Col(
                                dcc.Dropdown(
                                    id="mg-level",
                                    options=[],
                                    clearable=False,
                                    placeholder=t("bo.level", lang),
                                ),
                                md=7,
                            ),
                            dbc.Col(
                                dbc.Button(
                                    t("bo.set_level", lang),
                                    id="mg-set-level",
                                    color="primary",
                                    size="sm",
                                ),
                                md="auto",
                            ),
                        ],
                        className="g-2 align-items-center",
                    ),
                ]
            ),
        ],
        className="shadow-sm h-100",
    )
    adjustment = dbc.Card(
        [
            dbc.CardHeader(t("bo.adjustment", lang), className="fw-semibold"),
            dbc.CardBody(
                [
                    dbc.RadioItems(
                        id="mg-direction",
                        options=[
                            {"label": t("bo.credit", lang), "value": "credit"},
                            {"label": t("bo.debit", lang), "value": "debit"},
                        ],
                        value="credit",
                        inline=True,
                        className="mb-2",
                    ),
                    dbc.InputGroup(
                        [
                            dbc.InputGroupText("¥"),
                            dbc.Input(id="mg-amount", placeholder=t("bo.amount", lang)),
                        ],
                        size="sm",
                        className="mb-2",
                    ),
                    dbc.Input(
                        id="mg-adj-reason",
                        placeholder=t("bo.adj_reason", lang),
                        maxLength=500,
                        size="sm",
                        className="mb-2",
                    ),
                    dbc.Button(t("bo.adjust", lang), id="mg-adjust", color="primary", size="sm"),
                    html.Div(t("bo.adjust.help", lang), className="small text-body-secondary mt-2"),
                ]
            ),
        ],
        className="shadow-sm h-100",
    )
    return html.Div(
        [
            page_title(t("bo.nav.manage", lang)),
            picker,
            html.Div(id="mg-message"),
            dbc.Row([dbc.Col(decisions, md=6), dbc.Col(adjustment, md=6)], className="g-3 mb-3"),
            html.H3(t("bo.ledger", lang), className="h5"),
            grid("mg-ledger", [], ledger_columns(lang), height=360, getRowId="params.data.id"),
            dcc.Store(id="mg-version", data=0),
            dcc.Store(id="mg-adj-id", data=uuid.uuid4().hex),
        ]
    )


def failed(exc: TeamgraphError, lang: str, id: str = "mg-failed", color: str = "danger") -> Any:
    """The error of a decision, in the page's language with its rule (dashboards.messages)."""
    return dbc.Alert(error_alert(exc, lang), color=color, id=id)


def profile_line(p: Mapping[str, Any], lang: str) -> list[Any]:
    return [
        html.Strong(f"{p['id']} {p['name']}".strip(), id="mg-who"),
        html.Span(" · "),
        html.Span(p["status_text"], id="mg-status"),
        html.Span(" · "),
        html.Span(f"L{p['level']}", id="mg-current-level"),
        html.Span(" · " + t("bo.settled", lang) + " "),
        html.Span(p["settled"], id="mg-settled"),
        html.Span(" · " + t("bo.withdrawable", lang) + " " + p["withdrawable"]),
        html.Span(" · " + t("bo.pending", lang) + " " + p["pending"]),
    ]


@callback(
    Output("mg-profile", "children"),
    Output("mg-level", "options"),
    Output("mg-level", "value"),
    Output("mg-ledger", "rowData"),
    Input(SESSION, "data"),
    Input(LANG, "value"),
    Input("mg-id", "value"),
    Input("mg-version", "data"),
)
def render(key: str | None, lang: str, distributor_id: str | None, _v: int) -> Any:
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return instead, [], None, []
    did = (distributor_id or "").strip()
    if not did:
        return html.Span(t("bo.pick_help", lang), className="text-body-secondary"), [], None, []
    try:
        p = panel(caller.shop, did, lang)
    except TeamgraphError as exc:
        return failed(exc, lang, "mg-unknown", "warning"), [], None, []
    return profile_line(p, lang), p["levels"], p["level"], p["ledger"]


@callback(
    Output("mg-message", "children"),
    Output("mg-version", "data"),
    Output("mg-adj-id", "data"),
    Input("mg-freeze", "n_clicks"),
    Input("mg-unfreeze", "n_clicks"),
    Input("mg-set-level", "n_clicks"),
    Input("mg-adjust", "n_clicks"),
    State("mg-id", "value"),
    State("mg-reason", "value"),
    State("mg-level", "value"),
    State("mg-direction", "value"),
    State("mg-amount", "value"),
    State("mg-adj-reason", "value"),
    State("mg-adj-id", "data"),
    State("mg-version", "data"),
    State(SESSION, "data"),
    State(LANG, "value"),
    prevent_initial_call=True,
)
def act(
    _f: Any,
    _u: Any,
    _l: Any,
    _a: Any,
    distributor_id: str | None,
    reason: str | None,
    level: int | None,
    direction: str | None,
    amount: str | None,
    adj_reason: str | None,
    adjustment_id: str | None,
    version: int,
    key: str | None,
    lang: str,
) -> Any:
    actions = {
        "mg-freeze": "freeze",
        "mg-unfreeze": "unfreeze",
        "mg-set-level": "level",
        "mg-adjust": "adjust",
    }
    action = actions.get(str(ctx.triggered_id))
    if action is None:
        raise PreventUpdate
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return instead, dash.no_update, dash.no_update
    did = (distributor_id or "").strip()
    if not did:
        return dbc.Alert(t("bo.pick_help", lang), color="warning"), dash.no_update, dash.no_update
    adjusting = action == "adjust"
    try:
        done = decide(
            caller.shop,
            did,
            action,
            caller.actor,
            lang,
            reason=adj_reason if adjusting else reason,
            level=level,
            direction=direction or "credit",
            amount=amount,
            adjustment_id=adjustment_id,
        )
    except TeamgraphError as exc:
        return failed(exc, lang), dash.no_update, dash.no_update
    new_id = uuid.uuid4().hex if adjusting else dash.no_update
    return done, (version or 0) + 1, new_id
