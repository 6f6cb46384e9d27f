"""The report pages' figures and table rows (issue 17; teamgraph/dashboards/report_figures.py,
pages/channels.py, pages/cohorts.py) as plain functions: values in, figures and rows out."""

from __future__ import annotations

from datetime import date
from typing import Any

from teamgraph.dashboards import report_figures
from teamgraph.dashboards.i18n import EN, ZH, t

CHANNELS = [
    {"channel": "wechat", "visits": 3, "bindings": 2, "orders": 3, "sales_fen": 16_000,
     "commission_fen": 1_720, "cost_bp": 1_075, "binding_bp": 6_666},
    {"channel": None, "visits": 2, "bindings": 2, "orders": 0, "sales_fen": 0,
     "commission_fen": 0, "cost_bp": None, "binding_bp": 10_000},
]  # fmt: skip
WINDOWS = [
    {"window": 1, "started": 2, "complete": True, "active": 2, "active_bp": 10_000,
     "sales_fen": 16_000, "commission_fen": 1_720},
    {"window": 2, "started": 1, "complete": False, "active": 0, "active_bp": 0,
     "sales_fen": 0, "commission_fen": 0},
    {"window": 3, "started": 0, "complete": False, "active": 0, "active_bp": None,
     "sales_fen": 0, "commission_fen": 0},
]  # fmt: skip


def test_channels_figure_bars_each_stage_and_marks_the_cost_ratio() -> None:
    fig = report_figures.channels_figure(CHANNELS, ZH)
    visits, bindings, orders, cost = fig.data
    assert [d.type for d in fig.data] == ["bar", "bar", "bar", "scatter"]
    assert list(visits.x) == ["wechat", t("channels.none", ZH)]
    assert (list(visits.y), list(bindings.y), list(orders.y)) == ([3, 2], [2, 2], [3, 0])
    assert list(cost.y) == [10.75, None] and cost.mode == "markers" and cost.yaxis == "y2"
    assert cost.customdata[0] == "10.75%"
    assert fig.layout.yaxis.range[0] == 0 and fig.layout.yaxis2.range[0] == 0


def test_cohorts_heatmap_shows_shares_and_leaves_unstarted_windows_blank() -> None:
    cohorts = [{"month": "2026-02", "distributors": 2, "windows": WINDOWS}]
    fig = report_figures.cohorts_figure(cohorts, EN)
    (heat,) = fig.data
    assert heat.type == "heatmap" and list(heat.y) == ["2026-02"]
    assert list(heat.x) == [t("cohorts.window", EN, n=k) for k in (1, 2, 3)]
    assert list(heat.z[0]) == [100.0, 0.0, None]
    assert heat.text[0][0] == "100.00%<br>¥160.00"
    assert heat.text[0][2] == t("cohorts.not_started", EN)
    assert (heat.zmin, heat.zmax) == (0, 100)


def test_report_table_rows_keep_numbers_beside_their_text(dash_app: object) -> None:
    from teamgraph.dashboards.pages import channels, cohorts

    (wechat, none) = channels.rows(CHANNELS, "channel", EN)
    assert (wechat["name"], wechat["sales_fen"], wechat["sales_fen_text"]) == (
        "wechat",
        16_000,
        "¥160.00",
    )
    assert (wechat["cost_bp"], wechat["cost_bp_text"]) == (1_075, "10.75%")
    assert none["name"] == t("channels.none", EN) and none["cost_bp"] == -1  # sorts last
    (row,) = cohorts.rows([{"month": "2026-02", "distributors": 2, "windows": WINDOWS}], ZH)
    assert row["active_1_text"] == "100.00% (2/2)"
    assert row["active_2_text"] == "0.00% (0/1) " + t("cohorts.running", ZH)
    assert row["active_3_text"] == t("cohorts.not_started", ZH)
    headers: list[Any] = [c.get("headerName") for c in cohorts.columns(EN)]
    assert headers[2:] == [t("cohorts.window", EN, n=k) for k in (1, 2, 3)]


def test_cohort_months_end_with_the_month_of_the_day(dash_app: object) -> None:
    from teamgraph.dashboards.pages import cohorts

    start, end = cohorts.months_period(date(2026, 3, 15), 3, "Asia/Shanghai")
    assert (start, end) == (
        1_767_196_800_000,
        1_767_196_800_000 + 90 * 86_400_000,
    )  # 01-01 .. 04-01
