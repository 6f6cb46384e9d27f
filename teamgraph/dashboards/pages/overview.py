"""/: the shop at a glance for merchant and analyst keys: distribution sales, orders,
commission cost and its share, active and new distributors, the visit funnel and the daily
trends of a period (``Shop.overview``, U-1–U-4), and the program's main settings."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, html

from teamgraph.callers import READERS
from teamgraph.dashboards.components import (
    access,
    card,
    error_alert,
    graph,
    kpi_card,
    period_controls,
)
from teamgraph.dashboards.figures import funnel_figure, trends_figure
from teamgraph.dashboards.i18n import DEFAULT_LANG, money, number, percent_bp, t
from teamgraph.dashboards.shell import HOME_PATH, LANG, SESSION
from teamgraph.errors import TeamgraphError
from teamgraph.rules.settings import ProgramSettings
from teamgraph.rules.timeutil import from_ms, to_ms
from teamgraph.shop import Shop

ROLES = READERS
dash.register_page(
    __name__,
    path=HOME_PATH,
    title="teamgraph",
    name="overview",
    nav_key="nav.overview",
    order=0,
    roles=ROLES,
)

PERIOD_DAYS = (7, 30, 90)


def layout(lang: str = DEFAULT_LANG, **_query: Any) -> html.Div:
    choices = [{"label": t("period.days", lang, n=n), "value": n} for n in PERIOD_DAYS]
    controls = period_controls(
        t("overview.title", lang), lang, prefix="ov", choices=choices, value=30
    )
    return html.Div([controls, html.Div(id="overview-body")])


def period(until: date, days: int, tz: str) -> tuple[int, int]:
    """``days`` calendar days ending with ``until`` (inclusive), in the shop's zone."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    end_day = until + timedelta(days=1)
    start_day = end_day - timedelta(days=days)
    zone = ZoneInfo(tz)
    return (
        to_ms(datetime(start_day.year, start_day.month, start_day.day, tzinfo=zone)),
        to_ms(datetime(end_day.year, end_day.month, end_day.day, tzinfo=zone)),
    )


def default_until(shop: Shop, tz: str, now: int) -> date:
    """U-7: the day of the latest order (an imported history shows its data), today without
    orders or when the latest order is today."""
    last = shop.last_order_at()
    return from_ms(min(last, now) if last else now, tz).date()


@callback(
    Output("overview-body", "children"),
    Output("ov-until", "date"),
    Input(SESSION, "data"),
    Input(LANG, "value"),
    Input("ov-period", "value"),
    Input("ov-until", "date"),
)
def render(key: str | None, lang: str, days: int, until: str | None) -> Any:
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return instead, dash.no_update
    shop = caller.shop
    try:
        return body(shop, lang, days, until)
    except TeamgraphError as exc:
        return dbc.Alert(error_alert(exc, lang), color="danger"), dash.no_update


def body(shop: Shop, lang: str, days: int, until: str | None) -> tuple[Any, str]:
    from teamgraph.clock import now_ms

    settings = shop.settings()
    tz = settings.timezone
    day = date.fromisoformat(until) if until else default_until(shop, tz, now_ms())
    start, end = period(day, int(days or 30), tz)
    o = shop.overview(start, end)
    cards = [
        kpi_card(t("kpi.sales", lang), money(o["sales_fen"]), value_id="kpi-sales"),
        kpi_card(t("kpi.orders", lang), number(o["orders"]), value_id="kpi-orders"),
        kpi_card(
            t("kpi.commission", lang),
            html.Span(
                [
                    money(o["commission_fen"]),
                    html.Small(
                        " " + t("kpi.share", lang, share=percent_bp(o["commission_bp"])),
                        className="text-body-secondary fs-6",
                    ),
                ]
            ),
            value_id="kpi-commission",
        ),
        kpi_card(t("kpi.active", lang), number(o["active_distributors"]), value_id="kpi-active"),
        kpi_card(t("kpi.new", lang), number(o["new_distributors"]), value_id="kpi-new"),
    ]
    counts = shop.counts()
    return [
        html.P(
            t("overview.range", lang, start=o["daily"][0]["day"], end=o["daily"][-1]["day"], tz=tz),
            className="text-body-secondary small",
            id="ov-range",
        ),
        dbc.Row([dbc.Col(c, xs=6, md=4, xl=True) for c in cards], className="g-3 mb-4"),
        dbc.Row(
            [
                dbc.Col(
                    card(
                        t("overview.trends", lang),
                        graph("trends-graph", trends_figure(o["daily"], lang)),
                    ),
                    lg=8,
                ),
                dbc.Col(
                    card(
                        t("overview.funnel", lang),
                        html.Div(
                            [
                                graph("funnel-graph", funnel_figure(o["funnel"], lang)),
                                html.P(
                                    t("overview.funnel_note", lang),
                                    className="small text-body-secondary mb-0",
                                    id="funnel-note",
                                ),
                            ]
                        ),
                    ),
                    lg=4,
                ),
            ],
            className="g-3 mb-4",
        ),
        dbc.Row(
            [
                dbc.Col(shop_card(shop.id, counts, lang), lg=6),
                dbc.Col(program_card(settings, lang), lg=6),
            ],
            className="g-3",
        ),
    ], day.isoformat()


def shop_card(shop_id: str, counts: dict[str, int], lang: str) -> dbc.Card:
    rows = [
        ("overview.shop", shop_id, "kpi-shop"),
        ("overview.customers", number(counts["customers"]), "kpi-customers"),
        ("overview.distributors", number(counts["distributors"]), "kpi-distributors"),
        ("overview.orders", number(counts["orders"]), "kpi-all-orders"),
    ]
    return _list_card(t("overview.totals", lang), [(t(k, lang), v, i) for k, v, i in rows])


def program_card(settings: ProgramSettings, lang: str) -> dbc.Card:
    """The program's main settings as a merchant would check them."""
    binding = (
        t("program.binding_forever", lang)
        if settings.binding_days is None
        else t("program.days", lang, n=settings.binding_days)
    )
    mode: Any = t(f"mode.{settings.attribution_mode}", lang)
    if settings.pending is not None:
        pending = t(f"mode.{settings.pending.attribution_mode}", lang)
        mode = html.Span([mode, html.Small(" " + t("mode.pending", lang, mode=pending))])
    rows = [
        (t("overview.mode", lang), mode, "kpi-mode"),
        (t("program.binding", lang), binding, None),
        (t("program.tiers", lang), str(settings.tiers), None),
        (t("program.reward_kind", lang), t(f"reward.{settings.reward_kind}", lang), None),
        (t("program.settle", lang), t("program.days", lang, n=settings.settle_days), None),
        (t("program.levels", lang), str(len(settings.levels)), None),
    ]
    return _list_card(t("program.title", lang), rows, id="program")


def _list_card(title: str, rows: list[tuple[str, Any, str | None]], **kw: Any) -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader(title, className="fw-semibold"),
            dbc.ListGroup(
                [
                    dbc.ListGroupItem(
                        [
                            html.Span(label),
                            _value(value, i),
                        ],
                        className="d-flex justify-content-between",
                    )
                    for label, value, i in rows
                ],
                flush=True,
                **kw,
            ),
        ],
        className="shadow-sm h-100",
    )


def _value(value: Any, id: str | None) -> html.Span:
    if id is None:
        return html.Span(value, className="fw-semibold")
    return html.Span(value, className="fw-semibold", id=id)
