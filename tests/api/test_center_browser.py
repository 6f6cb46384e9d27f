"""The distributor center in headless Chromium as a phone (issue 15): 375×812, touch, mobile
user agent. Opening the mall's link lands on the home page signed in, with no script error and
nothing fetched from outside 127.0.0.1; nothing is wider than the screen; every link and button
is a tap target of at least 44 px; the language switch works by tapping."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route

from tests.api.conftest import ShopApi
from tests.api.test_center_money import ACCOUNT, MASKED, SETTINGS, _settled
from tests.api.test_money import line, order
from tests.api.test_relationships import distributor, ok, visit
from tests.ui.conftest import HOST, PageProblems, browser, screenshot  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

PHONE: dict[str, Any] = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47",
}


@pytest.fixture
def phone(browser: Browser) -> Iterator[tuple[Page, PageProblems]]:  # noqa: F811
    problems = PageProblems()
    context = browser.new_context(locale="zh-CN", **PHONE)

    def only_local(route: Route) -> None:
        if route.request.url.startswith(f"http://{HOST}:"):
            route.continue_()
        else:
            problems.external_requests.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.on(
        "console",
        lambda m: problems.console_errors.append(m.text) if m.type == "error" else None,
    )
    page.on("pageerror", lambda exc: problems.page_errors.append(str(exc)))
    yield page, problems
    context.close()


TABS = ("team", "commission", "promote", "withdraw", "leaderboard")


def _low_contrast(page: Page) -> list[str]:
    """Text whose colour on its background is under WCAG's 4.5:1 (3:1 for large text);
    disabled controls aside."""
    return list(
        page.evaluate(
            """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
    .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
  const back = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e)
      .backgroundColor); if (c.length && (c.length < 4 || c[3] > 0)) return c; }
    return [255, 255, 255]; };
  const out = [];
  for (const e of document.querySelectorAll('main *, header *, nav *')) {
    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    if (e.closest('[disabled]')) continue;
    const st = getComputedStyle(e), a = lum(rgb(st.color)), b = lum(back(e));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const large = parseFloat(st.fontSize) >= 24 || (parseFloat(st.fontSize) >= 18.66
      && Number(st.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) out.push(`${e.tagName}.${e.className} ${ratio.toFixed(2)}`);
  }
  return out;
}"""
        )
    )


def _tap_targets_too_small(page: Page) -> list[str]:
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('a, button, input:not([type=hidden]), select')]
                .map(e => ['radio', 'checkbox'].includes(e.type) && e.labels && e.labels.length
                          ? e.labels[0] : e)  // a choice is tapped on its label
                .filter(e => { const r = e.getBoundingClientRect();
                               return r.height < 44 || r.width < 44; })
                .map(e => e.outerHTML.slice(0, 80))"""
        )
    )


def test_the_home_page_on_a_phone(
    make_shop: Callable[..., ShopApi],
    phone: tuple[Page, PageProblems],
    screenshot: Callable[[Page, str], Path],  # noqa: F811
) -> None:
    shop = make_shop(SETTINGS)
    m = shop.merchant
    distributor(m, "D1", name="王小明")
    _settled(m, "D1", 50_000, "a")  # ¥50.00 to withdraw
    visit(m, "C1", "D1")
    order(m, "O1", "C1", [line("p", 26_800)])
    url = ok(m.post("/v1/distributors/D1/sessions"), 201)["url"]
    page, problems = phone
    page.goto(url)
    assert page.url.endswith("/center/")  # the link's secret is gone from the address bar
    page.locator("main").wait_for()
    assert page.locator("h2").inner_text() == "王小明"
    assert "¥" in page.locator(".cards").first.inner_text()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    assert _tap_targets_too_small(page) == []
    screenshot(page, "center-home-zh")
    assert _low_contrast(page) == []
    for tab in TABS:  # every page in Chinese first
        page.tap(f"nav a[href='/center/{tab}']")
        page.wait_for_url(f"**/center/{tab}")
        assert _low_contrast(page) == [], tab
        screenshot(page, f"center-{tab}-zh")
    page.tap("nav a[href='/center/withdraw']")  # a withdrawal, as a person makes one
    page.fill("#wd-amount", "12.30")
    page.fill("#wd-account", ACCOUNT)
    with page.expect_navigation():
        page.tap("button.primary")
    assert MASKED in page.inner_text("main") and ACCOUNT not in page.content()
    made = ok(m.get("/v1/withdrawals", params={"distributor_id": "D1"}))["items"]
    assert [w["amount_fen"] for w in made] == [1230]
    page.tap("nav a[href='/center/promote']")
    with page.expect_download() as saved:  # the poster, saved as a person saves it
        page.tap("a.button[download]")
    poster = Path(saved.value.path())
    assert poster.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.tap("nav a[href='/center/']")
    page.tap("a.switch")
    page.wait_for_url("**/center/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Withdrawable" in page.inner_text("main")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    screenshot(page, "center-home-en")
    page.tap("nav a[href='/center/promote']")
    page.wait_for_url("**/center/promote")
    assert page.locator(".qr-box svg").is_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 375
    assert _tap_targets_too_small(page) == []
    screenshot(page, "center-promote-en")
    for tab in TABS:  # every tab, by tapping
        page.tap(f"nav a[href='/center/{tab}']")
        page.wait_for_url(f"**/center/{tab}")
        page.locator("main").wait_for()
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 375, tab
        assert _tap_targets_too_small(page) == [], tab
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), select')]
                .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
                .map(e => e.name)"""
        )
        assert unlabelled == [], tab
        screenshot(page, f"center-{tab}-en")
    assert problems == PageProblems()
    page.goto(url)  # the same link again: used up (its 403 is the console's only error)
    assert "used" in page.inner_text("main")
    assert len(problems.console_errors) == 1 and "403" in problems.console_errors[0]
