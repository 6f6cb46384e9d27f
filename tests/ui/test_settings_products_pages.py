"""The Settings and Products pages in the browser (issue 17), in both languages, over a shop of
their own served by ``teamgraph ui`` and ``teamgraph serve`` on the same engine:

- a rate above 50% is refused with R-3.3's message in the UI's language (not the API's English);
- three tiers give R-3.7's warning; an attribution-mode switch shows the date it takes effect
  (R-1.9); a level added without an upgrade condition is refused (R-4.2);
- the preview's numbers for an example order are what the API answers for that very order once
  the settings are saved;
- a product is created, refused above the cap, edited, and imported from a file with its refused
  rows shown with their reasons.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from teamgraph.config import Settings
from teamgraph.dashboards.i18n import EN, ZH, money, t
from teamgraph.graph import connect
from teamgraph.shop import Shop
from tests.api.conftest import start_server, stop_server
from tests.ui.conftest import HOST, _free_port, _stop, _wait_http

Shot = Callable[[Page, str], Path]
PRICE = 8_800


@dataclass(frozen=True)
class Served:
    url: str
    api: str
    key: str


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A shop with a product (tea, ¥88.00, no reward of its own), a chain of three distributors
    (d1 invited by d2, d2 by d3) and a customer bound to d1; the UI and the API on it."""
    data_dir = tmp_path_factory.mktemp("set-data")
    engine = connect(Settings(TEAMGRAPH_DATA=str(data_dir)))
    ui: subprocess.Popen[bytes] | None = None
    api: subprocess.Popen[bytes] | None = None
    try:
        shop = Shop.create(engine, "settingsui")
        shop.upsert_product("tea", name="Tea", price_fen=PRICE, cost_fen=2_000)
        for did, inviter in (("d3", None), ("d2", "d3"), ("d1", "d2")):
            shop.create_customer(did, name=did)
            if inviter:
                shop.visit(did, inviter)
            shop.apply(did)
        shop.create_customer("c1", name="c1")
        shop.visit("c1", "d1")
        key = shop.create_key("merchant")
        env = dict(os.environ, TEAMGRAPH_DATA=str(data_dir), TEAMGRAPH_LOG_LEVEL="WARNING")
        port = _free_port()
        url = f"http://{HOST}:{port}"
        log = data_dir / "ui.log"
        with log.open("wb") as out:
            ui = subprocess.Popen(
                [sys.executable, "-m", "teamgraph", "ui", "--host", HOST, "--port", str(port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        _wait_http(url + "/", ui, log)
        api, api_url = start_server(env)
        yield Served(url=url, api=api_url, key=key)
    finally:
        if api is not None:
            stop_server(api)
        if ui is not None:
            _stop(ui)
        engine.close()


def merchant(s: Served) -> httpx.Client:
    return httpx.Client(base_url=s.api, headers={"Authorization": f"Bearer {s.key}"}, timeout=30)


def settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-dash-is-loading=true]")).to_have_count(0)


def open_as_merchant(page: Page, s: Served, path: str) -> None:
    page.goto(s.url + "/login")
    page.fill("#login-key", s.key)
    page.click("#login-submit")
    expect(page).to_have_url(s.url + "/")
    page.goto(s.url + path)
    settle(page)


def cell(page: Page, table: str, row: int, col: str) -> Locator:
    """A box of a rows editor (its Dash id is a dict, serialised with sorted keys)."""
    ident = json.dumps(
        {"col": col, "row": row, "table": table, "type": "set-cell"}, separators=(",", ":")
    )
    return page.locator(f"[id='{ident}']")


# -- settings -------------------------------------------------------------------------------------
def test_settings_refuse_check_preview_and_save_in_chinese(
    page: Page, served: Served, screenshot: Shot
) -> None:
    """zh-CN: R-3.3 refused in Chinese with its rule id, R-3.7's warning, and the preview's new
    column equal to what the API pays for the same order after saving."""
    open_as_merchant(page, served, "/settings")
    expect(page.locator("#set-settle-days")).to_have_value("7")
    expect(cell(page, "levels", 0, "reward_bp")).to_have_value("10")
    expect(page.locator("#set-tax-bp")).to_have_value("0")  # a percentage, not bp

    # 60% is refused, said in Chinese, before and on saving
    cell(page, "levels", 0, "reward_bp").fill("60")
    capped = t("msg.settings.rate_cap.level", ZH, level=1, rate_bp="60.00%")
    check = page.locator("#set-check")
    expect(check).to_contain_text(capped)
    expect(check).to_contain_text("R-3.3")
    page.click("#set-save")
    expect(page.locator("#set-error")).to_contain_text(capped)
    expect(page.locator("#set-error")).not_to_contain_text("refused, not clipped")

    # three tiers at 12%: the warning and the preview of the tea at ¥88.00
    cell(page, "levels", 0, "reward_bp").fill("12")
    page.select_option("#set-tiers", "3")
    expect(page.locator("#set-pv-warnings")).to_contain_text(t("msg.settings.three_tiers", ZH))
    page.select_option("#set-pv-product", "tea")
    page.fill("#set-pv-paid", "88.00")
    expect(page.locator("#set-pv-new-3")).to_have_text(money(264))
    settle(page)
    screenshot(page, "settings-preview")
    current = [page.locator(f"#set-pv-current-{i}").inner_text() for i in (1, 2)]
    new = [page.locator(f"#set-pv-new-{i}").inner_text() for i in (1, 2, 3)]
    assert current == [money(880), money(264)]  # 10% and 3% of ¥88.00
    assert new == [money(1056), money(264), money(264)]

    page.click("#set-save")
    saved = page.locator("#set-saved")
    expect(saved).to_contain_text(t("msg.settings.three_tiers", ZH))
    with merchant(served) as m:
        order = m.post(
            "/v1/orders",
            json={"id": "o-preview", "customer_id": "c1",
                  "lines": [{"product_id": "tea", "paid_fen": PRICE}]},
        )  # fmt: skip
        assert order.status_code == 201, order.text
        paid = {r["tier"]: r["amount"] for r in order.json()["rewards"]}
    assert [money(paid[tier]) for tier in (1, 2, 3)] == new


@pytest.mark.parametrize("locale", ["en-US"])
def test_settings_in_english_mode_timing_and_level_rows(page: Page, served: Served) -> None:
    """English: R-1.9's effective date in the preview, a level row added without a condition
    refused (R-4.2), a rate above the cap refused in English with its rule."""
    open_as_merchant(page, served, "/settings")
    page.select_option("#set-attribution-mode", "sharer")
    pending = page.locator("#set-pv-pending")
    expect(pending).to_contain_text(t("mode.sharer", EN))
    expect(pending).to_contain_text("05:00")
    page.select_option("#set-attribution-mode", "chain")
    expect(pending).to_have_count(0)

    page.click("#set-add-levels")
    expect(cell(page, "levels", 1, "name")).to_be_visible()
    cell(page, "levels", 1, "name").fill("Gold")
    cell(page, "levels", 1, "reward_bp").fill("15")
    expect(page.locator("#set-check")).to_contain_text(t("msg.settings.conditions", EN, level=2))
    cell(page, "levels", 1, "conditions.paid_orders").fill("5")
    cell(page, "levels", 1, "reward_bp").fill("55")
    expect(page.locator("#set-check")).to_contain_text(
        t("msg.settings.rate_cap.level", EN, level=2, rate_bp="55.00%")
    )
    page.click("#set-remove-levels")
    expect(cell(page, "levels", 1, "name")).to_have_count(0)
    expect(page.locator("#set-pv-changes")).to_have_text(t("set.preview.unchanged", EN))


# -- products -------------------------------------------------------------------------------------
@pytest.mark.parametrize("locale", ["en-US"])
def test_a_product_is_created_refused_edited_and_imported_in_english(
    page: Page, served: Served, screenshot: Shot, tmp_path: Path
) -> None:
    open_as_merchant(page, served, "/products")
    expect(page.locator("#pd-grid .ag-row[row-id='tea']").first).to_be_visible()
    page.fill("#pd-id", "mug")
    page.fill("#pd-name", "Mug")
    page.fill("#pd-price", "25.50")
    page.fill("#pd-cost", "10")
    page.select_option("#pd-reward-type", "rate")
    page.fill("#pd-reward", "60")
    page.click("#pd-save")
    expect(page.locator("#pd-error")).to_contain_text(
        t("msg.product.rate_cap.single", EN, rate_bp="60.00%")
    )
    expect(page.locator("#pd-error")).to_contain_text("R-3.3")
    page.fill("#pd-reward", "8")
    page.click("#pd-save")
    expect(page.locator("#pd-saved")).to_contain_text("mug")
    row = page.locator("#pd-grid .ag-row[row-id='mug']").first
    expect(row).to_contain_text("8.00%")

    page.click("#pd-new")
    expect(page.locator("#pd-id")).to_have_value("")
    row.click()
    expect(page.locator("#pd-price")).to_have_value("25.50")
    page.fill("#pd-price", "30")
    page.select_option("#pd-reward-type", "amount")
    page.fill("#pd-reward", "1.20")
    page.click("#pd-save")
    expect(page.locator("#pd-saved")).to_contain_text("mug")
    expect(row).to_contain_text("30.00")  # the message is the first save's until the grid moves
    with merchant(served) as m:
        mug = m.get("/v1/products/mug").json()
    assert (mug["price_fen"], mug["cost_fen"], mug["reward_bp"], mug["reward_fen"]) == (
        3_000,
        1_000,
        None,
        120,
    )

    sheet = tmp_path / "products.csv"
    sheet.write_text("id,name,price_fen,reward_bp\nbowl,Bowl,12.00,5\nvase,Vase,99.00,9000\n")
    page.set_input_files("#pd-upload input[type=file]", str(sheet))
    done = page.locator("#pd-import-done")
    expect(done).to_contain_text(t("pd.import_summary", EN, loaded=1, unchanged=0, rejected=1))
    expect(page.locator("#pd-rejects")).to_contain_text("vase")
    expect(page.locator("#pd-rejects")).to_contain_text("R-3.3")
    expect(page.locator("#pd-grid .ag-row[row-id='bowl']").first).to_be_visible()
    settle(page)
    page.locator("#pd-import-done").scroll_into_view_if_needed()
    screenshot(page, "products")
    with merchant(served) as m:
        listed = m.get("/v1/products", params={"limit": 2}).json()
    assert [p["id"] for p in listed["items"]] == ["bowl", "mug"] and listed["next_cursor"]


def test_a_product_above_the_cap_is_refused_in_chinese(page: Page, served: Served) -> None:
    open_as_merchant(page, served, "/products")
    page.fill("#pd-id", "cup")
    page.fill("#pd-price", "5")
    page.select_option("#pd-reward-type", "rate")
    page.fill("#pd-reward", "50.5")
    page.click("#pd-save")
    error = page.locator("#pd-error")
    expect(error).to_contain_text(t("pd.invalid", ZH))
    expect(error).to_contain_text(t("msg.product.rate_cap.single", ZH, rate_bp="50.50%"))
