"""The distributor center's Withdraw and Leaderboard pages over real HTTP (issue 15; R-5.1,
R-5.2, R-3.9, R-3.12; U-9): a signed-in phone requests a withdrawal through the form, a double
submit makes one, every refusal shows the rule's message and writes nothing, and the board
shows the phone's own row whole and everyone else masked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from teamgraph.api.center.withdraw import parse_yuan
from teamgraph.clock import now_ms
from teamgraph.rules.timeutil import from_ms
from tests.api.conftest import ShopApi
from tests.api.test_center import _link, _open, _phone
from tests.api.test_money import DAY, HOUR, balances, complete, line, order
from tests.api.test_relationships import distributor, ok, visit

ACCOUNT = "6222021234567890"
MASKED = "************7890"
SETTINGS = {
    "tiers": 2,
    "settle_days": 7,
    "withdrawal": {
        "methods": ["bank", "alipay"],
        "min_fen": 100,
        "max_fen": 500_000,
        "max_count": 3,
        "per": "month",
    },
}


def _settled(m: httpx.Client, did: str, paid_fen: int, tag: str) -> None:
    """``did`` earns 10% of ``paid_fen``, settled: paid 40 days ago, completed the next day."""
    t = now_ms() - 40 * DAY
    cid = f"{did}-{tag}"
    visit(m, cid, did, at=t - HOUR)
    order(m, f"o-{cid}", cid, [line("p", paid_fen)], paid_at=t)
    complete(m, f"o-{cid}", t + DAY)


def _today(m: httpx.Client, did: str, paid_fen: int, tag: str) -> None:
    """``did`` earns 10% of ``paid_fen`` now (pending): it counts on today's board."""
    cid = f"{did}-{tag}"
    visit(m, cid, did)
    order(m, f"o-{cid}", cid, [line("p", paid_fen)])


def _form(page: httpx.Response) -> dict[str, str]:
    fields = dict(re.findall(r'name="(csrf|rid)" value="([^"]+)"', page.text))
    assert set(fields) == {"csrf", "rid"}, page.text
    return fields


def _alert(page: httpx.Response) -> str:
    found = re.search(r'<p class="alert" role="alert">(.*?)</p>', page.text, re.S)
    assert found is not None, page.text
    return found.group(1)


def _withdrawals(s: ShopApi, did: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = ok(s.merchant.get("/v1/withdrawals", params={"limit": 200}))[
        "items"
    ]
    return [w for w in items if w["distributor_id"] == did]


@pytest.fixture
def money(make_shop: Any) -> ShopApi:
    s = make_shop(SETTINGS)
    m = s.merchant
    distributor(m, "D1", name="王小明")
    _settled(m, "D1", 50_000, "a")  # ¥50.00 settled
    return s


@pytest.fixture
def phone(money: ShopApi) -> Iterator[httpx.Client]:
    """D1's phone, signed in."""
    with _phone(money) as client:
        _open(client, _link(money.merchant, "D1"))
        yield client


# -- the amount ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "fen"),
    [("100", 10_000), ("12.3", 1230), ("0.05", 5), (" ¥7.00 ", 700), ("0", 0), ("01.10", 110)],
)
def test_r3_9_the_typed_yuan_amount_is_read_to_exact_fen(typed: str, fen: int) -> None:
    assert parse_yuan(typed) == fen


@pytest.mark.parametrize(
    "typed", ["", "abc", "1.234", "-1", "1e3", "1,000", ".5", "1.", "１２", "NaN", "12345678901"]
)
def test_r3_9_anything_but_a_plain_yuan_amount_is_refused(typed: str) -> None:
    assert parse_yuan(typed) is None


# -- withdraw ----------------------------------------------------------------------------------
def test_r5_1_r5_2_the_page_requests_a_withdrawal_and_shows_it_masked(
    money: ShopApi, phone: httpx.Client
) -> None:
    page = phone.get("/center/withdraw")
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    text = page.text
    assert "¥50.00" in text and "可提现金额" in text
    assert "银行卡" in text and "支付宝" in text and "微信" not in text
    assert "单笔 ¥1.00 – ¥5000.00" in text and "每月最多 3 次，本期已申请 0 次" in text
    assert 'aria-current="page">提现<' in text and "暂无提现记录" in text
    sent = phone.post(
        "/center/withdraw",
        data=_form(page) | {"amount": "12.3", "method": "alipay", "account": ACCOUNT},
    )
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"].startswith("/center/withdraw?done=ctr-")
    after = phone.get(sent.headers["location"])
    assert after.status_code == 200
    assert "提现申请已提交" in after.text
    assert "¥12.30" in after.text and "审核中" in after.text and "支付宝" in after.text
    assert MASKED in after.text and ACCOUNT not in after.text
    assert "¥37.70" in after.text  # withdrawable after the request
    assert "本期已申请 1 次" in after.text
    assert 'class="item mine"' in after.text
    (made,) = _withdrawals(money, "D1")
    assert (made["amount_fen"], made["method"], made["account"], made["status"]) == (
        1230,
        "alipay",
        ACCOUNT,
        "requested",
    )
    assert made["holder"] is None
    b = balances(money.merchant, "D1")
    assert (b["withdrawable"], b["requested"]) == (3770, 1230)


def test_r3_12_a_double_submit_makes_one_withdrawal(money: ShopApi, phone: httpx.Client) -> None:
    form = _form(phone.get("/center/withdraw")) | {
        "amount": "10",
        "method": "bank",
        "account": ACCOUNT,
        "holder": "王小明",
    }
    first = phone.post("/center/withdraw", data=form)
    second = phone.post("/center/withdraw", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    # the same id with another amount (a back button and an edit) is refused, not a 500
    changed = phone.post("/center/withdraw", data=form | {"amount": "11"})
    assert changed.status_code == 422 and "已提交过" in _alert(changed)
    # a fresh form is a new request
    again = phone.post(
        "/center/withdraw", data=_form(phone.get("/center/withdraw")) | form | {"rid": "x"}
    )
    assert again.status_code == 303
    made = _withdrawals(money, "D1")
    assert sorted(w["amount_fen"] for w in made) == [1000, 1000]
    assert {w["holder"] for w in made} == {"王小明"}
    assert balances(money.merchant, "D1")["withdrawable"] == 3000


@pytest.mark.parametrize(
    ("fields", "said", "rule"),
    [
        ({"amount": "0.5"}, "单笔提现不能低于 ¥1.00", "R-5.1"),
        ({"amount": "6000"}, "单笔提现不能超过 ¥5000.00", "R-5.1"),
        ({"amount": "0"}, "提现金额须大于 0", "R-5.1"),
        ({"amount": "60"}, "超出可提现余额", "R-5.2"),
        ({"amount": "1.234"}, "请输入正确的金额", "R-3.9"),
        ({"amount": "abc"}, "请输入正确的金额", "R-3.9"),
        ({"amount": ""}, "请输入正确的金额", "R-3.9"),
        ({"method": "wechat"}, "商家未开通该提现方式", "R-5.1"),
        ({"method": "paypal"}, "商家未开通该提现方式", "R-5.1"),
        ({"account": "=1+1"}, "请填写正确的收款账号", None),
        ({"account": ""}, "请填写正确的收款账号", None),
        ({"holder": "=cmd"}, "请填写正确的户名", None),
    ],
)
def test_r5_1_refusals_show_the_rule_s_message_and_write_nothing(
    money: ShopApi, phone: httpx.Client, fields: dict[str, str], said: str, rule: str | None
) -> None:
    page = phone.get("/center/withdraw")
    body = {"amount": "10", "method": "bank", "account": ACCOUNT} | fields
    refused = phone.post("/center/withdraw", data=_form(page) | body)
    assert refused.status_code == 422, refused.text
    alert = _alert(refused)
    assert said in alert
    if rule is not None:
        assert f"({rule})" in alert
    assert 'name="csrf"' in refused.text  # the form again, with what was typed
    if fields.get("amount"):
        assert f'value="{fields["amount"]}"' in refused.text
    assert _withdrawals(money, "D1") == []
    assert balances(money.merchant, "D1")["withdrawable"] == 5000


def test_r5_1_too_many_this_period_in_english(money: ShopApi, phone: httpx.Client) -> None:
    d1 = money.client("distributor", "D1")
    for i in range(3):
        body = {"distributor_id": "D1", "amount_fen": 100, "method": "bank", "account": ACCOUNT}
        ok(d1.post("/v1/withdrawals", json=body | {"id": f"api-{i}"}), 201)
    page = phone.get("/center/withdraw", params={"lang": "en"})
    assert "At most 3 a month; 3 requested this period" in page.text
    assert "Bank card" in page.text and "Under review" in page.text
    refused = phone.post(
        "/center/withdraw",
        data=_form(page) | {"amount": "1", "method": "bank", "account": ACCOUNT},
    )
    assert refused.status_code == 422
    alert = _alert(refused)
    assert "At most 3 withdrawals a month" in alert and "(R-5.1)" in alert
    low = phone.post(
        "/center/withdraw",
        data=_form(page) | {"amount": "0.99", "method": "bank", "account": ACCOUNT},
    )
    assert "A withdrawal is at least ¥1.00." in _alert(low)
    bad = phone.post(
        "/center/withdraw",
        data=_form(page) | {"amount": "1.234", "method": "bank", "account": ACCOUNT},
    )
    assert "at most two decimals" in _alert(bad)
    assert len(_withdrawals(money, "D1")) == 3


@pytest.mark.parametrize("csrf", [None, "", "0" * 32, "令牌" * 16])
def test_c2_a_request_without_the_session_s_form_token_writes_nothing(
    money: ShopApi, phone: httpx.Client, csrf: str | None
) -> None:
    form = _form(phone.get("/center/withdraw"))
    body = {"rid": form["rid"], "amount": "10", "method": "bank", "account": ACCOUNT}
    if csrf is not None:
        body["csrf"] = csrf
    forged = phone.post("/center/withdraw", data=body)
    assert forged.status_code == 403 and "请求已过期" in forged.text
    with _phone(money) as stranger:  # a cookie-less browser with a valid token
        signed_out = stranger.post("/center/withdraw", data=form | body)
        assert signed_out.status_code == 401
        assert stranger.get("/center/withdraw").status_code == 401
    assert _withdrawals(money, "D1") == []


def test_the_history_is_the_session_s_own(money: ShopApi) -> None:
    m = money.merchant
    distributor(m, "D2", name="李四")
    _settled(m, "D2", 50_000, "b")
    d2 = money.client("distributor", "D2")
    body = {"distributor_id": "D2", "amount_fen": 4321, "method": "bank", "account": "9999888877"}
    ok(d2.post("/v1/withdrawals", json=body), 201)
    with _phone(money) as phone:
        _open(phone, _link(m, "D1"))
        page = phone.get("/center/withdraw")
        assert "¥43.21" not in page.text and "8877" not in page.text
        assert "暂无提现记录" in page.text


# -- leaderboard -------------------------------------------------------------------------------
@pytest.fixture
def board(make_shop: Any) -> ShopApi:
    s = make_shop(SETTINGS)
    m = s.merchant
    for did, name, paid in (
        ("D1", "王小明", 10_000),
        ("D2", "李四", 30_000),
        ("D3", "张三丰", 20_000),
    ):
        distributor(m, did, name=name)
        _today(m, did, paid, "t")
    distributor(m, "D4", name="赵六")
    _settled(m, "D4", 90_000, "old")  # 40 days ago: on no board of this month
    return s


def test_u9_the_board_highlights_the_own_row_and_masks_the_others(board: ShopApi) -> None:
    with _phone(board) as phone:
        _open(phone, _link(board.merchant, "D1"))
        page = phone.get("/center/leaderboard")
        assert page.status_code == 200, page.text
        text = page.text
        assert 'aria-current="page">排行<' in text and 'aria-current="page">本月<' in text
        assert 'aria-current="page">佣金<' in text
        rows = re.findall(r'<li class="rank-row( mine)?".*?</li>', text, re.S)
        assert len(rows) == 3
        mine = re.search(r'<li class="rank-row mine".*?</li>', text, re.S)
        assert mine is not None
        assert "王小明" in mine.group(0) and "¥10.00" in mine.group(0)
        assert '<span class="rank-no">3</span>' in mine.group(0)
        assert "李*" in text and "张*" in text and "¥30.00" in text and "¥20.00" in text
        for hidden in ("李四", "张三丰", "D2", "D3", "D4", "赵"):
            assert hidden not in text, hidden
        assert "我的排名" not in text  # the own row is in the list already
        en = phone.get("/center/leaderboard", params={"lang": "en"})
        assert "This month: ranked by Commission" in en.text and ">You<" in en.text


def test_u2_the_period_and_metric_switch(board: ShopApi) -> None:
    shop = board.shop
    with _phone(board) as phone:
        _open(phone, _link(board.merchant, "D1"))
        for period, label in (("day", "今日"), ("week", "本周"), ("month", "本月")):
            page = phone.get("/center/leaderboard", params={"period": period})
            assert page.status_code == 200
            assert f'aria-current="page">{label}<' in page.text
            start, end = shop.period_bounds(period)  # type: ignore[arg-type]
            first = _day(shop, start)
            last = _day(shop, end - 1)
            assert f"{first} 至 {last}" in page.text
            assert page.text.count('class="rank-row') == 3  # all today's
            assert f'href="?period={period}&amp;metric=sales"' in page.text
        sales = phone.get("/center/leaderboard", params={"period": "week", "metric": "sales"})
        assert 'aria-current="page">销售额<' in sales.text and "¥100.00" in sales.text
        clients = phone.get("/center/leaderboard", params={"metric": "clients"})
        mine = re.search(r'<li class="rank-row mine".*?</li>', clients.text, re.S)
        assert mine is not None and '<span class="money">1</span>' in mine.group(0)
        odd = phone.get("/center/leaderboard", params={"period": "year", "metric": "x"})
        assert odd.status_code == 200 and 'aria-current="page">本月<' in odd.text


def test_u9_the_own_row_outside_the_top_is_shown_below(make_shop: Any) -> None:
    s = make_shop(SETTINGS)
    shop = s.shop
    for i in range(21):
        did = f"T{i:02d}"
        shop.create_customer(did, name=f"钱{i}")
        shop.apply(did)
        shop.visit(f"{did}-c", did)
        shop.record_order(f"o-{did}", f"{did}-c", [line("p", 50_000 + i)])
    distributor(s.merchant, "D1", name="王小明")
    _today(s.merchant, "D1", 1_000, "t")
    with _phone(s) as phone:
        _open(phone, _link(s.merchant, "D1"))
        page = phone.get("/center/leaderboard", params={"lang": "en"})
        text = page.text
        assert text.count('class="rank-row') == 21  # the top 20 and the own row below
        assert "My rank" in text
        mine = re.search(r'<li class="rank-row mine".*?</li>', text, re.S)
        assert mine is not None and '<span class="rank-no">22</span>' in mine.group(0)
        assert "王小明" in mine.group(0) and "¥1.00" in mine.group(0)
        assert "T00" not in text and "钱1" not in text and "钱*" in text
        nobody = phone.get("/center/leaderboard", params={"period": "day", "metric": "sales"})
        assert "You" in nobody.text


def test_u9_a_distributor_off_the_board_is_told_so(board: ShopApi) -> None:
    with _phone(board) as phone:
        _open(phone, _link(board.merchant, "D4"))
        page = phone.get("/center/leaderboard")
        assert page.status_code == 200
        assert "本期暂未上榜" in page.text and "我的排名" in page.text
        assert "李四" not in page.text and "赵六" not in page.text


def _day(shop: Any, ms: int) -> str:
    return from_ms(ms, shop.timezone()).strftime("%Y-%m-%d")
