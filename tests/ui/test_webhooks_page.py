"""The Webhooks page's content (issue 16): endpoints listed without their secrets, one
registered with its secret shown once, recent deliveries with status, attempts and the last
answer, in both languages. What its callbacks return, over a real shop (no browser)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from teamgraph.dashboards.i18n import EN, ZH
from teamgraph.graph import Engine
from teamgraph.shop import Actor, Shop
from teamgraph.shop.deliverer import Deliverer
from tests.conftest import new_shop_id
from tests.ui.test_pages import find, text
from tests.webhooks.conftest import FAST, Receiver, emit


@pytest.fixture
def shop(engine: Engine) -> Iterator[Shop]:
    s = Shop.create(engine, new_shop_id("uiwh"))
    yield s
    s.store.drop()


@pytest.fixture
def page(dash_app: object) -> Any:
    from teamgraph.dashboards.pages import webhooks

    return webhooks


def test_an_endpoint_is_created_with_its_secret_shown_once(shop: Shop, page: Any) -> None:
    alert = page.create(shop, "https://mall.example.com/h", ["*"], "ERP", Actor("key_1", "ops"),
                        EN)  # fmt: skip
    secret = text(find(alert, "wh-secret"))
    assert secret.startswith("whsec_")
    rows = page.endpoint_rows(shop, EN)
    assert [(r["url"], r["events_text"], r["enabled_text"], r["status_text"]) for r in rows] == [
        ("https://mall.example.com/h", "All events", "Yes", "Active")
    ]
    assert secret not in repr(rows)
    assert page.endpoint_rows(shop, ZH)[0]["events_text"] == "全部事件"
    layout = page.layout(ZH)
    assert text(find(layout, "wh-create")) == "添加地址"


def test_recent_deliveries_show_status_attempts_and_the_last_answer(
    engine: Engine, shop: Shop, page: Any
) -> None:
    receiver = Receiver()
    receiver.up()
    try:
        made = shop.create_webhook(receiver.url, ["*"], actor=Actor.system("t"),
                                   allow_private=True)  # fmt: skip
        receiver.secret = made["secret"]
        eid = emit(shop, "withdrawal.paid", "d1", "withdrawal", "w1", distributor_id="d1")
        deliverer = Deliverer(engine, FAST, shops=lambda: [shop.id])
        while deliverer.run_once():
            pass
        deliverer.stop()
        receiver.wait_for({eid})
    finally:
        receiver.down()
    rows = page.delivery_rows(shop, made["id"], EN)
    assert [(r["event_id"], r["status_text"], r["attempts"], r["last_status_code"])
            for r in rows] == [(eid, "Delivered", 1, 204)]  # fmt: skip
    assert page.delivery_rows(shop, made["id"], ZH)[0]["status_text"] == "已送达"
