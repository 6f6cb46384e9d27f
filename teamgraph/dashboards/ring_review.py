"""The analyst's verdict on the risk page (issue 18): the selected ring's verdict with a
"Fraud" / "Not fraud" pair of buttons and a note (``Shop.review_ring``, audited as the
logged-in key), the verdict in the ring list, and the review in the ring's decisions.

The pieces :mod:`teamgraph.dashboards.pages.risk` places; the callback is registered when that
page imports this module.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, html
from dash.exceptions import PreventUpdate

from teamgraph.callers import READERS
from teamgraph.dashboards.components import access, error_alert
from teamgraph.dashboards.i18n import t, when
from teamgraph.dashboards.shell import LANG, SESSION
from teamgraph.errors import TeamgraphError
from teamgraph.shop import Principal, Shop

VERDICTS = ("fraud", "not_fraud")
COLOURS = {"fraud": "danger", "not_fraud": "success", None: "secondary"}


def verdict_label(verdict: str | None, lang: str) -> str:
    """``Fraud``, ``Not fraud`` or ``Not reviewed``."""
    return t(f"ring.verdict.{verdict if verdict in VERDICTS else 'none'}", lang)


def verdict_column(lang: str) -> dict[str, Any]:
    """The ring list's verdict column (the rows carry ``verdict``, see :func:`verdict_cell`)."""
    return {
        "field": "verdict",
        "headerName": t("ring.col.verdict", lang),
        "minWidth": 76,
        "wrapHeaderText": True,
        "autoHeaderHeight": True,
        "filter": False,
    }


def verdict_cell(ring: dict[str, Any], lang: str) -> str:
    """A row's verdict: empty when not reviewed, so reviewed rings stand out."""
    return verdict_label(ring.get("verdict"), lang) if ring.get("verdict") else ""


def review_panel(ring: dict[str, Any], tz: str, lang: str) -> html.Div:
    """The selected ring's verdict (who, when, the note) and the two buttons with a note."""
    verdict = ring.get("verdict")
    said = [
        html.Span(t("risk.verdict", lang), className="me-2"),
        dbc.Badge(verdict_label(verdict, lang), color=COLOURS[verdict], id="ring-verdict"),
    ]
    if verdict:
        said.append(
            html.Span(
                " · "
                + t(
                    "risk.verdict_by",
                    lang,
                    by=ring.get("verdict_by") or "",
                    at=when(ring.get("verdict_at"), tz),
                )
                + (f" · {ring['verdict_note']}" if ring.get("verdict_note") else ""),
                className="small text-body-secondary",
                id="ring-verdict-by",
            )
        )
    buttons = dbc.InputGroup(
        [
            dbc.Input(id="ring-note", placeholder=t("risk.note", lang), maxLength=500),
            dbc.Button(
                t("risk.mark_fraud", lang),
                id="ring-mark-fraud",
                color="danger",
                outline=verdict != "fraud",
            ),
            dbc.Button(
                t("risk.mark_not_fraud", lang),
                id="ring-mark-not-fraud",
                color="success",
                outline=verdict != "not_fraud",
            ),
        ],
        size="sm",
    )
    return html.Div([html.Div(said, className="mb-2"), buttons], className="mb-3")


def change_word(change: dict[str, Any], lang: str) -> str:
    """What a decision in the ring's audit trail did, in words."""
    if change.get("action") == "ring.review" and change.get("after") in VERDICTS:
        return t(f"risk.marked.{change['after']}", lang)
    return t("risk.froze" if change.get("action") == "ring.freeze" else "risk.released", lang)


def review(shop: Shop, ring_id: str, verdict: str, who: Principal, note: str | None) -> None:
    """Mark the ring, as the logged-in key (the audit names its id and name)."""
    shop.review_ring(ring_id, verdict, actor=who.actor, note=note)


@callback(
    Output("risk-version", "data", allow_duplicate=True),
    Output("risk-message", "children", allow_duplicate=True),
    Input("ring-mark-fraud", "n_clicks"),
    Input("ring-mark-not-fraud", "n_clicks"),
    State("risk-selected", "data"),
    State("ring-note", "value"),
    State("risk-version", "data"),
    State(SESSION, "data"),
    State(LANG, "value"),
    prevent_initial_call=True,
)
def mark(
    fraud: Any,
    not_fraud: Any,
    ring_id: str | None,
    note: str | None,
    version: int,
    key: str | None,
    lang: str,
) -> Any:
    """Either button marks the selected ring; the list and the case show it at once."""
    if not ring_id or not (fraud or not_fraud):
        raise PreventUpdate
    verdict = "fraud" if ctx.triggered_id == "ring-mark-fraud" else "not_fraud"
    caller, instead = access(key, lang, READERS)
    if instead is not None:
        raise PreventUpdate
    try:
        review(caller.shop, ring_id, verdict, caller.principal, (note or "").strip() or None)
    except TeamgraphError as exc:
        return dash.no_update, dbc.Alert(error_alert(exc, lang), color="danger")
    done = t(f"risk.done_review.{verdict}", lang, id=ring_id)
    return (version or 0) + 1, dbc.Alert(done, color="success", id="ring-reviewed", duration=8000)
