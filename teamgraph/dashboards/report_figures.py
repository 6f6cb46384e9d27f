"""The report pages' figures (issue 17: channels and cohorts), plain values in, a
``go.Figure`` out, as :mod:`teamgraph.dashboards.figures` (no Dash, no shop, no I/O). Money
arrives as integer fen, shares as basis points; labels come from the catalogues."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from teamgraph.dashboards.figures import PRIMARY, SECONDARY, WARNING, _bargap, _base, _headroom
from teamgraph.dashboards.i18n import DEFAULT_LANG, labels, money, number, percent_bp, t


def channel_label(channel: str | None, lang: str) -> str:
    """A channel's name in ``lang`` when the catalogue has one (``channels.name.<channel>``:
    the demo's and the common WeChat ones), else the channel as sent."""
    if not channel:
        return t("channels.none", lang)
    key = f"channels.name.{channel}"
    return t(key, lang) if key in labels(DEFAULT_LANG) else channel


def channels_figure(
    rows: Sequence[Mapping[str, Any]], lang: str = DEFAULT_LANG, *, height: int = 380
) -> go.Figure:
    """Per channel: visits, bindings and orders as bars (counts, left axis) and the cost ratio
    (commission / sales) as a marker on the right axis, in %; markers only, so nothing is
    drawn between channels or below 0."""
    names = [channel_label(r["channel"], lang) for r in rows]
    fig = go.Figure(layout=_base(t("channels.fig.title", lang), height))
    top = 0
    for field, colour in (("visits", PRIMARY), ("bindings", SECONDARY), ("orders", WARNING)):
        values = [int(r[field]) for r in rows]
        top = max([top, *values])
        fig.add_bar(
            x=names,
            y=values,
            name=t(f"channels.col.{field}", lang),
            marker_color=colour,
            text=[number(v) for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{y}<extra>%{fullData.name}</extra>",
        )
    costs = [r["cost_bp"] for r in rows]
    fig.add_scatter(
        x=names,
        y=[c / 100 if c is not None else None for c in costs],
        name=t("channels.col.cost", lang),
        yaxis="y2",
        mode="markers",
        marker={"color": "#d63384", "size": 12, "symbol": "diamond"},
        customdata=[percent_bp(c) for c in costs],
        hovertemplate="%{x}: %{customdata}<extra>%{fullData.name}</extra>",
    )
    cost_top = max([c / 100 for c in costs if c is not None] + [0])
    fig.update_layout(
        barmode="group",
        bargap=_bargap(len(rows)),
        yaxis={"range": [0, _headroom(top) * 1.08], "automargin": True, "tickformat": "d"},
        yaxis2={
            "title": {"text": t("channels.col.cost", lang), "standoff": 10},
            "overlaying": "y",
            "side": "right",
            "range": [0, _headroom(cost_top)],
            "tickmode": "auto",
            "nticks": 6,
            "tickformat": ".0f",
            "ticksuffix": "%",
            "showgrid": False,
            "automargin": True,
        },
        xaxis={"type": "category", "automargin": True},
        margin={"r": 64, "b": 72},
    )
    return fig


def cohorts_figure(
    cohorts: Sequence[Mapping[str, Any]], lang: str = DEFAULT_LANG, *, height: int = 380
) -> go.Figure:
    """A heatmap of each cohort's active share in windows 1-3 (rows: the joining months,
    newest at the top), each cell labelled with its share and sales; a window no member has
    started is blank."""
    windows = [t("cohorts.window", lang, n=k) for k in (1, 2, 3)]
    months = [c["month"] for c in cohorts]
    z: list[list[float | None]] = []
    text: list[list[str]] = []
    for c in cohorts:
        z.append([w["active_bp"] / 100 if w["active_bp"] is not None else None
                  for w in c["windows"]])  # fmt: skip
        text.append(
            [
                f"{percent_bp(w['active_bp'])}<br>{money(int(w['sales_fen']))}"
                if w["active_bp"] is not None
                else t("cohorts.not_started", lang)
                for w in c["windows"]
            ]
        )
    fig = go.Figure(layout=_base(t("cohorts.fig.title", lang), height))
    fig.add_trace(
        go.Heatmap(
            x=windows,
            y=months,
            z=z,
            text=text,
            texttemplate="%{text}",
            zmin=0,
            zmax=100,
            colorscale="Blues",
            xgap=3,
            ygap=3,
            colorbar={"title": {"text": "%"}, "thickness": 12},
            hovertemplate="%{y} · %{x}: %{text}<extra></extra>",
        )
    )
    fig.update_layout(
        yaxis={"type": "category", "autorange": "reversed", "automargin": True},
        xaxis={"side": "top", "automargin": True},
        margin={"t": 80},
    )
    return fig
