"""Figures as plain functions: plain values in, a ``go.Figure`` out.

No Dash, no shop, no I/O here: callbacks read the shop and pass what they read, and tests call
these functions directly. Labels come from :mod:`teamgraph.dashboards.i18n`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import plotly.graph_objects as go

from teamgraph.dashboards.i18n import DEFAULT_LANG, t

PRIMARY = "#0d6efd"  # Bootstrap's primary, as in the navbar
SECONDARY = "#20c997"  # Bootstrap's teal
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
    """Distributors per depth below one distributor, from ``Shop.team_by_depth`` rows
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
    fig.update_yaxes(title=t("team.count", lang), rangemode="tozero", tickformat="d")
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
