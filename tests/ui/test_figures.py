"""The figure functions and the labels, without a browser or a graph."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from teamgraph.dashboards import figures
from teamgraph.dashboards.i18n import EN, LANGS, ZH, t

LEVELS = [
    {"level": 2, "name": "金牌", "reward_bp": 1500, "inviter_reward_bp": 500},
    {"level": 1, "name": "L1", "reward_bp": 1000, "inviter_reward_bp": 300},
]


# -- the team by depth ---------------------------------------------------------------------------
def test_team_depth_figure_has_one_bar_per_depth_in_order() -> None:
    rows = [{"depth": 2, "distributors": 5}, {"depth": 1, "distributors": 3}]
    fig = figures.team_depth_figure(rows, ZH)
    assert isinstance(fig, go.Figure)
    (bar,) = fig.data
    assert bar.type == "bar"
    assert list(bar.x) == ["第 1 层", "第 2 层"]
    assert list(bar.y) == [3, 5]
    assert fig.layout.title.text == t("fig.team.title", ZH)


def test_team_depth_figure_speaks_english() -> None:
    fig = figures.team_depth_figure([{"depth": 1, "distributors": 1}], EN)
    assert list(fig.data[0].x) == ["Level 1 down"]
    assert fig.layout.xaxis.title.text == "Depth"
    assert fig.layout.yaxis.title.text == "Distributors"


def test_team_depth_figure_of_no_team_is_empty_not_broken() -> None:
    fig = figures.team_depth_figure([], ZH)
    assert list(fig.data[0].y) == []


DAILY = [
    {"day": "2026-01-01", "sales_fen": 10_000, "orders": 1, "commission_fen": 1_000,
     "visits": 4, "new_customers": 3},
    {"day": "2026-01-02", "sales_fen": 4_050, "orders": 2, "commission_fen": -30,
     "visits": 1, "new_customers": 0},
]  # fmt: skip
BOARD = [
    {"rank": 1, "distributor_id": "A", "name": "王伟", "level": 2, "value": 123_450},
    {"rank": 2, "distributor_id": "B", "name": None, "level": 1, "value": 99},
]
PROGRESS = {
    "level": 1,
    "next_level": 2,
    "percent": 60,
    "conditions": [
        {"name": "bound_customers", "current": 6, "threshold": 10, "percent": 60},
        {"name": "received_fen", "current": 150_000, "threshold": 500_000, "percent": 30},
    ],
    "shown": True,
}
MONTHS = [
    {"month": "2026-01", "pending": 1_120, "settled": 0, "withdrawn": 0},
    {"month": "2026-02", "pending": 0, "settled": 5_000, "withdrawn": 2_000},
]


# -- the overview --------------------------------------------------------------------------------
def test_trends_figure_draws_sales_and_commission_in_yuan_and_orders_on_the_right() -> None:
    fig = figures.trends_figure(DAILY, EN)
    sales, commission, orders = fig.data
    assert (sales.type, commission.type, orders.type) == ("bar", "bar", "scatter")
    assert list(sales.x) == ["2026-01-01", "2026-01-02"]
    assert list(sales.y) == [100.0, 40.5]
    assert list(sales.customdata) == ["¥100.00", "¥40.50"]  # hover: exact money text
    assert list(commission.customdata) == ["¥10.00", "-¥0.30"]
    assert list(orders.y) == [1, 2] and orders.yaxis == "y2"
    assert sales.name == t("kpi.sales", EN) and fig.layout.title.text == t("fig.trends.title", EN)


def test_funnel_figure_has_the_four_nested_stages_in_order() -> None:
    """Issue 17 / U-10: visitors -> bound -> ordered -> repeat, each within the one before."""
    fig = figures.funnel_figure({"visitors": 1200, "bound": 900, "ordered": 40, "repeat": 7}, ZH)
    (funnel,) = fig.data
    assert funnel.type == "funnel"
    assert list(funnel.y) == ["访客", "已绑定", "已下单", "复购"]
    assert list(funnel.x) == [1200, 900, 40, 7]
    assert list(funnel.text) == ["1,200", "900", "40", "7"]
    assert funnel.textinfo == "text+percent previous"


def test_trends_axes_start_at_zero_with_whole_order_ticks_over_exactly_the_days() -> None:
    """Issue 17 (overview): nothing below the axis, no overlapping labels, counts in whole
    numbers; a day whose clawbacks outweigh its rewards gets room below 0 on both axes, the
    two zeros level."""
    daily = [{**DAILY[0], "commission_fen": 100}, {**DAILY[1], "commission_fen": 50}]
    fig = figures.trends_figure(daily, EN)
    assert fig.layout.yaxis.range[0] == 0 and fig.layout.yaxis2.range[0] == 0
    assert fig.layout.yaxis.range[1] > 100 and fig.layout.yaxis2.range[1] > 2
    assert fig.layout.yaxis2.dtick == 1 and fig.layout.yaxis2.tickformat == "d"
    assert fig.layout.xaxis.range == ("2025-12-31 12:00", "2026-01-02 12:00")
    assert fig.layout.xaxis.ticks == "outside"
    fig = figures.trends_figure(DAILY, EN)  # -0.30 commission on 01-02
    y, y2 = fig.layout.yaxis.range, fig.layout.yaxis2.range
    assert y[0] < 0 and y2[0] < 0 and y[0] / y[1] == pytest.approx(y2[0] / y2[1])


def test_leaderboard_figure_puts_the_first_on_top_coloured_by_level() -> None:
    fig = figures.leaderboard_figure(BOARD, "sales", ZH)
    (bar,) = fig.data
    assert list(bar.y) == ["1. 王伟", "2. B"]
    assert list(bar.x) == [1234.5, 0.99]
    assert list(bar.text) == ["¥1,234.50", "¥0.99"]
    assert list(bar.marker.color) == [figures.level_colour(2), figures.level_colour(1)]
    assert fig.layout.yaxis.autorange == "reversed"
    clients = figures.leaderboard_figure(BOARD, "clients", EN)
    assert list(clients.data[0].x) == [123_450, 99]
    assert clients.layout.title.text == "New clients"


def test_leaderboard_figure_shows_the_top_ten_only() -> None:
    many = [dict(BOARD[0], rank=i, distributor_id=f"d{i}") for i in range(1, 15)]
    assert len(figures.leaderboard_figure(many, "sales", EN).data[0].y) == 10


# -- the team view -------------------------------------------------------------------------------
def test_progress_figure_has_a_bar_per_condition_toward_the_next_level() -> None:
    fig = figures.progress_figure(PROGRESS, EN)
    track, filled = fig.data
    assert list(track.x) == [100, 100]
    assert list(filled.y) == ["Bound customers", "Amount received"]
    assert list(filled.x) == [60, 30]
    assert list(track.text) == ["6 / 10", "¥1,500.00 / ¥5,000.00"]
    assert fig.layout.title.text == "Conditions for L2"
    done = dict(PROGRESS, next_level=None, conditions=[])
    assert figures.progress_figure(done, ZH).layout.title.text == t("fig.progress.top", ZH)


def test_earnings_figure_splits_pending_settled_withdrawn_per_month() -> None:
    fig = figures.earnings_figure(MONTHS, ZH)
    assert [bar.name for bar in fig.data] == ["待结算", "已结算", "已提现"]
    assert [list(bar.y) for bar in fig.data] == [[11.2, 0.0], [0.0, 50.0], [0.0, 20.0]]
    assert list(fig.data[1].customdata) == ["¥0.00", "¥50.00"]
    assert list(fig.data[0].x) == ["2026-01", "2026-02"]


def test_level_colours_differ_and_clamp() -> None:
    assert len({figures.level_colour(lv) for lv in range(1, 6)}) == 5
    assert figures.level_colour(None) == figures.level_colour(1)
    assert figures.level_colour(99) == figures.LEVEL_COLOURS[-1]


# -- rewards per level ---------------------------------------------------------------------------
def test_rewards_figure_shows_rates_as_percent_per_level() -> None:
    fig = figures.rewards_figure(LEVELS, "rate", EN)
    order, inviter = fig.data
    assert order.name == "Order reward" and inviter.name == "Inviter reward"
    assert list(order.x) == ["1 · L1", "2 · 金牌"]
    assert list(order.y) == [10.0, 15.0]
    assert list(inviter.y) == [3.0, 5.0]
    assert list(order.text) == ["10%", "15%"]
    assert fig.layout.barmode == "group"
    assert fig.layout.yaxis.ticksuffix == "%"


def test_rewards_figure_shows_fixed_rewards_in_yuan() -> None:
    levels = [{"level": 1, "name": "L1", "reward_fen": 250, "inviter_reward_fen": None}]
    fig = figures.rewards_figure(levels, "fixed", ZH)
    order, inviter = fig.data
    assert list(order.y) == [2.5]
    assert list(inviter.y) == [0.0]  # not set: shown as nothing earned
    assert fig.layout.yaxis.title.text == t("fig.rewards.amount", ZH)
    assert not fig.layout.yaxis.ticksuffix


def test_rewards_figure_reads_the_default_settings() -> None:
    from teamgraph.rules.settings import ProgramSettings

    s = ProgramSettings()
    fig = figures.rewards_figure([lv.model_dump() for lv in s.levels], s.reward_basis, ZH)
    assert [list(bar.y) for bar in fig.data] == [[10.0], [3.0]]


@pytest.mark.parametrize("lang", LANGS)
def test_figures_serialise(lang: str) -> None:
    """What dcc.Graph sends to the browser must be plain JSON."""
    for fig in (
        figures.team_depth_figure([{"depth": 1, "distributors": 2}], lang),
        figures.rewards_figure(LEVELS, "rate", lang),
        figures.trends_figure(DAILY, lang),
        figures.funnel_figure({"visits": 9, "customers": 4, "orders": 2}, lang),
        figures.leaderboard_figure(BOARD, "sales", lang),
        figures.progress_figure(PROGRESS, lang),
        figures.earnings_figure(MONTHS, lang),
    ):
        assert fig.to_json()
