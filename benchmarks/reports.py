"""The merchant's reports over the whole shop (issue 17): overview, channels, cohorts and the
distributor list, in-process and over HTTP, at two shop sizes.

Builds two shops on one fresh embedded FalkorDB, each the way ``make demo`` builds its shop
(``teamgraph.etl.demo.create``: the generator's customers, distributors, invitations, bindings,
products, orders with their commission, refunds and signals, loaded by ``teamgraph load shop``),
dated to end now: the *demo* size (``demo.BUILD_SIZE``, 3,000 customers) and the *large* one
(``--customers`` / ``--distributors``, ``--reports-orders`` orders, by default as many as
customers). On each, after a warm-up, R sequential calls (``--reports-calls``, at most
``--reports-budget`` seconds each, never fewer than 3) of:

- in-process: ``Shop.overview`` for the 30 days to the data's end, ``Shop.channels`` for the
  same 30 days, ``Shop.cohorts`` for the 12 months to the end (month-aligned, shop zone), the
  first page of ``Shop.distributor_table`` by sales (50 rows) and a deep page, the page after
  half the distributors, reached through the cursor; the applications queue and the jobs' runs
  (small lists in a synthetic shop; measured for completeness);
- over HTTP (``python -m teamgraph serve``, one persistent client, a merchant key): ``GET
  /v1/analytics/overview|channels|cohorts`` as JSON for the same periods, ``overview`` as xlsx,
  and ``GET /v1/distributors`` first and deep page.

Each in-process call's statements are timed by name (the store's ``read`` wrapped), so the
slowest statement of each report shows. The large/demo ratio of each p50 says how a report
scales with the shop. FalkorDB only (a Neo4j shop loads without the bulk path, row by row).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from benchmarks import common
from teamgraph.etl import demo, generator
from teamgraph.rules.timeutil import MS_PER_DAY, from_ms, to_ms
from teamgraph.shop import Shop

NAME = "reports"
TITLE = "merchant reports over the whole shop: overview, channels, cohorts, distributor list"

SHOP_ID = "bench-reports"
PAGE = 50  # the API's default page of GET /v1/distributors
DAYS = 30
COHORT_MONTHS = 12
MIN_CALLS = 3
RINGS = demo.BUILD_SIZE["rings"]
IN_PROCESS = (
    "overview",
    "channels",
    "cohorts",
    "distributors_first",
    "distributors_deep",
    "applications",
    "job_runs",
)
HTTP = (
    "overview",
    "channels",
    "cohorts",
    "overview_xlsx",
    "distributors_first",
    "distributors_deep",
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("reports")
    g.add_argument(
        "--reports-calls", type=int, default=20, help="measured calls per report (default 20)"
    )
    g.add_argument(
        "--reports-warmup", type=int, default=2, help="warm-up calls per report (default 2)"
    )
    g.add_argument(
        "--reports-budget",
        type=float,
        default=30.0,
        help="seconds at most of measured calls per report and size, at least 3 calls (30)",
    )
    g.add_argument(
        "--reports-orders",
        type=int,
        default=None,
        help="orders of the large shop (default: as many as --customers)",
    )
    g.add_argument(
        "--reports-demo-customers",
        type=int,
        default=demo.BUILD_SIZE["customers"],
        help=f"customers of the small shop (default the demo's, {demo.BUILD_SIZE['customers']:,}; "
        "distributors and orders in the demo's proportions)",
    )
    g.add_argument("--reports-no-http", action="store_true", help="in-process only, no API process")


# -- sizes and periods ----------------------------------------------------------------------------
def sizes(args: argparse.Namespace) -> dict[str, dict[str, int]]:
    """The demo size (scaled by ``--reports-demo-customers``) and the large one."""
    base = demo.BUILD_SIZE
    small = args.reports_demo_customers
    return {
        "demo": {
            "customers": small,
            "distributors": max(1, small * base["distributors"] // base["customers"]),
            "orders": max(1, small * base["orders"] // base["customers"]),
        },
        "large": {
            "customers": args.customers,
            "distributors": args.distributors,
            "orders": args.reports_orders or args.customers,
        },
    }


def periods(end: int, tz: str) -> dict[str, tuple[int, int]]:
    """30 days to ``end`` (overview, channels) and the 12 local months to it (cohorts: from the
    first day of the month 11 months before ``end``'s)."""
    local = from_ms(end - 1, tz)
    year, month = local.year, local.month - (COHORT_MONTHS - 1)
    while month < 1:
        year, month = year - 1, month + 12
    first = to_ms(datetime(year, month, 1, tzinfo=ZoneInfo(tz)))
    return {"days": (end - DAYS * MS_PER_DAY, end), "months": (first, end)}


# -- measuring ------------------------------------------------------------------------------------
class StatementClock:
    """The store's ``read`` timed by statement name, per report (``current``)."""

    def __init__(self, shop: Shop) -> None:
        self.store: Any = shop.store
        self.current: str | None = None
        self.by_call: dict[str, dict[str, list[int]]] = {}

    @contextmanager
    def installed(self) -> Iterator[None]:
        read = self.store.read

        def timed(name: str, /, *a: Any, **kw: Any) -> Any:
            t0 = time.perf_counter_ns()
            try:
                return read(name, *a, **kw)
            finally:
                if self.current is not None:
                    self.by_call.setdefault(self.current, {}).setdefault(name, []).append(
                        time.perf_counter_ns() - t0
                    )

        self.store.read = timed
        try:
            yield
        finally:
            del self.store.read

    def summary(self, call: str, calls: int) -> list[dict[str, Any]]:
        """Each statement of ``call``: how many per call and its mean and p50 in ms."""
        out = []
        for name, ns in self.by_call.get(call, {}).items():
            ms = sorted(x / 1e6 for x in ns)
            out.append(
                {
                    "name": name,
                    "per_call": len(ms) / calls if calls else None,
                    "mean_ms": statistics.fmean(ms),
                    "p50_ms": common.percentile(ms, 50),
                }
            )
        return sorted(out, key=lambda s: -s["mean_ms"])


def measure(
    call: Callable[[], int | None],
    n: int,
    warmup: int,
    budget_s: float,
    reporter: common.Reporter,
    label: str,
    before_measured: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """``warmup`` calls, then up to ``n`` timed ones (stopping once ``budget_s`` is spent and
    ``MIN_CALLS`` are done); ``call`` returns the answer's size (bytes or rows) or None."""
    for _ in range(warmup):
        call()
    if before_measured is not None:
        before_measured()
    durations: list[int] = []
    size: int | None = None
    started = time.perf_counter()
    with reporter.loop(label, n) as advance:
        for i in range(n):
            t0 = time.perf_counter_ns()
            size = call()
            durations.append(time.perf_counter_ns() - t0)
            advance()
            if i + 1 >= MIN_CALLS and time.perf_counter() - started > budget_s:
                break
    out = common.latency_stats(durations)
    ms = sorted(d / 1e6 for d in durations)
    out["p95_ms"] = common.percentile(ms, 95)
    out["size"] = size
    out["cut_by_budget"] = len(durations) < n
    reporter.say(f"  ✓ {label}: p50 {out['p50_ms']:.2f} ms, p95 {out['p95_ms']:.2f} ms")
    return out


def deep_cursor(shop: Shop, total: int) -> tuple[str | None, int]:
    """The cursor after about half the distributors by sales, walked in big pages (a cursor
    holds the sort, the last key and id, not the page size); and how many rows it skips."""
    target = total // 2
    skipped, cursor = 0, None
    while skipped < target:
        step = min(500, target - skipped)
        page = shop.distributor_table(sort="sales", limit=step, cursor=cursor)
        skipped += len(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    return cursor, skipped


def in_process(
    shop: Shop,
    spans: dict[str, tuple[int, int]],
    args: argparse.Namespace,
    reporter: common.Reporter,
    size: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    total = int(shop.distributor_table(sort="sales", limit=1)["total"])
    cursor, skipped = deep_cursor(shop, total)
    days, months = spans["days"], spans["months"]
    calls: dict[str, Callable[[], int | None]] = {
        "overview": lambda: len(shop.overview(*days)["daily"]),
        "channels": lambda: len(shop.channels(*days)["channels"]),
        "cohorts": lambda: len(shop.cohorts(*months)["cohorts"]),
        "distributors_first": lambda: len(
            shop.distributor_table(sort="sales", limit=PAGE)["items"]
        ),
        "distributors_deep": lambda: len(
            shop.distributor_table(sort="sales", limit=PAGE, cursor=cursor)["items"]
        ),
        "applications": lambda: len(shop.applications(limit=PAGE)["items"]),
        "job_runs": lambda: len(shop.job_runs()),
    }
    clock = StatementClock(shop)
    out: dict[str, Any] = {}
    with clock.installed():
        for name, fn in calls.items():

            def start(name: str = name) -> None:
                clock.current = name

            stats = measure(
                fn,
                args.reports_calls,
                args.reports_warmup,
                args.reports_budget,
                reporter,
                f"{size}: in-process {name}",
                before_measured=start,
            )
            clock.current = None
            stats["statements"] = clock.summary(name, stats["n"])
            out[name] = stats
    context = {
        "distributors_total": total,
        "deep_page_after": skipped,
        "answers": {
            "overview": shop.overview(*days),
            "channels": shop.channels(*days),
            "cohorts_months": len(shop.cohorts(*months)["cohorts"]),
        },
    }
    return out, context


def over_http(
    url: str,
    key: str,
    spans: dict[str, tuple[int, int]],
    deep: str | None,
    args: argparse.Namespace,
    reporter: common.Reporter,
    size: str,
) -> dict[str, Any]:
    days = {"from": str(spans["days"][0]), "to": str(spans["days"][1])}
    months = {"from": str(spans["months"][0]), "to": str(spans["months"][1])}
    requests: dict[str, tuple[str, dict[str, str]]] = {
        "overview": ("/v1/analytics/overview", days),
        "channels": ("/v1/analytics/channels", days),
        "cohorts": ("/v1/analytics/cohorts", months),
        "overview_xlsx": ("/v1/analytics/overview", days | {"format": "xlsx"}),
        "distributors_first": ("/v1/distributors", {"sort": "sales", "limit": str(PAGE)}),
        "distributors_deep": (
            "/v1/distributors",
            {"sort": "sales", "limit": str(PAGE)} | ({"cursor": deep} if deep else {}),
        ),
    }
    out: dict[str, Any] = {}
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=300) as client:
        for name, (path, params) in requests.items():
            errors: list[str] = []

            def call(
                path: str = path, params: dict[str, str] = params, errors: list[str] = errors
            ) -> int:
                response = client.get(path, params=params)
                if response.status_code != 200:
                    errors.append(f"{response.status_code} {response.text[:200]}")
                return len(response.content)

            stats = measure(
                call,
                args.reports_calls,
                args.reports_warmup,
                args.reports_budget,
                reporter,
                f"{size}: HTTP {name}",
            )
            stats["path"] = path
            stats["errors"] = len(errors)
            stats["first_error"] = errors[0] if errors else None
            if errors:
                reporter.say(f"  ! HTTP {name}: {len(errors)} non-200 answers, e.g. {errors[0]}")
            out[name] = stats
    return out


def deep_cursor_of(shop: Shop) -> str | None:
    total = int(shop.distributor_table(sort="sales", limit=1)["total"])
    return deep_cursor(shop, total)[0]


# -- the benchmark --------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> dict[str, Any]:
    reporter = common.Reporter(quiet=getattr(args, "quiet", False))
    started = time.perf_counter()
    shapes = sizes(args)
    end = generator.default_end()
    tz = str(generator.SETTINGS["timezone"])
    spans = periods(end, tz)
    result: dict[str, Any] = {
        "benchmark": NAME,
        "date": common.now_text(),
        "params": {
            "sizes": shapes,
            "calls": args.reports_calls,
            "warmup": args.reports_warmup,
            "budget_s": args.reports_budget,
            "seed": args.seed,
            "end": end,
            "periods": {k: list(v) for k, v in spans.items()},
            "page": PAGE,
            "http": not args.reports_no_http,
        },
        "machine": common.machine(),
        "sizes": {},
    }
    load_before = os.getloadavg()[0]
    with common.bench_engine("falkordb", args, reporter, SHOP_ID) as bench:
        result["engine"] = common.engine_info(bench.engine)
        shops: dict[str, Shop] = {}
        for size, shape in shapes.items():
            with reporter.phase(
                f"{size} shop: {shape['customers']:,} customers, {shape['distributors']:,} "
                f"distributors, {shape['orders']:,} orders"
            ) as ph:
                # the demo's planted fraud rings need a shop of the demo's size at least
                rings = RINGS if shape["customers"] >= demo.BUILD_SIZE["customers"] else 0
                shop, counts = demo.create(
                    bench.engine,
                    f"{SHOP_ID}-{size}",
                    seed=args.seed,
                    end=end,
                    rings=rings,
                    customers=shape["customers"],
                    distributors=shape["distributors"],
                    orders=shape["orders"],
                )
            shops[size] = shop
            local, context = in_process(shop, spans, args, reporter, size)
            result["sizes"][size] = {
                "loaded": counts,
                "build_seconds": ph.seconds,
                "in_process": local,
                "context": context,
            }
        if not args.reports_no_http:
            with common.api_server(bench.data_dir, reporter, bench.env) as server:
                for size, shop in shops.items():
                    key = shop.create_key("merchant")
                    result["sizes"][size]["http"] = over_http(
                        server.url, key, spans, deep_cursor_of(shop), args, reporter, size
                    )
    result["load_average"] = {"before": load_before, "after": os.getloadavg()[0]}
    result["ratios"] = ratios(result)
    result["notes"] = notes(result)
    result["total_seconds"] = time.perf_counter() - started
    return result


BY_SINCE = (
    "the period's bindings by `b.since + 0` in range: every binding read once (FalkorDB 4.16 "
    "planned the plain `b.since >= $start` as an index seek under every distributor, "
    "distributors × the period's bindings, see reports.cypher)"
)
SCANS: dict[str, str] = {
    "reports.funnel": "starts from every distributor and expands every `SHARED_BY` and "
    "`BOUND_TO` edge of the shop: its period test is an OR over the two edge types (visit "
    "times in a list, binding intervals) that no index serves, so it reads every binding and "
    "share edge whatever the period, then each visitor's orders",
    "analytics.activity": "orders and new customers by range scans (`Order.paid_at`, "
    "`Customer.joined_at` are indexed), but the period's entries by a label scan of every "
    "`Entry` (`Entry.at` is left unindexed on purpose: FalkorDB 4.16 answered ledger pages "
    "wrongly with it, see schema_falkordb.cypher) and visits from every `SHARED_BY` edge",
    "reports.imported_visits": BY_SINCE,
    "reports.channels": "four parts; two of them (visits that are bindings, bindings) select "
    "`BOUND_TO` by `since` in the period: " + BY_SINCE + "; the orders part expands each "
    "order paid in the period (`paid_at` range) to its customer, binding, share edge and "
    "reward entries",
    "reports.cohorts": "over 12 months plus the 90 days of the windows it reads nearly every "
    "order of the data's year (`paid_at` range), every `Entry` by label scan (no `Entry.at` "
    "index), each joined to its distributor by id, and every share edge and visit binding of "
    "the distributors who joined: most of the shop, whatever the cohorts",
    "analytics.distributors": "a scan of every distributor, the sort key a `CASE` of counters "
    "(no index can serve it) and a top-k sort; the cursor's page filters on the key, so a deep "
    "page costs what the first costs (it grows with the distributors, not with the depth)",
    "analytics.distributors_count": "counts every distributor matching the filters (a label "
    "scan), once per page",
    "applications.page": "a label scan of every customer for `application = 'pending'` (no "
    "index on it)",
}
"""What each statement reads (from graph/queries/*.cypher), said next to the slowest ones."""


READING = """\
### Reading

The whole-shop reports grow with the shop, linearly or worse; the distributor list does not
(a top-k over counters kept on the nodes: about 10 ms at 10,000 distributors, and the deep
page through the cursor costs what the first page costs). The first run of this benchmark
(2026-12-07 08:14, same sizes and seed) found the overview at 6.7 s and the channels at 6.9 s
(p50, in-process, 100,000 customers), most of it in the three statement parts that pick the
period's bindings by `BOUND_TO.since`: FalkorDB 4.16 planned them as a scan of every
distributor with the `since` index under each one. Those parts now keep the index out
(`b.since + 0`, reports.cypher) and read every binding once: the overview fell to about 2.1 s
and the channels to about 1.5 s (3× and 4.7×), checked on both engines by
tests/shop/test_reports.py. What is left is reading most of the shop: the funnel
(`reports.funnel`) reads every binding and share edge because its period test is an OR across
the two edge types; the cohorts read most of the shop because a window reaches 90 days past
the period and `Entry.at` is unindexed on purpose (schema_falkordb.cypher). Pre-aggregated
daily figures would be the next step if a merchant with 100,000 customers opens these often.
The applications queue scans every customer for `application = 'pending'` (37 ms at 100,000
customers): an index on `Customer.application` would keep it flat.
"""
"""The reading of the run recorded on 2026-12-07 (FalkorDB 4.16.3), from its figures, the queries
and a few statements timed by hand on the same shop."""


def notes(result: dict[str, Any]) -> list[str]:
    """The slowest reports of the largest shop measured, each with its heaviest statement, the
    time spent outside the engine, and what that statement reads."""
    sizes_ = result["sizes"]
    if not sizes_:
        return []
    size = "large" if "large" in sizes_ else next(iter(sizes_))
    local = sizes_[size]["in_process"]
    out = []
    ranked = sorted(local.items(), key=lambda kv: -kv[1]["p50_ms"])
    for name, st in ranked[:3]:
        statements = st["statements"]
        in_engine = sum(s["mean_ms"] * s["per_call"] for s in statements)
        top = statements[0] if statements else None
        text = (
            f"{name} ({size} shop): p50 {common.fmt(st['p50_ms'])} ms; of its mean "
            f"{common.fmt(st['mean_ms'])} ms, the statements take {common.fmt(in_engine)} ms "
            "and Python the rest"
        )
        if top is not None:
            text += f"; heaviest `{top['name']}` {common.fmt(top['mean_ms'])} ms" + (
                f": {SCANS[top['name']]}" if top["name"] in SCANS else ""
            )
        out.append(text + ".")
    return out


def ratios(result: dict[str, Any]) -> dict[str, Any]:
    """Large / demo: of the data (customers, orders) and of each call's p50."""
    demo_, large = result["sizes"].get("demo"), result["sizes"].get("large")
    if not demo_ or not large:
        return {}

    def div(a: float, b: float) -> float | None:
        return a / b if b else None

    out: dict[str, Any] = {
        "customers": div(large["loaded"]["customers"], demo_["loaded"]["customers"]),
        "orders": div(large["loaded"]["order_ids"], demo_["loaded"]["order_ids"]),
        "in_process": {},
        "http": {},
    }
    for where in ("in_process", "http"):
        for name, st in large.get(where, {}).items():
            small = demo_.get(where, {}).get(name)
            if small:
                out[where][name] = div(st["p50_ms"], small["p50_ms"])
    return out


# -- output ---------------------------------------------------------------------------------------
def markdown(result: dict[str, Any]) -> str:
    p, m = result["params"], result["machine"]
    shapes = p["sizes"]
    lines = [
        f"## {TITLE}",
        "",
        f"Run {result['date']} in {common.duration_text(result['total_seconds'])} on "
        f"{common.describe_machine(m)}; {common.describe_engine(result['engine'])}. Load "
        f"average {result['load_average']['before']:.2f} before, "
        f"{result['load_average']['after']:.2f} after (other processes on the machine skew "
        "the tail).",
        "",
        "Two shops built as `make demo` builds its own (`demo.create`: generator files loaded by "
        "`teamgraph load shop`, history ending now): "
        + "; ".join(
            f"*{size}* {s['customers']:,} customers / {s['distributors']:,} distributors / "
            f"{s['orders']:,} orders (built in "
            f"{common.duration_text(result['sizes'][size]['build_seconds'])})"
            for size, s in shapes.items()
            if size in result["sizes"]
        )
        + f". Per call: {p['warmup']} warm-up calls, then up to {p['calls']} sequential ones "
        f"(at most {p['budget_s']:.0f} s each, never fewer than {MIN_CALLS}). Overview and "
        f"channels: the {DAYS} days to the data's end; cohorts: the {COHORT_MONTHS} months to "
        f"it; distributor list: {PAGE} rows by sales, first page and the page after half the "
        "distributors (through the cursor).",
        "",
        "### Latency (ms)",
        "",
    ]
    rows = []
    for size, r in result["sizes"].items():
        for where in ("in_process", "http"):
            for name, st in r.get(where, {}).items():
                rows.append(
                    [
                        name,
                        size,
                        "in-process" if where == "in_process" else "HTTP",
                        st["n"],
                        st["p50_ms"],
                        st["p95_ms"],
                        st["max_ms"],
                        st.get("size"),
                    ]
                )
    lines.append(
        common.md_table(
            ["call", "shop", "where", "n", "p50", "p95", "max", "rows / bytes"],
            sorted(rows, key=lambda r: (r[2] != "in-process", r[0], r[1] != "demo")),
        )
    )
    rat = result.get("ratios") or {}
    if rat:
        lines += [
            "",
            f"### Scaling: large / demo (data × {common.fmt(rat['customers'])} customers, × "
            f"{common.fmt(rat['orders'])} orders)",
            "",
            common.md_table(
                ["call", "in-process p50 ×", "HTTP p50 ×"],
                [
                    [name, rat["in_process"].get(name), rat["http"].get(name)]
                    for name in dict.fromkeys([*rat["in_process"], *rat["http"]])
                ],
            ),
        ]
    lines += ["", "### Statements per report (in-process, mean ms per statement)", ""]
    srows = []
    for size, r in result["sizes"].items():
        for name, st in r["in_process"].items():
            for s in st["statements"]:
                srows.append([name, size, f"`{s['name']}`", s["per_call"], s["mean_ms"]])
    lines.append(common.md_table(["report", "shop", "statement", "per call", "mean ms"], srows))
    for size, r in result["sizes"].items():
        for name, st in r.get("http", {}).items():
            if st.get("errors"):
                lines += ["", f"- HTTP {name} ({size}): {st['errors']} errors: {st['first_error']}"]
    if not p["http"]:
        lines += ["", "HTTP not measured (`--reports-no-http`)."]
    if result.get("notes"):
        lines += ["", "### The slowest", "", *(f"- {n}" for n in result["notes"])]
    if "large" in result["sizes"] and result["params"]["sizes"]["large"]["customers"] >= 100_000:
        lines += ["", READING]
    return "\n".join(lines) + "\n"
