"""The distributor center's team and commission pages over real HTTP (issue 15; C-4 to C-6 of
teamgraph/shop/center_pages.py): the session's own team and entries only, other people masked,
paged, searched and filtered, in zh-CN and English."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from teamgraph.api.center.lists import mask_name
from tests.api.conftest import ShopApi
from tests.api.test_center import _link, _open, _phone
from tests.api.test_money import line, order, refund
from tests.api.test_relationships import customer, distributor, ok, visit

CLIENTS = {"C1": "张三", "C2": "Alice Smith", "C3": "Bob", "C4": "Carol", "C5": "Dan"}
"""D1's direct clients: names whose first characters differ, so each masked row is known."""
DIRECT = sorted(mask_name(n) for n in (*CLIENTS.values(), "赵六"))
"""D1's direct list: the five and D3, a distributor it invited that stays its client too."""
OTHERS = (*CLIENTS.values(), "钱七", "赵六", "李四")
COMMISSION = ("reward", "clawback", "bonus", "adjustment")


@pytest.fixture
def team(make_shop: Any) -> tuple[ShopApi, httpx.Client]:
    """D1 with five direct clients, an invitee D3 (赵六) with its own client C7 (钱七), orders
    by C1 and C7 and a refund of part of C1's; D2 (李四) another distributor with nothing."""
    shop = make_shop({"tiers": 2})
    m = shop.merchant
    distributor(m, "D1", name="王小明")
    distributor(m, "D2", name="李四")
    for cid, name in CLIENTS.items():
        customer(m, cid, name=name)
        visit(m, cid, "D1")
    customer(m, "D3", name="赵六")
    visit(m, "D3", "D1")
    assert ok(m.post("/v1/distributors", json={"customer_id": "D3"}), 201)["inviter_id"] == "D1"
    customer(m, "C7", name="钱七")
    visit(m, "C7", "D3")
    order(m, "O1", "C1", [line("p", 12_345)])
    order(m, "O2", "C7", [line("p", 50_000)])
    refund(m, "O1", "R1", 2_000)
    return shop, m


@contextmanager
def _signed_in(shop: ShopApi, m: httpx.Client, did: str) -> Iterator[httpx.Client]:
    with _phone(shop) as phone:
        assert _open(phone, _link(m, did)).status_code == 303
        yield phone


def _rows(page: httpx.Response) -> list[str]:
    """The names shown in a team list's rows."""
    assert page.status_code == 200, page.text
    return re.findall(r'<div class="row-main"><strong>([^<]*)</strong>', page.text)


def _more(page: httpx.Response) -> str | None:
    found = re.search(r'<a class="more" href="([^"]+)"', page.text)
    return html.unescape(found.group(1)) if found else None


def _unmasked_others(text: str) -> list[str]:
    return [name for name in OTHERS if name in text]


def test_mask_name_keeps_the_first_character_only() -> None:
    assert mask_name("王小明") == "王*"
    assert mask_name("Alice Smith") == "A*"
    assert mask_name(None, "13800138000") == "1*"
    assert mask_name("  ", None) == "*"


def test_the_team_page_lists_each_kind_masked_with_orders_and_spend(
    team: tuple[ShopApi, httpx.Client],
) -> None:
    shop, m = team
    today = datetime.now(ZoneInfo(shop.shop.timezone())).strftime("%Y-%m-%d")
    with _signed_in(shop, m, "D1") as phone:
        direct = phone.get("/center/team")
        assert sorted(_rows(direct)) == DIRECT
        assert not _unmasked_others(direct.text)
        assert f"加入 {today}" in direct.text
        assert "1 笔订单" in direct.text and "¥103.45" in direct.text  # 123.45 less the refund
        indirect = phone.get("/center/team", params={"list": "indirect"})
        assert _rows(indirect) == ["钱*"] and "¥500.00" in indirect.text
        assert not _unmasked_others(indirect.text)
        invitees = phone.get("/center/team", params={"list": "invitees"})
        assert _rows(invitees) == ["赵*"] and "第 1 级" in invitees.text
        assert not _unmasked_others(invitees.text)
        below = phone.get("/center/team", params={"list": "invitees", "depth": "2"})
        assert _rows(below) == [] and "暂无成员" in below.text
        tree = re.search(r'<ul class="tree">(.*?)</section>', direct.text, re.S)
        assert tree is not None and "赵*" in tree.group(1)


def test_the_team_lists_page_and_search(team: tuple[ShopApi, httpx.Client]) -> None:
    shop, m = team
    with _signed_in(shop, m, "D1") as phone:
        seen: list[str] = []
        url: str | None = "/center/team?list=direct&limit=2"
        pages = 0
        while url:
            page = phone.get(url)
            rows = _rows(page)
            assert len(rows) == 2
            seen += rows
            url = _more(page)
            pages += 1
            assert url is None or "limit=2" in url
        assert pages == 3 and sorted(seen) == DIRECT
        assert _rows(phone.get("/center/team", params={"q": "alice"})) == ["A*"]
        assert _rows(phone.get("/center/team", params={"q": "c3"})) == ["B*"]  # by id
        assert _rows(phone.get("/center/team", params={"q": "三"})) == ["张*"]
        nothing = phone.get("/center/team", params={"q": "nobody"})
        assert _rows(nothing) == [] and "没有找到" in nothing.text
        found = phone.get("/center/team", params={"list": "invitees", "q": "赵"})
        assert _rows(found) == ["赵*"]
        bad = phone.get("/center/team", params={"cursor": "not-a-cursor"})
        assert bad.status_code == 400


def _entries(page: httpx.Response) -> list[str]:
    """The status class of each commission row."""
    assert page.status_code == 200, page.text
    return re.findall(r'<li class="entry (\w+)">', page.text)


def test_the_commission_page_shows_the_ledger_with_its_clawback(
    team: tuple[ShopApi, httpx.Client],
) -> None:
    shop, m = team
    ledger = ok(m.get("/v1/distributors/D1/ledger", params={"limit": 100}))["items"]
    entries = [e for e in ledger if e["kind"] in COMMISSION]
    clawbacks = [e for e in entries if e["kind"] == "clawback"]
    assert len(entries) == 3 and len(clawbacks) == 1  # O1 tier 1, O2 tier 2, R1's clawback
    with _signed_in(shop, m, "D1") as phone:
        page = phone.get("/center/commission")
        assert len(_entries(page)) == len(entries)
        for e in entries:
            sign = "-" if e["amount"] < 0 else ""
            fen = abs(e["amount"])
            assert f"¥{sign}{fen // 100}.{fen % 100:02d}<" in page.text, e
        assert "退款单 R1" in page.text and "订单 O1" in page.text and "订单 O2" in page.text
        assert "买家 张*" in page.text and "买家 钱*" in page.text
        assert "2 级" in page.text and "待结算" in page.text
        assert not _unmasked_others(page.text)
        only = phone.get("/center/commission", params={"status": "clawback"})
        assert _entries(only) == ["clawback"] and "退款单 R1" in only.text
        pending = phone.get("/center/commission", params={"status": "pending"})
        assert _entries(pending) == ["pending", "pending"]
        assert _entries(phone.get("/center/commission", params={"status": "settled"})) == []
        month = datetime.now(ZoneInfo(shop.shop.timezone())).strftime("%Y-%m")
        this = phone.get("/center/commission", params={"month": month})
        assert len(_entries(this)) == 3 and f'value="{month}"' in this.text
        old = phone.get("/center/commission", params={"month": "2020-01"})
        assert _entries(old) == [] and "暂无佣金记录" in old.text
        ignored = phone.get("/center/commission", params={"month": "junk", "status": "x"})
        assert len(_entries(ignored)) == 3
        first = phone.get("/center/commission", params={"limit": "2"})
        assert len(_entries(first)) == 2
        more = _more(first)
        assert more is not None and "limit=2" in more
        assert len(_entries(phone.get(more))) == 1


def test_a_session_sees_its_own_team_and_commission_whatever_the_query(
    team: tuple[ShopApi, httpx.Client],
) -> None:
    shop, m = team
    with _signed_in(shop, m, "D2") as phone:
        for name in ("distributor_id", "id", "did", "distributor"):
            mine = phone.get("/center/team", params={name: "D1"})
            assert _rows(mine) == [] and not _unmasked_others(mine.text.replace("李四", ""))
            assert "赵*" not in mine.text and "张*" not in mine.text
            entries = phone.get("/center/commission", params={name: "D1"})
            assert _entries(entries) == [] and "O1" not in entries.text
    with _phone(shop) as stranger:
        assert stranger.get("/center/team").status_code == 401
        assert stranger.get("/center/commission").status_code == 401


def test_both_pages_in_english(team: tuple[ShopApi, httpx.Client]) -> None:
    shop, m = team
    with _signed_in(shop, m, "D1") as phone:
        page = phone.get("/center/team", params={"lang": "en"})
        assert 'lang="en"' in page.text and "Direct clients" in page.text
        assert "Team tree" in page.text and "1 orders" in page.text
        assert 'aria-current="page">Team<' in page.text
        money = phone.get("/center/commission")  # the choice is kept
        assert "Refund R1" in money.text and "Buyer 张*" in money.text and "Tier 2" in money.text
        assert "Clawed back" in money.text and 'aria-current="page">Commission<' in money.text
        zh = phone.get("/center/commission", params={"lang": "zh-CN"})
        assert "退款扣回" in zh.text and 'aria-current="page">佣金<' in zh.text
