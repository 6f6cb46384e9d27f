"""The fraud benchmark's picture (issue 18): precision and recall of ring membership against the
flag line, drawn with plotly (a dependency already) and photographed by the system Chromium
through Playwright (the browser tests' and the center benchmark's way), so no image-export
package (kaleido, matplotlib) is needed."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

CHROMIUM = Path(os.environ.get("TEAMGRAPH_CHROMIUM", "/usr/bin/chromium"))
WIDTH, HEIGHT = 1200, 520
FAMILIES = {"dev": "development seeds", "held-out": "held-out seeds"}
SHOPS = {
    "generator": ("the generator's kinds (D-8)", "#1f77b4"),
    "new": ("extra kinds (D-11) + look-alikes (D-12)", "#d62728"),
}


def figure(curves: Mapping[str, Sequence[Mapping[str, Any]]], flag_score: int) -> go.Figure:
    """Two panels (development and held-out seeds); in each, precision (solid) and recall
    (dashed) per flag line for each kind of shop, and the share of honest look-alike groups
    with more than one member flagged (dotted)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=list(FAMILIES.values()),
                        horizontal_spacing=0.08)  # fmt: skip
    for col, family in enumerate(FAMILIES, start=1):
        for shop, (name, colour) in SHOPS.items():
            rows = curves.get(f"{shop}/{family}")
            if not rows:
                continue
            x = [r["flag_score"] for r in rows]
            for metric, dash, label in (("precision", "solid", "precision"),
                                        ("recall", "dash", "recall")):  # fmt: skip
                fig.add_trace(
                    go.Scatter(
                        x=x,
                        y=[None if r[metric] is None else 100 * r[metric] for r in rows],
                        mode="lines",
                        line={"color": colour, "dash": dash, "width": 2.5},
                        name=f"{label}: {name}",
                        legendgroup=f"{shop}-{metric}",
                        showlegend=col == 1,
                    ),
                    row=1,
                    col=col,
                )
            if shop == "new" and any(r.get("honest_over_bar_share") is not None for r in rows):
                fig.add_trace(
                    go.Scatter(
                        x=x,
                        y=[
                            None
                            if r.get("honest_over_bar_share") is None
                            else 100 * r["honest_over_bar_share"]
                            for r in rows
                        ],
                        mode="lines",
                        line={"color": "#7f7f7f", "dash": "dot", "width": 2},
                        name="honest groups with more than one member flagged",
                        legendgroup="honest",
                        showlegend=col == 1,
                    ),
                    row=1,
                    col=col,
                )
        fig.add_vline(x=flag_score, line={"color": "#444", "width": 1, "dash": "dashdot"},
                      row=1, col=col)  # fmt: skip
    fig.update_xaxes(title_text="flag line (score)", range=[0, 100], dtick=10)
    fig.update_yaxes(title_text="%", range=[-2, 102], dtick=20)
    fig.update_layout(
        width=WIDTH,
        height=HEIGHT,
        template="plotly_white",
        title={
            "text": f"Precision and recall of ring members against the flag line "
            f"(today's line: {flag_score})",
            "x": 0.5,
        },
        legend={"orientation": "h", "y": -0.18, "x": 0.5, "xanchor": "center"},
        margin={"l": 60, "r": 30, "t": 80, "b": 130},
        font={"family": "DejaVu Sans, Arial, sans-serif", "size": 13},
    )
    return fig


def render_curve(
    curves: Mapping[str, Sequence[Mapping[str, Any]]], path: Path, flag_score: int
) -> Path:
    """Draw :func:`figure` and write it as a PNG at ``path``."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise FileNotFoundError(f"no Chromium at {CHROMIUM} (set TEAMGRAPH_CHROMIUM)")
    html = figure(curves, flag_score).to_html(
        full_html=True, include_plotlyjs=True, config={"staticPlot": True}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="teamgraph-curve-") as tmp:
        page_file = Path(tmp) / "curve.html"
        page_file.write_text(html, encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
                page.goto(page_file.as_uri())
                page.wait_for_selector(".main-svg")
                page.locator(".plotly-graph-div").screenshot(path=str(path))
            finally:
                browser.close()
    return path
