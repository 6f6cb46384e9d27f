"""Program settings rules, pure: time is an argument."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teamgraph.errors import Conflict, ValidationError
from teamgraph.rules import settings as S
from teamgraph.rules.timeutil import MS_PER_DAY, iso, next_local_time, to_ms

SH = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> int:
    return to_ms(datetime(*args, tzinfo=SH))  # type: ignore[misc]


def test_r1_9_change_at_2330_takes_effect_0500_next_day() -> None:
    s = S.change(S.ProgramSettings(), {"attribution_mode": "sharer"}, at(2026, 3, 1, 23, 30))
    assert s.pending is not None
    assert s.pending.effective_at == at(2026, 3, 2, 5, 0)
    assert s.effective(at(2026, 3, 2, 4, 59)).attribution_mode == "chain"
    assert s.effective(at(2026, 3, 2, 5, 0)).attribution_mode == "sharer"
    assert s.effective(at(2026, 3, 2, 5, 0)).pending is None


def test_r1_9_change_just_after_midnight_still_waits_for_the_next_day() -> None:
    s = S.change(S.ProgramSettings(), {"attribution_mode": "sharer"}, at(2026, 3, 2, 0, 10))
    assert s.pending is not None and s.pending.effective_at == at(2026, 3, 3, 5, 0)


def test_r1_9_uses_the_shop_time_zone() -> None:
    base = S.ProgramSettings(timezone="Europe/Berlin")
    s = S.change(base, {"attribution_mode": "sharer"}, at(2026, 3, 2, 0, 10))  # 17:10 Berlin
    expected = to_ms(datetime(2026, 3, 2, 5, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    assert s.pending is not None and s.pending.effective_at == expected


def test_r1_9_at_most_once_every_3_days() -> None:
    t0 = at(2026, 3, 1, 12, 0)
    s = S.change(S.ProgramSettings(), {"attribution_mode": "sharer"}, t0)
    with pytest.raises(Conflict) as info:
        S.change(s, {"attribution_mode": "chain"}, t0 + 3 * MS_PER_DAY - 1)
    assert info.value.code == "settings.too_soon" and info.value.rule == "R-1.9"
    assert info.value.extra["retry_after"] == t0 + 3 * MS_PER_DAY
    back = S.change(s, {"attribution_mode": "chain"}, t0 + 3 * MS_PER_DAY)
    assert back.attribution_mode == "sharer" and back.pending is not None
    assert back.pending.attribution_mode == "chain"


def test_r1_9_going_back_before_the_change_is_due_is_refused() -> None:
    t0 = at(2026, 3, 1, 12, 0)
    s = S.change(S.ProgramSettings(), {"attribution_mode": "sharer"}, t0)
    with pytest.raises(Conflict):  # S-2: a pending change always takes effect
        S.change(s, {"attribution_mode": "chain"}, t0 + 1)
    assert s.effective(t0 + MS_PER_DAY).attribution_mode == "sharer"


def test_r1_9_same_mode_again_is_no_change() -> None:
    t0 = at(2026, 3, 1, 12, 0)
    s = S.change(S.ProgramSettings(), {"attribution_mode": "chain"}, t0)
    assert s.pending is None and s.last_mode_change_at is None


def test_r1_9_other_fields_change_at_once_and_keep_the_pending_mode() -> None:
    t0 = at(2026, 3, 1, 12, 0)
    s = S.change(S.ProgramSettings(), {"attribution_mode": "sharer"}, t0)
    s2 = S.change(s, {"settle_days": 14}, t0 + 1000)
    assert s2.settle_days == 14 and s2.pending == s.pending


def test_r3_1_switching_reward_kind_resets_level_rewards() -> None:
    s = S.change(S.ProgramSettings(), {"reward_kind": "points"}, 0)
    assert s.reward_basis == "fixed"
    assert [(lv.reward_fen, lv.inviter_reward_fen) for lv in s.levels] == [(0, 0)]
    assert s.levels[0].reward_bp is None


def test_r3_2_points_are_always_fixed() -> None:
    with pytest.raises(ValidationError) as info:
        S.parse({"reward_kind": "balance", "reward_basis": "rate"})
    assert info.value.rule == "R-3.2"


@given(rate=st.integers(min_value=0, max_value=20_000))
def test_r3_3_rates_above_5000_bp_are_refused(rate: int) -> None:
    body = {"levels": [{"level": 1, "name": "L1", "reward_bp": 0, "inviter_reward_bp": rate}]}
    if rate <= S.MAX_RATE_BP:
        assert S.parse(body).levels[0].inviter_reward_bp == rate
    else:
        with pytest.raises(ValidationError) as info:
            S.parse(body)
        assert info.value.rule == "R-3.3"


@pytest.mark.parametrize("tiers", [0, 4, -1])
def test_r3_7_tiers_out_of_range(tiers: int) -> None:
    with pytest.raises(ValidationError) as info:
        S.parse({"tiers": tiers})
    assert info.value.rule == "R-3.7"


def test_r3_7_three_tiers_warns() -> None:
    assert S.warnings(S.parse({"tiers": 3}))[0]["rule"] == "R-3.7"
    assert S.warnings(S.parse({"tiers": 2})) == []


def test_r4_1_levels_numbered_without_gaps() -> None:
    with pytest.raises(ValidationError) as info:
        S.parse(
            {
                "levels": [
                    {"level": 1, "name": "a", "reward_bp": 1, "inviter_reward_bp": 1},
                    {
                        "level": 3,
                        "name": "b",
                        "reward_bp": 1,
                        "inviter_reward_bp": 1,
                        "conditions": {"paid_orders": 1},
                    },
                ]
            }
        )
    assert info.value.rule == "R-4.1"


def test_r4_2_higher_levels_need_a_condition() -> None:
    with pytest.raises(ValidationError) as info:
        S.parse(
            {
                "levels": [
                    {"level": 1, "name": "a", "reward_bp": 1, "inviter_reward_bp": 1},
                    {"level": 2, "name": "b", "reward_bp": 1, "inviter_reward_bp": 1},
                ]
            }
        )
    assert info.value.rule == "R-4.2"


def test_settings_round_trip_through_json() -> None:
    s = S.change(S.ProgramSettings(), {"attribution_mode": "sharer", "tiers": 3}, 123)
    assert S.ProgramSettings.model_validate_json(s.model_dump_json()) == s


def test_time_helpers() -> None:
    t = at(2026, 12, 31, 23, 0)
    assert next_local_time(t, "Asia/Shanghai", 5) == at(2027, 1, 1, 5, 0)
    assert iso(t, "Asia/Shanghai") == "2026-12-31T23:00:00.000+08:00"
    assert iso(None) is None
    with pytest.raises(ValueError):
        to_ms(datetime(2026, 1, 1))


def test_r3_3_all_tiers_of_an_order_together_stay_within_50_percent() -> None:
    level = {"level": 1, "name": "L1", "reward_bp": 3000, "inviter_reward_bp": 1000}
    assert S.parse({"levels": [level], "tiers": 3}).tiers == 3  # 3000 + 2 × 1000
    with pytest.raises(ValidationError) as info:
        S.parse({"levels": [level | {"first_order_reward_bp": 3500}], "tiers": 3})
    assert (info.value.code, info.value.rule) == ("settings.rate_cap", "R-3.3")
