"""The figure functions and the labels, without a browser or a graph."""

from __future__ import annotations

import re
import string
from pathlib import Path

import plotly.graph_objects as go
import pytest

from teamgraph.dashboards import figures, i18n
from teamgraph.dashboards.i18n import EN, LANGS, ZH, t

DASHBOARDS = Path(i18n.__file__).parent
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
    ):
        assert fig.to_json()


# -- labels --------------------------------------------------------------------------------------
def test_every_label_has_both_languages_and_the_same_placeholders() -> None:
    for key, texts in i18n.LABELS.items():
        assert set(texts) == set(LANGS), key
        assert all(text.strip() for text in texts.values()), key
        fields = {
            lang: {f for _, f, _, _ in string.Formatter().parse(text) if f}
            for lang, text in texts.items()
        }
        assert fields[ZH] == fields[EN], key


def test_chinese_labels_are_chinese() -> None:
    """A zh-CN label left in English is a missed translation (names and ids excepted)."""
    same = {k for k, v in i18n.LABELS.items() if v[ZH] == v[EN]}
    assert same <= {"nav.signed_in"}


def test_t_formats_and_falls_back_to_chinese() -> None:
    assert t("team.depth_n", EN, n=3) == "Level 3 down"
    assert t("nav.logout", "fr") == t("nav.logout", ZH) == "退出登录"
    assert t("nav.logout", None) == "退出登录"
    with pytest.raises(KeyError):
        t("no.such.label", EN)


def test_every_label_used_in_the_ui_exists() -> None:
    """Literal keys passed to t(...) anywhere in the package are in the dictionary."""
    used: set[str] = set()
    for path in DASHBOARDS.rglob("*.py"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_.]+)["']""", path.read_text()))
    assert used, "no t() calls found"
    assert used - set(i18n.LABELS) == set()


def test_number_groups_thousands() -> None:
    assert i18n.number(1234567) == "1,234,567"
    assert i18n.number(0) == "0"
