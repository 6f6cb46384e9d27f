"""/audit: the audit log (issue 16) for the merchant and the analyst: every decision with who
made it (the key's name and id, or the program), when, why and what changed, newest first;
filtered by actor (a key id), kind (an action or an object kind), object id and period (days
in the shop's time zone); downloaded as CSV or Excel (formula-like text kept inert, X-1). Reads
``Shop.audit_log``, as ``GET /v1/audit`` does."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from teamgraph.callers import READERS
from teamgraph.dashboards.components import access, error_alert, grid, page_title
from teamgraph.dashboards.i18n import DEFAULT_LANG, number, t, when
from teamgraph.dashboards.shell import LANG, SESSION
from teamgraph.errors import TeamgraphError
from teamgraph.rules.timeutil import to_ms
from teamgraph.sheets import table_bytes
from teamgraph.shop import Shop

ROLES = READERS
dash.register_page(
    __name__,
    path="/audit",
    title="teamgraph",
    name="audit",
    nav_key="nav.audit",
    order=8,
    roles=ROLES,
)

MAX_ROWS = 2000
"""The page shows the newest this many matches; the downloads carry up to 20,000."""
MAX_EXPORT = 20_000
KINDS = ("settings", "distributor", "customer", "withdrawal", "ring", "key")
COLUMNS = ("at", "action", "object", "object_id", "actor", "actor_key", "reason", "before",
           "after", "id")  # fmt: skip


def layout(lang: str = DEFAULT_LANG, **_query: Any) -> html.Div:
    def field(id_: str, label: str, control: Any, md: Any = 2) -> dbc.Col:
        return dbc.Col([dbc.Label(label, html_for=id_, className="small mb-0"), control], md=md)

    bar = dbc.Row(
        [
            field(
                "au-actor",
                t("au.actor", lang),
                dbc.Input(id="au-actor", placeholder="key_…", size="sm", debounce=True),
            ),
            field(
                "au-kind",
                t("au.kind", lang),
                dbc.Input(
                    id="au-kind",
                    placeholder=t("au.kind_hint", lang),
                    size="sm",
                    debounce=True,
                    list="au-kinds",
                ),
            ),
            field(
                "au-object",
                t("au.object", lang),
                dbc.Input(id="au-object", size="sm", debounce=True),
            ),
            field(
                "au-from",
                t("au.from", lang),
                dcc.DatePickerSingle(
                    id="au-from",
                    display_format="YYYY-MM-DD",
                    clearable=True,
                    placeholder=t("au.pick_day", lang),
                ),
                md="auto",
            ),
            field(
                "au-to",
                t("au.to", lang),
                dcc.DatePickerSingle(
                    id="au-to",
                    display_format="YYYY-MM-DD",
                    clearable=True,
                    placeholder=t("au.pick_day", lang),
                ),
                md="auto",
            ),
            dbc.Col(
                html.Div(
                    [
                        dbc.Button(
                            t("au.csv", lang),
                            id="au-csv",
                            color="secondary",
                            outline=True,
                            size="sm",
                        ),
                        dbc.Button(
                            t("au.xlsx", lang),
                            id="au-xlsx",
                            color="secondary",
                            outline=True,
                            size="sm",
                        ),
                    ],
                    className="d-flex gap-2",
                ),
                md="auto",
                className="align-self-end",
            ),
        ],
        className="g-2 mb-2",
    )
    return html.Div(
        [
            page_title(t("nav.audit", lang)),
            html.P(t("au.help", lang), className="small text-body-secondary"),
            html.Datalist(id="au-kinds", children=[html.Option(value=k) for k in KINDS]),
            bar,
            html.Div(id="au-summary", className="small text-body-secondary mb-2"),
            dcc.Download(id="au-download"),
            grid("au-grid", [], columns(lang), height=560),
        ]
    )


def columns(lang: str) -> list[dict[str, Any]]:
    return [
        {"field": "when", "headerName": t("au.col.at", lang), "minWidth": 150},
        {"field": "action", "headerName": t("au.col.action", lang), "width": 170},
        {"field": "object", "headerName": t("au.col.object", lang), "width": 110},
        {"field": "object_id", "headerName": t("au.col.object_id", lang), "width": 150},
        {"field": "actor", "headerName": t("au.col.actor", lang), "width": 130},
        {"field": "actor_key", "headerName": t("au.col.actor_key", lang), "width": 170},
        {"field": "reason", "headerName": t("au.col.reason", lang), "width": 150},
        {"field": "before", "headerName": t("au.col.before", lang), "width": 150},
        {"field": "after", "headerName": t("au.col.after", lang), "width": 150},
    ]


def filters(
    shop: Shop,
    actor: str | None,
    kind: str | None,
    object_id: str | None,
    start: str | None,
    end: str | None,
) -> dict[str, Any]:
    """The page's filters as ``Shop.audit_log`` takes them: days are whole days in the shop's
    time zone, ``end`` included."""
    tz = ZoneInfo(shop.timezone())

    def day(text: str | None, after: bool) -> int | None:
        if not text:
            return None
        d = date.fromisoformat(text[:10]) + timedelta(days=1 if after else 0)
        return to_ms(datetime.combine(d, time(), tzinfo=tz))

    return {
        "actor": (actor or "").strip() or None,
        "kind": (kind or "").strip() or None,
        "object_id": (object_id or "").strip() or None,
        "start": day(start, False),
        "end": day(end, True),
    }


def changes(shop: Shop, limit: int, **query: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while len(items) < limit:
        page = shop.audit_log(**query, limit=min(500, limit - len(items)), cursor=cursor)
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    return items


def rows(items: list[dict[str, Any]], tz: str) -> list[dict[str, Any]]:
    return [
        {
            **c,
            "when": when(c["at"], tz),
            "before": None if c["before"] is None else str(c["before"]),
            "after": None if c["after"] is None else str(c["after"]),
        }
        for c in items
    ]


FILTERS = (
    Input("au-actor", "value"),
    Input("au-kind", "value"),
    Input("au-object", "value"),
    Input("au-from", "date"),
    Input("au-to", "date"),
)


@callback(
    Output("au-grid", "rowData"),
    Output("au-summary", "children"),
    Input(SESSION, "data"),
    Input(LANG, "value"),
    *FILTERS,
)
def render(key: str | None, lang: str, *values: str | None) -> Any:
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return [], instead
    shop = caller.shop
    try:
        items = changes(shop, MAX_ROWS + 1, **filters(shop, *values))
    except TeamgraphError as exc:
        return [], dbc.Alert(error_alert(exc, lang), color="danger", id="au-error")
    more = len(items) > MAX_ROWS
    items = items[:MAX_ROWS]
    summary = t("au.summary_more" if more else "au.summary", lang, n=number(len(items)))
    return rows(items, shop.timezone()), summary


@callback(
    Output("au-download", "data"),
    Input("au-csv", "n_clicks"),
    Input("au-xlsx", "n_clicks"),
    State("au-actor", "value"),
    State("au-kind", "value"),
    State("au-object", "value"),
    State("au-from", "date"),
    State("au-to", "date"),
    State(SESSION, "data"),
    State(LANG, "value"),
    prevent_initial_call=True,
)
def download(_c: Any, _x: Any, *args: Any) -> Any:
    """Every match up to 20,000, the API export's columns, times in the shop's zone."""
    *values, key, lang = args
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        raise PreventUpdate
    fmt = "xlsx" if ctx.triggered_id == "au-xlsx" else "csv"
    return dcc.send_bytes(export(caller.shop, fmt, *values), f"audit.{fmt}")


def export(shop: Shop, fmt: str, *values: str | None) -> bytes:
    """Every match of the page's filters up to 20,000, the API export's columns, times in the
    shop's zone; text cells formula-inert (X-1)."""
    tz = shop.timezone()
    items = changes(shop, MAX_EXPORT, **filters(shop, *values))
    table = [
        [when(c["at"], tz) if col == "at" else _cell(c.get(col)) for col in COLUMNS] for c in items
    ]
    return table_bytes(fmt, COLUMNS, table, sheet="audit")


def _cell(value: Any) -> str | int | None:
    return value if value is None or isinstance(value, str | int) else str(value)
