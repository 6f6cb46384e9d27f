"""The Jobs page (issue 17 "Jobs that run by themselves"): each job with its schedule, last and
next run, a picture of the runs, and every run with its result and error, in both languages.
Its content over a real shop whose runs a runner made at moments the test chose; then in the
browser (headless system Chromium) on `teamgraph ui`, with the README's screenshot."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from teamgraph.config import Settings
from teamgraph.dashboards.i18n import EN, ZH, t
from teamgraph.etl import demo
from teamgraph.graph import connect
from teamgraph.shop import Shop
from teamgraph.shop.scheduler import JOBS, Config, Job, Nightly, Runner
from tests.ui.conftest import HOST, _free_port, _stop, _wait_http
from tests.ui.test_browser import Shot, log_in, open_page, settle
from tests.ui.test_pages import find, text

DAY = 86_400_000


@dataclass(frozen=True)
class JobsShop:
    url: str
    shop: Shop
    runner: Runner
    key: str


def broken(shop: Shop, period: str, now: int) -> dict[str, Any]:
    raise RuntimeError("the engine answered 503 (a restart)")


def history(shop: Shop) -> Runner:
    """Runs as a server up for the last ten nights (after three months down) leaves them: a
    catch-up, nightly scans and retention, one night whose scan failed."""
    runner = Runner(shop_engine(shop), Config(), dict(JOBS), shops=lambda: [shop.id])
    local = datetime.now(ZoneInfo(shop.timezone())).replace(hour=3, minute=2, second=0)
    today = int(local.timestamp() * 1000)
    runner.tick(today - 75 * DAY)
    for night in range(9, -1, -1):
        at = today - night * DAY
        if night == 4:
            failing = Job("fraud-scan", Nightly(), broken)
            Runner(shop_engine(shop), Config(), {"fraud-scan": failing},
                   shops=lambda: [shop.id]).tick(at)  # fmt: skip
        runner.tick(at)
    return runner


ENGINES: dict[str, Any] = {}


def shop_engine(shop: Shop) -> Any:
    return ENGINES[shop.id]


@pytest.fixture(scope="module")
def jobs_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JobsShop]:
    data = tmp_path_factory.mktemp("jobs-ui")
    engine = connect(Settings(TEAMGRAPH_DATA=str(data)))
    proc: subprocess.Popen[bytes] | None = None
    log = data / "ui.log"
    try:
        shop = Shop.create(engine, "jobsui", {"ladder": [{"threshold_fen": 1, "bonus_fen": 100}]})
        ENGINES[shop.id] = engine
        demo.load(shop, demo.generate(customers=60, distributors=8))
        runner = history(shop)
        key = shop.create_key("merchant")
        port = _free_port()
        env = dict(os.environ, TEAMGRAPH_DATA=str(data), TEAMGRAPH_LOG_LEVEL="WARNING")
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "teamgraph", "ui", "--host", HOST, "--port", str(port)],
                env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        _wait_http(f"http://{HOST}:{port}/", proc, log)
        yield JobsShop(f"http://{HOST}:{port}", shop, runner, key)
    finally:
        if proc is not None:
            _stop(proc)
        engine.close()


@pytest.fixture
def page_module(dash_app: object) -> Any:
    from teamgraph.dashboards.pages import jobs

    return jobs


def test_each_job_shows_its_schedule_last_run_and_next_run(jobs_shop: JobsShop,
                                                           page_module: Any) -> None:  # fmt: skip
    rows = {r["job"]: r for r in page_module.job_rows(jobs_shop.shop, EN, jobs_shop.runner)}
    assert set(rows) == {"ladder", "team-reward", "fraud-scan", "signal-retention"}
    assert rows["ladder"]["name"] == "Ladder bonus"
    assert rows["ladder"]["schedule"] == "Monthly, 1st at 03:00 (month before)"
    assert rows["fraud-scan"]["schedule"] == "Nightly at 03:00"
    assert all(r["last_status"] == "OK" for r in rows.values())
    zh = {r["job"]: r for r in page_module.job_rows(jobs_shop.shop, ZH, jobs_shop.runner)}
    assert (zh["fraud-scan"]["name"], zh["fraud-scan"]["schedule"]) == ("风险扫描", "每晚 03:00")


def test_runs_show_duration_result_and_the_failed_night(jobs_shop: JobsShop,
                                                        page_module: Any) -> None:  # fmt: skip
    runs = page_module.run_rows(jobs_shop.shop, EN)
    scans = [r for r in runs if r["job"] == "fraud-scan"]
    assert len(scans) == 11  # the catch-up's one and ten nights, one run each
    [failed] = [r for r in runs if r["status"] == "failed"]
    assert failed["status_text"] == "Failed" and "503" in failed["error"]
    ladder = [r for r in runs if r["job"] == "ladder"]
    assert len({r["period"] for r in ladder}) == len(ladder) >= 3  # each month once
    assert all(r["duration"].endswith(("ms", "s")) for r in runs if r["status"] == "ok")
    assert any("rings" in r["summary"] for r in scans if r["status"] == "ok")
    assert "团伙" in page_module.run_rows(jobs_shop.shop, ZH)[0]["summary"] or any(
        "团伙" in r["summary"] for r in page_module.run_rows(jobs_shop.shop, ZH)
    )
    figure = page_module.runs_figure(runs, jobs_shop.shop.timezone(), ZH)  # names: EN rows
    assert [trace.name for trace in figure.data] == ["成功", "失败"]
    assert set(figure.data[0].y) == {
        "Ladder bonus",
        "Team reward",
        "Fraud scan",
        "Signal retention",
    }
    assert text(find(page_module.layout(ZH), "jb-message")) == ""


@pytest.mark.browser
def test_the_jobs_page_in_the_browser(page: Page, jobs_shop: JobsShop, screenshot: Shot) -> None:
    """Log in, open Jobs: the three jobs, the picture, the runs; English too."""
    log_in(page, jobs_shop, jobs_shop.key)  # type: ignore[arg-type]
    open_page(page, jobs_shop, "/jobs")  # type: ignore[arg-type]
    jobs = page.locator("#jb-jobs .ag-center-cols-container .ag-row")
    expect(jobs).to_have_count(4)
    expect(page.locator("#jb-jobs")).to_contain_text(t("jb.job.ladder", ZH))
    expect(page.locator("#jb-figure .js-plotly-plot")).to_be_visible()
    expect(page.locator("#jb-runs")).to_contain_text(t("jbstatus.failed", ZH))
    settle(page)
    screenshot(page, "jobs")
    page.locator("#lang").get_by_text("English", exact=True).click()
    expect(page.locator("#jb-jobs")).to_contain_text(t("jb.job.fraud-scan", EN))
    expect(page.locator("#jb-figure .gtitle")).to_have_text(t("jb.fig.title", EN))
    settle(page)
    screenshot(page, "jobs-en")
