"""/: the shop at a glance for merchant and analyst keys; "My team" for a distributor key."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from teamgraph.dashboards import context
from teamgraph.dashboards.components import error_alert, kpi_card, login_prompt
from teamgraph.dashboards.figures import rewards_figure, team_depth_figure
from teamgraph.dashboards.i18n import DEFAULT_LANG, number, t
from teamgraph.dashboards.shell import HOME_PATH, LANG, SESSION
from teamgraph.errors import AuthError, TeamgraphError
from teamgraph.rules.settings import ProgramSettings
from teamgraph.shop import Principal, Shop

dash.register_page(
    __name__, path=HOME_PATH, title="teamgraph", name="overview", nav_key="nav.overview", order=0
)

GRAPH_CONFIG: dcc.Graph.Config = {"displaylogo": False, "responsive": True}


def layout(lang: str = DEFAULT_LANG, **_query: Any) -> html.Div:
    return html.Div(id="overview-body")


@callback(Output("overview-body", "children"), Input(SESSION, "data"), Input(LANG, "value"))
def render(key: str | None, lang: str) -> Any:
    try:
        shop, who = context.shop_for(key)
    except AuthError:
        return login_prompt(lang)
    try:
        if who.role == "distributor":
            return my_team(shop, who, lang)
        return shop_overview(shop, lang)
    except TeamgraphError as exc:
        return dbc.Alert(error_alert(exc, lang), color="danger")


def shop_overview(shop: Shop, lang: str) -> list[Any]:
    counts = shop.counts()
    settings = shop.settings()
    mode: Any = t(f"mode.{settings.attribution_mode}", lang)
    if settings.pending is not None:
        pending = t(f"mode.{settings.pending.attribution_mode}", lang)
        mode = html.Span([mode, html.Small(" " + t("mode.pending", lang, mode=pending))])
    cards = [
        kpi_card(t("overview.shop", lang), shop.id, value_id="kpi-shop"),
        kpi_card(
            t("overview.customers", lang), number(counts["customers"]), value_id="kpi-customers"
        ),
        kpi_card(
            t("overview.distributors", lang),
            number(counts["distributors"]),
            value_id="kpi-distributors",
        ),
        kpi_card(t("overview.orders", lang), number(counts["orders"]), value_id="kpi-orders"),
        kpi_card(t("overview.mode", lang), mode, value_id="kpi-mode"),
    ]
    levels = [level.model_dump() for level in settings.levels]
    figure = rewards_figure(levels, settings.reward_basis, lang)
    chart = dbc.Card(
        dbc.CardBody(dcc.Graph(id="rewards-graph", figure=figure, config=GRAPH_CONFIG)),
        className="shadow-sm h-100",
    )
    return [
        html.H2(t("overview.title", lang), className="h3 mb-3"),
        dbc.Row([dbc.Col(c, xs=6, md=4, xl=True) for c in cards], className="g-3 mb-4"),
        dbc.Row(
            [dbc.Col(chart, lg=8), dbc.Col(program_card(settings, lang), lg=4)],
            className="g-3",
        ),
    ]


def program_card(settings: ProgramSettings, lang: str) -> dbc.Card:
    """The program's main settings as a merchant would check them."""
    binding = (
        t("program.binding_forever", lang)
        if settings.binding_days is None
        else t("program.days", lang, n=settings.binding_days)
    )
    rows = [
        ("program.binding", binding),
        ("program.tiers", str(settings.tiers)),
        ("program.reward_kind", t(f"reward.{settings.reward_kind}", lang)),
        ("program.settle", t("program.days", lang, n=settings.settle_days)),
        ("program.levels", str(len(settings.levels))),
    ]
    return dbc.Card(
        [
            dbc.CardHeader(t("program.title", lang), className="fw-semibold"),
            dbc.ListGroup(
                [
                    dbc.ListGroupItem(
                        [html.Span(t(label, lang)), html.Span(value, className="fw-semibold")],
                        className="d-flex justify-content-between",
                    )
                    for label, value in rows
                ],
                flush=True,
                id="program",
            ),
        ],
        className="shadow-sm h-100",
    )


def my_team(shop: Shop, who: Principal, lang: str) -> dbc.Card:
    """A placeholder until the team view: the distributor's id and its team per depth."""
    me = who.distributor_id or ""  # a distributor key always names its distributor
    rows = shop.team_by_depth(me)
    total = sum(int(r["distributors"]) for r in rows)
    if rows:
        table = dbc.Table(
            [
                html.Thead(
                    html.Tr([html.Th(t("team.depth", lang)), html.Th(t("team.count", lang))])
                ),
                html.Tbody(
                    [
                        html.Tr(
                            [
                                html.Td(t("team.depth_n", lang, n=r["depth"])),
                                html.Td(number(r["distributors"])),
                            ]
                        )
                        for r in rows
                    ]
                ),
            ],
            id="team-depth-table",
            size="sm",
            striped=True,
            className="mb-0",
        )
        detail = dbc.Row(
            [
                dbc.Col(table, md=4),
                dbc.Col(
                    dcc.Graph(
                        id="team-graph",
                        figure=team_depth_figure(rows, lang, height=280),
                        config=GRAPH_CONFIG,
                    ),
                    md=8,
                ),
            ],
            className="g-3 align-items-center",
        )
    else:
        detail = html.P(t("team.empty", lang), className="text-body-secondary")
    return dbc.Card(
        [
            dbc.CardHeader(html.H4(t("team.title", lang), className="mb-0")),
            dbc.CardBody(
                [
                    dbc.Row(
                        [
                            dbc.Col(
                                kpi_card(t("team.id", lang), me, value_id="team-id"), xs=6, md=3
                            ),
                            dbc.Col(
                                kpi_card(
                                    t("team.total", lang), number(total), value_id="team-total"
                                ),
                                xs=6,
                                md=3,
                            ),
                        ],
                        className="g-3 mb-3",
                    ),
                    detail,
                    html.P(t("team.soon", lang), className="text-body-secondary small mt-3 mb-0"),
                ]
            ),
        ],
        id="my-team",
        className="shadow-sm",
    )
