"""/leaderboards: distributors ranked by sales, commission or new clients over a calendar day,
week or month (``Shop.leaderboard``, U-2, U-5), the top ten as a chart and a table per level."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from teamgraph.callers import READERS
from teamgraph.clock import now_ms
from teamgraph.dashboards.components import access, card, error_alert, graph, grid, page_title
from teamgraph.dashboards.figures import leaderboard_figure
from teamgraph.dashboards.i18n import DEFAULT_LANG, t, when
from teamgraph.dashboards.pages.overview import default_until
from teamgraph.dashboards.shell import LANG, SESSION
from teamgraph.dashboards.tables import board_columns, board_rows
from teamgraph.errors import TeamgraphError
from teamgraph.rules.timeutil import to_ms
from teamgraph.shop import Shop

ROLES = READERS
dash.register_page(
    __name__,
    path="/leaderboards",
    title="teamgraph",
    name="leaderboards",
    nav_key="nav.leaderboards",
    order=4,
    roles=ROLES,
)


def _radio(id: str, options: list[dict[str, Any]], value: str) -> dbc.RadioItems:
    return dbc.RadioItems(
        id=id,
        options=options,
        value=value,
        inline=True,
        className="btn-group btn-radio",
        inputClassName="btn-check",
        labelClassName="btn btn-sm btn-outline-primary",
        labelCheckedClassName="active",
    )


def layout(lang: str = DEFAULT_LANG, **_query: Any) -> html.Div:
    controls = dbc.Row(
        [
            dbc.Col(page_title(t("nav.leaderboards", lang)), md=True),
            dbc.Col(
                _radio(
                    "lb-period",
                    [
                        {"label": t(f"board.period.{p}", lang), "value": p}
                        for p in ("day", "week", "month")
                    ],
                    "month",
                ),
                md="auto",
            ),
            dbc.Col(
                _radio(
                    "lb-metric",
                    [
                        {"label": t(f"board.metric.{m}", lang), "value": m}
                        for m in ("sales", "commission", "clients")
                    ],
                    "sales",
                ),
                md="auto",
            ),
            dbc.Col(dcc.DatePickerSingle(id="lb-at", display_format="YYYY-MM-DD"), md="auto"),
        ],
        className="g-3 align-items-center mb-2",
    )
    return html.Div([controls, html.Div(id="lb-body")])


def board_view(shop: Shop, lang: str, period: str, metric: str, at: str | None) -> tuple[Any, str]:
    tz = shop.timezone()
    day = date.fromisoformat(at) if at else default_until(shop, tz, now_ms())
    noon = to_ms(datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(tz)))
    board = shop.leaderboard(period, metric, at=noon, limit=100)  # type: ignore[arg-type]
    span = t(
        "board.span",
        lang,
        start=when(board["start"], tz, time=False),
        end=when(board["end"] - 1, tz, time=False),
    )
    if not board["items"]:
        return [
            html.P(span, className="small text-body-secondary", id="lb-span"),
            dbc.Alert(t("board.empty", lang), color="info", id="lb-empty"),
        ], day.isoformat()
    groups = [
        dbc.Col(
            card(
                t("board.level", lang, level=g["level"]),
                grid(
                    f"lb-grid-{g['level']}",
                    board_rows(g["items"], metric),
                    board_columns(metric, lang),
                    height=320,
                ),
            ),
            lg=6,
        )
        for g in board["groups"]
    ]
    return [
        html.P(span, className="small text-body-secondary", id="lb-span"),
        dbc.Row(
            dbc.Col(
                card(
                    t("board.top", lang),
                    graph("lb-graph", leaderboard_figure(board["items"], metric, lang)),
                )
            ),
            className="g-3 mb-3",
        ),
        dbc.Row(groups, className="g-3", id="lb-groups"),
    ], day.isoformat()


@callback(
    Output("lb-body", "children"),
    Output("lb-at", "date"),
    Input(SESSION, "data"),
    Input(LANG, "value"),
    Input("lb-period", "value"),
    Input("lb-metric", "value"),
    Input("lb-at", "date"),
)
def render(key: str | None, lang: str, period: str, metric: str, at: str | None) -> Any:
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return instead, dash.no_update
    try:
        return board_view(caller.shop, lang, period, metric, at)
    except TeamgraphError as exc:
        return dbc.Alert(error_alert(exc, lang), color="danger"), dash.no_update
