"""Rule messages in the UI's language (issue 17, dashboards/messages.py, docs/choices.md U-13):
every error the settings and product rules raise, the three-tier warning, R-1.9's refusal and
the log-in errors have a sentence in both catalogues, filled with their values (rates as
percentages, money in yuan, times in the shop's zone) and followed by their rule id."""

from __future__ import annotations

import ast
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import teamgraph
from teamgraph.api.center import text as center_text
from teamgraph.api.center import withdraw
from teamgraph.dashboards import i18n, messages
from teamgraph.dashboards.i18n import EN, LANGS, ZH
from teamgraph.errors import NotFound, TeamgraphError, ValidationError
from teamgraph.rules import commission
from teamgraph.rules import settings as rules_settings
from teamgraph.rules.settings import ProgramSettings, Withdrawal
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


# -- every error code the program raises has a sentence in both catalogues (issue 17) -----------
PACKAGE = Path(teamgraph.__file__).parent
ERROR_CLASSES = frozenset(
    {"TeamgraphError", "ValidationError", "NotFound", "Conflict", "AuthError", "Forbidden",
     "EngineError"}
)  # fmt: skip
HELPERS = {"rules/settings.py": "_invalid"}
"""Functions that build an error from their arguments (rules.settings._invalid: the code first,
the message's values as keywords)."""
NOT_PARAMS = frozenset({"rule", "field", "extra", "message"})


@dataclass(frozen=True)
class Site:
    """One place in teamgraph/ that raises an error: its catalogue id and the values it passes."""

    where: str
    code: str
    variant: str | None
    params: frozenset[str]

    @property
    def key(self) -> str:
        return f"msg.{self.code}.{self.variant}" if self.variant else f"msg.{self.code}"


def _constants(tree: ast.Module) -> dict[str, str]:
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name) and isinstance(node.value.value, str)
    }


def _codes(node: ast.expr | None, constants: dict[str, str]) -> list[str]:
    """The codes an expression can be: a literal, a module constant, either side of ``a if c else
    b``; nothing else (a new form fails the test below rather than escape it)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name) and node.id in constants:
        return [constants[node.id]]
    if isinstance(node, ast.IfExp):
        return _codes(node.body, constants) + _codes(node.orelse, constants)
    raise AssertionError(f"an error code the test cannot read: {ast.unparse(node or ast.Pass())}")


def _site(call: ast.Call, name: str, constants: dict[str, str], where: str) -> list[Site]:
    code = (
        call.args[0]
        if call.args
        else next((k.value for k in call.keywords if k.arg == "code"), None)
    )
    values: dict[str, ast.expr] = {}
    if name in HELPERS.values():
        values = {k.arg: k.value for k in call.keywords if k.arg and k.arg not in NOT_PARAMS}
    else:
        given = next((k.value for k in call.keywords if k.arg == "params"), None)
        if given is not None:
            assert isinstance(given, ast.Dict), f"{where}: params not a dict literal"
            for k, v in zip(given.keys, given.values, strict=True):
                assert isinstance(k, ast.Constant), f"{where}: a params key not a literal"
                values[str(k.value)] = v
    given_variant = values.pop("variant", None)
    variant = None
    if given_variant is not None:
        assert isinstance(given_variant, ast.Constant), f"{where}: a variant not a literal"
        variant = str(given_variant.value)
    return [Site(where, c, variant, frozenset(values)) for c in _codes(code, constants)]


def raise_sites() -> list[Site]:
    """Every error teamgraph/ builds, read from its source."""
    sites: list[Site] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        helper = HELPERS.get(path.relative_to(PACKAGE).as_posix())
        bodies = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == helper]
        inside = {id(n) for body in bodies for n in ast.walk(body)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or id(node) in inside:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in ERROR_CLASSES or (name is not None and name == helper):
                sites += _site(node, name, constants, f"{path}:{node.lineno}")
    return sites


SITES = raise_sites()
KEYS = sorted({site.key for site in SITES})


def _fields(sentence: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(sentence) if name}


def _subclasses(cls: type) -> set[str]:
    """The error classes of teamgraph/ (not those a test may define)."""
    own = {cls.__name__} if cls.__module__.startswith("teamgraph.") else set()
    return own.union(*(_subclasses(sub) for sub in cls.__subclasses__()))


def test_the_collector_finds_the_program_s_errors() -> None:
    """The static reading sees the errors of every layer (a broken collector would pass all),
    and knows every error class (a new one would escape it)."""
    assert _subclasses(TeamgraphError) >= ERROR_CLASSES
    assert {n for n in _subclasses(TeamgraphError) if n != "TeamgraphError"} <= ERROR_CLASSES
    assert len(SITES) > 250 and len(KEYS) > 170
    for key in (
        "msg.withdrawal.state",
        "msg.settings.rate_cap.total",
        "msg.request.cursor",
        "msg.refund.amount",
        "msg.refund.too_much",
        "msg.auth.invalid_key.malformed",
        "msg.graph.unavailable",
        "msg.id.invalid",
        "msg.adjustment.insufficient",
    ):
        assert key in KEYS, key


@pytest.mark.parametrize("lang", LANGS)
def test_every_error_code_has_a_sentence_in_both_catalogues(lang: str) -> None:
    """Issue 17: every error a merchant can meet is said in the UI's language; a new error code
    without its sentence in both catalogues fails here (msg.<code>, or msg.<code>.<variant>)."""
    catalogue = i18n.labels(lang)
    missing = [key for key in KEYS if key not in catalogue]
    assert not missing, f"{lang}: no sentence for {missing}"


@pytest.mark.parametrize("lang", LANGS)
def test_every_sentence_names_only_values_its_raise_sites_pass(lang: str) -> None:
    """A sentence naming a value one raise site does not put in ``params`` would fall back to
    English there: each placeholder must be passed by every site of the code."""
    catalogue = i18n.labels(lang)
    wrong = [
        (site.where, key, sorted(_fields(catalogue[key]) - site.params))
        for key in KEYS
        for site in SITES
        if site.key == key and key in catalogue and not _fields(catalogue[key]) <= site.params
    ]
    assert not wrong, wrong


@pytest.mark.parametrize("lang", LANGS)
def test_every_error_is_said_without_falling_back(lang: str) -> None:
    """Formatting each sentence with the values its raise site passes (ids, fen, bp, times)
    gives the catalogue's text, never the English fallback nor a leftover brace."""
    for site in SITES:
        params: dict[str, Any] = {name: 1234 for name in site.params}
        if site.variant:
            params["variant"] = site.variant
        said = messages.say(site.code, params, lang, "FALLBACK")
        assert said != "FALLBACK" and "{" not in said, (site, said)


@pytest.mark.parametrize("lang", LANGS)
def test_the_center_says_an_unexpected_withdrawal_refusal_in_its_language(lang: str) -> None:
    """Issue 17 in the H5 center (api/center/text.py): a refusal without its own sentence shows
    its code in Chinese, not the English message; the English page keeps the message."""
    exc = NotFound("distributor.not_found", "no distributor d-1", params={"id": "d-1"})
    refusal = withdraw._explained(exc, 100, Withdrawal())
    said = center_text.translator(lang)(refusal["key"], **refusal["values"])
    if lang == ZH:
        assert "no distributor" not in said and "distributor.not_found" in said, said
    else:
        assert said == "Cannot withdraw now: no distributor d-1"
