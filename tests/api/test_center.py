"""The distributor center's sign-in and home page over real HTTP (issue 15; C-1 to C-3 of
teamgraph/shop/center.py, docs/integration.md): a merchant's backend asks for a link, the
phone opens it once, and the cookie it gets reads its own distributor and nothing else."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from teamgraph.clock import now_ms
from teamgraph.shop.center import LINK_SECONDS, SESSION_SECONDS
from tests.api.conftest import ShopApi
from tests.api.test_money import line, order
from tests.api.test_relationships import customer, distributor, ok, refused, visit

DAY = 86_400_000


def _link(m: httpx.Client, did: str) -> str:
    body = ok(m.post(f"/v1/distributors/{did}/sessions"), 201)
    assert body["distributor_id"] == did and body["expires_at"]
    url: str = body["url"]
    assert re.search(r"/center/enter\?t=[^&]+$", url), url
    return url


def _phone(shop: ShopApi, **headers: str) -> httpx.Client:
    """A browser: keeps cookies, does not follow redirects (so each step can be checked)."""
    return httpx.Client(base_url=shop.url, timeout=30, headers=headers)


def _open(phone: httpx.Client, url: str) -> httpx.Response:
    return phone.get(url[url.index("/center/") :])


@pytest.fixture
def center(make_shop: Any) -> tuple[ShopApi, httpx.Client]:
    shop = make_shop({"tiers": 2})
    m = shop.merchant
    distributor(m, "D1", name="王小明")
    distributor(m, "D2", name="李四")
    visit(m, "C1", "D1")
    return shop, m


def test_c1_c2_a_link_opens_the_center_once_and_the_cookie_holds_the_session(
    center: tuple[ShopApi, httpx.Client],
) -> None:
    shop, m = center
    url = _link(m, "D1")
    with _phone(shop) as phone:
        entered = _open(phone, url)
        assert entered.status_code == 303 and entered.headers["location"] == "/center/"
        cookie = entered.headers["set-cookie"].lower()
        for part in ("httponly", "path=/center", "samesite=lax", f"max-age={SESSION_SECONDS}"):
            assert part in cookie, cookie
        assert "secure" not in cookie  # plain HTTP here; set when the link is HTTPS
        home = phone.get("/center/")
        assert home.status_code == 200, home.text
        assert "王小明" in home.text and "分销中心" in home.text
        assert home.headers["cache-control"] == "no-store"
        css = re.search(r'href="(/center/static/center\.[0-9a-f]{12}\.css)"', home.text)
        assert css is not None
        style = phone.get(css.group(1))
        assert style.status_code == 200 and "immutable" in style.headers["cache-control"]
    with _phone(shop) as other:  # C-3: the link is used up
        again = _open(other, url)
        assert again.status_code == 403 and "已使用" in again.text
        assert "tg_center" not in again.headers.get("set-cookie", "")


def test_c3_forged_and_expired_links_are_refused_with_a_page(
    center: tuple[ShopApi, httpx.Client],
) -> None:
    shop, m = center
    url = _link(m, "D1")
    with _phone(shop, **{"accept-language": "en-US,en;q=0.9"}) as phone:
        forged = _open(phone, url[:-4] + "AAAA")
        assert forged.status_code == 403 and "not valid" in forged.text
        nowhere = phone.get("/center/enter", params={"t": "no-such-shop.x"})
        assert nowhere.status_code == 403 and "not valid" in nowhere.text
        empty = phone.get("/center/enter")
        assert empty.status_code == 403
    token, _ = shop.shop.center_link("D1", now=now_ms() - (LINK_SECONDS + 1) * 1000)
    with _phone(shop) as late:
        expired = late.get("/center/enter", params={"t": token})
        assert expired.status_code == 403 and "已过期" in expired.text
    refused(m.post("/v1/distributors/nobody/sessions"), 404, "customer.not_found")
    refused(shop.analyst.post("/v1/distributors/D1/sessions"), 403, "auth.forbidden")


def test_c2_the_session_reads_its_own_distributor_and_nothing_else(
    center: tuple[ShopApi, httpx.Client],
) -> None:
    shop, m = center
    with _phone(shop) as phone:
        _open(phone, _link(m, "D1"))
        key = phone.cookies["tg_center"]
    as_key = httpx.Client(base_url=shop.url, headers={"Authorization": f"Bearer {key}"})
    with as_key:
        assert as_key.get("/v1/distributors/D1/team").status_code == 200
        refused(as_key.get("/v1/distributors/D2/team"), 403, "auth.forbidden")
        refused(as_key.get("/v1/settings"), 403, "auth.forbidden")
        refused(as_key.post("/v1/distributors/D2/sessions"), 403, "auth.forbidden")
    merchant_key = m.headers["authorization"].split()[-1]
    with _phone(shop) as pasted:  # a merchant key in the cookie is no session
        pasted.cookies.set("tg_center", merchant_key, path="/center")
        refused_page = pasted.get("/center/")
        assert refused_page.status_code == 401


def test_c2_sign_out_needs_the_form_token_and_ends_the_session(
    center: tuple[ShopApi, httpx.Client],
) -> None:
    shop, m = center
    with _phone(shop) as phone:
        _open(phone, _link(m, "D1"))
        home = phone.get("/center/")
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', home.text)
        assert token is not None
        forged = phone.post("/center/logout", data={"csrf": "0" * 32})
        assert forged.status_code == 403
        odd = phone.post("/center/logout", data={"csrf": "令牌"})  # not ASCII: still a 403
        assert odd.status_code == 403
        assert phone.get("/center/").status_code == 200  # still signed in
        out = phone.post("/center/logout", data={"csrf": token.group(1)})
        assert out.status_code == 200
        key = phone.cookies.get("tg_center")
        assert key is None  # the browser was told to forget it
    with _phone(shop) as replay:
        replay.cookies.set("tg_center", home.request.headers["cookie"].split("=", 1)[1])
        assert replay.get("/center/").status_code == 401  # ended in the graph, not only here


def test_c2_a_session_ends_after_its_lifetime(center: tuple[ShopApi, httpx.Client]) -> None:
    shop, _ = center
    long_ago = now_ms() - SESSION_SECONDS * 1000 - DAY
    token, _ = shop.shop.center_link("D1", now=long_ago)
    key, did, distributor = shop.shop.open_center_link(token, now=long_ago + 1000)
    assert (did, distributor) == ("D1", True)
    with _phone(shop) as phone:
        phone.cookies.set("tg_center", key, path="/center")
        assert phone.get("/center/").status_code == 401


def test_the_home_page_in_both_languages_shows_the_commission(
    center: tuple[ShopApi, httpx.Client],
) -> None:
    shop, m = center
    customer(m, "C2")
    visit(m, "C2", "D1")
    order(m, "O1", "C1", [line("p", 12_345)])
    balances = ok(m.get("/v1/distributors/D1/ledger", params={"limit": 1}))["balances"]
    pending = balances["pending"]
    assert pending > 0
    expected = f"¥{pending // 100}.{pending % 100:02d}"
    with _phone(shop) as phone:
        _open(phone, _link(m, "D1"))
        zh = phone.get("/center/")
        assert zh.text.count(expected) >= 3  # today, this month, pending
        assert "今日佣金" in zh.text and 'lang="zh-CN"' in zh.text
        en = phone.get("/center/", params={"lang": "en"})
        assert "Withdrawable" in en.text and 'lang="en"' in en.text
        assert phone.cookies.get("tg_lang") == "en"
        again = phone.get("/center/")  # the choice is kept
        assert "Withdrawable" in again.text
        assert ">2<" in again.text.replace(" ", "")  # two direct clients


def test_the_promote_page_and_the_poster(center: tuple[ShopApi, httpx.Client]) -> None:
    import io

    from PIL import Image

    shop, m = center
    share = ok(m.get("/v1/distributors/D1/share"))
    with _phone(shop) as phone:
        _open(phone, _link(m, "D1"))
        page = phone.get("/center/promote")
        assert page.status_code == 200
        assert share["link"] in page.text and share["code"] in page.text
        assert "<svg" in page.text and "朋友圈" in page.text
        tagged = phone.get("/center/promote", params={"channel": "moments"})
        assert "ch=moments" in tagged.text
        odd = phone.get("/center/promote", params={"channel": "<script>"})
        assert odd.status_code == 200 and "<script>" not in odd.text  # unknown tags are dropped
        png = phone.get("/center/poster.png", params={"channel": "moments"})
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        image = Image.open(io.BytesIO(png.content))
        assert image.size == (750, 1334)
    with _phone(shop) as stranger:  # no session, no poster
        assert stranger.get("/center/poster.png").status_code == 401


def test_c4_a_customer_s_link_opens_the_application_and_applying_signs_in(
    center: tuple[ShopApi, httpx.Client],
) -> None:
    """R-2.1 / C-4: a customer who is not a distributor gets the application page, then, the
    shop approving at once, a distributor's session."""
    shop, m = center
    with _phone(shop) as phone:
        entered = _open(phone, _link(m, "C1"))
        assert (entered.status_code, entered.headers["location"]) == (303, "/center/apply")
        assert phone.get("/center/").headers["location"] == "/center/apply"  # home: apply first
        page = phone.get("/center/apply")
        assert page.status_code == 200 and "申请成为分销员" in page.text
        session = phone.cookies["tg_center"]
        with httpx.Client(base_url=shop.url, headers={"Authorization": f"Bearer {session}"}) as api:
            refused(api.get("/v1/distributors/C1"), 401, "auth.invalid_key")  # no API rights
        assert phone.post("/center/apply", data={"csrf": "x"}).status_code == 403
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
        assert token is not None
        applied = phone.post("/center/apply", data={"csrf": token.group(1)})
        assert (applied.status_code, applied.headers["location"]) == (303, "/center/")
        home = phone.get("/center/")
        assert home.status_code == 200 and "等级" in home.text
    assert ok(m.get("/v1/distributors/C1"))["status"] == "active"


def test_c4_r2_1_the_application_shows_the_conditions_and_refuses_before_they_hold(
    make_shop: Any,
) -> None:
    shop = make_shop({"application": {"min_paid_orders": 1, "review": True}})
    m = shop.merchant
    customer(m, "C9")
    with _phone(shop, **{"accept-language": "en"}) as phone:
        _open(phone, _link(m, "C9"))
        page = phone.get("/center/apply")
        assert "Paid orders" in page.text and "0 / 1" in page.text
        assert "disabled" in page.text
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
        assert token is not None
        refused_page = phone.post("/center/apply", data={"csrf": token.group(1)})
        assert refused_page.status_code == 422 and "R-2.1" in refused_page.text
    assert shop.shop.application("C9")["status"] == "none"  # nothing was written
    refused(m.get("/v1/distributors/C9"), 404, "distributor.not_found")


def test_c5_the_shop_s_own_poster_background(center: tuple[ShopApi, httpx.Client]) -> None:
    import base64
    import io

    from PIL import Image

    shop, m = center
    buf = io.BytesIO()
    Image.new("RGB", (1000, 1000), (0, 90, 200)).save(buf, format="PNG")
    upload = base64.b64encode(buf.getvalue()).decode()
    stored = ok(m.put("/v1/settings/poster", json={"image": upload}))
    assert (stored["width"], stored["height"]) == (750, 1334) and stored["bytes"] > 0
    refused(m.put("/v1/settings/poster", json={"image": "not base64!"}), 422, "poster.invalid")
    text = base64.b64encode(b"GIF89a not really").decode()
    refused(m.put("/v1/settings/poster", json={"image": text}), 422, "poster.invalid")
    refused(shop.analyst.put("/v1/settings/poster", json={"image": upload}), 403, "auth.forbidden")
    with _phone(shop) as phone:
        _open(phone, _link(m, "D1"))
        own = Image.open(io.BytesIO(phone.get("/center/poster.png").content)).convert("RGB")
        r, g, b = own.getpixel((5, 5))  # a corner outside the veil: the shop's blue
        assert b > 150 and r < 60, (r, g, b)
        assert m.delete("/v1/settings/poster").status_code == 204
        plain = Image.open(io.BytesIO(phone.get("/center/poster.png").content)).convert("RGB")
        assert plain.getpixel((5, 5)) == (255, 247, 237)  # the gradient's top again
