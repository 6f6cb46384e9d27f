"""Small layout pieces the pages share: KPI cards, the log-in prompt, the error alert."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from teamgraph.dashboards.i18n import t

# Every page says an error through dashboards.messages, in the UI's language with its rule.
from teamgraph.dashboards.messages import error_alert as error_alert
from teamgraph.shop import Role


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


GRAPH_CONFIG: dcc.Graph.Config = {"displaylogo": False, "responsive": True}


def card(
    title: str, body: Any, *, id: str | None = None, class_name: str = "", fill: bool = True
) -> dbc.Card:
    """A titled card around ``body``; ``fill``: as tall as its row."""
    kwargs = {"id": id} if id else {}
    return dbc.Card(
        [dbc.CardHeader(title, className="fw-semibold"), dbc.CardBody(body)],
        className=" ".join(x for x in ("shadow-sm", "h-100" if fill else "", class_name) if x),
        **kwargs,
    )


def graph(id: str, figure: Any) -> dcc.Graph:
    return dcc.Graph(id=id, figure=figure, config=GRAPH_CONFIG)


def page_title(text: str) -> html.H2:
    return html.H2(text, className="h3 mb-3")


def grid(id: str, rows: list[dict[str, Any]], columns: list[dict[str, Any]], **extra: Any) -> Any:
    """A dash-ag-grid table with the options every list shares (sortable, resizable,
    filterable columns; the quick filter, CSV export and row selection where pages ask)."""
    options = {"animateRows": False, "suppressCellFocus": True}
    options |= extra.pop("dashGridOptions", {})
    return dag.AgGrid(
        id=id,
        rowData=rows,
        columnDefs=columns,
        defaultColDef={"sortable": True, "resizable": True, "filter": True, "minWidth": 80},
        dashGridOptions=options,
        columnSize=extra.pop("columnSize", "responsiveSizeToFit"),
        style={"height": extra.pop("height", 420)},
        **extra,
    )


def access(key: str | None, lang: str, roles: tuple[Role, ...]) -> Any:
    """``(caller, None)`` for a key whose role is one of ``roles`` (a
    :class:`~teamgraph.callers.Caller`: ``caller.shop``, ``caller.principal``), else
    ``(None, what to show instead)``: the log-in prompt, or a "not for your role" note."""
    from teamgraph.dashboards import context
    from teamgraph.errors import AuthError

    try:
        caller = context.caller(key)
    except AuthError:
        return None, login_prompt(lang)
    if not caller.allows(*roles):
        return None, dbc.Alert(t("role.not_allowed", lang), color="warning", id="not-allowed")
    return caller, None


def period_controls(
    title: str, lang: str, *, prefix: str, choices: list[dict[str, Any]], value: int
) -> dbc.Row:
    """A report's header: its title, the period as buttons (``<prefix>-period``'s ``choices``)
    and the day it ends (``<prefix>-until``), as the overview and the reports share them."""
    return dbc.Row(
        [
            dbc.Col(page_title(title), md=True),
            dbc.Col(
                dbc.RadioItems(
                    id=f"{prefix}-period",
                    options=choices,
                    value=value,
                    inline=True,
                    className="btn-group btn-radio",
                    inputClassName="btn-check",
                    labelClassName="btn btn-sm btn-outline-primary",
                    labelCheckedClassName="active",
                ),
                md="auto",
            ),
            dbc.Col(
                html.Div(
                    [
                        dbc.Label(t("period.until", lang), className="me-2 mb-0 small"),
                        dcc.DatePickerSingle(id=f"{prefix}-until", display_format="YYYY-MM-DD"),
                    ],
                    className="d-flex align-items-center",
                ),
                md="auto",
            ),
        ],
        className="g-3 align-items-center mb-2",
    )
