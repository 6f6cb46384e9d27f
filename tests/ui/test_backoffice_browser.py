"""The back office in a real browser (headless system Chromium; issue 17), in both languages:
the Applications page (the queue with each applicant's progress against R-2.1's conditions,
approve and reject with a reason) and the distributor management page reached from the
distributors grid (freeze and unfreeze with a reason, a level set by hand, R-4.3, a ledger
adjustment, R-3.12, refused below zero, AJ-1). Every decision is checked in the audit log it
writes. Screenshots (1440×900) go to docs/screenshots/ with TEAMGRAPH_SCREENSHOTS=1.

Its own small shop and UI process (module scope), so the story shop of tests/ui/test_browser.py
stays as those tests expect it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from teamgraph.config import Settings
from teamgraph.dashboards.i18n import EN, ZH, t
from teamgraph.graph import connect
from teamgraph.shop import Shop
from tests.ui.conftest import HOST, UiShop, _free_port, _stop, _wait_http
from tests.ui.test_browser import log_in, open_page, settle

pytestmark = pytest.mark.browser

Shot = Callable[[Page, str], Path]
LANG = {"zh-CN": ZH, "en-US": EN}
SETTINGS: dict[str, Any] = {
    "application": {"review": True, "verified_phone": True, "groups": ["vip"]},
    "levels": [
        {"level": 1, "name": "普通", "reward_bp": 1000},
        {"level": 2, "name": "银牌", "reward_bp": 1200, "conditions": {"paid_orders": 50}},
    ],
}


@dataclass(frozen=True)
class BackOffice:
    ui: UiShop
    shop: Shop


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackOffice]:
    """A shop that reviews applications (verified phone and the group vip): per language one
    applicant who meets the conditions and one who does not, and one distributor; served by
    ``teamgraph ui``."""
    data_dir = tmp_path_factory.mktemp("bo-data")
    engine = connect(Settings(TEAMGRAPH_DATA=str(data_dir)))
    proc: subprocess.Popen[bytes] | None = None
    log = data_dir / "ui.log"
    try:
        shop = Shop.create(engine, "backoffice", SETTINGS)
        for n, lang in enumerate(("zh", "en")):
            for suffix in ("ok", "no", "d"):
                cid = f"{lang}-{suffix}"
                shop.create_customer(
                    cid,
                    name=f"{suffix.upper()}{n}",
                    phone=f"173000001{n}{len(suffix)}",
                    phone_verified=True,
                )
                shop.set_groups(cid, ["vip"])
                shop.apply(cid)
            shop.set_groups(f"{lang}-no", [])  # left the group after applying: not ready
            shop.approve(f"{lang}-d")
        merchant_key = shop.create_key("merchant")
        port = _free_port()
        url = f"http://{HOST}:{port}"
        env = dict(os.environ, TEAMGRAPH_DATA=str(data_dir), TEAMGRAPH_LOG_LEVEL="WARNING")
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "teamgraph", "ui", "--host", HOST, "--port", str(port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        _wait_http(url + "/", proc, log)
        ui = UiShop(url, shop.id, merchant_key, "", "", "", {}, [], {})
        yield BackOffice(ui, shop)
    finally:
        if proc is not None:
            _stop(proc)
        engine.close()


def audit(shop: Shop, object_id: str) -> list[tuple[str, str | None]]:
    return [(c["action"], c["reason"]) for c in shop.audit_log(object_id=object_id)["items"]]


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_r_2_1_applications_show_progress_and_are_approved_or_rejected_with_a_reason(
    page: Page, office: BackOffice, locale: str, screenshot: Shot
) -> None:
    lang, prefix = LANG[locale], "zh" if locale == "zh-CN" else "en"
    ui = office.ui
    log_in(page, ui, ui.merchant_key)
    open_page(page, ui, "/applications")
    nav = page.locator("#nav-links")
    nav.get_by_text(t("nav.menu.operations", lang), exact=True).click()  # the page's menu
    expect(nav.get_by_text(t("bo.nav.applications", lang))).to_be_visible()
    nav.get_by_text(t("nav.menu.operations", lang), exact=True).click()
    grid = page.locator("#app-grid")
    ok = grid.locator(f'.ag-center-cols-container .ag-row[row-id="{prefix}-ok"]')
    no = grid.locator(f'.ag-center-cols-container .ag-row[row-id="{prefix}-no"]')
    expect(ok).to_contain_text(t("bo.ready.yes", lang))
    expect(ok).to_contain_text(f"✓ {t('bo.cond.groups', lang)} vip")
    expect(no).to_contain_text(f"✗ {t('bo.cond.groups', lang)} vip")
    expect(no).to_contain_text(t("bo.ready.no", lang))
    screenshot(page, "applications" if lang == ZH else "applications-en")
    page.click("#app-approve")
    expect(page.locator("#app-none")).to_be_visible()  # nothing selected yet
    grid.locator(f'.ag-row[row-id="{prefix}-ok"] .ag-selection-checkbox input').first.check()
    page.fill("#app-reason", "met the buyer")
    page.click("#app-approve")
    expect(page.locator("#app-done")).to_have_text(t("bo.approved", lang, n=1))
    expect(ok).to_have_count(0)
    grid.locator(f'.ag-row[row-id="{prefix}-no"] .ag-selection-checkbox input').first.check()
    page.fill("#app-reason", "not in the VIP group")
    page.click("#app-reject")
    expect(page.locator("#app-done")).to_have_text(t("bo.rejected", lang, n=1))
    expect(no).to_have_count(0)
    settle(page)
    assert audit(office.shop, f"{prefix}-ok")[0] == ("distributor.approve", "met the buyer")
    assert audit(office.shop, f"{prefix}-no")[0] == ("distributor.reject", "not in the VIP group")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_r_4_3_r_3_12_a_distributor_is_frozen_levelled_and_adjusted_from_its_panel(
    page: Page, office: BackOffice, locale: str, screenshot: Shot
) -> None:
    lang, did = LANG[locale], "zh-d" if locale == "zh-CN" else "en-d"
    ui = office.ui
    log_in(page, ui, ui.merchant_key)
    open_page(page, ui, "/distributors")
    page.locator(f'#dist-grid .ag-row[row-id="{did}"] [col-id="name"]').first.click()
    expect(page).to_have_url(f"{ui.url}/distributor?id={did}")
    settle(page)
    expect(page.locator("#mg-status")).to_have_text(t("status.active", lang))

    page.fill("#mg-reason", "checking a complaint")
    page.click("#mg-freeze")
    expect(page.locator("#mg-done")).to_have_text(t("bo.done.freeze", lang, id=did))
    expect(page.locator("#mg-status")).to_have_text(t("status.frozen", lang))
    page.fill("#mg-reason", "complaint cleared")
    page.click("#mg-unfreeze")
    expect(page.locator("#mg-status")).to_have_text(t("status.active", lang))

    page.click("#mg-level")
    page.locator("[role=option]").filter(has_text="L2 银牌").click()
    page.fill("#mg-reason", "key account")
    page.click("#mg-set-level")
    expect(page.locator("#mg-current-level")).to_have_text("L2")

    page.fill("#mg-amount", "12.50")
    page.fill("#mg-adj-reason", "launch bonus")
    page.click("#mg-adjust")
    expect(page.locator("#mg-done")).to_have_text(
        t("bo.done.adjust", lang, amount="¥12.50", id=did)
    )
    expect(page.locator("#mg-settled")).to_have_text("¥12.50")
    ledger = page.locator("#mg-ledger .ag-center-cols-container .ag-row")
    expect(ledger).to_have_count(1)
    expect(ledger.first).to_contain_text("launch bonus")
    expect(ledger.first).to_contain_text(t("kind.adjustment", lang))

    page.locator("#mg-direction").get_by_text(t("bo.debit", lang)).click()
    page.fill("#mg-amount", "20")
    page.fill("#mg-adj-reason", "too much")
    page.click("#mg-adjust")
    failed = page.locator("#mg-failed")
    expect(failed).to_contain_text("adjustment.insufficient")  # AJ-1
    expect(failed.locator(".error-message")).to_have_text(  # in the page's language
        t("msg.adjustment.insufficient", lang, debit_fen="¥20.00", id=did)
    )
    expect(page.locator("#mg-settled")).to_have_text("¥12.50")
    settle(page)
    screenshot(page, "distributor-manage" if lang == ZH else "distributor-manage-en")
    assert audit(office.shop, did)[:5] == [
        ("distributor.adjust", "launch bonus"),
        ("distributor.level", "key account"),
        ("distributor.unfreeze", "complaint cleared"),
        ("distributor.freeze", "checking a complaint"),
        ("distributor.approve", None),
    ]
