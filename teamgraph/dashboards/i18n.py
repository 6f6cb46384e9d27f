"""The UI's two languages, from gettext catalogues: every visible label is ``t(msgid, lang)``.

The catalogues are ``locale/<locale>/LC_MESSAGES/messages.po`` beside this module (zh_CN and
en), read once with Babel (``babel.messages.pofile``). Message ids are symbolic keys
(``"nav.overview"``), so a label can change in both languages without touching the code
(U-6); a test checks that both catalogues hold the same ids, each translated, and that every
id the code uses is in them. ``t`` formats ``{placeholders}`` with its keyword arguments. An
unknown language falls back to the default (zh-CN); an unknown id raises ``KeyError`` so a
missing label fails loudly in tests.

Also here, so pages and figures format alike: :func:`money` (``¥1,234.50`` from integer fen,
no floats), :func:`number`, :func:`percent_bp` and :func:`when` (a time in the shop's zone).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Final

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from teamgraph.rules.timeutil import from_ms

ZH: Final = "zh-CN"
EN: Final = "en"
LANGS: Final = (ZH, EN)
DEFAULT_LANG: Final = ZH
LOCALES: Final = {ZH: "zh_CN", EN: "en"}
"""The catalogue's locale directory of each UI language."""
LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"

#: The switch's own labels: each language named in itself.
LANG_NAMES: Final = {ZH: "中文", EN: "English"}


def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / LOCALES[lang] / "LC_MESSAGES" / "messages.po"


def read_catalogue(lang: str) -> Catalog:
    with catalogue_path(lang).open("rb") as f:
        return read_po(f, locale=LOCALES[lang])


@cache
def labels(lang: str) -> dict[str, str]:
    """``{msgid: text}`` of one language (read once per process)."""
    return {
        str(m.id): str(m.string)
        for m in read_catalogue(lang)
        if m.id and isinstance(m.id, str) and m.string
    }


def t(key: str, lang: str | None = DEFAULT_LANG, **values: Any) -> str:
    """The label ``key`` in ``lang`` (default zh-CN), formatted with ``values``."""
    text = labels(lang if lang in LANGS else DEFAULT_LANG)[key]
    return text.format(**values) if values else text


def best_lang(accept_language: str | None) -> str:
    """The UI language for an ``Accept-Language`` header: the first of its languages (by
    quality) that is Chinese or English; zh-CN when none is."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, q = part.strip().partition(";q=")
        try:
            quality = float(q) if q else 1.0
        except ValueError:
            quality = 0.0
        ranked.append((-quality, i, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return ZH
        if tag.startswith("en"):
            return EN
    return DEFAULT_LANG


def number(value: int) -> str:
    """An integer with thousands separators (the same in both languages)."""
    return f"{value:,}"


def money(fen: int | None) -> str:
    """Integer fen as ``¥1,234.50`` (integer arithmetic only, R-3.9); ``–`` for None."""
    if fen is None:
        return "–"
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"fen must be an int, got {type(fen).__name__}")
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def percent_bp(bp: int | None) -> str:
    """Basis points as a percentage with two decimals: ``1234`` → ``12.34%``."""
    if bp is None:
        return "–"
    whole, part = divmod(abs(bp), 100)
    return f"{'-' if bp < 0 else ''}{whole}.{part:02d}%"


def when(ms: int | None, tz: str, *, time: bool = True) -> str:
    """An epoch-ms time as the shop's local ``YYYY-MM-DD HH:MM`` (or the date alone)."""
    if ms is None:
        return "–"
    local = from_ms(int(ms), tz)
    return local.strftime("%Y-%m-%d %H:%M" if time else "%Y-%m-%d")
