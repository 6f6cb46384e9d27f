"""/relationships: find a customer, see its binding, sharer and binding history with the audit
of the merchant's edits, and rebind or unbind it with a reason and a confirmation (R-1.12).
The change and its audit entry show at once (the page reads the customer again)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from teamgraph.callers import MERCHANT
from teamgraph.dashboards.components import access, error_alert, page_title
from teamgraph.dashboards.i18n import DEFAULT_LANG, t, when
from teamgraph.dashboards.shell import LANG, SESSION
from teamgraph.errors import TeamgraphError
from teamgraph.shop import Actor, Shop

ROLES = MERCHANT
dash.register_page(
    __name__,
    path="/relationships",
    title="teamgraph",
    name="relationships",
    nav_key="nav.relationships",
    order=3,
    roles=ROLES,
)


def layout(lang: str = DEFAULT_LANG, id: str | None = None, **_query: Any) -> html.Div:
    find = dbc.InputGroup(
        [
            dbc.Input(
                id="rel-customer", value=id, placeholder=t("rel.customer", lang), debounce=True
            ),
            dbc.Button(t("rel.find", lang), id="rel-find", color="primary"),
        ],
        className="mb-3",
        style={"maxWidth": "32rem"},
    )
    edit = dbc.Card(
        [
            dbc.CardHeader(t("rel.edit", lang), className="fw-semibold"),
            dbc.CardBody(
                [
                    dbc.Label(t("rel.to", lang), html_for="rel-to"),
                    dbc.Input(
                        id="rel-to", placeholder=t("rel.to_placeholder", lang), className="mb-2"
                    ),
                    dbc.Label(t("rel.reason", lang), html_for="rel-reason"),
                    dbc.Textarea(
                        id="rel-reason",
                        placeholder=t("rel.reason_placeholder", lang),
                        className="mb-3",
                        rows=2,
                    ),
                    html.Div(
                        [
                            dbc.Button(t("rel.rebind", lang), id="rel-rebind", color="primary"),
                            dbc.Button(
                                t("rel.unbind", lang), id="rel-unbind", color="danger", outline=True
                            ),
                        ],
                        className="d-flex gap-2",
                    ),
                    html.Div(id="rel-message", className="mt-3"),
                ]
            ),
        ],
        className="shadow-sm",
    )
    confirm = dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(t("rel.confirm", lang))),
            dbc.ModalBody(id="rel-confirm-text"),
            dbc.ModalFooter(
                [
                    dbc.Button(
                        t("rel.cancel", lang), id="rel-cancel", color="secondary", outline=True
                    ),
                    dbc.Button(t("rel.yes", lang), id="rel-yes", color="primary"),
                ]
            ),
        ],
        id="rel-modal",
        is_open=False,
    )
    return html.Div(
        [
            page_title(t("nav.relationships", lang)),
            find,
            dcc.Store(id="rel-pending"),
            dcc.Store(id="rel-version", data=0),
            dbc.Row(
                [dbc.Col(html.Div(id="rel-view"), lg=8), dbc.Col(edit, lg=4)],
                className="g-3",
            ),
            confirm,
        ]
    )


def customer_view(shop: Shop, customer_id: str, lang: str) -> list[Any]:
    """The binding, sharer and attribution, the binding history as a timeline and the audit
    of the merchant's edits."""
    tz = shop.timezone()
    c = shop.customer(customer_id)
    audit = shop.audit(customer_id)
    b = c["binding"]
    current = (
        html.Span(
            [
                html.Strong(b["distributor_id"], id="rel-bound-to"),
                " · " + t("rel.since", lang, at=when(b["since"], tz)),
                " · "
                + (
                    t("rel.until", lang, at=when(b["expires_at"], tz))
                    if b["expires_at"]
                    else t("rel.permanent", lang)
                ),
                " · " + t(f"source.{b['source']}", lang) if b.get("source") in SOURCES else "",
            ]
        )
        if b
        else html.Span(t("rel.unbound", lang), id="rel-bound-to")
    )
    sharer = c["sharer"]
    facts = dbc.ListGroup(
        [
            _fact(t("rel.name", lang), c.get("name") or "–"),
            _fact(t("rel.joined", lang), when(c.get("joined_at"), tz)),
            _fact(t("rel.binding", lang), current),
            _fact(
                t("rel.sharer", lang),
                t(
                    "rel.sharer_until",
                    lang,
                    id=sharer["distributor_id"],
                    at=when(sharer["until"], tz),
                )
                if sharer
                else "–",
            ),
            _fact(t("rel.attributed", lang), c.get("attributed_to") or "–"),
            _fact(t("bo.col.groups", lang), ", ".join(c.get("groups") or []) or "–"),
        ],
        flush=True,
    )
    return [
        dbc.Card(
            [
                dbc.CardHeader(t("rel.customer_title", lang, id=c["id"]), className="fw-semibold"),
                facts,
            ],
            className="shadow-sm mb-3",
            id="rel-card",
        ),
        dbc.Card(
            [
                dbc.CardHeader(t("rel.history", lang), className="fw-semibold"),
                dbc.CardBody(timeline(c["history"], tz, lang)),
            ],
            className="shadow-sm mb-3",
        ),
        dbc.Card(
            [
                dbc.CardHeader(t("rel.audit", lang), className="fw-semibold"),
                dbc.CardBody(audit_list(audit, tz, lang)),
            ],
            className="shadow-sm",
        ),
    ]


SOURCES = ("visit", "merchant", "demo", "import", "order", "register")
END_REASONS = ("expired", "merchant_rebind", "merchant_unbind", "mode_change")


def timeline(history: list[dict[str, Any]], tz: str, lang: str) -> Any:
    """Newest binding first; each with its period, source and how it ended."""
    if not history:
        return html.P(t("rel.no_history", lang), className="text-body-secondary mb-0")
    items = []
    for h in sorted(history, key=lambda x: x["since"], reverse=True):
        open_ = h.get("ended_at") is None and h.get("active")
        end = (
            t("rel.active", lang)
            if open_
            else t(
                "rel.ended",
                lang,
                at=when(h.get("ended_at"), tz),
                why=_end_reason(h.get("end_reason"), lang),
            )
        )
        items.append(
            html.Li(
                [
                    html.Div(
                        [
                            html.Strong(h["distributor_id"]),
                            html.Span(" · " + when(h["since"], tz), className="small"),
                        ],
                    ),
                    html.Div(
                        [end]
                        + (
                            [" · " + t(f"source.{h['source']}", lang)]
                            if h.get("source") in SOURCES
                            else []
                        )
                        + (
                            [" · " + t("rel.because", lang, reason=h["reason"])]
                            if h.get("reason")
                            else []
                        ),
                        className="small text-body-secondary",
                    ),
                ],
                className="timeline-item" + (" current" if open_ else ""),
            )
        )
    return html.Ul(items, className="timeline mb-0", id="rel-history")


def _end_reason(reason: str | None, lang: str) -> str:
    return t(f"end.{reason}", lang) if reason in END_REASONS else (reason or "–")


def audit_list(audit: list[dict[str, Any]], tz: str, lang: str) -> Any:
    if not audit:
        return html.P(t("rel.no_audit", lang), className="text-body-secondary mb-0", id="rel-audit")
    return dbc.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th(t(k, lang))
                        for k in ("col.at", "col.action", "col.change", "col.actor", "col.reason")
                    ]
                )
            ),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(when(a["at"], tz)),
                            html.Td(
                                t(f"action.{a['action']}", lang)
                                if a["action"] in ("binding.rebind", "binding.unbind")
                                else a["action"]
                            ),
                            html.Td(f"{a.get('before') or '–'} → {a.get('after') or '–'}"),
                            html.Td(a.get("actor") or ""),
                            html.Td(a.get("reason") or ""),
                        ]
                    )
                    for a in audit
                ]
            ),
        ],
        size="sm",
        striped=True,
        className="mb-0",
        id="rel-audit",
    )


def _fact(label: str, value: Any) -> dbc.ListGroupItem:
    return dbc.ListGroupItem(
        [html.Span(label, className="text-body-secondary"), html.Span(value)],
        className="d-flex justify-content-between gap-3",
    )


@callback(
    Output("rel-view", "children"),
    Input(SESSION, "data"),
    Input(LANG, "value"),
    Input("rel-find", "n_clicks"),
    Input("rel-customer", "value"),
    Input("rel-version", "data"),
)
def render(key: str | None, lang: str, _clicks: Any, customer_id: str | None, _v: Any) -> Any:
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return instead
    if not customer_id or not customer_id.strip():
        return dbc.Alert(t("rel.enter", lang), color="info")
    try:
        return customer_view(caller.shop, customer_id.strip(), lang)
    except TeamgraphError as exc:
        return dbc.Alert(error_alert(exc, lang), color="warning", id="rel-error")


@callback(
    Output("rel-modal", "is_open"),
    Output("rel-confirm-text", "children"),
    Output("rel-pending", "data"),
    Output("rel-message", "children", allow_duplicate=True),
    Input("rel-rebind", "n_clicks"),
    Input("rel-unbind", "n_clicks"),
    Input("rel-cancel", "n_clicks"),
    State("rel-customer", "value"),
    State("rel-to", "value"),
    State("rel-reason", "value"),
    State(LANG, "value"),
    prevent_initial_call=True,
)
def ask(
    _r: Any,
    _u: Any,
    _c: Any,
    customer_id: str | None,
    to: str | None,
    reason: str | None,
    lang: str,
) -> Any:
    """A rebind or unbind asks first; the modal says exactly what will happen."""
    which = ctx.triggered_id
    if which == "rel-cancel":
        return False, None, None, None
    cid = (customer_id or "").strip()
    if not cid:
        return False, None, None, dbc.Alert(t("rel.enter", lang), color="warning")
    if not (reason or "").strip():
        return (
            False,
            None,
            None,
            dbc.Alert(t("rel.need_reason", lang), color="warning", id="rel-need-reason"),
        )
    if which == "rel-rebind":
        target = (to or "").strip()
        if not target:
            return False, None, None, dbc.Alert(t("rel.need_target", lang), color="warning")
        text = t("rel.confirm_rebind", lang, customer=cid, to=target)
        action = {
            "action": "rebind",
            "customer": cid,
            "to": target,
            "reason": (reason or "").strip(),
        }
    else:
        text = t("rel.confirm_unbind", lang, customer=cid)
        action = {"action": "unbind", "customer": cid, "reason": (reason or "").strip()}
    return (
        True,
        [
            html.P(text),
            html.P(
                t("rel.because", lang, reason=action["reason"]), className="text-body-secondary"
            ),
        ],
        action,
        None,
    )


@callback(
    Output("rel-modal", "is_open", allow_duplicate=True),
    Output("rel-message", "children"),
    Output("rel-version", "data"),
    Input("rel-yes", "n_clicks"),
    State("rel-pending", "data"),
    State("rel-version", "data"),
    State(SESSION, "data"),
    State(LANG, "value"),
    prevent_initial_call=True,
)
def apply(
    _yes: Any, pending: dict[str, str] | None, version: int, key: str | None, lang: str
) -> Any:
    if not pending:
        raise PreventUpdate
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return False, instead, dash.no_update
    try:
        edit(caller.shop, pending, caller.actor)
    except TeamgraphError as exc:
        return (
            False,
            dbc.Alert(error_alert(exc, lang), color="danger", id="rel-failed"),
            dash.no_update,
        )
    msg = (
        t("rel.done_rebind", lang, customer=pending["customer"], to=pending["to"])
        if pending["action"] == "rebind"
        else t("rel.done_unbind", lang, customer=pending["customer"])
    )
    return False, dbc.Alert(msg, color="success", id="rel-done"), (version or 0) + 1


def edit(shop: Shop, pending: dict[str, str], actor: Actor) -> dict[str, Any]:
    """The confirmed edit, by the logged-in merchant key through the UI (R-1.12); the audit
    names the key (U-8)."""
    if pending["action"] == "rebind":
        return shop.rebind(
            pending["customer"], pending["to"], reason=pending["reason"], actor=actor
        )
    return shop.unbind(pending["customer"], reason=pending["reason"], actor=actor)
