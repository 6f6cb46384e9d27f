"""/login: paste a key; a valid one goes to the session store (the shell then leaves the page)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, html
from dash.exceptions import PreventUpdate

from teamgraph.dashboards import context
from teamgraph.dashboards.i18n import DEFAULT_LANG, t
from teamgraph.dashboards.messages import error_alert
from teamgraph.dashboards.shell import LANG, LOGIN_PATH, SESSION
from teamgraph.errors import TeamgraphError

dash.register_page(__name__, path=LOGIN_PATH, title="teamgraph", name="login")


def layout(lang: str = DEFAULT_LANG, **_query: Any) -> dbc.Row:
    form = dbc.Card(
        [
            dbc.CardHeader(html.H4(t("login.title", lang), className="mb-0")),
            dbc.CardBody(
                [
                    html.P(t("login.help", lang), className="text-body-secondary"),
                    dbc.Label(t("login.key", lang), html_for="login-key"),
                    dbc.Input(
                        id="login-key",
                        type="password",
                        placeholder=t("login.placeholder", lang),
                        autocomplete="off",
                        className="mb-3",
                    ),
                    dbc.Button(t("login.submit", lang), id="login-submit", color="primary"),
                    dbc.Alert(id="login-error", color="danger", is_open=False, className="mt-3"),
                ]
            ),
        ],
        className="shadow-sm",
    )
    return dbc.Row(dbc.Col(form, md=8, lg=6, xl=5), justify="center", className="mt-5")


@callback(
    Output(SESSION, "data", allow_duplicate=True),
    Output("login-error", "children"),
    Output("login-error", "is_open"),
    Input("login-submit", "n_clicks"),
    Input("login-key", "n_submit"),
    State("login-key", "value"),
    State(LANG, "value"),
    prevent_initial_call=True,
)
def log_in(clicks: int | None, submits: int | None, key: str | None, lang: str) -> Any:
    # The session store is in the shell, so Dash calls this when the form is inserted into the
    # page, prevent_initial_call notwithstanding: act only on a click or Enter.
    if not (clicks or submits):
        raise PreventUpdate
    try:
        context.caller(key)
    except TeamgraphError as exc:
        return dash.no_update, error_alert(exc, lang, title_key="login.failed"), True
    return (key or "").strip(), None, False
