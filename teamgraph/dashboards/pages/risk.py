"""/risk: fraud rings by score (``Shop.rings``, R-6.2) and one ring's case: its network
(members, shared signals, bindings, invitations, commission between them), the evidence
(score contributions, shared signals), the commission at stake — what flowed inside the group,
the members' other earnings apart (F-3) — and freeze (holding what flowed inside, or all,
F-2) / release (R-6.4, ``Shop.freeze_ring`` / ``release_ring``; merchant and analyst keys),
and the analyst's verdict, fraud or not (issue 18, :mod:`teamgraph.dashboards.ring_review`)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import dash_cytoscape as cyto
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from teamgraph.callers import READERS
from teamgraph.dashboards import ring_review
from teamgraph.dashboards.components import access, card, error_alert, grid, kpi_card, page_title
from teamgraph.dashboards.evidence import plural, sentence, signal_name
from teamgraph.dashboards.i18n import DEFAULT_LANG, money, number, t, when
from teamgraph.dashboards.networks import RING_LAYOUT, ring_elements, ring_stylesheet
from teamgraph.dashboards.shell import LANG, SESSION
from teamgraph.errors import TeamgraphError
from teamgraph.shop import Principal, Shop

ROLES = READERS
dash.register_page(
    __name__,
    path="/risk",
    title="teamgraph",
    name="risk",
    nav_key="nav.risk",
    order=7,
    roles=ROLES,
)

STATUSES = ("open", "frozen", "released")
KINDS = ("self_dealing", "circular", "carousel", "invite_burst", "refund_after_settle",
         "threshold", "shared_signals")  # fmt: skip
MAX_RINGS = 200


def layout(lang: str = DEFAULT_LANG, id: str | None = None, **_query: Any) -> html.Div:
    status = dbc.RadioItems(
        id="risk-status",
        options=[{"label": t("risk.all", lang), "value": "all"}]
        + [{"label": t(f"ring.status.{s}", lang), "value": s} for s in STATUSES],
        value="all",
        inline=True,
        className="btn-group btn-radio",
        inputClassName="btn-check",
        labelClassName="btn btn-sm btn-outline-primary",
        labelCheckedClassName="active",
    )
    return html.Div(
        [
            dbc.Row(
                [dbc.Col(page_title(t("nav.risk", lang)), md=True), dbc.Col(status, md="auto")],
                className="g-3 align-items-center mb-2",
            ),
            dcc.Store(id="risk-selected", data=id),
            dcc.Store(id="risk-version", data=0),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.Div(id="risk-count", className="small text-body-secondary"),
                            grid(
                                "risk-grid",
                                [],
                                ring_columns(lang),
                                height=640,
                                getRowId="params.data.id",
                            ),
                        ],
                        lg=6,
                    ),
                    dbc.Col([html.Div(id="risk-message"), html.Div(id="risk-case")], lg=6),
                ],
                className="g-3",
            ),
        ]
    )


# -- tables --------------------------------------------------------------------------------------
def _kind(kind: str, lang: str) -> str:
    return t(f"ring.kind.{kind}", lang) if kind in KINDS else kind


def ring_rows(rings: list[dict[str, Any]], tz: str, lang: str) -> list[dict[str, Any]]:
    return [
        {
            "id": r["id"],
            "score": int(r["score"]),
            "status": t(f"ring.status.{r['status']}", lang),
            "kinds": ", ".join(_kind(k, lang) for k in r["kinds"]),
            "members": int(r["members"]),
            "distributors": int(r["distributors"]),
            "at_stake_fen": int(r["at_stake"]["total_fen"]),
            "at_stake_fen_text": money(int(r["at_stake"]["total_fen"])),
            "found": when(r.get("found_at"), tz),
            "verdict": ring_review.verdict_cell(r, lang),
        }
        for r in rings
    ]


def ring_columns(lang: str) -> list[dict[str, Any]]:
    """Narrow enough for the list's half of the page (issue 17: ids and amounts were clipped):
    headers wrap, numbers take what they need, the kinds the rest."""
    wrap = {"wrapHeaderText": True, "autoHeaderHeight": True, "filter": False}
    return [
        {
            "field": "score",
            "headerName": t("ring.col.score", lang),
            "minWidth": 80,
            "sort": "desc",
        }
        | wrap,
        {
            "field": "id",
            "headerName": t("ring.col.id", lang),
            "cellClass": "link-cell",
            "minWidth": 100,
        }
        | wrap,
        {"field": "kinds", "headerName": t("ring.col.kinds", lang), "minWidth": 84, "flex": 1}
        | wrap,
        {
            "field": "members",
            "headerName": t("ring.col.members", lang),
            "minWidth": 64,
        }
        | wrap,
        {
            "field": "at_stake_fen",
            "headerName": t("ring.col.at_stake", lang),
            "valueFormatter": {"function": "params.data['at_stake_fen_text']"},
            "type": "rightAligned",
            "minWidth": 104,
        }
        | wrap,
        {"field": "status", "headerName": t("ring.col.status", lang), "minWidth": 70} | wrap,
        ring_review.verdict_column(lang),
    ]


def ring_list(shop: Shop, status: str | None, lang: str) -> tuple[list[dict[str, Any]], str]:
    tz = shop.timezone()
    rings = shop.rings(status=status, limit=MAX_RINGS)
    return ring_rows(rings, tz, lang), t("risk.count", lang, n=number(len(rings)))


# -- one ring ------------------------------------------------------------------------------------
def ring_case(shop: Shop, ring_id: str, who: Principal, lang: str) -> list[Any]:
    """Everything the page shows for one ring."""
    tz = shop.timezone()
    ring = shop.ring(ring_id)
    frozen = ring["status"] == "frozen"
    badge = dbc.Badge(
        t(f"ring.status.{ring['status']}", lang),
        color={"open": "warning", "frozen": "danger", "released": "secondary"}[ring["status"]],
        id="ring-status",
        className="ms-2",
    )
    head = html.Div(
        [
            html.H4([t("risk.ring", lang, id=ring["id"]), badge], className="mb-1"),
            html.Div(
                t(
                    "risk.summary",
                    lang,
                    score=ring["score"],
                    members=number(int(ring["members"])),
                    distributors=plural("risk.distributors", int(ring["distributors"]), lang),
                    found=when(ring.get("found_at"), tz),
                    kinds=", ".join(_kind(k, lang) for k in ring["kinds"]),
                ),
                className="small text-body-secondary",
            ),
        ],
        className="mb-3",
    )
    stakes = money_view(ring, lang)
    hold = ring.get("hold") or "inside"
    decide = html.Div(
        [
            dbc.RadioItems(
                id="ring-hold",
                options=[
                    {"label": t(f"risk.hold.{h}", lang), "value": h} for h in ("inside", "all")
                ],
                value=hold,
                inline=True,
                className="small mb-2",
                style={"display": "none"} if frozen else None,
            ),
            html.Div(
                t("risk.holding", lang, hold=t(f"risk.hold.{hold}", lang)),
                id="ring-holding",
                className="small mb-2",
            )
            if frozen
            else None,
            dbc.InputGroup(
                [
                    dbc.Input(id="ring-reason", placeholder=t("risk.reason", lang)),
                    dbc.Button(
                        t("risk.release" if frozen else "risk.freeze", lang),
                        id="ring-decide",
                        color="secondary" if frozen else "danger",
                    ),
                ],
            ),
        ],
        className="mb-3",
    )
    network = card(
        t("risk.network", lang),
        [
            cyto.Cytoscape(
                id="ring-network",
                elements=ring_elements(ring, lang),
                layout=RING_LAYOUT,
                stylesheet=ring_stylesheet(),
                style={"width": "100%", "height": "360px"},
            ),
            html.Div(edge_legend(lang), className="small mt-2"),
        ],
        fill=False,
        class_name="mb-3",
    )
    evidence = card(
        t("risk.evidence", lang),
        [
            html.Ul(
                [
                    html.Li(
                        [
                            html.Strong(f"+{c['points']} "),
                            signal_name(str(c["signal"]), lang),
                            html.Span(
                                f" · {said}" if (said := sentence(c, lang)) else "",
                                className="text-body-secondary",
                            ),
                        ]
                    )
                    for c in ring["contributions"]
                ],
                id="ring-evidence",
                className="mb-2",
            ),
            shared_table(ring, lang),
        ],
        fill=False,
        class_name="mb-3",
    )
    changes = (
        html.Ul(
            [
                html.Li(
                    " · ".join(
                        x
                        for x in (
                            when(c["at"], tz),
                            c.get("actor") or "",
                            ring_review.change_word(c, lang) + _hold_note(c, lang),
                            c.get("reason") or "",
                        )
                        if x
                    )
                )
                for c in ring.get("changes") or []
            ],
            className="small mb-0",
            id="ring-changes",
        )
        if ring.get("changes")
        else html.P(t("risk.no_changes", lang), className="small text-body-secondary mb-0")
    )
    return [
        head,
        stakes,
        decide,
        ring_review.review_panel(ring, tz, lang),
        network,
        evidence,
        card(t("risk.decisions", lang), changes, fill=False),
    ]


HOLDS = ("inside", "all")


def _hold_note(change: dict[str, Any], lang: str) -> str:
    """A freeze's scope beside it in the decisions (F-2); older freezes had no choice."""
    hold = change.get("hold")
    if change["action"] != "ring.freeze" or hold not in HOLDS:
        return ""
    return " (" + t(f"risk.hold.{hold}", lang) + ")"


def money_view(ring: dict[str, Any], lang: str) -> Any:
    """F-3: what flowed inside the group (at stake) by status, net of refunds, and the scan's
    gross measure; below, the members' other earnings, which a freeze holding only what
    flowed inside leaves alone."""
    stake, other = ring["at_stake"], ring["outside"]
    figures = (
        ("risk.pending", stake["pending_fen"], "ring-pending"),
        ("risk.held", stake["held_fen"], "ring-held"),
        ("risk.settled", stake["settled_fen"], "ring-settled"),
        ("risk.inside", stake["inside_fen"], "ring-inside"),
    )
    return html.Div(
        [
            html.Div(
                t("risk.at_stake", lang, total=money(stake["total_fen"])),
                className="small fw-semibold mb-1",
                id="ring-at-stake",
            ),
            dbc.Row(
                [
                    dbc.Col(kpi_card(t(k, lang), money(v), value_id=i), xs=6, xxl=3)
                    for k, v, i in figures
                ],
                className="g-2 mb-2",
            ),
            html.Div(
                t(
                    "risk.outside",
                    lang,
                    total=money(other["total_fen"]),
                    pending=money(other["pending_fen"]),
                    held=money(other["held_fen"]),
                    settled=money(other["settled_fen"]),
                ),
                className="small text-body-secondary",
                id="ring-outside",
            ),
        ],
        className="mb-3",
    )


def shared_table(ring: dict[str, Any], lang: str) -> Any:
    """The identity values the members share; when they share none (a cycle of bindings, a
    burst on a device already gone) a sentence saying what the evidence is instead."""
    if not ring["signals"]:
        cycle = "circular" in ring["kinds"]
        return html.P(
            t("risk.no_shared.circular" if cycle else "risk.no_shared", lang),
            className="small text-body-secondary mb-0",
            id="ring-no-shared",
        )
    return dbc.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th(t("risk.signal", lang)),
                        html.Th(t("risk.value", lang)),
                        html.Th(t("risk.shared_by", lang)),
                    ]
                )
            ),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(
                                t(f"signal.{s['kind']}", lang)
                                if s["kind"] in SIGNALS
                                else s["kind"]
                            ),
                            html.Td(html.Code(str(s["value"]))),
                            html.Td(
                                ", ".join(s["members"][:8])
                                + (" …" if len(s["members"]) > 8 else "")
                            ),
                        ]
                    )
                    for s in ring["signals"]
                ]
            ),
        ],
        size="sm",
        className="mb-0",
        id="ring-signals",
    )


SIGNALS = ("device", "phone", "address", "account", "ip")


def edge_legend(lang: str) -> list[Any]:
    from teamgraph.dashboards.networks import EDGE_COLOURS

    return [
        html.Span(
            [
                html.Span(className="legend-dot", style={"backgroundColor": c}),
                t(f"ring.edge.{k}", lang),
            ],
            className="me-3",
        )
        for k, c in EDGE_COLOURS.items()
    ]


# -- callbacks -----------------------------------------------------------------------------------
@callback(
    Output("risk-grid", "rowData"),
    Output("risk-count", "children"),
    Input(SESSION, "data"),
    Input(LANG, "value"),
    Input("risk-status", "value"),
    Input("risk-version", "data"),
)
def render_list(key: str | None, lang: str, status: str, _v: int) -> Any:
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return [], instead
    try:
        return ring_list(caller.shop, None if status == "all" else status, lang)
    except TeamgraphError as exc:
        return [], dbc.Alert(error_alert(exc, lang), color="danger")


@callback(
    Output("risk-selected", "data"),
    Input("risk-grid", "cellClicked"),
    Input("risk-grid", "rowData"),
    State("risk-selected", "data"),
    prevent_initial_call=True,
)
def select(
    cell: dict[str, Any] | None, rows: list[dict[str, Any]] | None, current: str | None
) -> Any:
    """A click picks a ring; without a pick, the highest score is shown."""
    clicked = any(x["prop_id"] == "risk-grid.cellClicked" for x in ctx.triggered)
    if clicked and cell and cell.get("rowId"):
        return cell["rowId"]
    if current or not rows:
        raise PreventUpdate
    return max(rows, key=lambda r: (r["score"], r["id"]))["id"]


@callback(
    Output("risk-case", "children"),
    Input("risk-selected", "data"),
    Input("risk-version", "data"),
    Input(LANG, "value"),
    State(SESSION, "data"),
)
def render_case(ring_id: str | None, _v: int, lang: str, key: str | None) -> Any:
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return None
    if not ring_id:
        return dbc.Alert(t("risk.none", lang), color="info", id="risk-none")
    try:
        return ring_case(caller.shop, ring_id, caller.principal, lang)
    except TeamgraphError as exc:
        return dbc.Alert(error_alert(exc, lang), color="warning")


@callback(
    Output("risk-version", "data"),
    Output("risk-message", "children"),
    Input("ring-decide", "n_clicks"),
    State("risk-selected", "data"),
    State("ring-reason", "value"),
    State("ring-hold", "value"),
    State("risk-version", "data"),
    State(SESSION, "data"),
    State(LANG, "value"),
    prevent_initial_call=True,
)
def decide(
    clicks: Any,
    ring_id: str | None,
    reason: str | None,
    hold: str | None,
    version: int,
    key: str | None,
    lang: str,
) -> Any:
    """The one button freezes an open or released ring (holding what the choice beside it
    says, F-2) and releases a frozen one."""
    if not ring_id or not clicks:
        raise PreventUpdate
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        raise PreventUpdate
    shop = caller.shop
    try:
        action = "release" if shop.ring(ring_id)["status"] == "frozen" else "freeze"
        act(
            shop,
            ring_id,
            action,
            caller.principal,
            (reason or "").strip() or None,
            hold=hold or "inside",
        )
    except TeamgraphError as exc:
        return dash.no_update, dbc.Alert(error_alert(exc, lang), color="danger")
    done = t("risk.done_freeze" if action == "freeze" else "risk.done_release", lang, id=ring_id)
    return (version or 0) + 1, dbc.Alert(done, color="success", id="ring-done", duration=8000)


def act(
    shop: Shop,
    ring_id: str,
    action: str,
    who: Principal,
    reason: str | None,
    *,
    hold: str = "inside",
) -> None:
    """Freeze (holding ``hold``, F-2) or release, as the logged-in key (the audit names its
    id and name)."""
    actor = who.actor
    if action == "freeze":
        shop.freeze_ring(ring_id, actor=actor, reason=reason, hold=hold)
    else:
        shop.release_ring(ring_id, actor=actor, reason=reason)
