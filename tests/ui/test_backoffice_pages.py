"""The back-office pages' content (issue 17) without a browser, on both engines: the
Applications grid rows (R-2.1 progress in both languages), the decisions they make (audited
with the reason), the management panel's decisions (freeze, R-4.3 level, R-3.12 adjustment
with its id making a second click harmless) and yuan typed as text turned into fen without
floating point."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from teamgraph.dashboards.i18n import EN, ZH
from teamgraph.errors import ValidationError
from teamgraph.graph import Engine
from teamgraph.shop import Actor, Shop
from tests.conftest import new_shop_id
from tests.ui.test_pages import text

OPS = Actor("key_ops", "ops")


@pytest.fixture
def shop(engine: Engine) -> Iterator[Shop]:
    s = Shop.create(
        engine,
        new_shop_id("uibo"),
        {"application": {"review": True, "min_spend_fen": 10_000, "groups": ["vip"]}},
    )
    yield s
    s.store.drop()


@pytest.fixture
def pages(dash_app: object) -> Any:
    from teamgraph.dashboards.pages import applications, manage

    return applications, manage


def test_r_2_1_the_queue_rows_show_progress_in_both_languages(shop: Shop, pages: Any) -> None:
    applications, _ = pages
    shop.create_customer("a", name="阿")
    shop.set_groups("a", ["vip"], actor=OPS)
    shop.store.write("distributor.apply", id="a", now=shop._now(None))  # pending, spend 0
    (row,) = applications.rows(shop, ZH)
    assert (row["id"], row["groups_text"], row["ready_text"]) == ("a", "vip", "未满足")
    assert row["progress"] == "✗ 累计消费 ¥0.00 / ¥100.00 · ✓ 会员分组 vip"
    assert applications.rows(shop, EN)[0]["progress"] == (
        "✗ Total spend ¥0.00 / ¥100.00 · ✓ Customer group vip"
    )
    alert = applications.decide(shop, ["a"], False, " no spend yet ", OPS, EN)
    assert text(alert) == "1 applications rejected"
    assert applications.rows(shop, EN) == []
    change = shop.audit_log(object_id="a")["items"][0]
    assert (change["action"], change["reason"], change["actor"]) == (
        "distributor.reject",
        "no spend yet",
        "ops",
    )


def test_r_4_3_r_3_12_the_panel_decides_and_a_second_click_writes_nothing(
    shop: Shop, pages: Any
) -> None:
    _, manage = pages
    shop.create_customer("d", name="D")
    shop.set_groups("d", ["vip"], actor=OPS)
    shop.store.write("distributor.apply", id="d", now=shop._now(None))
    shop.approve("d", actor=OPS)
    manage.decide(shop, "d", "freeze", OPS, ZH, reason="check")
    assert manage.panel(shop, "d", ZH)["status_text"] == "冻结"
    manage.decide(shop, "d", "unfreeze", OPS, ZH, reason="ok")
    for _ in range(2):  # a double click: the form's id makes the second a repeat (AJ-2)
        alert = manage.decide(
            shop, "d", "adjust", OPS, ZH, reason="bonus", amount="12.5", adjustment_id="form-1"
        )
    assert text(alert) == "已为 d 记入调整 ¥12.50"
    p = manage.panel(shop, "d", EN)
    assert p["settled"] == "¥12.50"
    assert [(r["kind"], r["amount_text"], r["reason"]) for r in p["ledger"]] == [
        ("Adjustment", "¥12.50", "bonus")
    ]
    with pytest.raises(ValidationError):
        manage.decide(
            shop,
            "d",
            "adjust",
            OPS,
            EN,
            reason="x",
            amount="12.51",
            direction="debit",
            adjustment_id="form-2",
        )
    with pytest.raises(ValidationError):
        manage.decide(shop, "d", "level", OPS, EN, reason="x", level=9)
    actions = [c["action"] for c in shop.audit_log(object_id="d")["items"]]
    assert actions[:3] == ["distributor.adjust", "distributor.unfreeze", "distributor.freeze"]


@pytest.mark.parametrize(
    ("typed", "fen"), [("12", 1200), ("12.5", 1250), (" 0.07 ", 7), ("123456789.99", 12345678999)]
)
def test_yuan_typed_as_text_is_integer_fen(pages: Any, typed: str, fen: int) -> None:
    assert pages[1].yuan_to_fen(typed) == fen


@pytest.mark.parametrize("typed", [None, "", "0", "0.00", "-1", "1.234", "1e3", "abc", "1,000"])
def test_anything_else_is_refused(pages: Any, typed: str | None) -> None:
    with pytest.raises(ValidationError):
        pages[1].yuan_to_fen(typed)
