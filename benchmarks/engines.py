"""Team views and orders on Neo4j beside FalkorDB: the same benchmarks, the same shop, both engines.

Runs ``team_views`` and ``orders`` (same arguments) on the embedded FalkorDB and on the Neo4j
of ``--neo4j URI`` (``make bench`` starts a fresh one), the API served by
``python -m teamgraph serve`` on each engine in turn, and records the figures side by side with
the ratio Neo4j / FalkorDB: build time, p50/p99 of the team views (in-process and over HTTP),
orders/s (one client and concurrent clients), completions and refunds, statements per call, and
the statements whose time differs most between the engines.

In a full ``make bench`` the FalkorDB figures are those ``team_views`` and ``orders`` just
measured in the same run (same arguments); with ``--only neo4j`` this benchmark measures
FalkorDB itself. Without ``--neo4j`` it is skipped.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

from benchmarks import common, orders, team_views

NAME = "neo4j"
TITLE = "team views and orders on Neo4j beside FalkorDB (ratio Neo4j / FalkorDB)"
MEASURED = (team_views, orders)


def skip(args: argparse.Namespace) -> str | None:
    """Why this benchmark does not run with these arguments (None: it runs)."""
    if not getattr(args, "neo4j", None):
        return "no Neo4j to measure on (--neo4j URI or $TEAMGRAPH_BENCH_NEO4J_URI)"
    return None


def run(args: argparse.Namespace) -> dict[str, Any]:
    reporter = common.Reporter(quiet=getattr(args, "quiet", False))
    earlier: dict[str, Any] = getattr(args, "results", None) or {}
    out: dict[str, Any] = {"benchmark": NAME, "date": common.now_text(), "reused": []}
    for module in MEASURED:
        falkordb = earlier.get(module.NAME)
        if falkordb is not None:
            out["reused"].append(module.NAME)
            reporter.say(f"  {module.NAME} on FalkorDB: the figures measured above in this run")
        else:
            reporter.say(f"  {module.NAME} on FalkorDB")
            falkordb = module.run(args)
        reporter.say(f"  {module.NAME} on Neo4j at {args.neo4j}")
        out[module.NAME] = {"falkordb": falkordb, "neo4j": module.run(args, "neo4j")}
    return out


# -- comparing -----------------------------------------------------------------------------------
Row = list[Any]


def ratio(falkordb: Any, neo4j: Any) -> float | None:
    if not isinstance(falkordb, (int, float)) or not isinstance(neo4j, (int, float)):
        return None
    return neo4j / falkordb if falkordb else None


def _dig(result: dict[str, Any], *path: str) -> Any:
    node: Any = result
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _row(label: str, pair: dict[str, Any], *path: str) -> Row:
    f, n = _dig(pair["falkordb"], *path), _dig(pair["neo4j"], *path)
    return [label, f, n, ratio(f, n)]


def _load_seconds(result: dict[str, Any]) -> float:
    """The load into the engine: every build phase but generating the rows in Python."""
    return sum(b["seconds"] for b in result["build"] if not b["phase"].startswith("generate"))


def build_rows(pair: dict[str, Any]) -> list[Row]:
    f, n = pair["falkordb"], pair["neo4j"]
    phases_f = {b["phase"]: b["seconds"] for b in f["build"]}
    phases_n = {b["phase"]: b["seconds"] for b in n["build"]}
    rows = [
        [f"build: {phase} (s)", phases_f[phase], phases_n.get(phase), ratio(phases_f[phase],
                                                                              phases_n.get(phase))]
        for phase in phases_f
        if not phase.startswith("generate")
    ]  # fmt: skip
    lf, ln = _load_seconds(f), _load_seconds(n)
    return [*rows, ["build: the whole load (s)", lf, ln, ratio(lf, ln)]]


def team_view_rows(pair: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for where, path in (("in-process", ("in_process",)), ("HTTP", ("http", "calls"))):
        for call in team_views.CALLS:
            for q in ("p50", "p99"):
                rows.append(_row(f"{call}, {where}: {q} (ms)", pair, *path, call, f"{q}_ms"))
            rows.append(_row(f"{call}, {where}: calls/s", pair, *path, call, "rps"))
    for call in team_views.CALLS:
        rows.append(
            _row(
                f"{call}: statements per call",
                pair,
                "in_process",
                call,
                "statements",
                "statements_mean",
            )
        )
    return rows


def order_rows(pair: dict[str, Any]) -> list[Row]:
    clients = _dig(pair["falkordb"], "params", "clients")
    rows: list[Row] = []
    phases: Sequence[tuple[str, tuple[str, ...]]] = (
        ("record, HTTP, 1 client", ("http", "calls", "record")),
        (f"record, HTTP, {clients} clients", ("http", "calls", "record_concurrent")),
        ("record, in-process", ("in_process", "record")),
        ("complete, HTTP", ("http", "calls", "complete")),
        ("complete, in-process", ("in_process", "complete")),
        ("partial refund, HTTP", ("http", "calls", "refund")),
        ("partial refund, in-process", ("in_process", "refund")),
    )
    for label, path in phases:
        unit = "orders/s" if label.startswith("record") else "calls/s"
        rows.append(_row(f"{label}: {unit}", pair, *path, "rps"))
        for q in ("p50", "p99"):
            rows.append(_row(f"{label}: {q} (ms)", pair, *path, f"{q}_ms"))
    for name, method in orders.METHOD.items():
        rows.append(
            _row(
                f"`Shop.{method}`: statements per call",
                pair,
                "in_process",
                name,
                "statements",
                "statements_mean",
            )
        )
    rows.append(
        _row("`POST /v1/orders` route: statements per call", pair, "route", "statements",
             "statements_mean")
    )  # fmt: skip
    return rows


def statement_rows(pair: dict[str, Any], where: Callable[[dict[str, Any]], Any]) -> list[Row]:
    """Per named statement: p50 ms of one call on each engine, the most slowed-down first."""

    def by_name(result: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
        return {(b["kind"], b["name"]): b for b in where(result) or []}

    f, n = by_name(pair["falkordb"]), by_name(pair["neo4j"])
    rows = [
        [f"{kind} `{name}`", f[k]["per_call"], f[k]["p50_ms"], n[k]["p50_ms"],
         ratio(f[k]["p50_ms"], n[k]["p50_ms"]), f[k]["p99_ms"], n[k]["p99_ms"]]
        for k in f
        if k in n
        for kind, name in [k]
    ]  # fmt: skip
    return sorted(rows, key=lambda r: -(r[4] or 0))


def _team_view_statements(result: dict[str, Any]) -> list[dict[str, Any]]:
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for call in team_views.CALLS:
        for b in _dig(result, "in_process", call, "statements", "by_name") or []:
            merged.setdefault((b["kind"], b["name"]), b)
    return list(merged.values())


def _load(result: dict[str, Any]) -> str:
    la = result.get("load_average") or {}
    return f"{la.get('before', 0):.2f} → {la.get('after', 0):.2f}"


def _fmt_ratio(r: Row) -> Row:
    return [*r[:-1], f"× {r[-1]:.2f}" if isinstance(r[-1], float) else "–"]


def _statement_table(rows: list[Row], per: str) -> str:
    headers = ["statement", per, "FalkorDB p50", "Neo4j p50", "ratio"]
    headers += ["FalkorDB p99", "Neo4j p99"]
    return common.md_table(
        headers, [[*r[:4], f"× {r[4]:.2f}" if r[4] else "–", *r[5:]] for r in rows]
    )


def command(result: dict[str, Any]) -> str:
    """The command that ran this (``make bench`` passes ``--neo4j`` to its own server)."""
    p, po = result["team_views"]["falkordb"]["params"], result["orders"]["falkordb"]["params"]
    only = "" if result["reused"] else "--only neo4j "
    return (
        f"`uv run python -m benchmarks {only}--neo4j bolt://127.0.0.1:PORT --customers "
        f"{p['customers']} --distributors {p['distributors']} --requests {p['requests']} "
        f"--orders {po['orders']} --clients {po['clients']} --completions {po['completions']} "
        f"--refunds {po['refunds']} --seed {p['seed']}`"
    )


def markdown(result: dict[str, Any]) -> str:
    tv, od = result["team_views"], result["orders"]
    f_tv, n_tv = tv["falkordb"], tv["neo4j"]
    po = od["falkordb"]["params"]
    m = f_tv["machine"]
    reused = result["reused"]
    lines = [
        "## Neo4j beside FalkorDB: team views and orders",
        "",
        f"Run {result['date']}: {command(result)}; "
        + (
            f"the FalkorDB figures are those of `{'` and `'.join(reused)}` above, from the "
            "same run; "
            if reused
            else "both engines measured by this benchmark, FalkorDB first; "
        )
        + "each engine got a fresh shop and its own `teamgraph serve` (on Neo4j with "
        "`NEO4J_URI`, `NEO4J_USER`, `NEO4J_PASSWORD`).",
        "",
        f"- Machine: {common.describe_machine(m)}; other work ran on it meanwhile: the load "
        "average (1 min, before → after measuring) is given for each run",
        f"- FalkorDB: {common.describe_engine(f_tv['engine'])}",
        f"- Neo4j: {common.describe_engine(n_tv['engine'])}",
        f"- Shop: {f_tv['shop']['customers']:,} customers, {f_tv['shop']['distributors']:,} "
        f"distributors (the `team_views` build; `orders` adds {po['unbound']:,} walk-ins and "
        f"{po['products']:,} products)",
        "- Ratio = Neo4j / FalkorDB: above 1 means Neo4j takes longer (times) or does more "
        "(rates, statements)",
        "",
        "### Team views",
        "",
        f"Load average: FalkorDB {_load(f_tv)}, Neo4j {_load(n_tv)}. "
        f"Build: {common.duration_text(_load_seconds(f_tv))} on FalkorDB, "
        f"{common.duration_text(_load_seconds(n_tv))} on Neo4j.",
        "",
        common.md_table(
            ["figure", "FalkorDB", "Neo4j", "Neo4j / FalkorDB"],
            [_fmt_ratio(r) for r in [*team_view_rows(tv), *build_rows(tv)]],
        ),
        "",
        "Statements of the team views (in-process), p50 / p99 ms of one call:",
        "",
        _statement_table(statement_rows(tv, _team_view_statements), "per call"),
        "",
        "### Orders",
        "",
        f"Load average: FalkorDB {_load(od['falkordb'])}, Neo4j {_load(od['neo4j'])}. "
        f"Check of the counters against the orders recorded: FalkorDB "
        f"{'passed' if _dig(od['falkordb'], 'check', 'ok') else '**failed**'}, Neo4j "
        f"{'passed' if _dig(od['neo4j'], 'check', 'ok') else '**failed**'}.",
        "",
        common.md_table(
            ["figure", "FalkorDB", "Neo4j", "Neo4j / FalkorDB"],
            [_fmt_ratio(r) for r in [*order_rows(od), *build_rows(od)]],
        ),
        "",
    ]
    for name, method in orders.METHOD.items():
        lines += [
            f"Statements of `Shop.{method}` (in-process), p50 / p99 ms of one call, the most "
            "slowed down on Neo4j first:",
            "",
            _statement_table(
                statement_rows(
                    od,
                    lambda x, name=name: _dig(x, "in_process", name, "statements", "by_name"),
                ),
                "per call",
            ),
            "",
        ]
    notes = [
        f"{engine} {module.NAME}: {n}"
        for module in MEASURED
        for engine in ("FalkorDB", "Neo4j")
        for n in result[module.NAME][engine.lower()].get("notes", [])
    ]
    if notes:
        lines += ["### Notes", "", *[f"- {n}" for n in notes], ""]
    return "\n".join(lines)
