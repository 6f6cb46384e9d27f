"""Rule messages in the UI's language (issue 17, dashboards/messages.py, docs/choices.md U-13):
every error the settings and product rules raise, the three-tier warning, R-1.9's refusal and
the log-in errors have a sentence in both catalogues, filled with their values (rates as
percentages, money in yuan, times in the shop's zone) and followed by their rule id."""

from __future__ import annotations

from typing import Any

import pytest

from teamgraph.dashboards import messages
from teamgraph.dashboards.i18n import EN, LANGS, ZH
from teamgraph.errors import TeamgraphError, ValidationError
from teamgraph.rules import commission
from teamgraph.rules import settings as rules_settings
from teamgraph.rules.settings import ProgramSettings
from teamgraph.shop.keys import split_key
from tests.ui.test_pages import text

T0 = 1_767_196_800_000  # 2026-01-01T00:00+08:00
L1 = {"level": 1, "name": "L1", "reward_bp": 1000, "inviter_reward_bp": 300}
FIXED = {"level": 1, "name": "L1", "reward_fen": 100, "inviter_reward_fen": 0}

BAD: dict[str, dict[str, Any]] = {
    "settings.tiers": {"tiers": 4},
    "settings.levels.count": {"levels": []},
    "settings.levels.numbering": {"levels": [L1 | {"level": 2}]},
    "settings.reward_basis.kind": {"reward_kind": "points", "reward_basis": "rate"},
    "settings.reward_basis.rate": {"levels": [FIXED]},
    "settings.reward_basis.fixed": {"reward_basis": "fixed", "levels": [L1]},
    "settings.conditions": {"levels": [L1, L1 | {"level": 2, "name": "L2"}]},
    "settings.rate_cap.level": {"levels": [L1 | {"reward_bp": 6000}]},
    "settings.rate_cap.total": {"tiers": 3, "levels": [L1 | {"reward_bp": 3000,
                                                             "inviter_reward_bp": 1500}]},
    "settings.ladder": {"ladder": [{"threshold_fen": 5, "bonus_fen": 1},
                                   {"threshold_fen": 5, "bonus_fen": 2}]},
    "settings.withdrawal": {"withdrawal": {"min_fen": 500, "max_fen": 100}},
    "settings.unknown_field": {"colour": "red"},
    "settings.invalid": {"sharer_window_hours": 0},
    "settings.attribution_mode": {"attribution_mode": "nearest"},
}  # fmt: skip


def refusal(patch: dict[str, Any]) -> TeamgraphError:
    with pytest.raises(TeamgraphError) as err:
        rules_settings.change(ProgramSettings(), patch, T0)
    return err.value


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.parametrize("lang", LANGS)
def test_every_settings_refusal_is_said_in_the_ui_language(case: str, lang: str) -> None:
    exc = refusal(BAD[case])
    assert case.startswith(exc.code)
    said = messages.error_text(exc, lang)
    assert said != exc.message and "{" not in said, (case, said)
    alert = text(messages.error_alert(exc, lang))
    assert exc.code in alert and (exc.rule is None or exc.rule in alert)


def test_values_are_shown_as_people_read_them() -> None:
    exc = refusal(BAD["settings.rate_cap.total"])
    assert messages.error_text(exc, ZH) == (
        "一笔订单合计可能支付 60.00%（一级 30.00% + 2 × 邀请人 15.00%），超过 50% 上限，已拒绝"
        "（不会自动截断）。"
    )
    money = refusal(BAD["settings.withdrawal"])
    assert "¥5.00" in messages.error_text(money, EN) and "¥1.00" in messages.error_text(money, EN)


def test_r1_9_refusal_names_the_time_it_can_change_again_in_the_shop_zone() -> None:
    changed = rules_settings.change(ProgramSettings(), {"attribution_mode": "sharer"}, T0)
    with pytest.raises(TeamgraphError) as err:
        rules_settings.change(changed, {"attribution_mode": "chain"}, T0 + 1)
    said = messages.error_text(err.value, ZH, tz="Asia/Shanghai")
    assert said.endswith("2026-01-04 00:00。"), said
    assert "R-1.9" in text(messages.error_alert(err.value, ZH))


def test_the_three_tier_warning_is_translated_with_its_rule() -> None:
    warned = rules_settings.warnings(ProgramSettings(tiers=3))
    shown = text(messages.warning_list(warned, ZH))
    assert "三级分佣" in shown and "R-3.7" in shown and "pyramid" not in shown


@pytest.mark.parametrize(
    "reward", [commission.ProductReward(reward_bp=5001), commission.ProductReward(1, 1)]
)
def test_product_refusals_are_translated(reward: commission.ProductReward) -> None:
    with pytest.raises(ValidationError) as err:
        commission.validate_product_reward(reward)
    for lang in LANGS:
        assert messages.error_text(err.value, lang) != err.value.message


def test_log_in_errors_are_translated() -> None:
    with pytest.raises(TeamgraphError) as err:
        split_key("no-dot")
    assert messages.error_text(err.value, ZH) == "密钥格式不对，应为「店铺.密钥」的形式。"


def test_a_code_without_a_sentence_shows_the_english_message() -> None:
    exc = ValidationError("brand.new", "something new", params={"x": 1})
    assert messages.error_text(exc, ZH) == "something new"
