"""Small layout pieces the pages share: KPI cards, the log-in prompt, the error alert."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from teamgraph.dashboards.i18n import t
from teamgraph.errors import TeamgraphError


def kpi_card(label: str, value: Any, *, value_id: str) -> dbc.Card:
    """One figure with its label; ``value_id`` is the id of the value's element."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(label, className="kpi-label text-body-secondary small"),
                html.Div(value, id=value_id, className="kpi-value fs-3 fw-semibold"),
            ]
        ),
        className="kpi h-100 shadow-sm",
    )


def login_prompt(lang: str) -> dbc.Alert:
    """Shown by a page when the session holds no valid key (the shell also redirects)."""
    return dbc.Alert(
        [t("login.required", lang), " ", dcc.Link(t("login.go", lang), href="/login")],
        color="info",
        id="login-required",
    )


def error_alert(exc: TeamgraphError, lang: str, *, title_key: str = "error.title") -> list[Any]:
    """The children of an error alert: a translated title, then the error's own message."""
    return [
        html.Strong(t(title_key, lang)),
        html.Span(": "),
        html.Span(exc.message, className="error-message"),
        html.Small(f" ({exc.code})", className="text-body-secondary"),
    ]
