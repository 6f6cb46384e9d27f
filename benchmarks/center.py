"""The distributor center on a phone over slow 4G: bytes and time to the main content.

Builds the demo shop of ``make demo`` (``teamgraph.etl.demo``), starts ``python -m teamgraph
serve`` on it, and opens the distributor center of its best-selling distributor in headless
Chromium as a phone (375×812, touch) with Chromium's network emulation at issue 15's "slow 4G"
profile: 400 ms round trip, 400 kbit/s down and up. Each run is a cold start (a new browser
context, empty cache) through the mall's link: the redirect that signs in, the home page and
its stylesheet. Measured per run, from the start of navigation: the bytes transferred (as
Chromium counts them on the wire, headers included) and the time until ``<main>`` is on the
screen. The budget of issue 15: at most 150 KB and 3 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks import common
from teamgraph.etl import demo

NAME = "center"
TITLE = "Distributor center: weight and load time on slow 4G"
SHOP_ID = "bench-center"
CHROMIUM = Path(os.environ.get("TEAMGRAPH_CHROMIUM", "/usr/bin/chromium"))
SLOW_4G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 50_000,
    "uploadThroughput": 50_000,
}
"""Chromium's ``Network.emulateNetworkConditions``: ms of latency, bytes per second."""
BUDGET = {"bytes": 150_000, "seconds": 3.0}
PHONE: dict[str, Any] = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("center")
    g.add_argument("--center-runs", type=int, default=5, help="cold page loads (5)")
    g.add_argument(
        "--center-customers", type=int, default=None, help="demo shop size (default: the demo's)"
    )


def skip(args: argparse.Namespace) -> str | None:
    return None if CHROMIUM.exists() else f"no Chromium at {CHROMIUM}"


PAGES = ("team", "commission", "promote", "withdraw", "leaderboard")
"""The signed-in pages measured after the entry through the link (which lands on home)."""


def _load(browser: Any, url: str, session: str | None = None) -> dict[str, Any]:
    """One cold load of ``url`` on slow 4G: bytes on the wire and seconds to ``<main>``;
    ``session``: the cookie of a signed-in phone."""
    context = browser.new_context(locale="zh-CN", **PHONE)
    if session is not None:
        base = url.split("/center/", 1)[0]
        context.add_cookies([{"name": "tg_center", "value": session, "url": f"{base}/center/"}])
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", SLOW_4G)
        wire: dict[str, int] = {}
        cdp.on(
            "Network.loadingFinished",
            lambda e: wire.__setitem__(e["requestId"], int(e["encodedDataLength"])),
        )
        started = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.locator("main").wait_for(state="visible")
        seconds = time.perf_counter() - started
        page.wait_for_load_state("load")  # the stylesheet too: the page as it is meant to look
        loaded = time.perf_counter() - started
        if session is None and not page.url.endswith("/center/"):
            raise RuntimeError(f"the link did not sign in: {page.url}")
        return {
            "seconds": seconds,
            "load_seconds": loaded,
            "bytes": sum(wire.values()),
            "requests": len(wire),
        }
    finally:
        context.close()


def run(args: argparse.Namespace) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    reporter = common.Reporter(quiet=getattr(args, "quiet", False))
    started = time.perf_counter()
    size = {"customers": args.center_customers} if args.center_customers else {}
    result: dict[str, Any] = {
        "benchmark": NAME,
        "date": common.now_text(),
        "params": {"runs": args.center_runs, "profile": SLOW_4G, "budget": BUDGET, **size},
        "machine": common.machine(),
        "runs": [],
    }
    with common.bench_engine("falkordb", args, reporter, SHOP_ID) as bench:
        result["engine"] = common.engine_info(bench.engine)
        with reporter.phase("the demo shop"):
            shop, counts = demo.create(bench.engine, bench.shop_id, **size)
        result["shop"] = counts
        top = shop.distributor_table(sort="sales", limit=1)["items"][0]["id"]
        with (
            common.api_server(bench.data_dir, reporter, bench.env) as api,
            sync_playwright() as p,
        ):
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM),
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-quic"],
            )
            try:
                warm = browser.new_page()  # the server's first call (templates, imports)
                warm.goto(f"{api.url}/center/enter?t=warm-up.x")
                warm.close()
                with reporter.phase(f"{args.center_runs} cold loads on slow 4G"):
                    for _ in range(args.center_runs):
                        token, _ = shop.center_link(str(top))
                        url = f"{api.url}/center/enter?t={token}"
                        result["runs"].append(_load(browser, url))
                token, _ = shop.center_link(str(top))
                session, _, _ = shop.open_center_link(token)
                result["pages"] = {}
                each = min(3, args.center_runs)
                with reporter.phase(f"the other pages, {len(PAGES)} × {each} cold loads"):
                    for name in PAGES:
                        url = f"{api.url}/center/{name}"
                        result["pages"][name] = [_load(browser, url, session) for _ in range(each)]
            finally:
                browser.close()
    every = [*result["runs"], *(r for rs in result["pages"].values() for r in rs)]
    seconds = [max(r["seconds"], r["load_seconds"]) for r in result["runs"]]
    result["seconds_median"] = statistics.median(seconds)
    result["seconds_max"] = max(max(r["seconds"], r["load_seconds"]) for r in every)
    result["bytes"] = max(r["bytes"] for r in every)
    result["total_seconds"] = time.perf_counter() - started
    return result


def markdown(result: dict[str, Any]) -> str:
    runs = result["runs"]
    within = result["bytes"] <= BUDGET["bytes"] and result["seconds_max"] <= BUDGET["seconds"]
    return "\n".join(
        [
            f"## {TITLE}",
            "",
            f"- {result['date']}; {common.describe_machine(result['machine'])}; "
            f"{common.describe_engine(result['engine'])}",
            f"- The demo shop ({result['shop'].get('customers', 0):,} customers); the home page "
            "of its best-selling distributor, opened through the mall's link in headless "
            "Chromium as a 375×812 phone, cache empty, on slow 4G (400 ms round trip, 400 kbit/s)",
            "",
            common.md_table(
                ["run", "bytes on the wire", "responses", "to <main> (s)", "to load (s)"],
                [
                    [
                        i + 1,
                        f"{r['bytes']:,}",
                        r["requests"],
                        common.fmt(r["seconds"]),
                        common.fmt(r["load_seconds"]),
                    ]
                    for i, r in enumerate(runs)
                ],
            ),
            "",
            "The signed-in pages, each loaded cold up to three times (the median run):",
            "",
            common.md_table(
                ["page", "bytes on the wire", "to <main> (s)", "to load (s)"],
                [
                    [
                        name,
                        f"{m['bytes']:,}",
                        common.fmt(m["seconds"]),
                        common.fmt(m["load_seconds"]),
                    ]
                    for name, rs in result.get("pages", {}).items()
                    for m in [sorted(rs, key=lambda r: r["load_seconds"])[len(rs) // 2]]
                ],
            ),
            "",
            "- Entering (home) until loaded, stylesheet included: median "
            f"{common.fmt(result['seconds_median'])} s; of every load, the slowest "
            f"{common.fmt(result['seconds_max'])} s and the heaviest {result['bytes']:,} bytes. "
            "Budget: "
            f"{BUDGET['bytes']:,} bytes and {BUDGET['seconds']:.0f} s: "
            f"{'within' if within else 'OVER'}.",
            f"- Took {common.duration_text(result['total_seconds'])}.",
            "",
        ]
    )
