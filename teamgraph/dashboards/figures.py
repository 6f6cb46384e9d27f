"""Figures as plain functions: plain values in, a ``go.Figure`` out.

No Dash, no shop, no I/O here: callbacks read the shop and pass what they read, and tests call
these functions directly. Labels come from :mod:`teamgraph.dashboards.i18n`. Money arrives as
integer fen; axes show yuan (fen / 100, for drawing only) and every hover and bar label is the
exact :func:`~teamgraph.dashboards.i18n.money` text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import plotly.graph_objects as go

from teamgraph.dashboards.i18n import DEFAULT_LANG, money, number, t

PRIMARY = "#0d6efd"  # Bootstrap's primary, as in the navbar
SECONDARY = "#20c997"  # Bootstrap's teal
WARNING = "#fd7e14"  # orange
MUTED = "#adb5bd"
LEVEL_COLOURS = ("#6c757d", "#0d6efd", "#20c997", "#fd7e14", "#d63384", "#6f42c1")
"""Colour of each level (index = level; 0 unused), shared by the tree and the boards."""


def level_colour(level: int | None) -> str:
    lv = int(level or 1)
    return LEVEL_COLOURS[lv] if 0 < lv < len(LEVEL_COLOURS) else LEVEL_COLOURS[-1]


FONT = "system-ui, -apple-system, 'Segoe UI', 'PingFang SC', 'Microsoft YaHei', " \
    "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif"  # fmt: skip


def _base(title: str, height: int) -> go.Layout:
    return go.Layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        template="plotly_white",
        font={"family": FONT, "size": 13},
        height=height,
        margin={"l": 56, "r": 16, "t": 48, "b": 48},
        # below the axis, out of the way of the mode bar that shows on hover
        legend={"orientation": "h", "yanchor": "top", "y": -0.14, "xanchor": "center", "x": 0.5},
        bargap=0.35,
    )


def _bargap(categories: int) -> float:
    """Wider gaps for few categories, so one or two bars do not fill the whole plot."""
    return max(0.2, 0.8 - 0.12 * categories)


def team_depth_figure(
    rows: Sequence[Mapping[str, int]], lang: str = DEFAULT_LANG, *, height: int = 320
) -> go.Figure:
    """Distributors per depth below one distributor, from a profile's ``by_depth`` rows
    (``{"depth": 1, "distributors": 4}``, depth 1 = invited directly), shallowest first."""
    ordered = sorted(rows, key=lambda r: r["depth"])
    labels = [t("team.depth_n", lang, n=r["depth"]) for r in ordered]
    counts = [int(r["distributors"]) for r in ordered]
    fig = go.Figure(layout=_base(t("fig.team.title", lang), height))
    fig.update_layout(bargap=_bargap(len(ordered)), showlegend=False)
    fig.add_bar(
        x=labels,
        y=counts,
        text=counts,
        textposition="outside",
        marker_color=PRIMARY,
        name=t("team.count", lang),
        hovertemplate="%{x}: %{y}<extra></extra>",
    )
    fig.update_xaxes(title=t("team.depth", lang), type="category")
    fig.update_yaxes(
        title=t("team.count", lang),
        rangemode="tozero",
        tickformat="d",
        dtick=1 if max(counts, default=0) <= 8 else None,  # no repeated integer ticks
    )
    return fig


def rewards_figure(
    levels: Sequence[Mapping[str, Any]],
    basis: Literal["rate", "fixed"] = "rate",
    lang: str = DEFAULT_LANG,
    *,
    height: int = 320,
) -> go.Figure:
    """The order reward and the inviter reward of each level (R-3.x), as the shop set them.

    ``levels`` are the settings' level dicts (``level``, ``name``, ``reward_bp`` /
    ``reward_fen``, ``inviter_reward_bp`` / ``inviter_reward_fen``). With ``basis == "rate"``
    the bars are percentages (basis points / 100), with ``"fixed"`` yuan (fen / 100); a reward
    the level does not set shows as 0.
    """
    ordered = sorted(levels, key=lambda lv: lv["level"])
    unit = "bp" if basis == "rate" else "fen"
    names = [f"{lv['level']} · {lv['name']}" for lv in ordered]

    def values(field: str) -> list[float]:
        return [(lv.get(f"{field}_{unit}") or 0) / 100 for lv in ordered]

    fig = go.Figure(layout=_base(t("fig.rewards.title", lang), height))
    suffix = "%" if basis == "rate" else ""
    for field, key, color in (
        ("reward", "fig.rewards.order", PRIMARY),
        ("inviter_reward", "fig.rewards.inviter", SECONDARY),
    ):
        ys = values(field)
        fig.add_bar(
            x=names,
            y=ys,
            name=t(key, lang),
            marker_color=color,
            text=[f"{y:g}{suffix}" for y in ys],
            textposition="outside",
            hovertemplate="%{x}: %{y:g}" + suffix + "<extra>%{fullData.name}</extra>",
        )
    fig.update_xaxes(type="category")  # the level names say what the axis is
    fig.update_yaxes(
        title=t("fig.rewards.rate" if basis == "rate" else "fig.rewards.amount", lang),
        ticksuffix=suffix,
        rangemode="tozero",
    )
    fig.update_layout(barmode="group", bargap=_bargap(len(ordered)), margin={"b": 72})
    return fig


def trends_figure(
    daily: Sequence[Mapping[str, Any]], lang: str = DEFAULT_LANG, *, height: int = 340
) -> go.Figure:
    """Distribution sales (bars, yuan) and orders (line, right axis) per day, from
    ``Shop.overview``'s ``daily`` rows."""
    days = [r["day"] for r in daily]
    fig = go.Figure(layout=_base(t("fig.trends.title", lang), height))
    fig.add_bar(
        x=days,
        y=[r["sales_fen"] / 100 for r in daily],
        name=t("kpi.sales", lang),
        marker_color=PRIMARY,
        customdata=[money(int(r["sales_fen"])) for r in daily],
        hovertemplate="%{x}: %{customdata}<extra>%{fullData.name}</extra>",
    )
    fig.add_bar(
        x=days,
        y=[r["commission_fen"] / 100 for r in daily],
        name=t("kpi.commission", lang),
        marker_color=WARNING,
        customdata=[money(int(r["commission_fen"])) for r in daily],
        hovertemplate="%{x}: %{customdata}<extra>%{fullData.name}</extra>",
    )
    fig.add_scatter(
        x=days,
        y=[r["orders"] for r in daily],
        name=t("kpi.orders", lang),
        yaxis="y2",
        mode="lines+markers",
        line={"color": SECONDARY, "width": 2},
        hovertemplate="%{x}: %{y}<extra>%{fullData.name}</extra>",
    )
    money_values = [r["sales_fen"] / 100 for r in daily] + [
        r["commission_fen"] / 100 for r in daily
    ]
    top = _headroom(max([*money_values, 0]))
    # a day's clawbacks can outweigh its rewards: room below 0 then, on both axes alike, so the
    # two zeros stay level and the orders line never runs below its axis's 0
    low = min([*money_values, 0]) * 1.12
    orders_top = _headroom(max([int(r["orders"]) for r in daily] + [0]))
    fig.update_layout(
        barmode="group",
        bargap=0.25,
        # explicit ranges from 0: nothing is drawn below the axis, and 0 is the bottom of both
        yaxis={
            "title": {"text": t("fig.yuan", lang), "standoff": 10},
            "range": [low, top],
            "automargin": True,
        },
        yaxis2={
            "title": {"text": t("kpi.orders", lang), "standoff": 10},
            "overlaying": "y",
            "side": "right",
            "range": [orders_top * low / top, orders_top],
            "dtick": _int_step(int(orders_top)),
            "tickformat": "d",
            "showgrid": False,
            "automargin": True,
        },
        xaxis=_day_axis(days),
        margin={"r": 56},
    )
    return fig


def _headroom(top: float) -> float:
    """The top of a value axis from 0: 12% above the highest value (1 when all are 0)."""
    return top * 1.12 if top > 0 else 1


def _int_step(top: int) -> int:
    """A whole-number tick step giving at most 5 ticks up to ``top`` (counts have no 0.5)."""
    return max(1, -(-top // 5))


def _day_axis(days: Sequence[str]) -> dict[str, Any]:
    """A date axis over exactly ``days`` (half a day either side for the bars), its labels
    spaced so they never overlap one another or the value axis's 0."""
    from datetime import date, timedelta

    if not days:
        return {"type": "date"}
    first, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    step = max(1, -(-len(days) // 8))  # at most 8 labels
    return {
        "type": "date",
        "range": [f"{first - timedelta(days=1)} 12:00", f"{last} 12:00"],
        "tickformat": "%m-%d",
        "dtick": step * 86_400_000,
        "tick0": days[-1],
        "ticks": "outside",
        "ticklen": 6,
        "automargin": True,
    }


def funnel_figure(
    funnel: Mapping[str, int], lang: str = DEFAULT_LANG, *, height: int = 340
) -> go.Figure:
    """Visitors → bound → ordered → repeat buyers (U-10), each a subset of the one before,
    with each stage's share of the one before."""
    stages = ("visitors", "bound", "ordered", "repeat")
    fig = go.Figure(layout=_base(t("fig.funnel.title", lang), height))
    fig.add_trace(
        go.Funnel(
            y=[t(f"funnel.{s}", lang) for s in stages],
            x=[int(funnel.get(s, 0)) for s in stages],
            text=[number(int(funnel.get(s, 0))) for s in stages],
            textinfo="text+percent previous",
            marker={"color": [PRIMARY, SECONDARY, WARNING, "#d63384"]},
            hovertemplate="%{y}: %{x}<extra></extra>",
        )
    )
    fig.update_layout(showlegend=False, yaxis={"automargin": True}, margin={"l": 16})
    return fig


def leaderboard_figure(
    items: Sequence[Mapping[str, Any]],
    metric: str,
    lang: str = DEFAULT_LANG,
    *,
    top: int = 10,
    height: int = 360,
) -> go.Figure:
    """The ``top`` of a ranking as horizontal bars, first at the top, coloured by level."""
    shown = list(items)[:top]
    is_money = metric != "clients"
    labels = [f"{r['rank']}. {r.get('name') or r['distributor_id']}" for r in shown]
    values = [r["value"] / 100 if is_money else r["value"] for r in shown]
    text = [money(int(r["value"])) if is_money else number(int(r["value"])) for r in shown]
    fig = go.Figure(layout=_base(t(f"board.metric.{metric}", lang), height))
    fig.add_bar(
        x=values,
        y=labels,
        orientation="h",
        text=text,
        textposition="auto",
        marker_color=[level_colour(r.get("level")) for r in shown],
        hovertemplate="%{y}: %{text}<extra></extra>",
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(
        title=t("fig.yuan", lang) if is_money else t("board.clients", lang), rangemode="tozero"
    )
    fig.update_layout(showlegend=False, margin={"l": 140})
    return fig


def progress_figure(
    progress: Mapping[str, Any], lang: str = DEFAULT_LANG, *, height: int = 240
) -> go.Figure:
    """R-4.4: one bar per condition of the next level, filled to its percent (0–100), labelled
    ``current / threshold`` (money conditions in yuan)."""
    conditions = list(progress.get("conditions") or [])
    names = [t(f"cond.{c['name']}", lang) for c in conditions]

    def amount(name: str, value: int) -> str:
        return money(int(value)) if name.endswith("_fen") else number(int(value))

    text = [
        f"{amount(c['name'], c['current'])} / {amount(c['name'], c['threshold'])}"
        for c in conditions
    ]
    title = (
        t("fig.progress.title", lang, level=progress["next_level"])
        if progress.get("next_level")
        else t("fig.progress.top", lang)
    )
    fig = go.Figure(layout=_base(title, height))
    fig.add_bar(
        x=[100] * len(conditions),
        y=names,
        orientation="h",
        marker_color="#e9ecef",
        text=text,  # on the full-width track, so it never outgrows a short bar
        textposition="inside",
        insidetextanchor="end",
        textangle=0,
        textfont={"color": "#212529"},
        hoverinfo="skip",
        showlegend=False,
    )
    fig.add_bar(
        x=[int(c["percent"]) for c in conditions],
        y=names,
        orientation="h",
        marker_color=[SECONDARY if int(c["percent"]) >= 100 else PRIMARY for c in conditions],
        hovertemplate="%{y}: %{x}%<extra></extra>",
        showlegend=False,
    )
    fig.update_layout(barmode="overlay", margin={"l": 120})
    fig.update_xaxes(range=[0, 100], ticksuffix="%", title=None)
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def earnings_figure(
    months: Sequence[Mapping[str, Any]], lang: str = DEFAULT_LANG, *, height: int = 320
) -> go.Figure:
    """Earnings per month split pending / settled / withdrawn (``Shop.earnings`` rows)."""
    xs = [r["month"] for r in months]
    fig = go.Figure(layout=_base(t("fig.earnings.title", lang), height))
    for field, color in (("pending", MUTED), ("settled", PRIMARY), ("withdrawn", SECONDARY)):
        fig.add_bar(
            x=xs,
            y=[r[field] / 100 for r in months],
            name=t(f"balance.{field}", lang),
            marker_color=color,
            customdata=[money(int(r[field])) for r in months],
            hovertemplate="%{x}: %{customdata}<extra>%{fullData.name}</extra>",
        )
    fig.update_layout(barmode="group", bargap=_bargap(len(xs)))
    fig.update_xaxes(type="category")
    fig.update_yaxes(title=t("fig.yuan", lang), rangemode="tozero")
    return fig
