"""/cohorts: distributors grouped by the month they became one (issue 17; ``Shop.cohorts``,
U-12): each cohort's active share, sales and commission in its first three 30-day windows, as a
heatmap and a table."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

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
from teamgraph.dashboards.report_figures import cohorts_figure
from teamgraph.dashboards.shell import LANG, SESSION
from teamgraph.errors import TeamgraphError
from teamgraph.rules.timeutil import from_ms, to_ms
from teamgraph.shop import Shop

ROLES = READERS
dash.register_page(
    __name__,
    path="/cohorts",
    title="teamgraph",
    name="cohorts",
    nav_key="nav.cohorts",
    order=15,
    roles=ROLES,
)

PERIOD_MONTHS = (3, 6, 12)


def layout(lang: str = DEFAULT_LANG, **_query: Any) -> html.Div:
    choices = [{"label": t("cohorts.months", lang, n=n), "value": n} for n in PERIOD_MONTHS]
    controls = period_controls(
        t("cohorts.title", lang), lang, prefix="co", choices=choices, value=6
    )
    return html.Div([controls, html.Div(id="co-body")])


def months_period(until: date, months: int, tz: str) -> tuple[int, int]:
    """The ``months`` calendar months ending with the one holding ``until``, in the shop's
    zone: ``[first day 00:00, the next month's first day 00:00)``."""
    zone = ZoneInfo(tz)
    index = until.year * 12 + until.month - 1
    first, nxt = index - months + 1, index + 1
    return (
        to_ms(datetime(first // 12, first % 12 + 1, 1, tzinfo=zone)),
        to_ms(datetime(nxt // 12, nxt % 12 + 1, 1, tzinfo=zone)),
    )


def rows(cohorts: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """One grid row per cohort: per window its active share (basis points beside ``%`` text,
    "not started" when no member has started it), sales and commission (fen beside ``¥``)."""
    out = []
    for c in cohorts:
        row: dict[str, Any] = {"month": c["month"], "distributors": c["distributors"]}
        for w in c["windows"]:
            k = w["window"]
            share = w["active_bp"]
            row[f"active_{k}"] = share if share is not None else -1
            row[f"active_{k}_text"] = (
                t("cohorts.not_started", lang)
                if share is None
                else f"{percent_bp(share)} ({w['active']}/{w['started']})"
                + ("" if w["complete"] else " " + t("cohorts.running", lang))
            )
            for f in ("sales_fen", "commission_fen"):
                row[f"{f}_{k}"] = int(w[f])
                row[f"{f}_{k}_text"] = money(int(w[f]))
        out.append(row)
    return out


def columns(lang: str) -> list[dict[str, Any]]:
    def text_col(field: str, header: str) -> dict[str, Any]:
        return {
            "field": field,
            "headerName": header,
            "type": "rightAligned",
            "valueFormatter": {"function": f"params.data['{field}_text']"},
            "filter": "agNumberColumnFilter",
            "minWidth": 110,
        }

    cols: list[dict[str, Any]] = [
        {"field": "month", "headerName": t("cohorts.col.month", lang), "pinned": "left",
         "minWidth": 110},
        {"field": "distributors", "headerName": t("cohorts.col.distributors", lang),
         "type": "numericColumn", "minWidth": 110},
    ]  # fmt: skip
    for k in (1, 2, 3):  # one header group per window: its active share, sales, commission
        cols.append(
            {
                "headerName": t("cohorts.window", lang, n=k),
                "children": [
                    text_col(f"active_{k}", t("cohorts.col.active", lang)) | {"minWidth": 150},
                    text_col(f"sales_fen_{k}", t("cohorts.col.sales", lang)),
                    text_col(f"commission_fen_{k}", t("cohorts.col.commission", lang)),
                ],
            }
        )
    return cols


def body(shop: Shop, lang: str, months: int, until: str | None) -> tuple[Any, str]:
    tz = shop.timezone()
    now = now_ms()
    day = date.fromisoformat(until) if until else from_ms(now, tz).date()
    start, end = months_period(day, int(months or 6), tz)
    r = shop.cohorts(start, end, now=now)
    cohorts = list(reversed(r["cohorts"]))  # newest first, as the heatmap shows them
    if not cohorts:
        content: list[Any] = [
            dbc.Alert(t("cohorts.empty", lang), color="info", id="co-empty"),
        ]
    else:
        content = [
            dbc.Row(
                dbc.Col(
                    card(
                        t("cohorts.heatmap", lang),
                        graph("co-graph", cohorts_figure(cohorts, lang)),
                    )
                ),
                className="g-3 mb-3",
            ),
            dbc.Row(
                dbc.Col(
                    card(
                        t("cohorts.table", lang),
                        grid("co-grid", rows(cohorts, lang), columns(lang), height=320),
                    )
                ),
                className="g-3 mb-3",
            ),
        ]
    return [
        html.P(
            t(
                "cohorts.range",
                lang,
                start=from_ms(start, tz).strftime("%Y-%m"),
                end=from_ms(end - 1, tz).strftime("%Y-%m"),
                tz=tz,
            ),
            className="text-body-secondary small",
            id="co-range",
        ),
        *content,
        dbc.Alert(t("cohorts.note", lang), color="light", className="small", id="co-note"),
    ], day.isoformat()


@callback(
    Output("co-body", "children"),
    Output("co-until", "date"),
    Input(SESSION, "data"),
    Input(LANG, "value"),
    Input("co-period", "value"),
    Input("co-until", "date"),
)
def render(key: str | None, lang: str, months: int, until: str | None) -> Any:
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return instead, dash.no_update
    try:
        return body(caller.shop, lang, months, until)
    except TeamgraphError as exc:
        return dbc.Alert(error_alert(exc, lang), color="danger"), dash.no_update
