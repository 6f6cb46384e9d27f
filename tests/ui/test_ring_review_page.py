"""The risk page's review (issue 18, dashboards/ring_review.py) over a real shop on the engine,
without a browser: the verdict in the ring list and the case, the two buttons, and the review in
the ring's decisions, in both languages (the browser test clicks one button)."""

from __future__ import annotations

from typing import Any

from teamgraph.dashboards.i18n import EN, ZH, t
from teamgraph.shop import Principal, Shop
from tests.shop.conftest import (
    T0,
    ShopFactory,
    make_shop,  # noqa: F401  (the fixture, shared)
)
from tests.ui.test_pages import find, text


def _shop(make_shop: ShopFactory) -> Shop:  # noqa: F811
    shop = make_shop()
    for c in ("c1", "c2"):
        shop.create_customer(c, name=c, now=T0)
    shop.save_rings(
        [
            {
                "id": rid,
                "score": score,
                "kinds": ["self_dealing"],
                "members": [{"id": "c1", "role": "alt"}, {"id": "c2", "role": "alt"}],
                "distributors": 0,
                "top_signals": [],
                "inside_fen": 0,
            }
            for rid, score in (("ring-a", 70), ("ring-b", 30))
        ],
        scan_id="s1",
        now=T0,
    )
    return shop


def test_issue18_the_risk_page_shows_and_records_the_verdict(
    make_shop: ShopFactory,  # noqa: F811
    dash_app: Any,
) -> None:
    from teamgraph.dashboards import ring_review
    from teamgraph.dashboards.pages import risk

    shop = _shop(make_shop)
    analyst = Principal(shop.id, "analyst", key_id="key_00000000000000aa", name="risk desk")
    case = risk.ring_case(shop, "ring-a", analyst, EN)
    assert text(find(case, "ring-verdict")) == "Not reviewed"
    assert text(find(case, "ring-mark-fraud")) == "Fraud"
    assert text(find(case, "ring-mark-not-fraud")) == "Not fraud"

    ring_review.review(shop, "ring-a", "not_fraud", analyst, "a family")
    case = risk.ring_case(shop, "ring-a", analyst, ZH)
    assert text(find(case, "ring-verdict")) == t("ring.verdict.not_fraud", ZH) == "非欺诈"
    assert "risk desk" in text(find(case, "ring-verdict-by"))
    assert "a family" in text(find(case, "ring-verdict-by"))
    assert "标记为非欺诈" in text(find(case, "ring-changes"))
    ring_review.review(shop, "ring-a", "fraud", analyst, None)
    case = risk.ring_case(shop, "ring-a", analyst, EN)
    assert "marked it fraud" in text(find(case, "ring-changes"))
    assert "marked it not fraud" in text(find(case, "ring-changes"))

    rows, _ = risk.ring_list(shop, None, ZH)
    assert [(r["id"], r["verdict"]) for r in rows] == [("ring-a", "欺诈"), ("ring-b", "")]
    assert "verdict" in [c["field"] for c in risk.ring_columns(EN)]
