"""/settings: the program settings as a form (merchant keys). Saving sends only what changed to
``Shop.update_settings``, the same validation as ``PUT /v1/settings``: its error message (with
the rule and the field) shows under the form, and a pending attribution-mode change says when
it takes effect (R-1.9). The level table is edited as JSON (the API's ``levels`` field)."""

from __future__ import annotations

import json
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from dash.exceptions import PreventUpdate

from teamgraph.callers import MERCHANT
from teamgraph.dashboards.components import access, card, error_alert, graph, page_title
from teamgraph.dashboards.figures import rewards_figure
from teamgraph.dashboards.i18n import DEFAULT_LANG, t, when
from teamgraph.dashboards.shell import LANG, SESSION
from teamgraph.errors import TeamgraphError, ValidationError
from teamgraph.rules.settings import ProgramSettings

ROLES = MERCHANT
dash.register_page(
    __name__,
    path="/settings",
    title="teamgraph",
    name="settings",
    nav_key="nav.settings",
    order=6,
    roles=ROLES,
)

CHOICES: dict[str, tuple[str, ...]] = {
    "attribution_mode": ("chain", "sharer"),
    "auto_unbind": ("never", "on_expiry"),
    "tiers": ("1", "2", "3"),
    "reward_kind": ("cash", "points", "balance"),
    "reward_basis": ("rate", "fixed"),
    "withdrawal.per": ("day", "week", "month"),
}
NUMBERS = (
    "binding_days",
    "sharer_window_hours",
    "settle_days",
    "dormant_days",
    "signal_retention_days",
    "tax_bp",
    "withdrawal.max_count",
)
NULLABLE = ("binding_days", "signal_retention_days")
"""Numbers an empty box sets to null (binding: for good; signal values: kept, PD-4)."""
YUAN = ("withdrawal.min_fen", "withdrawal.max_fen")
FIELDS = (*CHOICES, *NUMBERS, *YUAN, "levels")


def _id(field: str) -> str:
    return "set-" + field.replace(".", "-").replace("_", "-")


def layout(lang: str = DEFAULT_LANG, **_query: Any) -> html.Div:
    rows = []
    for field in FIELDS:
        if field in CHOICES:
            control: Any = dbc.Select(
                id=_id(field),
                options=[
                    {"label": t(f"opt.{field}.{v}", lang), "value": v} for v in CHOICES[field]
                ],
            )
        elif field == "levels":
            control = dbc.Textarea(id=_id(field), rows=8, className="font-monospace small")
        else:
            control = dbc.Input(id=_id(field), type="text", inputMode="decimal")
        rows.append(
            dbc.Row(
                [
                    dbc.Label(t(f"set.{field}", lang), html_for=_id(field), md=4),
                    dbc.Col([control, dbc.FormText(t(f"set.help.{field}", lang))], md=8),
                ],
                className="mb-3",
            )
        )
    form = card(
        t("set.form", lang),
        [
            *rows,
            dbc.Button(t("set.save", lang), id="set-save", color="primary"),
            html.Div(id="set-message", className="mt-3"),
        ],
    )
    return html.Div(
        [
            page_title(t("nav.settings", lang)),
            dcc.Store(id="set-version", data=0),
            dbc.Row([dbc.Col(form, lg=7), dbc.Col(html.Div(id="set-side"), lg=5)], className="g-3"),
        ]
    )


# -- form <-> settings ---------------------------------------------------------------------------
def _get(data: dict[str, Any], field: str) -> Any:
    for part in field.split("."):
        data = data[part]
    return data


def yuan_text(fen: int) -> str:
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{'-' if fen < 0 else ''}{whole}.{cents:02d}"


def parse_yuan(text: str, field: str) -> int:
    """``"12.3"`` → 1230 fen, exactly (no floats, R-3.9)."""
    s = text.strip().replace(",", "").lstrip("¥")
    whole, _, cents = s.partition(".")
    if not whole.isdigit() or (cents and not cents.isdigit()) or len(cents) > 2:
        raise ValidationError("ui.yuan", f"{field}: {text!r} is not an amount in yuan", field=field)
    return int(whole) * 100 + int(cents.ljust(2, "0") if cents else 0)


def form_values(settings: ProgramSettings) -> dict[str, Any]:
    """What each form control shows for the stored settings (mode: the requested one)."""
    data = settings.model_dump()
    if settings.pending is not None:
        data["attribution_mode"] = settings.pending.attribution_mode
    out: dict[str, Any] = {}
    for field in FIELDS:
        value = _get(data, field)
        if field == "levels":
            out[field] = json.dumps(
                [
                    {k: v for k, v in lv.items() if v is not None and v != {}}
                    | {"conditions": {k: v for k, v in lv["conditions"].items() if v is not None}}
                    for lv in value
                ],
                ensure_ascii=False,
                indent=1,
            )
        elif field in YUAN:
            out[field] = yuan_text(value)
        elif value is None:
            out[field] = ""
        else:
            out[field] = str(value)
    return out


def build_patch(settings: ProgramSettings, values: dict[str, Any]) -> dict[str, Any]:
    """The ``PUT /v1/settings`` body for what the form changed (nothing else is sent, so an
    untouched mode never counts as a change, R-1.9)."""
    shown = form_values(settings)
    patch: dict[str, Any] = {}
    withdrawal: dict[str, Any] = {}
    for field in FIELDS:
        raw = values.get(field)
        raw = "" if raw is None else str(raw)
        if field == "levels":
            if _levels(raw) == json.loads(shown[field]):
                continue
        elif raw.strip() == shown[field]:
            continue
        value: Any
        if field == "levels":
            value = _levels(raw)
        elif field in YUAN:
            value = parse_yuan(raw, field)
        elif field in NUMBERS or field == "tiers":
            text = raw.strip()
            if text == "" and field in NULLABLE:
                value = None
            elif text.lstrip("-").isdigit():
                value = int(text)
            else:
                raise ValidationError(
                    "ui.number", f"{field}: {raw!r} is not a whole number", field=field
                )
        else:
            value = raw
        if field.startswith("withdrawal."):
            withdrawal[field.split(".", 1)[1]] = value
        else:
            patch[field] = value
    if withdrawal:
        patch["withdrawal"] = settings.withdrawal.model_dump() | withdrawal
    return patch


def _levels(raw: str) -> Any:
    try:
        return json.loads(raw or "[]")
    except json.JSONDecodeError as exc:
        raise ValidationError(
            "ui.json", f"levels: {exc.msg} (line {exc.lineno})", field="levels"
        ) from None


def side(settings: ProgramSettings, lang: str) -> list[Any]:
    tz = settings.timezone
    pending: Any = (
        dbc.Alert(
            t(
                "set.pending",
                lang,
                mode=t(f"mode.{settings.pending.attribution_mode}", lang),
                at=when(settings.pending.effective_at, tz),
            ),
            color="warning",
            id="set-pending",
        )
        if settings.pending is not None
        else None
    )
    levels = [lv.model_dump() for lv in settings.levels]
    return [
        pending,
        card(
            t("fig.rewards.title", lang),
            graph("rewards-graph", rewards_figure(levels, settings.reward_basis, lang)),
        ),
    ]


# -- callbacks -----------------------------------------------------------------------------------
@callback(
    [Output(_id(f), "value") for f in FIELDS],
    Output("set-side", "children"),
    Input(SESSION, "data"),
    Input(LANG, "value"),
    Input("set-version", "data"),
)
def load(key: str | None, lang: str, _v: int) -> Any:
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return [dash.no_update] * len(FIELDS) + [instead]
    settings = caller.shop.settings()  # in force now, a pending mode change kept
    values = form_values(settings)
    return [values[f] for f in FIELDS] + [side(settings, lang)]


@callback(
    Output("set-message", "children"),
    Output("set-version", "data"),
    Input("set-save", "n_clicks"),
    [State(_id(f), "value") for f in FIELDS],
    State("set-version", "data"),
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
        current = shop.settings()
        patch = build_patch(current, dict(zip(FIELDS, values, strict=True)))
        if not patch:
            raise PreventUpdate
        new, warnings = shop.update_settings(patch, actor=caller.actor)
    except TeamgraphError as exc:
        return dbc.Alert(
            error_alert(exc, lang, title_key="set.invalid"), color="danger", id="set-error"
        ), dash.no_update
    parts: list[Any] = [html.Div(t("set.saved", lang, fields=", ".join(sorted(patch))))]
    if new.pending is not None:
        parts.append(
            html.Div(
                t(
                    "set.pending",
                    lang,
                    mode=t(f"mode.{new.pending.attribution_mode}", lang),
                    at=when(new.pending.effective_at, new.timezone),
                )
            )
        )
    parts += [html.Div(w["message"], className="small") for w in warnings]
    return dbc.Alert(parts, color="success", id="set-saved"), (version or 0) + 1
