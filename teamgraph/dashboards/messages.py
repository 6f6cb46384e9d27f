"""A teamgraph error or warning said in the UI's language (issue 17).

The rules, the shop and the API speak English: an error has a stable ``code``
(``settings.rate_cap``), the ``rule`` it breaks (``R-3.3``) and the values it names in ``params``
(teamgraph.errors); a warning is ``{code, rule, message}`` (rules.settings.warnings). This module
finds the catalogue's sentence for the code (``msg.<code>``, or ``msg.<code>.<variant>`` where one
code has several sentences, ``params["variant"]``), fills in the values formatted for people
(``*_bp`` as a percentage, ``*_fen`` as yuan, ``retry_after`` / ``*_at`` as a time in the shop's
zone) and shows the rule id beside it. A code without a sentence yet shows the English message, so
a new error is never hidden, though tests/ui/test_messages.py fails until every code raised in
teamgraph/ has its sentence in both catalogues. Every page calls :func:`error_alert` (through
``components``); settings also :func:`warning_list`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import html

from teamgraph.dashboards.i18n import DEFAULT_LANG, LANGS, labels, money, percent_bp, t, when
from teamgraph.errors import TeamgraphError

DEFAULT_TZ = "Asia/Shanghai"


def _shown(name: str, value: Any, tz: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        return value
    if name.endswith("_bp"):
        return percent_bp(value)
    if name.endswith("_fen"):
        return money(value)
    if name == "retry_after" or name.endswith("_at"):
        return when(value, tz)
    return value


def say(
    code: str,
    params: Mapping[str, Any] | None,
    lang: str,
    fallback: str,
    *,
    tz: str = DEFAULT_TZ,
) -> str:
    """The sentence of ``code`` in ``lang`` with ``params`` filled in; ``fallback`` (the English
    message) when the catalogue has none for it."""
    params = dict(params or {})
    lang = lang if lang in LANGS else DEFAULT_LANG
    variant = params.pop("variant", None)
    key = f"msg.{code}.{variant}" if variant else f"msg.{code}"
    if key not in labels(lang):
        return fallback
    values = {k: _shown(k, v, tz) for k, v in params.items()}
    try:
        return t(key, lang, **values)
    except (KeyError, IndexError):  # a sentence naming a value the error did not carry
        return fallback


def rule_tag(rule: str | None, code: str, field: str | None = None) -> html.Small:
    """``(R-3.3 · settings.rate_cap · levels[0].reward_bp)``: where to read the rule, the code to
    search for and the field at fault."""
    parts = [x for x in (rule, code, field) if x]
    return html.Small(f" ({' · '.join(parts)})", className="text-body-secondary rule-tag")


def error_text(exc: TeamgraphError, lang: str, *, tz: str = DEFAULT_TZ) -> str:
    return say(exc.code, exc.params, lang, exc.message, tz=tz)


def error_alert(
    exc: TeamgraphError, lang: str, *, title_key: str = "error.title", tz: str = DEFAULT_TZ
) -> list[Any]:
    """The children of an error alert: a translated title, the error in ``lang``, its rule."""
    return [
        html.Strong(t(title_key, lang)),
        html.Span(": "),
        html.Span(error_text(exc, lang, tz=tz), className="error-message"),
        rule_tag(exc.rule, exc.code, exc.field),
    ]


def warning_list(warnings: list[dict[str, Any]], lang: str) -> list[html.Div]:
    """Warnings (``{code, rule, message}``) in ``lang``, each with its rule."""
    return [
        html.Div(
            [
                html.Span(say(w["code"], w.get("params"), lang, w["message"])),
                rule_tag(w.get("rule"), w["code"]),
            ],
            className="small rule-warning",
        )
        for w in warnings
    ]
