"""/jobs: the scheduled jobs (issue 17 "Jobs that run by themselves"): each job with its
schedule, its last run and its next one, a picture of the runs (when each started, how long it
took, ok or failed) and every run with its result and error. Read only: the jobs run inside
``teamgraph serve`` (:mod:`teamgraph.shop.scheduler`); ``GET /v1/jobs`` reads the same."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Input, Output, callback, dcc, html

from teamgraph.callers import MERCHANT
from teamgraph.config import Settings
from teamgraph.dashboards import context
from teamgraph.dashboards.components import access, error_alert, grid, page_title
from teamgraph.dashboards.figures import FONT
from teamgraph.dashboards.i18n import DEFAULT_LANG, labels, money, number, t, when
from teamgraph.dashboards.shell import LANG, SESSION
from teamgraph.errors import TeamgraphError
from teamgraph.shop import Shop
from teamgraph.shop.scheduler import Config, Runner

ROLES = MERCHANT
dash.register_page(
    __name__,
    path="/jobs",
    title="teamgraph",
    name="jobs",
    nav_key="nav.jobs",
    order=16,
    roles=ROLES,
)

RECENT = 200
SUMMARY_ORDER = ("bonuses", "rewards", "amount_fen", "points", "rings", "flagged", "auto_held",
                 "auto_hold_score", "pruned", "passes", "retention_days")  # fmt: skip
COLOURS = {"ok": "#2e7d32", "failed": "#c62828", "running": "#f9a825", "new": "#9e9e9e"}


def _label(key: str, lang: str, fallback: str) -> str:
    """A catalogue label, or ``fallback`` for a job the catalogues do not name yet."""
    return labels(lang if lang in ("en", "zh-CN") else DEFAULT_LANG).get(key, fallback)


def job_name(job: str, lang: str) -> str:
    return _label(f"jb.job.{job}", lang, job)


def schedule_text(kind: str, hour: int, lang: str) -> str:
    return t(f"jb.schedule.{kind}", lang, hour=f"{hour:02d}")


def summary_text(summary: dict[str, Any] | None, lang: str) -> str:
    """A run's result in words: each known figure with its label (money as yuan)."""
    if not summary:
        return ""
    parts = []
    order = sorted(summary, key=lambda n: (SUMMARY_ORDER.index(n) if n in SUMMARY_ORDER else 99, n))
    for name in order:
        value = summary[name]
        if name == "month" or value is None or value == []:
            continue
        if name.endswith("_fen") and isinstance(value, int):
            shown = money(value)
        elif isinstance(value, list):
            shown = ", ".join(map(str, value)) or "–"
        elif isinstance(value, int) and not isinstance(value, bool):
            shown = number(value)
        else:
            shown = str(value)
        parts.append(f"{_label(f'jb.sum.{name}', lang, name)} {shown}")
    return " · ".join(parts)


def duration(ms: int | None) -> str:
    if ms is None:
        return "–"
    return f"{ms:,} ms" if ms < 10_000 else f"{ms / 1000:,.1f} s"


def _runner() -> Runner:
    return Runner(context.engine(), Config.from_settings(Settings()))


def job_rows(shop: Shop, lang: str, runner: Runner | None = None) -> list[dict[str, Any]]:
    """Each job: its schedule, last run and next run (shop time)."""
    runner = runner or _runner()
    tz = shop.timezone()
    out = []
    for row in runner.overview(shop):
        last = row["last_run"] or {}
        kind = runner.jobs[row["job"]].schedule.kind
        out.append({
            "job": row["job"],
            "name": job_name(row["job"], lang),
            "schedule": schedule_text(kind, runner.config.hour, lang),
            "last_period": last.get("period") or "–",
            "last_status": t(f"jbstatus.{last['status']}", lang) if last else t("jb.never", lang),
            "last_ms": duration(last.get("ms")),
            "last_finished": when(last.get("finished_at"), tz),
            "next": f"{row['next_period']} · {when(row['next_at'], tz)}",
        })  # fmt: skip
    return out


def run_rows(shop: Shop, lang: str) -> list[dict[str, Any]]:
    """The latest runs, newest first, as the grid shows them."""
    tz = shop.timezone()
    return [
        {
            "id": r["id"],
            "job": r["job"],
            "name": job_name(r["job"], lang),
            "period": r["period"],
            "status": r["status"],
            "status_text": t(f"jbstatus.{r['status']}", lang),
            "attempts": r["attempts"],
            "started": when(r["started_at"], tz),
            "started_at": r["started_at"],
            "ms": r["ms"],
            "duration": duration(r["ms"]),
            "summary": summary_text(r["summary"], lang),
            "error": (r["error"] or "").splitlines()[0] if r["error"] else "",
            "runner": r["runner"] or "",
        }
        for r in shop.job_runs(limit=RECENT)
    ]


def runs_figure(rows: list[dict[str, Any]], tz: str, lang: str, *, days: int = 14) -> go.Figure:
    """A timeline: one lane per job, a mark per run at the moment it started, its colour its
    status, its duration and result on hover; the last ``days`` days shown (zoom out for
    more)."""
    done = [r for r in rows if r["started_at"]]
    lanes = sorted({r["name"] for r in done})
    fig = go.Figure(
        layout=go.Layout(
            title={"text": t("jb.fig.title", lang), "x": 0, "xanchor": "left",
                   "font": {"size": 16}},
            template="plotly_white",
            font={"family": FONT, "size": 13},
            height=150 + 40 * max(len(lanes), 1),
            margin={"l": 120, "r": 16, "t": 48, "b": 40},
            legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right",
                    "x": 1.0},
            yaxis={"type": "category", "categoryorder": "array", "categoryarray": lanes,
                   "automargin": True},
            xaxis={"type": "date"},
        )
    )  # fmt: skip
    if done:
        latest = max(int(r["started_at"]) for r in done)
        fig.update_xaxes(
            range=[when(latest - days * 86_400_000, tz), when(latest + 43_200_000, tz)]
        )
    for status in ("ok", "failed", "running"):
        mine = [r for r in done if r["status"] == status]
        if not mine:
            continue
        fig.add_trace(
            go.Scatter(
                x=[when(r["started_at"], tz) for r in mine],
                y=[r["name"] for r in mine],
                mode="markers",
                name=t(f"jbstatus.{status}", lang),
                marker={"color": COLOURS[status], "size": 14, "symbol": "square",
                        "line": {"width": 1, "color": "white"}},
                customdata=[[r["period"], r["duration"], r["summary"] or r["error"]]
                            for r in mine],
                hovertemplate="%{y} · %{customdata[0]}<br>%{x} · %{customdata[1]}"
                "<br>%{customdata[2]}<extra></extra>",
            )
        )  # fmt: skip
    if not done:
        fig.add_annotation(text=t("jb.fig.none", lang), showarrow=False, x=0.5, y=0.5,
                           xref="paper", yref="paper")  # fmt: skip
    return fig


def job_columns(lang: str) -> list[dict[str, Any]]:
    def col(field: str, key: str, width: int) -> dict[str, Any]:
        return {"field": field, "headerName": t(key, lang), "width": width}

    return [
        col("name", "jb.col.job", 170),
        col("schedule", "jb.col.schedule", 300),
        col("last_period", "jb.col.last_period", 120),
        col("last_status", "jb.col.status", 90),
        col("last_ms", "jb.col.duration", 110),
        col("last_finished", "jb.col.finished", 150),
        col("next", "jb.col.next", 255),
    ]


def run_columns(lang: str) -> list[dict[str, Any]]:
    def col(field: str, key: str, width: int) -> dict[str, Any]:
        return {"field": field, "headerName": t(key, lang), "width": width}

    return [
        col("name", "jb.col.job", 150),
        col("period", "jb.col.period", 125),
        col("status_text", "jb.col.status", 90),
        col("attempts", "jb.col.attempts", 120),
        col("started", "jb.col.started", 165),
        col("duration", "jb.col.duration", 115),
        col("summary", "jb.col.summary", 280),
        col("error", "jb.col.error", 190),
    ]


def layout(lang: str = DEFAULT_LANG, **_query: Any) -> html.Div:
    return html.Div(
        [
            page_title(t("nav.jobs", lang)),
            html.P(t("jb.help", lang), className="small text-body-secondary"),
            html.Div(id="jb-message"),
            grid("jb-jobs", [], job_columns(lang), height=190, getRowId="params.data.job"),
            dcc.Graph(id="jb-figure", config={"displaylogo": False}),
            html.H3(t("jb.runs", lang), className="h5 mt-2"),
            grid("jb-runs", [], run_columns(lang), height=320, getRowId="params.data.id"),
        ]
    )


@callback(
    Output("jb-jobs", "rowData"),
    Output("jb-runs", "rowData"),
    Output("jb-figure", "figure"),
    Output("jb-message", "children"),
    Input(SESSION, "data"),
    Input(LANG, "value"),
)
def render(key: str | None, lang: str) -> Any:
    empty = runs_figure([], "UTC", lang)
    caller, instead = access(key, lang, ROLES)
    if instead is not None:
        return [], [], empty, instead
    shop = caller.shop
    try:
        runs = run_rows(shop, lang)
        return job_rows(shop, lang), runs, runs_figure(runs, shop.timezone(), lang), None
    except TeamgraphError as exc:
        return [], [], empty, dbc.Alert(error_alert(exc, lang), color="danger")
