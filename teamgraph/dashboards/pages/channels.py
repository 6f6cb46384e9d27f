"""/channels: the channel comparison (issue 17; ``Shop.channels``, U-11): per share channel and
per distributor level, visits → bindings → orders → sales and commission over a period, with
the cost ratio (commission / sales). A chart to look at, tables to read."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, html

from teamgraph.callers import READERS
from teamgraph.clock import now_ms
from teamgraph.dashboards.components import (
    access,
    card,
    error_alert,
    graph,
    grid,
    period_controls,
)
from teamgraph.dashboards.i18n import DEFAULT_LANG, money, percent_bp, t
from teamgraph.dashboards.pages.overview import PERIOD_DAYS, default_until, period
from teamgraph.dashboards.report_figures import channel_label, channels_figure
from teamgraph.dashboards.shell import LANG, SESSION
from teamgraph.errors import TeamgraphError
from teamgraph.shop import Shop

ROLES = READERS
dash.register_page(
    __name__,
    path="/channels",
    title="teamgraph",
    name="channels",
    nav_key="nav.channels",
    order=14,
    roles=ROLES,
)

FIELDS = ("visits", "bindings", "orders")


def layout(lang: str = DEFAULT_LANG, **_query: Any) -> html.Div:
    choices = [{"label": t("period.days", lang, n=n), "value": n} for n in PERIOD_DAYS]
    controls = period_controls(
        t("channels.title", lang), lang, prefix="ch", choices=choices, value=30
    )
    return html.Div([controls, html.Div(id="ch-body")])


def rows(items: list[dict[str, Any]], key: str, lang: str) -> list[dict[str, Any]]:
    """Grid rows: counts as numbers, money as fen (sorting) beside its ``¥`` text, shares as
    basis points beside their ``%`` text."""
    out = []
    for r in items:
        name = (
            channel_label(r["channel"], lang)
            if key == "channel"
            else t("channels.level_n", lang, n=r["level"])
        )
        out.append(
            {
                "name": name,
                **{f: int(r[f]) for f in FIELDS},
                "binding_bp": r["binding_bp"] if r["binding_bp"] is not None else -1,
                "binding_bp_text": percent_bp(r["binding_bp"]),
                "sales_fen": int(r["sales_fen"]),
                "sales_fen_text": money(int(r["sales_fen"])),
                "commission_fen": int(r["commission_fen"]),
                "commission_fen_text": money(int(r["commission_fen"])),
                "cost_bp": r["cost_bp"] if r["cost_bp"] is not None else -1,
                "cost_bp_text": percent_bp(r["cost_bp"]),
            }
        )
    return out


def columns(first: str, lang: str) -> list[dict[str, Any]]:
    def text_col(field: str, header: str) -> dict[str, Any]:
        return {
            "field": field,
            "headerName": header,
            "type": "rightAligned",
            "valueFormatter": {"function": f"params.data['{field}_text']"},
            "filter": "agNumberColumnFilter",
        }

    return [
        {"field": "name", "headerName": first, "pinned": "left", "minWidth": 140},
        *(
            {"field": f, "headerName": t(f"channels.col.{f}", lang), "type": "numericColumn"}
            for f in FIELDS
        ),
        text_col("binding_bp", t("channels.col.binding_rate", lang)),
        text_col("sales_fen", t("channels.col.sales", lang)),
        text_col("commission_fen", t("channels.col.commission", lang)),
        text_col("cost_bp", t("channels.col.cost", lang)),
    ]


def body(shop: Shop, lang: str, days: int, until: str | None) -> tuple[Any, str]:
    tz = shop.timezone()
    day = date.fromisoformat(until) if until else default_until(shop, tz, now_ms())
    start, end = period(day, int(days or 30), tz)
    r = shop.channels(start, end)
    total = r["total"]
    summary = t(
        "channels.summary",
        lang,
        visits=f"{total['visits']:,}",
        bindings=f"{total['bindings']:,}",
        orders=f"{total['orders']:,}",
        sales=money(total["sales_fen"]),
        commission=money(total["commission_fen"]),
        cost=percent_bp(total["cost_bp"]),
    )
    return [
        html.P(
            [
                t("channels.range", lang, days=int(days or 30), end=day.isoformat(), tz=tz),
                html.Br(),
                html.Span(summary, id="ch-summary", className="fw-semibold"),
            ],
            className="text-body-secondary small",
            id="ch-range",
        ),
        dbc.Row(
            dbc.Col(
                card(
                    t("channels.by_channel", lang),
                    graph("ch-graph", channels_figure(r["channels"], lang)),
                )
            ),
            className="g-3 mb-3",
        ),
        dbc.Row(
            [
                dbc.Col(
                    card(
                        t("channels.by_channel", lang),
                        grid(
                            "ch-grid",
                            rows(r["channels"], "channel", lang),
                            columns(t("channels.col.channel", lang), lang),
                            height=300,
                        ),
                    ),
                    lg=12,
                    className="mb-3",
                ),
                dbc.Col(
                    card(
                        t("channels.by_level", lang),
                        grid(
                            "ch-level-grid",
                            rows(r["levels"], "level", lang),
                            columns(t("channels.col.level", lang), lang),
                            height=240,
                        ),
                    ),
                    lg=12,
                ),
            ],
            className="g-3 mb-3",
        ),
        dbc.Alert(t("channels.note", lang), color="light", className="small", id="ch-note"),
    ], day.isoformat()


@callback(
    Output("ch-body", "children"),
    Output("ch-until", "date"),
    Input(SESSION, "data"),
    Input(LANG, "value"),
    Input("ch-period", "value"),
    Input("ch-until", "date"),
)
def render(key: str | None, lang: str, days: int, until: str | None) -> Any:
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return instead, dash.no_update
    try:
        return body(caller.shop, lang, days, until)
    except TeamgraphError as exc:
        return dbc.Alert(error_alert(exc, lang), color="danger"), dash.no_update
