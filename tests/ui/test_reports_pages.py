"""The report pages in the browser (issue 17): Channels (/channels) and Cohorts (/cohorts) in
Chinese and English, and the overview's fixes (a nested funnel with its definition, axes whose
labels do not overlap and lines that stay above the axis). Headless Chromium on the UI story
shop (tests/ui/story.py: its visits name channels), with distributors joining in each of the
last five months for the cohorts. Screenshots: docs/screenshots/{channels,cohorts}[-en].png."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from teamgraph.clock import now_ms
from teamgraph.dashboards.i18n import EN, ZH, t
from teamgraph.shop import Shop
from tests.ui.conftest import UiShop, serve_story
from tests.ui.test_browser import Shot, log_in

FIRST_RENDER_MS = 30_000
"""The UI process's first callbacks import and warm up (plotly, pandas): seconds on a loaded
machine, so this module waits longer than test_browser's settle."""

DAY = 86_400_000


def joining_months(shop: Shop) -> None:
    """Distributors joining 1-5 months ago, some sharing (a visit by wechat) and selling in
    their first 30 days, fewer in their second."""
    now = now_ms()
    for m in range(1, 6):
        for j in range(2 + m % 3):
            did, at = f"k{m}{j}", now - m * 30 * DAY - j * DAY
            shop.create_customer(did, name=f"新人{m}{j}", now=at)
            shop.apply(did, now=at)
            if j <= m % 3:
                shop.visit(f"kv{m}{j}", did, at=at + 2 * DAY, channel="wechat")
                shop.record_order(
                    f"ko{m}{j}",
                    f"kv{m}{j}",
                    [{"product_id": "p1", "qty": 1, "paid_fen": 19_900 + 10_000 * j}],
                    paid_at=at + 3 * DAY,
                )
            if j == 0 and m >= 2:
                shop.visit(f"kw{m}{j}", did, at=at + 40 * DAY, channel="poster")


@pytest.fixture(scope="module")
def ui_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiShop]:
    yield from serve_story(tmp_path_factory, joining_months)


def settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-dash-is-loading=true]")).to_have_count(0, timeout=FIRST_RENDER_MS)


def open_page(page: Page, ui: UiShop, path: str) -> None:
    page.goto(ui.url + path)
    settle(page)


def _to_english(page: Page) -> None:
    page.locator("#lang").get_by_text("English", exact=True).click()
    settle(page)


def _plot(page: Page, graph_id: str) -> Any:
    """The drawn figure's data and full layout, as plotly holds them in the page."""
    return page.evaluate(
        """id => { const el = document.querySelector('#' + id + ' .js-plotly-plot');
                   const ax = k => ({range: el._fullLayout[k].range});
                   return {data: el.data.map(d => ({x: d.x, y: d.y, type: d.type})),
                           y: ax('yaxis'), y2: el._fullLayout.yaxis2 ? ax('yaxis2') : null}; }""",
        graph_id,
    )


def _overlapping_labels(page: Page, graph_id: str) -> list[str]:
    """Pairs of axis tick labels (x and y) whose boxes intersect on screen."""
    return page.evaluate(
        """id => { const root = document.querySelector('#' + id);
            const boxes = [...root.querySelectorAll('.xtick text, .ytick text, .y2tick text')]
              .filter(e => e.textContent).map(e => [e.textContent, e.getBoundingClientRect()]);
            const out = [];
            for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
              const [a, r] = boxes[i], [b, s] = boxes[j];
              if (r.left < s.right - 1 && s.left < r.right - 1 && r.top < s.bottom - 1
                  && s.top < r.bottom - 1) out.push(a + ' / ' + b);
            }
            return out; }""",
        graph_id,
    )


def test_channels_page_compares_channels_in_both_languages(
    page: Page, ui_shop: UiShop, screenshot: Shot
) -> None:
    """Issue 17: visits -> bindings -> orders -> commission per share channel and per level,
    with the cost ratio, as a chart and tables."""
    log_in(page, ui_shop, ui_shop.merchant_key)
    settle(page)
    open_page(page, ui_shop, "/channels")
    expect(page.locator("h2")).to_have_text(t("channels.title", ZH))
    expect(page.locator("#ch-graph .js-plotly-plot")).to_be_visible(timeout=FIRST_RENDER_MS)
    grid = page.locator("#ch-grid")
    for name in ("wechat", "moments", "poster", t("channels.none", ZH)):
        expect(grid.get_by_text(name, exact=True)).to_be_visible()
    expect(
        page.locator("#ch-level-grid").get_by_text(t("channels.level_n", ZH, n=1))
    ).to_be_visible()
    expect(page.locator("#ch-summary")).to_contain_text("%")
    bars = _plot(page, "ch-graph")
    assert [d["type"] for d in bars["data"]] == ["bar", "bar", "bar", "scatter"]
    assert bars["y"]["range"][0] == 0 and bars["y2"]["range"][0] == 0
    assert _overlapping_labels(page, "ch-graph") == []
    screenshot(page, "channels")

    _to_english(page)
    expect(page.locator("h2")).to_have_text(t("channels.title", EN))
    expect(grid.get_by_text(t("channels.none", EN), exact=True)).to_be_visible()
    expect(page.locator("#ch-grid .ag-header")).to_contain_text(t("channels.col.cost", EN))
    expect(page.locator("#ch-note")).to_contain_text("cost ratio")
    screenshot(page, "channels-en")


def test_cohorts_page_shows_each_joining_month_in_both_languages(
    page: Page, ui_shop: UiShop, screenshot: Shot
) -> None:
    """Issue 17: cohorts by joining month with the active share, sales and commission in
    months 1, 2 and 3, as a heatmap and a table."""
    log_in(page, ui_shop, ui_shop.merchant_key)
    settle(page)
    open_page(page, ui_shop, "/cohorts")
    expect(page.locator("h2")).to_have_text(t("cohorts.title", ZH))
    expect(page.locator("#co-graph .js-plotly-plot")).to_be_visible(timeout=FIRST_RENDER_MS)
    heat = _plot(page, "co-graph")["data"][0]
    assert heat["type"] == "heatmap" and len(heat["y"]) >= 5  # at least five joining months
    rows = page.locator("#co-grid .ag-center-cols-container .ag-row")
    expect(rows).to_have_count(len(heat["y"]))
    expect(page.locator("#co-grid .ag-header")).to_contain_text(t("cohorts.col.active", ZH))
    screenshot(page, "cohorts")

    _to_english(page)
    expect(page.locator("h2")).to_have_text(t("cohorts.title", EN))
    header = page.locator("#co-grid .ag-header")
    expect(header).to_contain_text(t("cohorts.window", EN, n=2))
    expect(header).to_contain_text(t("cohorts.col.sales", EN))
    expect(page.locator("#co-note")).to_contain_text("30 days")
    screenshot(page, "cohorts-en")


@pytest.mark.parametrize("lang", [ZH, EN])
def test_overview_funnel_is_nested_and_its_axes_are_clean(
    page: Page, ui_shop: UiShop, lang: str
) -> None:
    """Issue 17 (overview): the funnel narrows stage by stage and says what each stage is;
    no axis label overlaps another; nothing is drawn below the axes' 0."""
    log_in(page, ui_shop, ui_shop.merchant_key)
    if lang == EN:
        _to_english(page)
    settle(page)
    for graph in ("funnel-graph", "trends-graph"):
        expect(page.locator(f"#{graph} .js-plotly-plot")).to_be_visible(timeout=FIRST_RENDER_MS)
    funnel = _plot(page, "funnel-graph")["data"][0]
    assert funnel["x"][0] > 0 and funnel["x"] == sorted(funnel["x"], reverse=True)
    assert funnel["y"] == [
        t(f"funnel.{s}", lang) for s in ("visitors", "bound", "ordered", "repeat")
    ]
    expect(page.locator("#funnel-note")).to_have_text(t("overview.funnel_note", lang))
    trends = _plot(page, "trends-graph")
    assert trends["y"]["range"][0] <= 0 <= trends["y2"]["range"][1]
    assert min(v for v in trends["data"][2]["y"]) >= 0  # the orders line
    if trends["y"]["range"][0] == 0:
        assert trends["y2"]["range"][0] == 0
    assert _overlapping_labels(page, "trends-graph") == []
