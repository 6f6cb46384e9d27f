"""The UI's callbacks on the large shop: p50 / p95 / max per page callback (issue #6 aims at
p95 < 300 ms on the 100,000-customer shop).

A callback's time is what it does in the UI process: open the caller's shop from the key
(``context.caller``, as every callback does), then the page's content function, which makes
the Shop calls and builds the figures, tables and networks the browser receives. Dash's own
JSON round trip is not included (it is the same for every page and small next to the reads).

The shop: ``demo.generate`` (customers, distributors, the invitation forest and bindings,
moved to end 31 days ago), then a month of activity through ``Shop`` as live events would
make it: share visits bringing new customers, paid orders (completed and settled when old
enough), a refund, withdrawal requests, and rings handed to ``save_rings`` as a scan would.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from benchmarks import common
from teamgraph.clock import now_ms
from teamgraph.shop import Shop

NAME = "ui"
TITLE = "the UI's page callbacks on the large shop (p95 per page)"
AIM_MS = 300
LARGE = 1_000_000
"""From this many customers on, the aim is ``LARGE_AIM_MS`` and the run has its own section."""
LARGE_AIM_MS = 1_000


def aim_ms(customers: int) -> int:
    """The p95 a page's slowest callback should stay under: 300 ms at 100k, 1 s at 1M."""
    return LARGE_AIM_MS if customers >= LARGE else AIM_MS


def section(result: dict[str, Any]) -> str:
    """RESULTS.md keeps the 100k run and the 1M run side by side."""
    return f"{NAME}-1m" if result["params"]["customers"] >= LARGE else NAME


HOUR = 3_600_000
DAY = 24 * HOUR
TZ = "Asia/Shanghai"
SETTINGS: dict[str, Any] = {
    "levels": [
        {"level": 1, "name": "普通", "reward_bp": 1000, "inviter_reward_bp": 300},
        {"level": 2, "name": "银牌", "conditions": {"bound_customers": 20},
         "reward_bp": 1200, "inviter_reward_bp": 300},
        {"level": 3, "name": "金牌", "conditions": {"bound_customers": 200,
                                                   "received_fen": 5_000_000},
         "reward_bp": 1500, "inviter_reward_bp": 400},
    ],
    "withdrawal": {"methods": ["bank"], "min_fen": 100, "max_fen": 5_000_000, "max_count": 10,
                   "per": "month"},
}  # fmt: skip


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("ui")
    g.add_argument("--ui-orders", type=int, default=3000, help="orders in the last month (3000)")
    g.add_argument("--ui-visits", type=int, default=2000, help="share visits (2000)")
    g.add_argument("--ui-rings", type=int, default=40, help="rings saved (40)")
    g.add_argument("--ui-calls", type=int, default=40, help="measured calls per callback (40)")


# -- the shop ------------------------------------------------------------------------------------
def add_activity(
    shop: Shop, customers: list[str], distributors: list[str], args: argparse.Namespace,
    reporter: common.Reporter,
) -> dict[str, Any]:  # fmt: skip
    rng = random.Random(args.seed)
    now = now_ms()
    start = now - 30 * DAY
    hubs = distributors[: max(1, len(distributors) // 20)]
    with reporter.phase("share visits (new customers)", args.ui_visits) as ph:
        for i in range(args.ui_visits):
            at = start + (i * 30 * DAY) // max(1, args.ui_visits) + rng.randint(0, HOUR)
            shop.visit(f"v{i:07d}", rng.choice(hubs), at=min(at, now - 2 * HOUR))
    buyers = [c for c in customers[len(distributors) :]]
    done: list[tuple[str, int]] = []
    with reporter.phase("paid orders", args.ui_orders) as ph:
        for i in range(args.ui_orders):
            paid = start + (i * 30 * DAY) // max(1, args.ui_orders) + rng.randint(0, HOUR)
            paid = min(paid, now - HOUR)
            oid = f"o{i:08d}"
            fen = rng.choice((9_900, 19_900, 29_900, 59_900, 129_900))
            shop.record_order(oid, rng.choice(buyers), [{"product_id": "p1", "paid_fen": fen}],
                              paid_at=paid)  # fmt: skip
            done.append((oid, paid))
    with reporter.phase("completions", sum(1 for _, p in done if p < now - 2 * DAY)):
        for oid, paid in done:
            if paid < now - 2 * DAY:
                shop.complete_order(oid, at=paid + DAY)
    if done:
        shop.refund(done[0][0], "r-bench", 1_000, at=done[0][1] + HOUR)
    requested = 0
    with reporter.phase("withdrawal requests") as ph:
        for did in distributors[:200]:
            if shop.balances(did)["withdrawable"] >= 2_000:
                shop.request_withdrawal(did, 1_000, "bank", f"6222{requested:012d}",
                                        holder="户名", withdrawal_id=f"wb{requested}")  # fmt: skip
                requested += 1
            if requested >= 30:
                break
        ph.rows = requested
    rings = [_ring(i, rng, distributors, buyers) for i in range(args.ui_rings)]
    with reporter.phase("save rings", len(rings)):
        shop.save_rings(rings, scan_id="bench")
    return {"visits": args.ui_visits, "orders": len(done), "withdrawals": requested,
            "rings": len(rings)}  # fmt: skip


def _ring(i: int, rng: random.Random, distributors: list[str], buyers: list[str]) -> dict:
    head = rng.choice(distributors)
    alts = rng.sample(buyers, rng.randint(3, 8))
    members = [head, *alts]
    return {
        "id": f"ring-{i:04d}",
        "score": rng.randint(30, 99),
        "kinds": ["self_dealing"],
        "members": [{"id": head, "role": "distributor"}] + [{"id": a, "role": "alt"} for a in alts],
        "distributors": 1,
        "top_signals": [f"device shared by {len(members)} accounts"],
        "inside_fen": rng.randint(0, 100_000),
        "contributions": [{"signal": "self_dealing", "points": 60, "detail": "alts"}],
        "edges": [{"source": a, "target": head, "kind": "shares_signal", "detail": "device"}
                  for a in alts] + [{"source": a, "target": head, "kind": "bound_to",
                                     "detail": ""} for a in alts],
        "signals": [{"kind": "device", "value": f"dev-{i:04d}…", "members": members}],
    }  # fmt: skip


# -- the measurement -----------------------------------------------------------------------------
def _measure(fn: Callable[[int], Any], n: int, warmup: int) -> dict[str, Any]:
    for i in range(warmup):
        fn(i)
    durations = []
    started = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter_ns()
        fn(i)
        durations.append(time.perf_counter_ns() - t0)
    stats = common.latency_stats(durations, time.perf_counter() - started)
    stats["p95_ms"] = common.percentile(sorted(d / 1e6 for d in durations), 95)
    return stats


def callbacks(shop: Shop, key: str, today: str, rng: random.Random) -> list[tuple[str, str, Any]]:
    """``(page, callback, fn(i))`` for every callback a page runs when it opens or is used."""
    from teamgraph.dashboards import context
    from teamgraph.dashboards.pages import (
        distributors,
        leaderboards,
        overview,
        relationships,
        risk,
        settings,
        team,
        withdrawals,
    )

    by_team = shop.distributor_table(sort="team", limit=10)["items"]
    counts = shop.counts()
    n_d = counts["distributors"]
    ids = [r["id"] for r in by_team] + [f"c{n:06d}" for n in rng.sample(range(n_d), 10)]
    deep = [r["id"] for r in by_team if r["invitees"]]
    customers = [f"c{n:06d}" for n in rng.sample(range(n_d, counts["customers"] - n_d), 30)]
    rings = [r["id"] for r in shop.rings(limit=20)]
    combos = [(p, m) for p in ("day", "week", "month") for m in ("sales", "commission", "clients")]
    lang = "zh-CN"

    def opened(fn: Callable[[Shop, int], Any]) -> Callable[[int], Any]:
        def call(i: int) -> Any:
            s = context.caller(key).shop  # what every callback does first
            return fn(s, i)

        return call

    from teamgraph.shop import Principal

    who = Principal(shop.id, "merchant")
    return [
        ("overview", "render (7/30/90 days)",
         opened(lambda s, i: overview.body(s, lang, (7, 30, 90)[i % 3], today))),
        ("distributors", "render (first 500 by sales / team / id)",
         opened(lambda s, i: distributors.rows_for(s, lang, None, None, None,
                                                   ("sales", "team", "id")[i % 3]))),
        ("distributors", "render (search + filters)",
         opened(lambda s, i: distributors.rows_for(s, lang, ("c0001", "王", "")[i % 3],
                                                   [1, 2], ["active", "dormant"]))),
        ("team", "render (20 distributors, largest teams first)",
         opened(lambda s, i: team.team_view(s, ids[i % len(ids)], lang))),
        ("team", "search box",
         opened(lambda s, i: team.pick_options(s, ("c00012", "李", "c0009")[i % 3]))),
        ("team", "expand a node",
         opened(lambda s, i: team.expand_elements(
             s, {"id": deep[i % len(deep)], "team_size": 1}, lang) if deep else None)),
        ("relationships", "render a customer",
         opened(lambda s, i: relationships.customer_view(s, customers[i % len(customers)],
                                                         lang))),
        ("leaderboards", "render (3 periods × 3 metrics)",
         opened(lambda s, i: leaderboards.board_view(s, lang, *combos[i % len(combos)], today))),
        ("withdrawals", "render the queue",
         opened(lambda s, i: withdrawals.queue(s, "requested", lang))),
        ("settings", "load the form",
         opened(lambda s, i: (settings.form_values(s.settings()),
                              settings.side(s.settings(), lang)))),
        ("risk", "render the list",
         opened(lambda s, i: risk.ring_list(s, None, lang))),
        ("risk", "render a ring",
         opened(lambda s, i: risk.ring_case(s, rings[i % len(rings)], who, lang)
                if rings else None)),
    ]  # fmt: skip


def run(args: argparse.Namespace) -> dict[str, Any]:
    reporter = common.Reporter(quiet=getattr(args, "quiet", False))
    started = time.perf_counter()
    n = args.ui_calls
    warmup = max(2, n // 10)
    result: dict[str, Any] = {
        "benchmark": NAME,
        "date": common.now_text(),
        "params": {"customers": args.customers, "distributors": args.distributors,
                   "orders": args.ui_orders, "visits": args.ui_visits, "rings": args.ui_rings,
                   "calls": n, "warmup": warmup, "seed": args.seed},
        "machine": common.machine(),
    }  # fmt: skip
    with common.embedded_engine(reporter) as (engine, _):
        result["engine"] = common.engine_info(engine)
        shop = Shop.create(engine, common.SHOP_ID, SETTINGS)
        data, phases, _, counts = common.build_shop(
            shop, args, reporter, history_ends_at=now_ms() - 31 * DAY
        )
        result["loaded"] = counts
        result["build"] = common.build_rows(phases)
        with reporter.phase("a month of activity") as ph:
            result["activity"] = add_activity(
                shop, [c["id"] for c in data.customers], [d["id"] for d in data.distributors],
                args, reporter,
            )  # fmt: skip
        result["activity_s"] = ph.seconds
        result["counts"] = shop.counts()
        from teamgraph.dashboards import create_app

        create_app(engine)  # the pages register themselves; callbacks reach this engine
        key = shop.create_key("merchant")
        today = date.today().isoformat()
        rng = random.Random(args.seed)
        load_before = os.getloadavg()[0]
        rows = []
        for page, name, fn in callbacks(shop, key, today, rng):
            with reporter.phase(f"{page}: {name}", n):
                stats = _measure(fn, n, warmup)
            rows.append({"page": page, "callback": name, **stats})
        result["load_average"] = {"before": load_before, "after": os.getloadavg()[0]}
        result["callbacks"] = rows
    pages: dict[str, float] = {}
    for r in rows:
        pages[r["page"]] = max(pages.get(r["page"], 0.0), r["p95_ms"])
    result["pages"] = pages
    result["total_seconds"] = time.perf_counter() - started
    return result


def markdown(result: dict[str, Any]) -> str:
    p = result["params"]
    a = result["activity"]
    c = result["counts"]
    load = result["load_average"]
    cmd = (
        f"uv run python -m benchmarks --only ui --customers {p['customers']} --distributors "
        f"{p['distributors']} --ui-orders {p['orders']} --ui-visits {p['visits']} "
        f"--ui-rings {p['rings']} --ui-calls {p['calls']} --seed {p['seed']}"
    )
    aim = aim_ms(p["customers"])
    over = [pg for pg, ms in result["pages"].items() if ms >= aim]
    lines = [
        "## UI: each page's callbacks on the large shop"
        + (f" ({p['customers']:,} customers)" if p["customers"] >= LARGE else ""),
        "",
        f"Run {result['date']}: `{cmd}`, {common.duration_text(result['total_seconds'])} in all.",
        "",
        f"- Machine: {common.describe_machine(result['machine'])}",
        f"- Engine: {common.describe_engine(result['engine'])}",
        f"- Shop: {c['customers']:,} customers, {c['distributors']:,} distributors, "
        f"{c['orders']:,} orders; a month of activity added through `Shop` in "
        f"{result['activity_s']:.0f} s ({a['visits']:,} share visits, {a['orders']:,} orders, "
        f"{a['withdrawals']} withdrawal requests, {a['rings']} rings).",
        f"- Load average (1 min) of the machine: {load['before']:.2f} before measuring, "
        f"{load['after']:.2f} after ({result['machine']['nproc']} CPUs, shared with other work).",
        f"- Each callback: {p['warmup']} warm-up calls, then {p['calls']} measured, in process: "
        "the key opens the shop (`context.caller`), then the page's content function (its "
        "Shop calls, figures, tables and networks). Dash's JSON round trip is not included.",
        "",
        "### Per callback (ms)",
        "",
        common.md_table(
            ["page", "callback", "n", "p50", "p95", "max"],
            [
                [r["page"], r["callback"], r["n"], r["p50_ms"], r["p95_ms"], r["max_ms"]]
                for r in result["callbacks"]
            ],
        ),
        "",
        f"### Per page: the slowest callback's p95 against the {aim:,} ms aim",
        "",
        common.md_table(
            ["page", "p95 ms", "aim"],
            [
                [pg, ms, "meets" if ms < aim else f"{ms / aim:.1f}× over"]
                for pg, ms in result["pages"].items()
            ],
        ),
        "",
        (
            "Every page meets the aim."
            if not over
            else "Over the aim: " + ", ".join(over) + " (see the per-callback table)."
        ),
        "",
        NOTES,
    ]
    return "\n".join(lines)


NOTES = """\
What changed the figures (2026-11-25; the first run, under load 5 on 2 CPUs, had overview
p95 330 ms, team 335 ms and the ring list 945 ms):

- **Risk, the ring list**: `risk.at_stake` used to start from the Entry label and scan every
  entry per ring member (0.9-1 s for 40 rings); it now starts from the ring's members.
- **Overview and leaderboards**: indexes on `Order.paid_at` and `Customer.joined_at` turn
  their period filters into range scans (they were label scans, ~40-55 ms each at 100k); not
  `Entry.at`, which made FalkorDB answer the ledger's paging statement wrongly
  (schema_falkordb.cypher); the overview counts per local day in the engine (one row per
  order cost 1.1 s in the client's parsing alone).
- **Everything that reads many rows**: hiredis parses the engine's replies in C (reading 200k
  rows went from 6.0 s to 1.2 s).
- **Team**: about ten `Shop` reads for one distributor (profile, ledger page and totals, tree,
  progress, earnings, the newest clients, invitees), each catching up first; the largest teams
  (9,000 direct clients) read their client lists newest-first from the distributor's side.
- **Leaderboard by new clients** (2026-12-06): an index on `BOUND_TO.since` (both engines).
  Without it the board read every binding of the shop: 1,538 ms at p95 at 1,000,000 customers,
  the only page over the 1 s aim there.
- Compare the p50s across runs: the p95s move with whatever else the machine is doing."""
