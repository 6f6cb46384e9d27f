"""UI fixtures: a demo shop on its own embedded engine, ``teamgraph ui`` serving it in a
subprocess, and headless Chromium (the system one, never ``playwright install``) driving it.

Module-scoped, and the browser tests are one module: the session starts one engine, one shop,
one UI process and one browser (each test opens a fresh browser context, so storage starts
empty). Module scope also stops Playwright's event loop before later tests that run their own
(``asyncio.run`` refuses to start inside it). Every
``page`` fails its test on a console error, an uncaught page error, or a request that leaves
127.0.0.1 (the UI must not need a CDN).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Route,
    ViewportSize,
    sync_playwright,
)

from teamgraph.config import Settings
from teamgraph.graph import connect
from teamgraph.shop import Shop
from tests.ui import story

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = Path(os.environ.get("TEAMGRAPH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1440, "height": 900}
HOST = "127.0.0.1"


@dataclass(frozen=True)
class UiShop:
    """The demo shop the UI serves, with the keys and the figures the tests expect."""

    url: str
    shop_id: str
    merchant_key: str
    analyst_key: str
    distributor_key: str
    distributor_id: str
    counts: dict[str, int]
    team: list[dict[str, int]]
    facts: dict[str, Any]


@dataclass
class PageProblems:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"`teamgraph ui` exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{url} did not answer within {timeout}s:\n{log.read_text()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


class NoEngine:
    """Enough of an Engine to build the app; tests using it never reach the graph."""

    kind = "none"

    def open(self, shop: str) -> object:
        raise AssertionError("the graph was reached")

    def shops(self) -> list[str]:
        return []

    def ping(self) -> bool:
        return True

    def close(self) -> None:
        pass


@pytest.fixture(scope="session")
def dash_app() -> Any:
    """The app built once (pages register themselves on import, which needs an app)."""
    from teamgraph.dashboards import create_app

    return create_app(NoEngine())  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def ui_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiShop]:
    """Engine + the story shop (tests/ui/story.py) + ``teamgraph ui`` on a free port."""
    yield from serve_story(tmp_path_factory)


def serve_story(
    tmp_path_factory: pytest.TempPathFactory, extra: Callable[[Shop], None] | None = None
) -> Iterator[UiShop]:
    """:func:`ui_shop`'s work, ``extra`` adding to the story before the UI starts (a module
    that needs more data overrides ``ui_shop`` with it)."""
    data_dir = tmp_path_factory.mktemp("ui-data")
    engine = connect(Settings(TEAMGRAPH_DATA=str(data_dir)))  # starts and owns the engine
    proc: subprocess.Popen[bytes] | None = None
    log = data_dir / "ui.log"
    try:
        shop = Shop.create(engine, "uitest", story.SETTINGS)
        facts = story.populate(shop)
        if extra is not None:
            extra(shop)
        distributor_id = story.TEAM_ID
        merchant_key = shop.create_key("merchant")
        analyst_key = shop.create_key("analyst")
        distributor_key = shop.create_key("distributor", distributor_id)
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
        yield UiShop(
            url=url,
            shop_id=shop.id,
            merchant_key=merchant_key,
            analyst_key=analyst_key,
            distributor_key=distributor_key,
            distributor_id=distributor_id,
            counts=shop.counts(),
            team=shop.distributor(distributor_id)["by_depth"],
            facts=facts,
        )
    finally:
        if proc is not None:
            _stop(proc)
        engine.close()  # stops the engine this fixture started


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless system Chromium through Playwright."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def problems() -> PageProblems:
    """What went wrong on the test's pages; ``page`` fails the test unless it stays empty."""
    return PageProblems()


@pytest.fixture
def locale() -> str:
    """The browser's language (``Accept-Language``); a test overrides it by parametrizing."""
    return "zh-CN"


@pytest.fixture
def page(browser: Browser, problems: PageProblems, locale: str) -> Iterator[Page]:
    """A page in a fresh browser context (empty storage) at 1440×900."""
    context = browser.new_context(viewport=VIEWPORT, locale=locale)

    def only_local(route: Route) -> None:
        if route.request.url.startswith(f"http://{HOST}:"):
            route.continue_()
        else:
            problems.external_requests.append(route.request.url)
            route.abort()

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            problems.console_errors.append(f"{msg.text} @ {msg.location}")

    context.route("**/*", only_local)
    pg = context.new_page()
    pg.on("console", on_console)
    pg.on("pageerror", lambda exc: problems.page_errors.append(str(exc)))
    yield pg
    context.close()
    assert problems == PageProblems(), "the page logged errors or reached outside 127.0.0.1"


@pytest.fixture(scope="session")
def screenshot(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Page, str], Path]:
    """``screenshot(page, name)`` saves the viewport as <name>.png: into docs/screenshots/ when
    TEAMGRAPH_SCREENSHOTS=1 (to refresh the README's pictures), else into a temporary
    directory, so a test run leaves the work tree as it was."""
    folder = SCREENSHOTS if os.environ.get("TEAMGRAPH_SCREENSHOTS") == "1" else None
    folder = folder or tmp_path_factory.mktemp("screenshots")

    def save(pg: Page, name: str) -> Path:
        pg.mouse.move(VIEWPORT["width"] - 2, VIEWPORT["height"] - 2)
        pg.wait_for_timeout(600)  # let hover effects (plotly's mode bar) fade out
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        pg.screenshot(path=str(path))
        return path

    return save
