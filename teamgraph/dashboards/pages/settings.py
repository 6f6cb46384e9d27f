"""/settings: every program setting (teamgraph.rules.settings.ProgramSettings) as a form in
sections, for merchant keys (issue 17).

- One function per section (:data:`SECTIONS`): each says which settings it shows and how each is
  typed (a choice, a whole number, yuan, a percentage, a switch, text, or rows); the page lays
  every section out the same way, reads it back the same way and sends only what changed. A
  section added later is one function and one entry in :data:`SECTIONS`.
- Money is typed in yuan and becomes integer fen by parsing the decimal text (no floats, R-3.9);
  rates and the tax are typed as percentages and kept in basis points.
- Levels and ladder steps are rows (a row per level: its rewards and upgrade conditions).
- Checking uses the rules' own code: ``teamgraph.rules.settings.change`` (the R-3.3 cap, R-1.9's
  timing, …) and ``warnings`` (R-3.7), said in the UI's language by
  :mod:`teamgraph.dashboards.messages`; saving is ``Shop.update_settings``, as ``PUT
  /v1/settings``.
- The preview: what an example order (a product, amount, quantity, the levels of its three
  tiers) pays each tier under the settings saved and under the form's, computed by
  ``teamgraph.rules.orders.decide_order``, the function that decides a recorded order.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from teamgraph.callers import MERCHANT
from teamgraph.clock import now_ms
from teamgraph.dashboards.components import access, card, graph, page_title
from teamgraph.dashboards.figures import rewards_figure
from teamgraph.dashboards.i18n import DEFAULT_LANG, money, t, when
from teamgraph.dashboards.messages import error_alert, warning_list
from teamgraph.dashboards.shell import LANG, SESSION
from teamgraph.errors import TeamgraphError, ValidationError
from teamgraph.rules import binding as rules_binding
from teamgraph.rules import commission as rules_commission
from teamgraph.rules import orders as rules_orders
from teamgraph.rules import settings as rules_settings
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

Kind = Literal["choice", "int", "yuan", "percent", "amount", "switch", "text", "list", "methods"]
"""How a value is typed: ``amount`` is yuan for cash and balance rewards, whole points for
points (R-3.2); ``list`` is comma-separated text; ``methods`` a checklist."""


@dataclass(frozen=True)
class Field:
    name: str
    """The setting's path in ProgramSettings (``withdrawal.min_fen``), or a row's column."""
    kind: Kind
    choices: tuple[str, ...] = ()
    nullable: bool = False
    """An empty box is null (for ``int``, ``yuan``, ``percent``, ``amount``)."""


@dataclass(frozen=True)
class Section:
    key: str
    fields: tuple[Field, ...] = ()
    table: str | None = None
    """A rows editor (:data:`TABLES`) shown under the fields."""


# -- the sections ---------------------------------------------------------------------------------
def attribution() -> Section:
    """Who an order is attributed to and for how long (R-1.x)."""
    return Section(
        "attribution",
        (
            Field("attribution_mode", "choice", ("chain", "sharer")),
            Field("binding_days", "int", nullable=True),
            Field("auto_unbind", "choice", ("never", "on_expiry")),
            Field("sharer_window_hours", "int"),
            Field("new_customers_only", "switch"),
            Field("dormant_days", "int"),
        ),
    )


def rewards() -> Section:
    """What an order pays and when it settles (R-3.x)."""
    return Section(
        "rewards",
        (
            Field("tiers", "choice", ("1", "2", "3")),
            Field("reward_kind", "choice", ("cash", "points", "balance")),
            Field("reward_basis", "choice", ("rate", "fixed")),
            Field("cost_protection", "switch"),
            Field("settle_days", "int"),
        ),
    )


def levels() -> Section:
    """The levels: a row each, with its rewards and upgrade conditions (R-4.1, R-4.2)."""
    return Section("levels", table="levels")


def withdrawal() -> Section:
    """Money going out (R-5.x)."""
    return Section(
        "withdrawal",
        (
            Field("withdrawal.methods", "methods", ("bank", "alipay", "wechat")),
            Field("withdrawal.min_fen", "yuan"),
            Field("withdrawal.max_fen", "yuan"),
            Field("withdrawal.max_count", "int"),
            Field("withdrawal.per", "choice", ("day", "week", "month")),
            Field("tax_bp", "percent"),
        ),
    )


def application() -> Section:
    """Who may become a distributor (R-2.1)."""
    return Section(
        "application",
        (
            Field("application.review", "switch"),
            Field("application.verified_phone", "switch"),
            Field("application.min_spend_fen", "yuan", nullable=True),
            Field("application.min_paid_orders", "int", nullable=True),
            Field("application.groups", "list"),
        ),
    )


def ladder() -> Section:
    """The monthly ladder bonus (R-3.13)."""
    return Section("ladder", table="ladder")


def program() -> Section:
    """The shop's clock, share links and the risk and privacy switches."""
    return Section(
        "program",
        (
            Field("timezone", "text"),
            Field("share_base_url", "text"),
            Field("ring_auto_hold_score", "int", nullable=True),
            Field("signal_retention_days", "int", nullable=True),
        ),
    )


BADGES = ("first_sale", "clients", "level", "month_top")


def extras() -> Section:
    """Points for an accepted invitation (R-3.14), the monthly team reward (TR-1, TR-2) and
    the badges the distributor views show (BG-1). An empty team-reward threshold is no team
    reward; its amount is yuan when paid in cash, whole points otherwise."""
    return Section(
        "extras",
        (
            Field("invitation_points", "int"),
            Field("team_reward.threshold_fen", "yuan", nullable=True),
            Field("team_reward.kind", "choice", ("points", "cash")),
            Field("team_reward.amount", "amount", nullable=True),
            *(
                f
                for b in BADGES
                for f in (
                    Field(f"badges.{b}.enabled", "switch"),
                    Field(f"badges.{b}.threshold", "int"),
                )
            ),
        ),
    )


SECTIONS: tuple[Callable[[], Section], ...] = (
    attribution,
    rewards,
    levels,
    withdrawal,
    application,
    ladder,
    extras,
    program,
)
"""The form, top to bottom. Add a section: a function like the ones above, listed here, and its
labels (``set.section.<key>``, ``set.<field>``, ``set.help.<field>``) in both catalogues."""

CONDITIONS = (
    "bound_customers",
    "invited_distributors",
    "paid_orders",
    "received_fen",
    "transaction_fen",
    "completed_orders",
)
TABLES: dict[str, tuple[Field, ...]] = {
    "levels": (
        Field("name", "text"),
        Field("reward_bp", "percent", nullable=True),
        Field("reward_fen", "amount", nullable=True),
        Field("inviter_reward_bp", "percent", nullable=True),
        Field("inviter_reward_fen", "amount", nullable=True),
        Field("first_order_reward_bp", "percent", nullable=True),
        *(
            Field(f"conditions.{c}", "yuan" if c.endswith("_fen") else "int", nullable=True)
            for c in CONDITIONS
        ),
    ),
    "ladder": (Field("threshold_fen", "yuan"), Field("bonus_fen", "yuan")),
}
FIELDS: tuple[Field, ...] = tuple(f for s in SECTIONS for f in s().fields)
BY_NAME = {f.name: f for f in FIELDS}
CHOICES = {f.name: f.choices for f in FIELDS if f.kind in ("choice", "methods")}
"""The choices of each select or checklist (labels ``opt.<field>.<value>``)."""


def _id(name: str) -> str:
    return "set-" + name.replace(".", "-").replace("_", "-")


def _row_id(table: str, row: int, col: str) -> dict[str, Any]:
    return {"type": "set-cell", "table": table, "row": row, "col": col}


# -- typed values <-> text ------------------------------------------------------------------------
def yuan_text(fen: int) -> str:
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{'-' if fen < 0 else ''}{whole}.{cents:02d}"


def _decimal(text: str, places: int) -> tuple[str, str] | None:
    whole, _, part = text.partition(".")
    if not whole.isdigit() or (part and not part.isdigit()) or len(part) > places:
        return None
    return whole, part


def parse_yuan(text: str, field: str) -> int:
    """``"12.3"`` → 1230 fen, exactly (decimal text, no floats, R-3.9)."""
    s = text.strip().replace(",", "").lstrip("¥").strip()
    parts = _decimal(s, 2)
    if parts is None:
        raise ValidationError(
            "ui.yuan",
            f"{field}: {text!r} is not an amount in yuan",
            field=field,
            params={"text": text},
        )
    return int(parts[0]) * 100 + int(parts[1].ljust(2, "0") or 0)


def percent_text(bp: int) -> str:
    """Basis points as the percentage typed: 1000 → ``10``, 1250 → ``12.5``, 5 → ``0.05``."""
    whole, part = divmod(int(bp), 100)
    return f"{whole}" if part == 0 else f"{whole}.{part:02d}".rstrip("0")


def parse_percent(text: str, field: str) -> int:
    """``"12.5"`` (%) → 1250 bp, exactly."""
    s = text.strip().rstrip("%").strip()
    parts = _decimal(s, 2)
    if parts is None:
        raise ValidationError(
            "ui.percent",
            f"{field}: {text!r} is not a percentage",
            field=field,
            params={"text": text},
        )
    return int(parts[0]) * 100 + int(parts[1].ljust(2, "0") or 0)


def parse_int(text: str, field: str) -> int:
    s = text.strip()
    if not s.isdigit():
        raise ValidationError(
            "ui.number",
            f"{field}: {text!r} is not a whole number",
            field=field,
            params={"text": text},
        )
    return int(s)


def show(f: Field, value: Any, kind: str) -> Any:
    """What the control of ``f`` shows for a stored ``value`` (``kind``: the reward kind)."""
    if f.kind == "switch":
        return bool(value)
    if f.kind == "methods":
        return list(value)
    if f.kind == "list":
        return ", ".join(value)
    if value is None:
        return ""
    if f.kind == "yuan" or (f.kind == "amount" and kind != "points"):
        return yuan_text(value)
    if f.kind == "percent":
        return percent_text(value)
    return str(value)


def read(f: Field, raw: Any, kind: str, where: str) -> Any:
    """The stored value of what the control of ``f`` holds (``where``: the field to name)."""
    if f.kind == "switch":
        return bool(raw)
    if f.kind == "methods":
        return [m for m in f.choices if m in (raw or [])]
    text = "" if raw is None else str(raw)
    if f.kind == "list":
        return [x.strip() for x in text.replace("，", ",").split(",") if x.strip()]
    if f.kind in ("choice", "text"):
        return int(text) if f.name == "tiers" and text.isdigit() else text.strip()
    if text.strip() == "" and f.nullable:
        return None
    if f.kind == "yuan" or (f.kind == "amount" and kind != "points"):
        return parse_yuan(text, where)
    if f.kind == "percent":
        return parse_percent(text, where)
    return parse_int(text, where)


def _get(data: Mapping[str, Any], path: str) -> Any:
    out: Any = data
    for part in path.split("."):
        if out is None:
            return None  # a setting that is off (``team_reward``): its parts are empty
        out = out[part]
    return out


def _put(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


OPTIONAL = {"team_reward": "threshold_fen"}
"""A nested setting that may be off (null): off while the form leaves this part of it empty."""


def _kind_of(f: Field, values: Mapping[str, Any], reward_kind: str) -> str:
    """The reward kind an ``amount`` is typed in: the team reward's own, else the shop's."""
    if f.name.startswith("team_reward."):
        return "cash" if values.get("team_reward.kind") == "cash" else "points"
    return reward_kind


def form_values(settings: ProgramSettings) -> dict[str, Any]:
    """What each control shows for the stored settings (the mode: the one requested, R-1.9);
    ``levels`` and ``ladder`` are lists of rows."""
    data = settings.model_dump()
    if settings.pending is not None:
        data["attribution_mode"] = settings.pending.attribution_mode
    kind = settings.reward_kind
    team = {"team_reward.kind": (data["team_reward"] or {}).get("kind", "points")}
    out: dict[str, Any] = {
        f.name: show(f, _get(data, f.name), _kind_of(f, team, kind)) for f in FIELDS
    }
    if data["team_reward"] is None:
        out["team_reward.kind"] = "points"
    for table, cols in TABLES.items():
        out[table] = [
            {c.name: show(c, _get(row, c.name), kind) for c in cols} for row in data[table]
        ]
    return out


def _table(table: str, rows: Sequence[Mapping[str, Any]], kind: str) -> list[dict[str, Any]]:
    out = []
    for i, row in enumerate(rows):
        item: dict[str, Any] = {}
        for c in TABLES[table]:
            value = read(c, row.get(c.name), kind, f"{table}[{i}].{c.name}")
            head, _, rest = c.name.partition(".")
            if rest:
                item.setdefault(head, {})[rest] = value
            else:
                item[c.name] = value
        if table == "levels":
            item = {"level": i + 1, **item}
        out.append(item)
    return out


def build_patch(settings: ProgramSettings, values: Mapping[str, Any]) -> dict[str, Any]:
    """The ``PUT /v1/settings`` body for what the form changed: only what differs from the
    stored settings (so an untouched mode never counts as a change, R-1.9); a nested setting
    (``withdrawal``, ``application``) is sent whole."""
    data = settings.model_dump()
    if settings.pending is not None:
        data["attribution_mode"] = settings.pending.attribution_mode
    kind = str(values.get("reward_kind") or settings.reward_kind)
    patch: dict[str, Any] = {}
    for f in FIELDS:
        if f.name not in values:
            continue
        value = read(f, values[f.name], _kind_of(f, values, kind), f.name)
        stored = _get(data, f.name)
        if value == stored or (f.kind == "methods" and set(value) == set(stored)):
            continue
        head, _, rest = f.name.partition(".")
        if rest:
            _put(patch.setdefault(head, copy.deepcopy(data[head]) or {}), rest, value)
        else:
            patch[f.name] = value
    for head, part in OPTIONAL.items():
        if head in patch and patch[head].get(part) is None:
            patch[head] = None  # its defining part emptied: the setting is off
            if data[head] is None:
                del patch[head]
    for table in TABLES:
        if table in values:
            rows = _table(table, values[table], kind)
            if rows != data[table]:
                patch[table] = rows
    return patch


# -- layout ---------------------------------------------------------------------------------------
def _control(f: Field, lang: str, id: Any) -> Any:
    if f.kind == "choice":
        return dbc.Select(
            id=id,
            options=[{"label": t(f"opt.{f.name}.{v}", lang), "value": v} for v in f.choices],
        )
    if f.kind == "switch":
        return dbc.Switch(id=id, value=False, className="mt-2")
    if f.kind == "methods":
        return dbc.Checklist(
            id=id,
            options=[{"label": t(f"opt.{f.name}.{v}", lang), "value": v} for v in f.choices],
            inline=True,
        )
    return dbc.Input(id=id, type="text", inputMode="decimal" if f.kind != "text" else "text")


def _field_row(f: Field, lang: str) -> dbc.Row:
    return dbc.Row(
        [
            dbc.Label(t(f"set.{f.name}", lang), html_for=_id(f.name), md=4),
            dbc.Col(
                [_control(f, lang, _id(f.name)), dbc.FormText(t(f"set.help.{f.name}", lang))],
                md=8,
            ),
        ],
        className="mb-3",
    )


def _column_label(table: str, col: Field, lang: str) -> str:
    if col.name.startswith("conditions."):
        return t(f"cond.{col.name.split('.', 1)[1]}", lang)
    return t(f"set.col.{table}.{col.name}", lang)


def table_rows(table: str, rows: Sequence[Mapping[str, Any]], lang: str) -> list[Any]:
    """The rows of a table editor: each row a bordered block of labelled boxes."""
    out = []
    for i, row in enumerate(rows):
        cells = [
            dbc.Col(
                [
                    dbc.Label(_column_label(table, c, lang), className="small mb-0"),
                    dbc.Input(
                        id=_row_id(table, i, c.name),
                        value=row.get(c.name, ""),
                        type="text",
                        size="sm",
                    ),
                ],
                xs=6,
                md=4,
                xl=3 if table == "levels" else 6,
                className="mb-2",
            )
            for c in TABLES[table]
        ]
        title = (
            t("set.level_n", lang, n=i + 1) if table == "levels" else t("set.step_n", lang, n=i + 1)
        )
        out.append(
            html.Div(
                [
                    html.Div(title, className="fw-semibold small mb-1"),
                    dbc.Row(cells, className="g-2"),
                ],
                className="border rounded p-2 mb-2 set-row",
            )
        )
    return out


def _table_editor(table: str, lang: str) -> html.Div:
    return html.Div(
        [
            html.Div(id=f"set-rows-{table}"),
            dbc.ButtonGroup(
                [
                    dbc.Button(
                        t("set.rows.add", lang),
                        id=f"set-add-{table}",
                        color="secondary",
                        outline=True,
                        size="sm",
                    ),
                    dbc.Button(
                        t("set.rows.remove", lang),
                        id=f"set-remove-{table}",
                        color="secondary",
                        outline=True,
                        size="sm",
                    ),
                ]
            ),
            dbc.FormText(t(f"set.help.{table}", lang), className="d-block"),
        ],
        className="mb-2",
    )


def section_card(section: Section, lang: str) -> dbc.Card:
    body: list[Any] = [_field_row(f, lang) for f in section.fields]
    if section.table is not None:
        body.append(_table_editor(section.table, lang))
    return card(
        t(f"set.section.{section.key}", lang),
        body,
        id=f"set-section-{section.key}",
        class_name="mb-3",
        fill=False,
    )


def _preview_inputs(lang: str) -> dbc.Row:
    def box(label: str, control: Any, md: int = 4) -> dbc.Col:
        return dbc.Col([dbc.Label(label, className="small mb-0"), control], md=md, xs=6)

    return dbc.Row(
        [
            box(t("set.preview.product", lang), dbc.Select(id="set-pv-product", value=NO_PRODUCT)),
            box(t("set.preview.paid", lang), dbc.Input(id="set-pv-paid", value="100.00")),
            box(t("set.preview.qty", lang), dbc.Input(id="set-pv-qty", value="1")),
            *(
                box(
                    t("set.preview.level_of", lang, tier=tier),
                    dbc.Input(id=f"set-pv-level-{tier}", value="1"),
                )
                for tier in (1, 2, 3)
            ),
            dbc.Col(
                dbc.Switch(
                    id="set-pv-first",
                    value=True,
                    label=t("set.preview.first", lang),
                    className="mt-2",
                ),
                md=12,
            ),
        ],
        className="g-2 mb-2",
    )


def layout(lang: str = DEFAULT_LANG, **_query: Any) -> html.Div:
    form = html.Div(
        [
            *(section_card(s(), lang) for s in SECTIONS),
            dbc.Button(t("set.save", lang), id="set-save", color="primary"),
            html.Div(id="set-message", className="mt-3"),
        ]
    )
    preview = card(
        t("set.preview.title", lang),
        [
            html.P(t("set.preview.help", lang), className="small text-body-secondary"),
            _preview_inputs(lang),
            html.Div(id="set-preview"),
        ],
        id="set-preview-card",
        class_name="mb-3",
        fill=False,
    )
    return html.Div(
        [
            page_title(t("nav.settings", lang)),
            dcc.Store(id="set-version", data=0),
            dbc.Row(
                [
                    dbc.Col(form, lg=7),
                    dbc.Col(
                        html.Div([preview, html.Div(id="set-side")], className="sticky-lg-top"),
                        lg=5,
                    ),
                ],
                className="g-3",
            ),
        ]
    )


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
    levels_ = [lv.model_dump() for lv in settings.levels]
    return [
        pending,
        card(
            t("fig.rewards.title", lang),
            graph("rewards-graph", rewards_figure(levels_, settings.reward_basis, lang)),
            fill=False,
        ),
    ]


# -- the preview ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Example:
    """The example order of the preview: one line of ``product`` (None: a product without its
    own reward or cost) and the level each tier's distributor holds."""

    paid_fen: int
    qty: int = 1
    product: Mapping[str, Any] | None = None
    levels: tuple[int, int, int] = (1, 1, 1)
    first_order: bool = True
    product_id: str = field(default="example")


def example_rewards(settings: ProgramSettings, ex: Example) -> dict[int, tuple[int, str]]:
    """What ``ex`` pays each tier under ``settings``: ``{tier: (amount, unit)}``, decided by the
    very function that decides a recorded order (rules.orders.decide_order)."""
    pid = ex.product["id"] if ex.product else ex.product_id
    products = {}
    if ex.product is not None:
        products[pid] = rules_orders.Product(
            reward=rules_commission.ProductReward(
                reward_bp=ex.product.get("reward_bp"), reward_fen=ex.product.get("reward_fen")
            ),
            cost_fen=ex.product.get("cost_fen"),
        )
    chain = [(f"tier-{i}", ex.levels[i - 1]) for i in (1, 2, 3)]
    decision = rules_orders.decide_order(
        settings,
        rules_orders.OrderContext(
            order_id="preview",
            customer_id="buyer",
            paid_at=1,
            lines=rules_orders.parse_lines(
                [{"product_id": pid, "qty": ex.qty, "paid_fen": ex.paid_fen}]
            ),
            products=products,
            bindings=[rules_binding.Binding("tier-1", since=0, expires_at=None)],
            sharers=[],
            chains={"tier-1": chain},
            paid_orders=0 if ex.first_order else 1,
        ),
    )
    out: dict[int, tuple[int, str]] = {}
    for e in decision.entries:
        amount, _ = out.get(e["tier"], (0, e["unit"]))
        out[e["tier"]] = (amount + e["amount"], e["unit"])
    return out


def after_change(
    before: ProgramSettings, after: ProgramSettings, product: Mapping[str, Any] | None
) -> Mapping[str, Any] | None:
    """The product as it will be once ``after`` is saved: R-3.1 resets its own reward when the
    reward kind switches (rules.settings.product_reset, what the save writes)."""
    reset = rules_settings.product_reset(before, after)
    if product is None or reset is None:
        return product
    if product.get("reward_bp") is None and product.get("reward_fen") is None:
        return product
    return {**product, "reward_bp": reset[0], "reward_fen": reset[1]}


def _amount(value: tuple[int, str] | None, lang: str) -> str:
    if value is None:
        return money(0)
    amount, unit = value
    return t("set.preview.points", lang, n=amount) if unit == "point" else money(amount)


def preview_table(
    current: ProgramSettings, new: ProgramSettings, ex: Example, lang: str
) -> dbc.Table:
    now_pays = example_rewards(current, ex)
    new_ex = Example(
        ex.paid_fen, ex.qty, after_change(current, new, ex.product), ex.levels, ex.first_order
    )
    new_pays = example_rewards(new, new_ex)
    tiers = range(1, max(current.tiers, new.tiers) + 1)
    head = html.Thead(
        html.Tr(
            [
                html.Th(t("set.preview.tier_col", lang)),
                html.Th(t("set.preview.current", lang), className="text-end"),
                html.Th(t("set.preview.new", lang), className="text-end"),
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(t("set.preview.tier", lang, tier=tier)),
                    html.Td(
                        _amount(now_pays.get(tier), lang) if tier <= current.tiers else "–",
                        className="text-end text-nowrap",
                        id=f"set-pv-current-{tier}",
                    ),
                    html.Td(
                        _amount(new_pays.get(tier), lang) if tier <= new.tiers else "–",
                        className="text-end text-nowrap fw-semibold",
                        id=f"set-pv-new-{tier}",
                    ),
                ]
            )
            for tier in tiers
        ]
    )
    return dbc.Table([head, body], size="sm", className="mb-2", id="set-pv-table")


def _example(values: Mapping[str, Any], products: Sequence[Mapping[str, Any]]) -> Example:
    product = next((p for p in products if p["id"] == values.get("product")), None)
    levels_ = tuple(
        parse_int(str(values.get(f"level_{i}") or "1"), f"preview.level_{i}") or 1
        for i in (1, 2, 3)
    )
    return Example(
        paid_fen=parse_yuan(str(values.get("paid") or "0"), "preview.paid"),
        qty=max(1, parse_int(str(values.get("qty") or "1"), "preview.qty")),
        product=product,
        levels=(levels_[0], levels_[1], levels_[2]),
        first_order=bool(values.get("first")),
    )


def _products(shop: Any) -> list[dict[str, Any]]:
    page = shop.products(limit=200)
    return list(page["items"])


# -- callbacks ------------------------------------------------------------------------------------
NO_PRODUCT = "-"
"""The preview's "no product" choice (an empty value would be dbc.Select's placeholder)."""
SCALARS = [f.name for f in FIELDS]
PREVIEW_INPUTS = ("product", "paid", "qty", "level_1", "level_2", "level_3", "first")
_PREVIEW_IDS = {
    "product": ("set-pv-product", "value"),
    "paid": ("set-pv-paid", "value"),
    "qty": ("set-pv-qty", "value"),
    "level_1": ("set-pv-level-1", "value"),
    "level_2": ("set-pv-level-2", "value"),
    "level_3": ("set-pv-level-3", "value"),
    "first": ("set-pv-first", "value"),
}


def _prop(f: Field) -> str:
    return "value"


def _rows_of(values: Sequence[Any], ids: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    for value, id_ in zip(values, ids, strict=True):
        rows.setdefault(int(id_["row"]), {})[id_["col"]] = value
    return [rows[i] for i in sorted(rows)]


@callback(
    [Output(_id(f.name), _prop(f)) for f in FIELDS],
    [Output(f"set-rows-{tb}", "children") for tb in TABLES],
    Output("set-side", "children"),
    Output("set-pv-product", "options"),
    Input(SESSION, "data"),
    Input(LANG, "value"),
    Input("set-version", "data"),
)
def load(key: str | None, lang: str, _v: int) -> Any:
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return [dash.no_update] * (len(FIELDS) + len(TABLES)) + [instead, []]
    shop = caller.shop
    settings = shop.settings()  # in force now, a pending mode change kept
    values = form_values(settings)
    options = [{"label": t("set.preview.no_product", lang), "value": NO_PRODUCT}] + [
        {"label": f"{p['name'] or p['id']} ({p['id']})", "value": p["id"]} for p in _products(shop)
    ]
    return (
        [values[f.name] for f in FIELDS]
        + [table_rows(tb, values[tb], lang) for tb in TABLES]
        + [side(settings, lang), options]
    )


def _rows_callback(table: str) -> None:
    """Add a row at the end of ``table``, or remove its last one (what is typed is kept)."""

    @callback(
        Output(f"set-rows-{table}", "children", allow_duplicate=True),
        Input(f"set-add-{table}", "n_clicks"),
        Input(f"set-remove-{table}", "n_clicks"),
        State({"type": "set-cell", "table": table, "row": ALL, "col": ALL}, "value"),
        State({"type": "set-cell", "table": table, "row": ALL, "col": ALL}, "id"),
        State(LANG, "value"),
        prevent_initial_call=True,
    )
    def add_or_remove(
        _add: Any, _remove: Any, values: list[Any], ids: list[dict[str, Any]], lang: str
    ) -> Any:
        rows = _rows_of(values, ids)
        if ctx.triggered_id == f"set-add-{table}":
            rows.append({c.name: "" for c in TABLES[table]})
        elif rows:
            rows.pop()
        return table_rows(table, rows, lang)


for _table_name in TABLES:
    _rows_callback(_table_name)


def _form(
    scalars: Sequence[Any], cells: Sequence[Sequence[Any]], cell_ids: Sequence[Sequence[Any]]
) -> dict[str, Any]:
    values: dict[str, Any] = dict(zip(SCALARS, scalars, strict=True))
    for table, vals, ids in zip(TABLES, cells, cell_ids, strict=True):
        values[table] = _rows_of(vals, ids)
    return values


_FORM_STATES = [
    *(State(_id(f.name), _prop(f)) for f in FIELDS),
    *(State({"type": "set-cell", "table": tb, "row": ALL, "col": ALL}, "value") for tb in TABLES),
    *(State({"type": "set-cell", "table": tb, "row": ALL, "col": ALL}, "id") for tb in TABLES),
]
_N = len(FIELDS)
_T = len(TABLES)


def _split(args: Sequence[Any]) -> tuple[dict[str, Any], Sequence[Any]]:
    scalars = args[:_N]
    cells = args[_N : _N + _T]
    ids = args[_N + _T : _N + 2 * _T]
    return _form(scalars, cells, ids), args[_N + 2 * _T :]


def check(
    current: ProgramSettings, values: Mapping[str, Any], now: int
) -> tuple[dict[str, Any], ProgramSettings]:
    """The patch the form makes and the settings it would give, by the rules' own code (the
    same validation and errors as ``PUT /v1/settings``); raises their errors."""
    patch = build_patch(current, values)
    new = rules_settings.change(current, patch, now) if patch else current
    return patch, new


@callback(
    Output("set-preview", "children"),
    [Input(_id(f.name), _prop(f)) for f in FIELDS],
    [Input({"type": "set-cell", "table": tb, "row": ALL, "col": ALL}, "value") for tb in TABLES],
    [State({"type": "set-cell", "table": tb, "row": ALL, "col": ALL}, "id") for tb in TABLES],
    [Input(*_PREVIEW_IDS[k]) for k in PREVIEW_INPUTS],
    Input("set-version", "data"),
    State(SESSION, "data"),
    State(LANG, "value"),
)
def preview(*args: Any) -> Any:
    values, rest = _split(args)
    example_values = dict(zip(PREVIEW_INPUTS, rest[: len(PREVIEW_INPUTS)], strict=True))
    key, lang = rest[-2], rest[-1]
    if values.get("attribution_mode") is None:
        raise PreventUpdate  # the form is not filled yet
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return None
    shop = caller.shop
    now = now_ms()
    current = shop.settings(now=now)
    try:
        patch, new = check(current, values, now)
        ex = _example(example_values, _products(shop))
        table = preview_table(current, new, ex, lang)
    except TeamgraphError as exc:
        return dbc.Alert(
            error_alert(exc, lang, title_key="set.invalid", tz=current.timezone),
            color="danger",
            id="set-check",
        )
    parts: list[Any] = [table]
    if new.pending is not None and new.pending != current.pending:
        parts.append(
            dbc.Alert(
                t(
                    "set.pending",
                    lang,
                    mode=t(f"mode.{new.pending.attribution_mode}", lang),
                    at=when(new.pending.effective_at, new.timezone),
                ),
                color="info",
                id="set-pv-pending",
                className="small py-2",
            )
        )
    warnings = rules_settings.warnings(new)
    if warnings:
        parts.append(dbc.Alert(warning_list(warnings, lang), color="warning", id="set-pv-warnings"))
    parts.append(
        html.Div(
            t("set.preview.changes", lang, fields=", ".join(sorted(patch)))
            if patch
            else t("set.preview.unchanged", lang),
            className="small text-body-secondary",
            id="set-pv-changes",
        )
    )
    return parts


@callback(
    Output("set-message", "children"),
    Output("set-version", "data"),
    Input("set-save", "n_clicks"),
    *_FORM_STATES,
    State("set-version", "data"),
    State(SESSION, "data"),
    State(LANG, "value"),
    prevent_initial_call=True,
)
def save(_clicks: Any, *args: Any) -> Any:
    values, rest = _split(args)
    version, key, lang = rest
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return instead, dash.no_update
    shop = caller.shop
    tz = ProgramSettings.model_fields["timezone"].default
    try:
        current = shop.settings()
        tz = current.timezone
        patch = build_patch(current, values)
        if not patch:
            raise PreventUpdate
        new, warnings = shop.update_settings(patch, actor=caller.actor)
    except TeamgraphError as exc:
        return dbc.Alert(
            error_alert(exc, lang, title_key="set.invalid", tz=tz), color="danger", id="set-error"
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
    parts += warning_list(warnings, lang)
    return dbc.Alert(parts, color="success", id="set-saved"), (version or 0) + 1
