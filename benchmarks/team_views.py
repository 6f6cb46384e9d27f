"""Team views at shop scale: ``GET /v1/distributors/{id}``, ``.../team`` and ``.../progress``.

Builds a synthetic shop (``teamgraph.etl.demo``: by default 100,000 customers / 10,000
distributors) on a fresh embedded engine, starts the API as a real process
(``python -m teamgraph serve``) and measures, sequentially with one persistent client after a
warm-up, R calls of each endpoint cycling through 20 distributors with the largest teams,
20 median ones and 20 random leaves; then the same calls in-process (``Shop.distributor``,
``Shop.team``, ``Shop.progress``) to separate HTTP from the store. Team views read counters kept
on the nodes (docs/architecture.md, "Counters kept on nodes"), so the biggest team should cost what
a leaf costs: the ratio is reported.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx

from benchmarks import common
from teamgraph.etl import demo
from teamgraph.shop import MAX_TREE_DEPTH, Shop

NAME = "team_views"
TITLE = "team, progress and profile of a distributor (HTTP and in-process)"

SHOP_ID = common.SHOP_ID
GROUP_SIZE = 20
GROUPS = ("largest", "median", "leaf")
# what is measured: name -> (path pattern in /openapi.json, Shop method)
CALLS: dict[str, tuple[str, str]] = {
    "team": (r"^/v1/distributors/\{[^}/]+\}/team$", "team"),
    "progress": (r"^/v1/distributors/\{[^}/]+\}/progress$", "progress"),
    "profile": (r"^/v1/distributors/\{[^}/]+\}$", "distributor"),
}
BUILD_STEPS = common.BUILD_STEPS  # the load's steps, timed one by one


# -- the shop -------------------------------------------------------------------------------------
def shape(data: demo.DemoShop, profiles: list[dict[str, Any]]) -> dict[str, Any]:
    """The invitation forest as generated and as the counters (after recount) see it."""
    inviter = {r["id"]: r["inviter_id"] for r in data.invitations}
    depth: dict[str, int] = {}
    for d in data.distributors:
        chain, node = [], d["id"]
        while node not in depth and node in inviter:
            chain.append(node)
            node = inviter[node]
        base = depth.setdefault(node, 0)
        for i, n in enumerate(reversed(chain), start=1):
            depth[n] = base + i
    sizes = sorted(int(p["team_size"] or 0) for p in profiles)
    team = {p["id"]: int(p["team_size"] or 0) for p in profiles}
    roots = [d["id"] for d in data.distributors if d["id"] not in inviter]
    direct = sorted(int(p["direct_clients"] or 0) for p in profiles)
    levels = max(depth.values(), default=0)
    return {
        "customers": len(data.customers),
        "distributors": len(data.distributors),
        "invitations": len(data.invitations),
        "bindings": len(data.bindings),
        "roots": len(roots),
        "roots_with_team": sum(1 for r in roots if team.get(r, 0) > 0),
        "depth": levels,  # levels below the deepest root
        "depth_counters": max((len(p["by_depth"] or []) for p in profiles), default=0),
        "deeper_than_tree_view": sum(1 for v in depth.values() if v > MAX_TREE_DEPTH),
        "largest_team": sizes[-1] if sizes else 0,
        "team_p50": round(common.percentile(sizes, 50)) if sizes else 0,
        "team_p90": round(common.percentile(sizes, 90)) if sizes else 0,
        "team_p99": round(common.percentile(sizes, 99)) if sizes else 0,
        "leaves": sum(1 for s in sizes if s == 0),
        "max_direct_clients": direct[-1] if direct else 0,
        "median_direct_clients": round(common.percentile(direct, 50)) if direct else 0,
    }


def select(profiles: list[dict[str, Any]], seed: int) -> dict[str, list[dict[str, Any]]]:
    """20 distributors with the largest teams, 20 around the median, 20 random leaves."""
    by_size = sorted(profiles, key=lambda p: (-(p["team_size"] or 0), p["id"]))
    ascending = by_size[::-1]
    mid = max(0, len(ascending) // 2 - GROUP_SIZE // 2)
    leaves = sorted((p for p in profiles if not p["team_size"]), key=lambda p: p["id"])
    rng = random.Random(seed)
    chosen = {
        "largest": by_size[:GROUP_SIZE],
        "median": ascending[mid : mid + GROUP_SIZE],
        "leaf": rng.sample(leaves, min(GROUP_SIZE, len(leaves))),
    }
    return {
        g: [{"id": p["id"], "team_size": int(p["team_size"] or 0)} for p in rows]
        for g, rows in chosen.items()
    }


def cycle_order(selection: dict[str, list[dict[str, Any]]]) -> tuple[list[str], dict[str, str]]:
    """Ids interleaved largest/median/leaf, and each id's group (its first one)."""
    group_of: dict[str, str] = {}
    for g in GROUPS:  # an id in two groups (tiny shops) counts in the first
        for p in selection[g]:
            group_of.setdefault(p["id"], g)
    ids: list[str] = []
    for trio in itertools.zip_longest(*(selection[g] for g in GROUPS)):
        for g, p in zip(GROUPS, trio, strict=True):
            if p is not None and group_of[p["id"]] == g:
                ids.append(p["id"])
    return ids, group_of


# -- measuring ------------------------------------------------------------------------------------
def measure(
    call: Callable[[str], int | None],
    ids: list[str],
    group_of: dict[str, str],
    n: int,
    warmup: int,
    reporter: common.Reporter,
    label: str,
) -> dict[str, Any]:
    """``warmup`` then ``n`` sequential calls cycling through ``ids``; ``call`` returns the size
    of the answer in bytes (or None)."""
    for i in range(warmup):
        call(ids[i % len(ids)])
    durations: list[int] = []
    groups: dict[str, list[int]] = {g: [] for g in GROUPS}
    sizes: dict[str, list[int]] = {g: [] for g in GROUPS}
    with reporter.loop(label, n) as advance:
        started = time.perf_counter()
        for i in range(n):
            did = ids[i % len(ids)]
            t0 = time.perf_counter_ns()
            size = call(did)
            dt = time.perf_counter_ns() - t0
            durations.append(dt)
            groups[group_of[did]].append(dt)
            if size is not None:
                sizes[group_of[did]].append(size)
            advance()
        wall = time.perf_counter() - started
    out = common.latency_stats(durations, wall)
    out["by_group"] = {
        g: common.latency_stats(d) | {"bytes": statistics.mean(sizes[g]) if sizes[g] else None}
        for g, d in groups.items()
        if d
    }
    reporter.say(
        f"  ✓ {label}: p50 {out['p50_ms']:.2f} ms, p99 {out['p99_ms']:.2f} ms, "
        f"{out['rps']:,.0f} calls/s"
    )
    return out


def in_process(
    shop: Shop,
    ids: list[str],
    group_of: dict[str, str],
    n: int,
    warmup: int,
    reporter: common.Reporter,
) -> dict[str, Any]:
    """Each call through a Shop whose store counts its statements (``statements``: reads and
    writes per call, by name)."""
    from benchmarks.orders import CountingStore, StatementTally

    counting = CountingStore(shop.store)
    counted = Shop(counting)  # type: ignore[arg-type]
    out: dict[str, Any] = {}
    for name, (_, method) in CALLS.items():
        fn = getattr(counted, method)
        tally = StatementTally()

        def call(did: str, fn: Callable[[str], Any] = fn, tally: StatementTally = tally) -> None:
            mark = len(counting.log)
            fn(did)
            tally.add(counting.log[mark:])

        out[name] = measure(call, ids, group_of, n, warmup, reporter, f"in-process {name}")
        out[name]["statements"] = tally.summary()
        counting.log.clear()
    return out


def endpoints(url: str) -> dict[str, str | None]:
    """The path template of each measured call in the API's ``/openapi.json`` (None: absent)."""
    paths = httpx.get(f"{url}/openapi.json", timeout=10).raise_for_status().json()["paths"]
    found: dict[str, str | None] = {}
    for name, (pattern, _) in CALLS.items():
        found[name] = next(
            (p for p, item in paths.items() if re.match(pattern, p) and "get" in item), None
        )
    return found


FLOOR_PATH = "/v1/no-such-route"
"""Answered 404 by routing alone: the client, uvicorn and the app's middleware, no key, no
engine. The HTTP floor the team views are measured against."""


def over_http(
    url: str,
    key: str,
    ids: list[str],
    group_of: dict[str, str],
    n: int,
    warmup: int,
    reporter: common.Reporter,
) -> dict[str, Any]:
    paths = endpoints(url)
    out: dict[str, Any] = {
        "available": all(paths.values()),
        "paths": paths,
        "missing": [name for name, p in paths.items() if p is None],
        "calls": {},
    }
    for name in out["missing"]:
        reporter.say(f"  ✗ HTTP {name}: endpoint not available in /openapi.json")
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        for name, template in paths.items():
            if template is None:
                continue
            errors: list[str] = []

            def call(did: str, template: str = template, errors: list[str] = errors) -> int:
                response = client.get(re.sub(r"\{[^}/]+\}", did, template))
                if response.status_code != 200:
                    errors.append(f"{response.status_code} {response.text[:200]}")
                return len(response.content)

            stats = measure(call, ids, group_of, n, warmup, reporter, f"HTTP {name}")
            stats["path"] = template
            stats["errors"] = len(errors)
            stats["first_error"] = errors[0] if errors else None
            if errors:
                reporter.say(f"  ! HTTP {name}: {len(errors)} non-200 answers, e.g. {errors[0]}")
            out["calls"][name] = stats

        def floor(_: str) -> int:  # what any request costs before a route does anything
            return len(client.get(FLOOR_PATH).content)

        out["floor"] = measure(floor, ids, group_of, n, warmup, reporter, "HTTP floor (404)")
    return out


def ratios(measured: dict[str, Any]) -> dict[str, float | None]:
    """Largest teams vs leaves (p50 and p99) of each call."""
    out: dict[str, float | None] = {}
    for name, stats in measured.items():
        groups = stats.get("by_group", {})
        if "largest" in groups and "leaf" in groups:
            for q in ("p50", "p99"):
                out[f"{name}_{q}"] = groups["largest"][f"{q}_ms"] / groups["leaf"][f"{q}_ms"]
    return out


# -- the benchmark --------------------------------------------------------------------------------
def run(args: argparse.Namespace, engine_kind: str = "falkordb") -> dict[str, Any]:
    """The benchmark on a fresh embedded FalkorDB, or (``engine_kind`` neo4j) on the Neo4j of
    ``args.neo4j`` with the API served from it."""
    reporter = common.Reporter(quiet=getattr(args, "quiet", False))
    started = time.perf_counter()
    n = args.requests
    warmup = args.warmup if getattr(args, "warmup", None) is not None else max(5, n // 20)
    result: dict[str, Any] = {
        "benchmark": NAME,
        "date": common.now_text(),
        "params": {
            "customers": args.customers,
            "distributors": args.distributors,
            "requests": n,
            "warmup": warmup,
            "seed": args.seed,
        },
        "machine": common.machine(),
    }
    with common.bench_engine(engine_kind, args, reporter, f"{SHOP_ID}-team-views") as bench:
        engine, data_dir = bench.engine, bench.data_dir
        result["engine"] = common.engine_info(engine)
        shop = Shop.create(engine, bench.shop_id)
        data, phases, statements, counts = common.build_shop(shop, args, reporter)
        result["loaded"] = counts
        result["build"] = common.build_rows(phases)
        result["statements"] = statements
        with reporter.phase("read every distributor's profile") as ph:
            profiles = shop.store.read(
                "distributor.profiles", ids=[d["id"] for d in data.distributors]
            )
            ph.rows = len(profiles)
        result["shop"] = shape(data, profiles)
        selection = select(profiles, args.seed)
        result["selection"] = selection
        ids, group_of = cycle_order(selection)

        load_before = os.getloadavg()[0]
        result["in_process"] = in_process(shop, ids, group_of, n, warmup, reporter)
        key = shop.create_key("merchant")
        with common.api_server(data_dir, reporter, bench.env) as server:
            result["http"] = over_http(server.url, key, ids, group_of, n, warmup, reporter)
        # other processes on the machine skew the tail: say how busy it was
        result["load_average"] = {"before": load_before, "after": os.getloadavg()[0]}
        result["ratios"] = {
            "in_process": ratios(result["in_process"]),
            "http": ratios(result["http"]["calls"]),
        }
    result["total_seconds"] = time.perf_counter() - started
    result["notes"] = notes(result)
    return result


def notes(result: dict[str, Any]) -> list[str]:
    """What the figures need said next to them, from the figures themselves."""
    out: list[str] = []
    s = result["shop"]
    if s["depth"] != s["depth_counters"]:
        out.append(
            f"the counters' deepest level ({s['depth_counters']}) differs from the generated "
            f"forest's depth ({s['depth']}): recount is wrong"
        )
    if s["depth"] > MAX_TREE_DEPTH:
        out.append(
            f"the generated forest is {s['depth']:,} levels deep ({s['deeper_than_tree_view']:,} "
            f"distributors deeper than the {MAX_TREE_DEPTH} levels tree views show)"
        )
    if s["roots"] and s["roots_with_team"] < s["roots"] / 2:
        out.append(f"only {s['roots_with_team']:,} of the {s['roots']:,} roots have a team")
    if s["depth_counters"] > 100:
        out.append(
            f"profiles and team views carry `by_depth` per level: up to {s['depth_counters']:,} "
            "entries here, so the largest teams' answers are bigger (see bytes)"
        )
    http = result.get("http", {})
    if http.get("missing"):
        out.append(
            "HTTP: endpoint not available (" + ", ".join(http["missing"]) + "): absent from "
            "/openapi.json when this ran; the in-process figures are measured anyway"
        )
    for name, stats in http.get("calls", {}).items():
        if stats["errors"]:
            out.append(f"HTTP {name}: {stats['errors']} non-200 answers: {stats['first_error']}")
    return out


# -- output ---------------------------------------------------------------------------------------
def _latency_rows(where: str, measured: dict[str, Any]) -> list[list[Any]]:
    return [
        [
            name,
            where,
            st["n"],
            st["p50_ms"],
            st["p90_ms"],
            st["p99_ms"],
            st["max_ms"],
            st["rps"],
        ]
        for name, st in measured.items()
    ]


def markdown(result: dict[str, Any]) -> str:
    p, s, m = result["params"], result["shop"], result["machine"]
    http = result["http"]
    lines = [
        "## Team views: `GET /v1/distributors/{id}`, `.../team`, `.../progress`",
        "",
        f"Run {result['date']}: `uv run python -m benchmarks --customers {p['customers']} "
        f"--distributors {p['distributors']} --requests {p['requests']} --seed {p['seed']}`, "
        f"{common.duration_text(result['total_seconds'])} in all.",
        "",
        f"- Machine: {common.describe_machine(m)}",
        f"- Engine: {common.describe_engine(result['engine'])}",
        f"- Shop: {s['customers']:,} customers, {s['distributors']:,} distributors, "
        f"{s['invitations']:,} invitations, {s['bindings']:,} bindings; invitation forest "
        f"{s['depth']:,} levels deep, {s['roots']:,} roots ({s['roots_with_team']:,} with a "
        f"team), largest team {s['largest_team']:,}, team size p50/p90/p99 "
        f"{common.fmt(s['team_p50'])}/{common.fmt(s['team_p90'])}/{common.fmt(s['team_p99'])}, "
        f"{s['leaves']:,} leaves; direct clients max {s['max_direct_clients']:,}, median "
        f"{common.fmt(s['median_direct_clients'])}",
        "",
        *common.build_markdown(result["build"], result["statements"]),
        f"### Latency (ms): {p['requests']:,} sequential calls each, one persistent client, "
        f"after {p['warmup']:,} warm-up calls",
        "",
        f"Load average (1 min) of the machine: {result['load_average']['before']:.2f} before "
        f"measuring, {result['load_average']['after']:.2f} after ({m['nproc']} CPUs).",
        "",
        "Ids cycled: the 20 largest teams, 20 median and 20 random leaves (team sizes "
        + ", ".join(
            f"{g} {min(x['team_size'] for x in sel)}–{max(x['team_size'] for x in sel)}"
            for g, sel in result["selection"].items()
            if sel
        )
        + ").",
        "",
        common.md_table(
            ["call", "where", "n", "p50", "p90", "p99", "max", "calls/s"],
            _latency_rows("HTTP", http["calls"])
            + _latency_rows("in-process", result["in_process"]),
        ),
        "",
    ]
    if http["missing"]:
        lines += [f"HTTP {name}: endpoint not available." for name in http["missing"]] + [""]
    lines += [
        "### Team size vs cost",
        "",
        common.md_table(
            ["call", "where", "group", "p50", "p99", "bytes"],
            [
                [name, where, g, st["p50_ms"], st["p99_ms"], st.get("bytes")]
                for where, measured in (
                    ("HTTP", http["calls"]),
                    ("in-process", result["in_process"]),
                )
                for name, stats in measured.items()
                for g, st in stats["by_group"].items()
            ],
        ),
        "",
    ]
    for where in ("http", "in_process"):
        r = result["ratios"][where]
        if "team_p50" in r:
            lines.append(
                f"- {'HTTP' if where == 'http' else 'In-process'} team, largest teams / leaves: "
                f"p50 × {r['team_p50']:.2f}, p99 × {r['team_p99']:.2f}"
            )
    floor = http.get("floor")
    for name in CALLS:
        if name in http["calls"]:
            h, i = http["calls"][name]["p50_ms"], result["in_process"][name]["p50_ms"]
            lines.append(
                f"- {name}: HTTP p50 {h:.2f} ms = store {i:.2f} ms + {h - i:.2f} ms HTTP "
                f"(× {h / i:.2f})"
                + (
                    f", of which {floor['p50_ms']:.2f} ms the floor and "
                    f"{h - i - floor['p50_ms']:.2f} ms the app (key, route, response)"
                    if floor
                    else ""
                )
            )
    if floor:
        lines.append(
            f"- The HTTP floor, a request no route answers (`GET {FLOOR_PATH}`, 404) with the "
            f"same client: p50 {floor['p50_ms']:.2f} ms, p99 {floor['p99_ms']:.2f} ms (httpx, "
            "uvicorn with uvloop and httptools, no key, no engine)"
        )
    if result["notes"]:
        lines += ["", "### Notes", ""] + [f"- {n}" for n in result["notes"]]
    return "\n".join(lines) + "\n"
