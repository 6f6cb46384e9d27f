"""The UI in a real browser: log in, the overview's numbers and chart, the language switch,
a bad key, a distributor's view, log out. Every page must stay free of console errors and
must not reach beyond 127.0.0.1 (the ``page`` fixture checks both). Screenshots go to
docs/screenshots/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from teamgraph.dashboards.i18n import EN, ZH, t
from tests.ui.conftest import UiShop

pytestmark = pytest.mark.browser

Shot = Callable[[Page, str], Path]


def log_in(page: Page, ui: UiShop, key: str) -> None:
    page.goto(ui.url + "/login")
    page.fill("#login-key", key)
    page.click("#login-submit")
    expect(page).to_have_url(ui.url + "/")


def settle(page: Page) -> None:
    """Wait until no callback is in flight (Dash marks pending updates in the DOM)."""
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-dash-is-loading=true]")).to_have_count(0)


def test_pages_need_a_key(page: Page, ui_shop: UiShop, screenshot: Shot) -> None:
    page.goto(ui_shop.url + "/")
    expect(page).to_have_url(ui_shop.url + "/login")
    expect(page.locator("#login-submit")).to_have_text(t("login.submit", ZH))
    expect(page.get_by_text(t("login.help", ZH))).to_be_visible()
    settle(page)
    expect(page.locator("#login-error")).to_be_hidden()  # no error before a try
    screenshot(page, "login")


@pytest.mark.parametrize(
    ("key", "message"),
    [("uitest.not-a-key", "unknown key"), ("no-dot-in-it", "the key is malformed")],
)
def test_a_bad_key_is_refused_with_the_reason(
    page: Page, ui_shop: UiShop, screenshot: Shot, key: str, message: str
) -> None:
    page.goto(ui_shop.url + "/login")
    page.fill("#login-key", key)
    page.press("#login-key", "Enter")
    error = page.locator("#login-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(t("login.failed", ZH))
    expect(error.locator(".error-message")).to_have_text(message)
    expect(page).to_have_url(ui_shop.url + "/login")
    assert page.evaluate("sessionStorage.getItem('session')") in (None, "null")
    if message == "unknown key":
        settle(page)
        screenshot(page, "login-error")


def test_merchant_sees_the_shop_in_both_languages(
    page: Page, ui_shop: UiShop, screenshot: Shot
) -> None:
    log_in(page, ui_shop, ui_shop.merchant_key)
    assert ui_shop.counts == {"customers": 200, "distributors": 20, "orders": 0}
    expect(page.locator("#kpi-customers")).to_have_text("200")
    expect(page.locator("#kpi-distributors")).to_have_text("20")
    expect(page.locator("#kpi-orders")).to_have_text("0")
    expect(page.locator("#kpi-shop")).to_have_text(ui_shop.shop_id)
    expect(page.locator("#kpi-mode")).to_have_text(t("mode.chain", ZH))
    expect(page.get_by_text(t("overview.customers", ZH), exact=True)).to_be_visible()
    chart = page.locator("#rewards-graph .js-plotly-plot")
    expect(chart).to_be_visible()
    expect(chart.locator(".bars .point")).to_have_count(2)  # L1: order and inviter reward
    expect(page.locator("#whoami")).to_have_text(f"{ui_shop.shop_id} · {t('role.merchant', ZH)}")
    expect(page.locator("#program")).to_contain_text(t("program.binding_forever", ZH))
    settle(page)
    screenshot(page, "overview")

    page.locator("#lang").get_by_text("English", exact=True).click()
    expect(page.get_by_text(t("overview.customers", EN), exact=True)).to_be_visible()
    expect(page.get_by_text(t("overview.customers", ZH), exact=True)).to_have_count(0)
    expect(page.locator("#kpi-mode")).to_have_text(t("mode.chain", EN))
    expect(page.locator("#logout")).to_have_text(t("nav.logout", EN))
    expect(page.locator("#rewards-graph .gtitle")).to_have_text(t("fig.rewards.title", EN))
    expect(page.locator("#kpi-customers")).to_have_text("200")
    settle(page)
    screenshot(page, "overview-en")

    page.reload()  # the language choice is remembered
    expect(page.get_by_text(t("overview.customers", EN), exact=True)).to_be_visible()


def test_distributor_sees_only_its_team(page: Page, ui_shop: UiShop, screenshot: Shot) -> None:
    log_in(page, ui_shop, ui_shop.distributor_key)
    card = page.locator("#my-team")
    expect(card).to_be_visible()
    expect(card).to_contain_text(t("team.title", ZH))
    expect(page.locator("#team-id")).to_have_text(ui_shop.distributor_id)
    total = sum(r["distributors"] for r in ui_shop.team)
    assert total > 0, "the demo distributor should have a team"
    expect(page.locator("#team-total")).to_have_text(str(total))
    rows = page.locator("#team-depth-table tbody tr")
    expect(rows).to_have_count(len(ui_shop.team))
    for row, expected in zip(rows.all(), ui_shop.team, strict=True):
        expect(row.locator("td").nth(1)).to_have_text(str(expected["distributors"]))
    expect(page.locator("#team-graph .js-plotly-plot")).to_be_visible()
    for merchant_only in ("#kpi-customers", "#kpi-distributors", "#kpi-orders", "#rewards-graph"):
        expect(page.locator(merchant_only)).to_have_count(0)
    role = t("role.distributor", ZH, id=ui_shop.distributor_id)
    expect(page.locator("#whoami")).to_have_text(f"{ui_shop.shop_id} · {role}")
    settle(page)
    screenshot(page, "my-team")


def test_log_out_forgets_the_key(page: Page, ui_shop: UiShop) -> None:
    log_in(page, ui_shop, ui_shop.merchant_key)
    expect(page.locator("#kpi-customers")).to_have_text("200")
    page.click("#logout")
    expect(page).to_have_url(ui_shop.url + "/login")
    expect(page.locator("#logout")).to_be_hidden()
    page.goto(ui_shop.url + "/")
    expect(page).to_have_url(ui_shop.url + "/login")


def test_unknown_path_needs_a_key_then_says_not_found(page: Page, ui_shop: UiShop) -> None:
    log_in(page, ui_shop, ui_shop.merchant_key)
    page.goto(ui_shop.url + "/no-such-page")
    expect(page.get_by_text(t("notfound.title", ZH))).to_be_visible()
    expect(page).to_have_url(re.compile(r"/no-such-page$"))
