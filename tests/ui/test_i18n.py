"""The gettext catalogues (zh_CN, en) and the formatters every page uses (U-6)."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from teamgraph.dashboards import i18n
from teamgraph.dashboards.i18n import EN, LANGS, ZH, money, percent_bp, t, when

DASHBOARDS = Path(i18n.__file__).parent


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_both_catalogues_hold_the_same_ids_each_translated() -> None:
    zh, en = i18n.labels(ZH), i18n.labels(EN)
    assert len(zh) > 300
    assert set(zh) == set(en), "an id is missing in one language"
    for lang in LANGS:
        catalogue = i18n.read_catalogue(lang)
        ids = [m.id for m in catalogue if m.id]
        assert len(ids) == len(i18n.labels(lang)), f"{lang}: an id without a translation"
        assert not [m.id for m in catalogue if m.id and m.fuzzy], f"{lang}: fuzzy entries"
    for key in zh:
        assert zh[key].strip() and en[key].strip(), key
        assert _fields(zh[key]) == _fields(en[key]), key


def test_chinese_labels_are_chinese() -> None:
    """A zh-CN label equal to its English one is a missed translation (formats excepted)."""
    zh, en = i18n.labels(ZH), i18n.labels(EN)
    same = {k for k in zh if zh[k] == en[k]}
    assert same <= {"nav.signed_in", "risk.all"} | {k for k in same if k.startswith("signal.ip")}


def _literal_keys() -> set[str]:
    """Every literal id passed to t(...) or named as nav_key / nav_key_own / title_key."""
    used: set[str] = set()
    for path in DASHBOARDS.rglob("*.py"):
        text = path.read_text()
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_.]+)["']""", text))
        used |= set(re.findall(r"""(?:nav_key|nav_key_own|title_key)=["']([a-z0-9_.]+)["']""",
                               text))  # fmt: skip
        # ("team.level", value, id) tuples the pages pass through t(k, lang)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Tuple) and node.elts and isinstance(node.elts[0], ast.Constant):
                first = node.elts[0].value
                if (
                    isinstance(first, str)
                    and re.fullmatch(r"[a-z_]+\.[a-z_.]+", first)
                    and first.split(".")[0] in {"team", "balance", "overview", "program"}
                ):
                    used.add(first)  # fmt: skip
    return used


def test_every_label_the_code_names_exists() -> None:
    used = _literal_keys()
    assert len(used) > 150
    assert used - set(i18n.labels(ZH)) == set()


@pytest.mark.parametrize(
    ("prefix", "values"),
    [
        ("status", ("active", "dormant", "frozen", "pending", "rejected")),
        ("nav.menu", ("reports", "operations", "system")),
        ("wstatus", ("requested", "approved", "paid", "rejected")),
        ("entry", ("pending", "held", "settled", "requested", "approved", "paid", "rejected")),
        ("kind", ("reward", "clawback", "bonus", "adjustment", "withdrawal", "tax")),
        ("board.metric", ("sales", "commission", "clients")),
        ("board.period", ("day", "week", "month")),
        ("funnel", ("visitors", "bound", "ordered", "repeat")),
        ("balance", ("pending", "settled", "withdrawn")),
        ("cond", ("bound_customers", "invited_distributors", "paid_orders", "received_fen",
                  "transaction_fen", "completed_orders")),
        ("mode", ("chain", "sharer")),
        ("role", ("merchant", "analyst", "distributor")),
        ("ring.status", ("open", "frozen", "released")),
        ("ring.edge", ("shares_signal", "bound_to", "invited_by", "earned_from")),
        ("badge", ("first_sale", "clients", "level", "month_top")),
    ],
)  # fmt: skip
def test_every_label_family_the_code_builds_is_complete(prefix: str, values: tuple) -> None:
    """Ids built from data (``t(f"status.{status}")``) exist for every value the data has."""
    labels = i18n.labels(EN)
    assert [v for v in values if f"{prefix}.{v}" not in labels] == []


def test_settings_form_labels_exist_for_every_field_and_choice(dash_app: object) -> None:
    from teamgraph.dashboards.pages import settings

    labels = i18n.labels(ZH)
    for field in settings.FIELDS:
        assert f"set.{field.name}" in labels and f"set.help.{field.name}" in labels, field
    for section in settings.SECTIONS:
        assert f"set.section.{section().key}" in labels, section
    for table, columns in settings.TABLES.items():
        assert f"set.help.{table}" in labels
        for col in columns:
            head, _, rest = col.name.partition(".")
            assert (f"cond.{rest}" if head == "conditions" else f"set.col.{table}.{col.name}") in (
                labels
            ), col
    for field, choices in settings.CHOICES.items():
        for value in choices:
            assert f"opt.{field}.{value}" in labels, (field, value)


def test_t_formats_and_falls_back_to_chinese() -> None:
    assert t("team.depth_n", EN, n=3) == "Level 3 down"
    assert t("nav.logout", "fr") == t("nav.logout", ZH) == "退出登录"
    assert t("nav.logout", None) == "退出登录"
    with pytest.raises(KeyError):
        t("no.such.label", EN)


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, ZH),
        ("", ZH),
        ("en-US,en;q=0.9", EN),
        ("zh-CN,zh;q=0.9,en;q=0.8", ZH),
        ("zh-TW", ZH),
        ("fr-FR,fr;q=0.9,en;q=0.5,zh;q=0.4", EN),
        ("de;q=0.9,zh;q=0.95", ZH),
        ("de", ZH),
    ],
)
def test_the_browser_language_picks_the_first_language(header: str | None, lang: str) -> None:
    assert i18n.best_lang(header) == lang


@pytest.mark.parametrize(
    ("fen", "text"),
    [(0, "¥0.00"), (5, "¥0.05"), (123_450, "¥1,234.50"), (-5, "-¥0.05"),
     (100_000_000_00, "¥100,000,000.00"), (None, "–")],
)  # fmt: skip
def test_money_is_yuan_with_two_decimals_from_integer_fen(fen: int | None, text: str) -> None:
    assert money(fen) == text


def test_money_refuses_floats() -> None:
    with pytest.raises(TypeError):
        money(12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        money(True)


def test_percent_and_times_in_the_shop_zone() -> None:
    assert percent_bp(1_520) == "15.20%"
    assert percent_bp(5) == "0.05%"
    assert percent_bp(None) == "–"
    t0 = 1_767_196_800_000  # 2026-01-01T00:00+08:00
    assert when(t0, "Asia/Shanghai") == "2026-01-01 00:00"
    assert when(t0, "UTC") == "2025-12-31 16:00"
    assert when(t0, "Asia/Shanghai", time=False) == "2026-01-01"
    assert when(None, "UTC") == "–"


def test_number_groups_thousands() -> None:
    assert i18n.number(1234567) == "1,234,567"
    assert i18n.number(0) == "0"
