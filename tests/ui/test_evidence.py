"""Issue 17: a ring's evidence in the UI's language. It was the detector's English sentence in
the Chinese UI, with raw keys (``commission_inside``), amounts in fen ("94260 fen…") and broken
English ("a account", "(1 distributors)"). Each contribution now keeps its facts and the page
says them in zh-CN or English, amounts in yuan, plurals right; a cycle ring says why it has no
shared values instead of an empty table."""

from __future__ import annotations

import networkx as nx
import pytest

from teamgraph.dashboards import evidence
from teamgraph.dashboards.i18n import EN, LANGS, ZH
from teamgraph.fraud import signals as sig


def _contributions() -> list[dict[str, object]]:
    shared = [
        sig.Shared("account", "62**…**90", ("c1", "c2", "d1"), 3),
        sig.Shared("device", "dev-1…ef", ("c1", "d1"), 2),
    ]
    cycle = nx.DiGraph([("p", "q"), ("q", "r"), ("r", "p")])
    refunds = [sig.Refund("o1", 100, 50), sig.Refund("o2", 200, 150)]
    found = [
        sig.commission_inside(94_260),
        sig.shared_signals(shared),
        sig.shared_signals(shared[:1]),
        sig.self_dealing(shared, {"d1": {"c1", "c2"}}),
        sig.self_dealing(shared[1:], {"d1": {"c1"}}),
        sig.circular(cycle),
        sig.burst([sig.Events("device dev-1…ef", [0, 1, 2, 3, 4, 5], {})]),
        sig.refund_after_settle(refunds),
        sig.just_over_threshold({"received_fen": {"d1": 100_500}}, {"received_fen": (100_000,)}),
        sig.just_over_threshold({"bound_customers": {"d2": 10}}, {"bound_customers": (10,)}),
        sig.burst([sig.Events("distributor d7", [i * sig.DAY // 5 for i in range(6)], {})]),
        sig.carousel(
            nx.DiGraph(
                [
                    ("x1", "a2", {"paid": True}),
                    ("a2", "x2"),
                    ("x2", "a2"),
                    ("x2", "a1", {"paid": True}),
                    ("a1", "x1"),
                    ("x1", "a1"),
                ]
            )
        ),
        sig.inside_share(9_000, 10_000, 4),
        sig.outside_clients({"m1": 12}, 2_000, 10_000),
        *sig.household(52),
    ]
    assert all(c is not None for c in found)
    return [c.to_dict() for c in found if c is not None]


@pytest.mark.parametrize("lang", LANGS)
def test_evidence_is_said_in_the_ui_language_with_yuan(lang: str) -> None:
    said = [evidence.sentence(c, lang) for c in _contributions()]
    names = [evidence.signal_name(str(c["signal"]), lang) for c in _contributions()]
    text = " ".join(said + names)
    assert "fen" not in text and "_" not in text.replace("dev-1…ef", "")  # no raw key, no fen
    assert "¥942.60" in said[0] and "¥1,005.00" in said[8] and "¥1,000.00" in said[8]
    assert "p → q → r → p" in said[5]
    assert "¥" not in said[9] and "10" in said[9]  # a count condition (issue 18)
    assert "d7" in said[10] and ("1 day" in said[10] or "1 天" in said[10])
    assert "a1" in said[11] and "90%" in said[12] and "m1" in said[13] and "35" in said[14]
    if lang == ZH:
        assert "commission" not in text and "组内" in said[0] and "支付账号" in said[1]
    else:
        assert "a account" not in text and "a payment account" in said[1]


def test_english_plurals_are_right() -> None:
    said = [evidence.sentence(c, EN) for c in _contributions()]
    assert said[2].startswith("1 identity value shared") and said[1].startswith("2 identity values")
    assert said[5].startswith("1 cycle of bindings:")
    assert said[7].startswith("2 orders refunded") and said[8].startswith("1 distributor just")
    assert said[6].startswith("6 accounts joined or were bound within 10 minutes")
    assert said[13].startswith("Distributor m1 also serves 12 clients")


def test_a_burst_of_an_older_scan_is_said_as_before() -> None:
    old = {"signal": "invite_burst", "points": 31, "detail": "x",
           "facts": {"n": 6, "minutes": 60, "what": "device dev-1…ef (joins)"}}  # fmt: skip
    assert evidence.sentence(old, EN).startswith("6 accounts joined within 60 minutes")
    assert evidence.plural("risk.distributors", 1, EN) == "1 distributor"
    assert evidence.plural("risk.distributors", 3, EN) == "3 distributors"


def test_a_ring_of_an_older_scan_shows_its_stored_sentence() -> None:
    old = {"signal": "circular", "points": 45, "detail": "1 attribution cycle(s): a → b → a"}
    assert evidence.sentence(old, ZH) == old["detail"]


def test_a_cycle_ring_explains_its_empty_shared_values(dash_app: object) -> None:
    from teamgraph.dashboards.pages import risk  # registered by the app (the fixture)

    cycle = {"signals": [], "kinds": ["circular"]}
    shown = risk.shared_table(cycle, ZH)
    assert shown.id == "ring-no-shared" and "循环绑定" in shown.children
    other = risk.shared_table({"signals": [], "kinds": ["invite_burst"]}, EN)
    assert "share no identity value" in other.children
