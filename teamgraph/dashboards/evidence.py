"""A ring's evidence in the UI's language (issue 17: it was the detector's English sentence,
with raw keys and amounts in fen, inside the Chinese UI).

Each score contribution carries ``facts``, the values its sentence was made of
(:class:`teamgraph.fraud.signals.Contribution`); :func:`sentence` says them with the catalogue's
``evidence.*`` labels: amounts in yuan (:func:`~teamgraph.dashboards.i18n.money`), identity
kinds by name, counts with the right English plural (``.one`` / ``.many`` labels). A ring
found before the facts were kept (an older scan) shows the detector's sentence as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from teamgraph.dashboards.i18n import money, number, t

KINDS = ("device", "phone", "address", "account", "ip")
METRICS = ("received", "transaction", "paid_orders", "completed_orders", "bound_customers",
           "invited_distributors")  # fmt: skip


def plural(key: str, n: int, lang: str, **values: Any) -> str:
    """``key.one`` for one, else ``key.many``, formatted with ``n`` and ``values``."""
    return t(f"{key}.{'one' if n == 1 else 'many'}", lang, n=number(n), **values)


def kind(name: str, lang: str) -> str:
    """An identity value's kind as a sentence names it (``device`` → 设备 / device)."""
    return t(f"evidence.kind.{name}", lang) if name in KINDS else name


def _list(items: Sequence[Any], more: bool, lang: str) -> str:
    return t("evidence.list_sep", lang).join(str(x) for x in items) + ("…" if more else "")


def _kinds(names: Sequence[Any], lang: str) -> str:
    return t("evidence.list_sep", lang).join(kind(str(k), lang) for k in names)


def span(minutes: int, lang: str) -> str:
    """A window as a sentence says it: minutes, hours or days."""
    for unit, size in (("days", 1440), ("hours", 60)):
        if minutes >= size and minutes % size == 0:
            return t(f"evidence.span.{unit}", lang, n=number(minutes // size))
    return t("evidence.span.minutes", lang, n=number(minutes))


def _burst(facts: Mapping[str, Any], lang: str) -> str:
    """``what`` is ``"<kind> <masked value>"`` or ``"distributor <id>"`` (issue 18), or, in a
    ring of an older scan, ``"<kind> <masked value> (joins|bindings)"``."""
    what = str(facts["what"])
    n, minutes = int(facts["n"]), int(facts["minutes"])
    if what.endswith(")") and " (" in what:  # before issue 18
        head, _, event = what.rpartition(" (")
        name, _, value = head.partition(" ")
        event = event.rstrip(")")
        if event not in ("joins", "bindings") or not value:
            raise KeyError(what)
        return plural(f"evidence.invite_burst.{event}", n, lang, minutes=number(minutes),
                      kind=kind(name, lang), value=value)  # fmt: skip
    name, _, value = what.partition(" ")
    if not value:
        raise KeyError(what)
    if name == "distributor":
        return plural("evidence.invite_burst.distributor", n, lang, span=span(minutes, lang),
                      distributor=value)  # fmt: skip
    return plural("evidence.invite_burst.value", n, lang, span=span(minutes, lang),
                  kind=kind(name, lang), value=value)  # fmt: skip


def _threshold(facts: Mapping[str, Any], lang: str) -> str:
    """``metric`` names the level condition (issue 18, counts included); an older ring's
    ``who`` is ``"<distributor id> (<metric>_fen)"``."""
    if "metric" in facts:
        who, metric = str(facts["who"]), str(facts["metric"]).removesuffix("_fen")
        show = money if facts.get("money") else number
        total, threshold = show(int(facts["total"])), show(int(facts["threshold"]))
    else:
        who, _, metric = str(facts["who"]).rpartition(" (")
        metric = metric.rstrip(")").removesuffix("_fen")
        total, threshold = money(int(facts["total_fen"])), money(int(facts["threshold_fen"]))
    if metric not in METRICS:
        raise KeyError(metric)
    return plural(
        "evidence.threshold",
        int(facts["n"]),
        lang,
        who=who,
        metric=t(f"evidence.metric.{metric}", lang),
        total=total,
        threshold=threshold,
    )


def _say(signal: str, facts: Mapping[str, Any], lang: str) -> str:
    if signal == "commission_inside":
        return t("evidence.commission_inside", lang, amount=money(int(facts["inside_fen"])))
    if signal == "shared_signals":
        return plural(
            "evidence.shared_signals",
            int(facts["n"]),
            lang,
            kinds=_kinds(facts["kinds"], lang),
            kind=kind(str(facts["kind"]), lang),
            members=number(int(facts["members"])),
        )
    if signal == "self_dealing":
        return plural(
            "evidence.self_dealing",
            int(facts["n"]),
            lang,
            distributor=facts["distributor"],
            kinds=_kinds(facts["kinds"], lang),
            accounts=_list(facts["accounts"], bool(facts.get("more")), lang),
        )
    if signal == "circular":
        return plural("evidence.circular", int(facts["n"]), lang, path=" → ".join(facts["path"]))
    if signal == "invite_burst":
        return _burst(facts, lang)
    if signal == "refund_after_settle":
        return plural(
            "evidence.refund_after_settle",
            int(facts["n"]),
            lang,
            days=number(int(facts["days"])),
            orders=_list(facts["orders"], bool(facts.get("more")), lang),
        )
    if signal == "threshold":
        return _threshold(facts, lang)
    if signal == "carousel":
        payees = _list(facts["payees"], bool(facts.get("more")), lang)
        return t("evidence.carousel", lang, n=number(int(facts["n"])), payees=payees)
    if signal == "household":
        return t("evidence.household", lang, cap=number(int(facts["cap"])))
    if signal == "inside_share":
        return t("evidence.inside_share", lang, share=number(int(facts["share_bp"]) // 100))
    if signal == "outside_clients":
        return plural(
            "evidence.outside_clients",
            int(facts["n"]),
            lang,
            distributor=facts["distributor"],
            share=number(int(facts["share_bp"]) // 100),
        )
    raise KeyError(signal)


def sentence(contribution: Mapping[str, Any], lang: str) -> str:
    """The contribution's evidence in ``lang``; the stored sentence when it has no facts (a
    ring of an older scan) or facts of a shape this version does not know."""
    facts = contribution.get("facts")
    if facts:
        try:
            return _say(str(contribution["signal"]), facts, lang)
        except (KeyError, TypeError, ValueError):
            pass
    return str(contribution.get("detail") or "")


def signal_name(signal: str, lang: str) -> str:
    """A contribution's signal by name (``commission_inside`` → 组内佣金), never the raw key."""
    key = f"evidence.signal.{signal}"
    try:
        return t(key, lang)
    except KeyError:
        return signal
