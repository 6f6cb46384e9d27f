"""/products: the shop's products for merchant keys (issue 17): the list (``GET /v1/products``'s
``Shop.products``), a form that creates a product or edits the one selected (price and cost in
yuan, its own reward as a rate or an amount, R-3.2 / R-3.5; with points or balance rewards only
an amount), and an import from a file through the ETL's own loader (``teamgraph load products
FILE``: ``teamgraph.etl.importer.load_file``), whose refused rows are shown with their reasons.

Saving is ``Shop.upsert_product``, as ``POST /v1/products``: its errors (the R-3.3 cap, …) are said
in the UI's language by :mod:`teamgraph.dashboards.messages`."""

from __future__ import annotations

import base64
import binascii
import csv
import tempfile
from pathlib import Path
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from teamgraph.callers import MERCHANT
from teamgraph.dashboards.components import access, card, grid, page_title
from teamgraph.dashboards.i18n import DEFAULT_LANG, money, percent_bp, t
from teamgraph.dashboards.messages import error_alert
from teamgraph.dashboards.pages.settings import parse_percent, parse_yuan, percent_text, yuan_text
from teamgraph.dashboards.shell import LANG, SESSION
from teamgraph.errors import TeamgraphError, ValidationError
from teamgraph.etl import importer
from teamgraph.shop import Shop

ROLES = MERCHANT
dash.register_page(
    __name__,
    path="/products",
    title="teamgraph",
    name="products",
    nav_key="nav.products",
    order=13,
    roles=ROLES,
)

MAX_LISTED = 5_000
"""The list reads this many products at most (ten pages of the API's largest)."""
MAX_UPLOAD = 20 * 1024 * 1024
REWARD_TYPES = ("none", "rate", "amount")
MONEY_UNITS = ("yuan", "fen")
SUFFIXES = (".csv", ".xlsx", ".parquet", ".jsonl")


def _col(field: str, header: str, width: int, **more: Any) -> dict[str, Any]:
    return {"field": field, "headerName": header, "width": width, **more}


def columns(lang: str) -> list[dict[str, Any]]:
    return [
        _col("id", t("pd.col.id", lang), 140, checkboxSelection=True),
        _col("name", t("pd.col.name", lang), 200),
        _col("price", t("pd.col.price", lang), 120, type="rightAligned"),
        _col("cost", t("pd.col.cost", lang), 120, type="rightAligned"),
        _col("reward", t("pd.col.reward", lang), 180),
    ]


def all_products(shop: Shop) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while len(items) < MAX_LISTED:
        page = shop.products(limit=500, cursor=cursor)
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    return items


def reward_text(p: dict[str, Any], kind: str, lang: str) -> str:
    """The product's own reward as the list shows it; the level's default when it has none."""
    if p["reward_bp"] is not None:
        return percent_bp(p["reward_bp"])
    if p["reward_fen"] is not None:
        if kind == "points":
            return t("set.preview.points", lang, n=p["reward_fen"])
        return t("pd.per_unit", lang, amount=money(p["reward_fen"]))
    return t("pd.level_default", lang)


def rows(shop: Shop, lang: str) -> list[dict[str, Any]]:
    kind = shop.settings().reward_kind
    return [
        {
            **p,
            "price": money(p["price_fen"]),
            "cost": money(p["cost_fen"]),
            "reward": reward_text(p, kind, lang),
        }
        for p in all_products(shop)
    ]


def form_of(p: dict[str, Any] | None, kind: str) -> tuple[str, str, str, str, str, str]:
    """The form's values (id, name, price, cost, reward type, reward) for product ``p``."""
    if p is None:
        return "", "", "", "", "none", ""
    if p.get("reward_bp") is not None:
        rtype, reward = "rate", percent_text(p["reward_bp"])
    elif p.get("reward_fen") is not None:
        rtype = "amount"
        reward = str(p["reward_fen"]) if kind == "points" else yuan_text(p["reward_fen"])
    else:
        rtype, reward = "none", ""
    cost = "" if p.get("cost_fen") is None else yuan_text(p["cost_fen"])
    return p["id"], p.get("name") or "", yuan_text(p["price_fen"]), cost, rtype, reward


def product_of(values: tuple[Any, Any, Any, Any, Any, Any], kind: str) -> dict[str, Any]:
    """``Shop.upsert_product``'s arguments from the form (yuan and % parsed exactly)."""
    pid, name, price, cost, rtype, reward = ("" if v is None else str(v).strip() for v in values)
    if not pid:
        raise ValidationError("ui.required", "id: required", field="id", params={})
    out: dict[str, Any] = {
        "product_id": pid,
        "name": name or None,
        "price_fen": parse_yuan(price or "0", "price"),
        "cost_fen": parse_yuan(cost, "cost") if cost else None,
        "reward_bp": None,
        "reward_fen": None,
    }
    if rtype == "rate":
        out["reward_bp"] = parse_percent(reward, "reward")
    elif rtype == "amount":
        if kind == "points":
            if not reward.isdigit():
                raise ValidationError(
                    "ui.number", f"reward: {reward!r}", field="reward", params={"text": reward}
                )
            out["reward_fen"] = int(reward)
        else:
            out["reward_fen"] = parse_yuan(reward, "reward")
    return out


def layout(lang: str = DEFAULT_LANG, **_query: Any) -> html.Div:
    def box(label: str, control: Any, md: int = 6) -> dbc.Col:
        return dbc.Col([dbc.Label(label, className="small mb-0"), control], md=md, className="mb-2")

    form = card(
        t("pd.form", lang),
        [
            dbc.Row(
                [
                    box(t("pd.col.id", lang), dbc.Input(id="pd-id")),
                    box(t("pd.col.name", lang), dbc.Input(id="pd-name")),
                    box(t("pd.price", lang), dbc.Input(id="pd-price", inputMode="decimal")),
                    box(t("pd.cost", lang), dbc.Input(id="pd-cost", inputMode="decimal")),
                    box(
                        t("pd.reward_type", lang),
                        dbc.Select(
                            id="pd-reward-type",
                            value="none",
                            options=[
                                {"label": t(f"pd.reward_type.{x}", lang), "value": x}
                                for x in REWARD_TYPES
                            ],
                        ),
                    ),
                    box(t("pd.reward", lang), dbc.Input(id="pd-reward", inputMode="decimal")),
                ],
                className="g-2",
            ),
            html.Div(id="pd-reward-help", className="form-text mb-2"),
            dbc.Button(t("pd.save", lang), id="pd-save", color="primary", className="me-2"),
            dbc.Button(t("pd.new", lang), id="pd-new", color="secondary", outline=True),
            html.Div(id="pd-message", className="mt-3"),
        ],
        fill=False,
        class_name="mb-3",
    )
    upload = card(
        t("pd.import", lang),
        [
            html.P(t("pd.import_help", lang), className="small text-body-secondary"),
            dbc.Label(t("pd.money", lang), html_for="pd-money", className="small mb-0"),
            dbc.Select(
                id="pd-money",
                value="yuan",
                options=[{"label": t(f"pd.money.{x}", lang), "value": x} for x in MONEY_UNITS],
                className="mb-2",
            ),
            dcc.Upload(
                id="pd-upload",
                children=html.Div(t("pd.drop", lang)),
                className="border border-2 rounded p-3 text-center text-body-secondary",
                style={"borderStyle": "dashed"},
                max_size=MAX_UPLOAD,
            ),
            html.Div(id="pd-import-result", className="mt-3"),
        ],
        fill=False,
    )
    return html.Div(
        [
            page_title(t("nav.products", lang)),
            dcc.Store(id="pd-version", data=0),
            dbc.Row(
                [
                    dbc.Col(html.Div(id="pd-list"), lg=7),
                    dbc.Col([form, upload], lg=5),
                ],
                className="g-3",
            ),
        ]
    )


@callback(
    Output("pd-list", "children"),
    Output("pd-reward-help", "children"),
    Input(SESSION, "data"),
    Input(LANG, "value"),
    Input("pd-version", "data"),
)
def load(key: str | None, lang: str, _v: int) -> Any:
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return instead, ""
    shop = caller.shop
    settings = shop.settings()
    help_key = "pd.help.points" if settings.reward_kind == "points" else "pd.help.money"
    listing = grid(
        "pd-grid",
        rows(shop, lang),
        columns(lang),
        dashGridOptions={"rowSelection": "single", "pagination": True, "paginationPageSize": 50},
        getRowId="params.data.id",
        height=560,
    )
    return card(t("pd.list", lang), listing, fill=False), t(help_key, lang)


@callback(
    Output("pd-id", "value"),
    Output("pd-name", "value"),
    Output("pd-price", "value"),
    Output("pd-cost", "value"),
    Output("pd-reward-type", "value"),
    Output("pd-reward", "value"),
    Input("pd-grid", "selectedRows"),
    Input("pd-new", "n_clicks"),
    State(SESSION, "data"),
    State(LANG, "value"),
    prevent_initial_call=True,
)
def pick(selected: list[dict[str, Any]] | None, _new: Any, key: str | None, lang: str) -> Any:
    """A selected row fills the form (to edit it); "new" empties it."""
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        raise PreventUpdate
    if dash.ctx.triggered_id == "pd-new" or not selected:
        return form_of(None, "cash")
    kind = caller.shop.settings().reward_kind
    return form_of(caller.shop.product(selected[0]["id"]), kind)


@callback(
    Output("pd-message", "children"),
    Output("pd-version", "data"),
    Input("pd-save", "n_clicks"),
    State("pd-id", "value"),
    State("pd-name", "value"),
    State("pd-price", "value"),
    State("pd-cost", "value"),
    State("pd-reward-type", "value"),
    State("pd-reward", "value"),
    State("pd-version", "data"),
    State(SESSION, "data"),
    State(LANG, "value"),
    prevent_initial_call=True,
)
def save(_clicks: Any, *args: Any) -> Any:
    *values, version, key, lang = args
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return instead, dash.no_update
    shop = caller.shop
    try:
        settings = shop.settings()
        product = product_of(tuple(values), settings.reward_kind)
        saved = shop.upsert_product(**product)
    except TeamgraphError as exc:
        return dbc.Alert(
            error_alert(exc, lang, title_key="pd.invalid", tz=shop.timezone()),
            color="danger",
            id="pd-error",
        ), dash.no_update
    return dbc.Alert(t("pd.saved", lang, id=saved["id"]), color="success", id="pd-saved"), (
        version or 0
    ) + 1


def rejected_rows(path: Path | None) -> list[dict[str, str]]:
    """The rows the loader refused, as its ``<file>.rejects.csv`` has them."""
    if path is None or not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@callback(
    Output("pd-import-result", "children"),
    Output("pd-version", "data", allow_duplicate=True),
    Input("pd-upload", "contents"),
    State("pd-upload", "filename"),
    State("pd-money", "value"),
    State("pd-version", "data"),
    State(SESSION, "data"),
    State(LANG, "value"),
    prevent_initial_call=True,
)
def import_file(
    contents: str | None,
    filename: str | None,
    unit: str,
    version: int,
    key: str | None,
    lang: str,
) -> Any:
    if not contents:
        raise PreventUpdate
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return instead, dash.no_update
    name = Path(filename or "products.csv").name
    if Path(name).suffix.lower() not in SUFFIXES:
        return dbc.Alert(t("pd.bad_file", lang), color="danger", id="pd-import-error"), (
            dash.no_update
        )
    try:
        data = base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (IndexError, binascii.Error, ValueError):
        return dbc.Alert(t("pd.bad_file", lang), color="danger", id="pd-import-error"), (
            dash.no_update
        )
    with tempfile.TemporaryDirectory(prefix="teamgraph-products-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            result = importer.load_file(
                caller.shop,
                "products",
                path,
                importer.Options(money=unit),  # type: ignore[arg-type]
            )
        except TeamgraphError as exc:
            return dbc.Alert(
                error_alert(exc, lang, title_key="pd.import_failed"),
                color="danger",
                id="pd-import-error",
            ), dash.no_update
        refused = rejected_rows(result.rejects)
    summary = t(
        "pd.import_summary",
        lang,
        loaded=result.loaded,
        unchanged=result.unchanged,
        rejected=result.rejected,
    )
    parts: list[Any] = [html.Div(summary, id="pd-import-summary")]
    if refused:
        parts.append(
            dbc.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(t("pd.col.row", lang)),
                                html.Th(t("pd.col.id", lang)),
                                html.Th(t("pd.col.reason", lang)),
                            ]
                        )
                    ),
                    html.Tbody(
                        [
                            html.Tr(
                                [
                                    html.Td(r.get("_row", "")),
                                    html.Td(r.get("id", "")),
                                    html.Td(r.get("_reason", ""), className="small"),
                                ]
                            )
                            for r in refused
                        ]
                    ),
                ],
                size="sm",
                className="mt-2",
                id="pd-rejects",
            )
        )
    color = "warning" if refused else "success"
    return dbc.Alert(parts, color=color, id="pd-import-done"), (version or 0) + 1
