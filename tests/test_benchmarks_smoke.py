"""The benchmark code path on a tiny shop: it runs, returns its figures and records its section.

Structure only: no timing is asserted here (figures belong in benchmarks/RESULTS.md), and the real
``benchmarks/RESULTS.md`` is never touched (results go to ``tmp_path``). Team views and orders
also run on the suite's Neo4j (``TEAMGRAPH_TEST_NEO4J_URI``, which ``make test`` sets), as
``make bench`` runs them beside FalkorDB.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import common, etl, orders, reports, runner, team_views
from tests.conftest import required_neo4j_env

SIZE = ["--customers", "300", "--distributors", "30", "--requests", "20", "--warmup", "2"]


def test_team_views_runs_on_a_tiny_shop_and_records_its_section(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    out.write_text(
        "# Benchmark results\n\n<!-- benchmark:other -->\nkept\n<!-- /benchmark:other -->\n"
    )
    args = runner.parser().parse_args([*SIZE, "--quiet", "--only", "team_views", "--out", str(out)])

    result = runner.run_all(args)["team_views"]

    assert {"params", "machine", "engine", "loaded", "build", "shop", "selection"} <= set(result)
    assert result["engine"]["kind"] == "falkordb-embedded"
    assert result["machine"]["nproc"] > 0
    loaded = result["loaded"]
    assert loaded["customers"] == 300 and loaded["distributors"] == 30
    assert all(loaded[k] > 0 for k in ("invitations", "bindings"))
    phases = [b["phase"] for b in result["build"]]
    assert set(team_views.BUILD_STEPS.values()) <= set(phases)
    assert all(b["seconds"] >= 0 for b in result["build"])
    shop = result["shop"]
    assert shop["depth"] == shop["depth_counters"] > 0
    assert shop["largest_team"] > 0
    assert shop["leaves"] > 0
    assert set(result["selection"]) == set(team_views.GROUPS)
    assert all(result["selection"].values())

    for name in team_views.CALLS:
        stats = result["in_process"][name]
        assert stats["n"] == 20
        assert 0 < stats["p50_ms"] <= stats["p99_ms"] <= stats["max_ms"]
        assert set(stats["by_group"]) == set(team_views.GROUPS)
    http = result["http"]
    assert set(http["paths"]) == set(team_views.CALLS)
    for stats in http["calls"].values():  # the endpoints present when this runs
        assert stats["n"] == 20
        assert stats["errors"] == 0, stats["first_error"]
    assert set(http["calls"]) | set(http["missing"]) == set(team_views.CALLS)
    assert http["floor"]["n"] == 20  # the floor: a request no route answers
    assert "team_p50" in result["ratios"]["in_process"]
    assert result["load_average"]["before"] >= 0

    text = out.read_text()
    assert "<!-- benchmark:other -->\nkept\n<!-- /benchmark:other -->" in text
    assert text.count("<!-- benchmark:team_views -->") == 1
    assert "### Latency" in text and "The HTTP floor" in text
    common.update_results(out, "team_views", "again")  # a rerun replaces the section only
    text = out.read_text()
    assert text.count("<!-- benchmark:team_views -->") == 1
    assert "\nagain\n" in text and "### Latency" not in text
    assert "<!-- benchmark:other -->\nkept\n<!-- /benchmark:other -->" in text


ORDERS = ["--orders", "20", "--clients", "2", "--completions", "8", "--refunds", "4"]


def test_orders_runs_on_a_tiny_shop_and_records_its_section(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    out.write_text(
        "# Benchmark results\n\n<!-- benchmark:other -->\nkept\n<!-- /benchmark:other -->\n"
    )
    argv = [*SIZE, *ORDERS, "--products", "20", "--quiet", "--only", "orders", "--out", str(out)]
    args = runner.parser().parse_args(argv)

    result = runner.run_all(args)["orders"]

    assert result["engine"]["kind"] == "falkordb-embedded"
    assert result["loaded"]["customers"] == 300 and result["loaded"]["distributors"] == 30
    assert set(common.BUILD_STEPS.values()) <= {b["phase"] for b in result["build"]}
    assert result["products"]["count"] == 20
    assert result["shop"]["unbound"] >= result["params"]["unbound"] > 0

    local = result["in_process"]
    assert [local[k]["n"] for k in ("record", "complete", "refund")] == [20, 8, 4]
    for stats in local.values():
        assert stats["errors"] == 0, stats["first_error"]
        assert 0 < stats["p50_ms"] <= stats["p99_ms"] <= stats["max_ms"]
        assert stats["statements"]["calls"] == stats["n"]
    recorded = local["record"]["statements"]
    names = {(b["kind"], b["name"]) for b in recorded["by_name"]}
    assert {("read", "order.context"), ("write", "order.create")} <= names
    assert recorded["reads_mean"] >= 1 and recorded["writes_mean"] >= 1
    assert local["record"]["orders"]["orders"] == 20
    route = result["route"]
    assert route["errors"] == 0, route["first_error"]
    assert route["statements"]["calls"] == route["n"] > 0

    http = result["http"]
    assert set(http["paths"]) == set(orders.ENDPOINTS)
    if http["paths"]["record"] is not None:  # POST /v1/orders present when this runs
        calls = http["calls"]
        assert calls["record"]["n"] == calls["record_concurrent"]["n"] == 20
        assert calls["record_concurrent"]["clients"] == 2
        for stats in calls.values():
            assert stats["errors"] == 0, stats["first_error"]
            # concurrent orders may share a write (group commit): below one per order
            assert stats["graph"] is None or stats["graph"]["writes"] > 0
    grouped = result["grouped"]
    assert [len(grouped["grouped"]), len(grouped["alone"])] == [2, 2]
    for st in grouped["grouped"] + grouped["alone"]:
        assert st["errors"] == 0 and st["n"] == 5, st
    assert all(st["rows_per_statement"] == 1.0 for st in grouped["alone"])
    assert all(st["rows_per_statement"] >= 1.0 for st in grouped["grouped"])
    assert result["check"]["ok"], result["check"]

    text = out.read_text()
    assert "<!-- benchmark:other -->\nkept\n<!-- /benchmark:other -->" in text
    assert text.count("<!-- benchmark:orders -->") == 1
    assert "### Statements per call" in text and "order.context" in text
    assert "### Group commit" in text and "### The write beside the engine's own limit" in text
    limit = result["limit"]
    assert set(limit) == {
        f"{name}/{size}"
        for name in ("order.create", "benchmark.minimal_order")
        for size in (1, orders.LIMIT_GROUP)
    }
    assert all(st["orders_per_s"] > 0 for st in limit.values())


def test_workers_runs_on_a_tiny_shop_and_records_its_section(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    argv = [
        *SIZE,
        "--worker-counts",
        "1,2",
        "--worker-clients",
        "2",
        "--reads",
        "20",
        "--writes",
        "10",
    ]
    args = runner.parser().parse_args([*argv, "--quiet", "--only", "workers", "--out", str(out)])

    result = runner.run_all(args)["workers"]

    assert [r["workers"] for r in result["runs"]] == [1, 2]
    for run in result["runs"]:
        assert (run["reads"]["n"], run["writes"]["n"]) == (20, 10)
        assert run["reads"]["errors"] == run["writes"]["errors"] == 0
    text = out.read_text()
    assert text.count("<!-- benchmark:workers -->") == 1 and "| workers |" in text


ETL = ["--etl-orders", "20", "--etl-large-customers", "400", "--etl-large-orders", "300"]


def test_etl_runs_on_a_tiny_shop_and_records_its_section(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    out.write_text(
        "# Benchmark results\n\n<!-- benchmark:other -->\nkept\n<!-- /benchmark:other -->\n"
    )
    argv = [*SIZE, *ETL, "--quiet", "--only", "etl", "--out", str(out)]
    args = runner.parser().parse_args(argv)

    result = runner.run_all(args)["etl"]

    assert result["engine"]["kind"] == "falkordb-embedded"
    assert result["machine"]["nproc"] > 0
    assert [k["kind"] for k in result["kinds"]] == list(etl.generator.LOAD_ORDER)
    for k in result["kinds"]:
        assert k["rows"] == result["files"]["counts"][k["kind"]] > 0
        assert k["rejected"] == 0 and k["loaded"] + k["unchanged"] == k["rows"]
        assert 0 <= k["statements_s"] <= k["seconds"]
        assert k["statements"] and all(st["seconds"] >= 0 for st in k["statements"])
    by = {k["kind"]: k for k in result["kinds"]}
    assert by["customers"]["rows"] == 300 and by["distributors"]["rows"] == 30
    rerun = result["rerun"]
    assert rerun["kind"] == etl.RERUN_KIND
    assert rerun["unchanged"] == rerun["rows"] == by[etl.RERUN_KIND]["rows"]
    assert rerun["loaded"] == 0
    o = result["orders"]
    assert o["orders"] >= 20 and o["lines"] == by["orders"]["rows"]
    assert o["orders_per_s"] is not None and o["orders_per_s"] > 0
    large = result["large"]
    assert large["run"] and large["customers"] == 400 and large["distributors"] == 40
    assert [k["kind"] for k in large["kinds"]] == list(etl.generator.LOAD_ORDER)
    assert all(k["rejected"] == 0 and k["rows"] > 0 for k in large["kinds"])
    assert large["history"]["orders"] == 300 and large["history"]["orders_per_s"] > 0
    for new in (result["new_shop"], large["new_shop"]):  # teamgraph load shop: the bulk path
        assert [p["kind"] for p in new["parts"]][-1] == "bulk write"
        assert new["rejected"] == 0 and new["parts"][-1]["rows"] > new["rows"] / 2

    text = out.read_text()
    assert "<!-- benchmark:other -->\nkept\n<!-- /benchmark:other -->" in text
    assert text.count("<!-- benchmark:etl -->") == 1
    assert "### Orders: historical attribution" in text and "orders/s**, measured" in text
    assert "customers again" in text and "### 400 customers" in text
    assert "### A new shop in one command" in text and "bulk write (nodes + edges)" in text
    assert "in statements" in text and "`etl.customers_upsert`" in text


def test_history_runs_on_a_tiny_shop_and_records_its_section(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    argv = [*SIZE, "--history-orders", "40", "--quiet", "--only", "history", "--out", str(out)]
    result = runner.run_all(runner.parser().parse_args(argv))["history"]

    o = result["orders"]
    assert o["orders"] == 40 and o["lines"] >= 40 and o["rejected"] == 0
    assert o["python_cpu_s"] > 0 and o["engine_cpu_s"] is not None and o["engine_cpu_s"] >= 0
    assert "orders.load_batch" in {s["name"] for s in o["statements"]}
    text = out.read_text()
    assert text.count("<!-- benchmark:history -->") == 1
    assert "engine CPU s" in text and "orders per CPU s" in text


def test_results_section_is_appended_then_replaced(tmp_path: Path) -> None:
    out = tmp_path / "R.md"
    common.update_results(out, "a", "first")
    common.update_results(out, "b", "second")
    common.update_results(out, "a", "third")
    text = out.read_text()
    assert text.startswith("# Benchmark results")
    assert "first" not in text
    assert text.index("third") < text.index("second")


def test_percentiles_and_tables() -> None:
    assert common.percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert common.percentile([1.0, 2.0], 99) == 1.99
    stats = common.latency_stats([1_000_000, 3_000_000], wall_s=0.5)
    assert stats["p50_ms"] == 2.0 and stats["max_ms"] == 3.0 and stats["rps"] == 4.0
    table = common.md_table(["a", "bb"], [[1, 2.5], ["x", None]])
    assert table.splitlines()[1].startswith("|---")


@pytest.mark.neo4j
def test_team_views_and_orders_run_on_neo4j_beside_falkordb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What ``make bench`` runs: team views and orders on FalkorDB, then the ``neo4j`` benchmark
    (the same two on the suite's Neo4j, the API served from it) reusing the FalkorDB figures."""
    env = required_neo4j_env(monkeypatch)
    out = tmp_path / "RESULTS.md"
    only = ["--only", "team_views", "--only", "orders", "--only", "neo4j"]
    argv = [*SIZE, *ORDERS, "--products", "20", "--quiet", *only, "--out", str(out)]
    args = runner.parser().parse_args([*argv, "--neo4j", env["NEO4J_URI"]])

    results = runner.run_all(args)

    compared = results["neo4j"]
    assert compared["reused"] == ["team_views", "orders"]
    assert compared["team_views"]["falkordb"] is results["team_views"]
    views = compared["team_views"]["neo4j"]
    assert views["engine"]["kind"] == "neo4j" and views["engine"]["neo4j_version"]
    assert views["loaded"]["customers"] == 300
    assert views["shop"]["depth"] == views["shop"]["depth_counters"] > 0
    for name in team_views.CALLS:
        stats = views["in_process"][name]
        assert stats["n"] == 20
        assert stats["statements"]["calls"] == 20 + 2  # the warm-up calls are counted too
        assert stats["statements"]["statements_mean"] >= 1
        assert views["http"]["calls"][name]["errors"] == 0, views["http"]["calls"][name]
    placed = compared["orders"]["neo4j"]
    assert placed["engine"]["kind"] == "neo4j"
    local = placed["in_process"]
    assert [local[k]["n"] for k in ("record", "complete", "refund")] == [20, 8, 4]
    assert all(s["errors"] == 0 for s in local.values()), local
    assert placed["route"]["errors"] == 0, placed["route"]["first_error"]
    calls = placed["http"]["calls"]  # served by `teamgraph serve` on Neo4j
    assert calls["record"]["n"] == calls["record_concurrent"]["n"] == 20
    assert all(s["errors"] == 0 for s in calls.values()), calls
    assert all(s["graph"] is None for s in calls.values())  # INFO commandstats: FalkorDB only
    assert placed["check"]["ok"], placed["check"]
    # the same Shop code runs the same statements on both engines
    falkordb = compared["orders"]["falkordb"]["in_process"]["record"]["statements"]
    assert {b["name"] for b in local["record"]["statements"]["by_name"]} == {
        b["name"] for b in falkordb["by_name"]
    }

    text = out.read_text()
    assert text.count("<!-- benchmark:neo4j -->") == 1
    assert "Neo4j / FalkorDB" in text and "statements per call" in text
    assert "`order.create`" in text


def test_the_neo4j_comparison_is_skipped_without_a_neo4j(tmp_path: Path) -> None:
    args = runner.parser().parse_args([*SIZE, "--only", "neo4j", "--out", str(tmp_path / "R.md")])
    args.neo4j = None  # whatever the environment says

    assert runner.run_all(args) == {}
    assert not (tmp_path / "R.md").exists()


def test_load_runs_on_a_tiny_shop_with_no_errors_and_is_not_in_the_default_run(
    tmp_path: Path,
) -> None:
    out = tmp_path / "RESULTS.md"
    out.write_text("# Benchmark results\n")
    only = [*SIZE, "--quiet", "--out", str(out), "--load-seconds", "2", "--load-workers", "1"]
    result = runner.run_all(runner.parser().parse_args([*only, "--only", "load"]))["load"]
    assert result["errors"] == {}
    assert result["reads"]["n"] > 0 and result["writes"]["n"] > 0
    assert "## Sustained load" in out.read_text()
    assert runner.load("load").skip(runner.parser().parse_args(SIZE)) is not None


def test_center_measures_the_home_page_on_slow_4g(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    out.write_text("# Benchmark results\n")
    args = [*SIZE, "--quiet", "--out", str(out), "--only", "center", "--center-runs", "1"]
    result = runner.run_all(runner.parser().parse_args([*args, "--center-customers", "1000"]))
    runs = result["center"]["runs"]
    assert len(runs) == 1 and runs[0]["bytes"] > 0 and runs[0]["load_seconds"] > 0
    assert "## Distributor center" in out.read_text()


REPORTS = ["--reports-demo-customers", "200", "--reports-calls", "3", "--reports-warmup", "1"]


def test_reports_measures_issue_17s_reports_at_two_sizes(tmp_path: Path) -> None:
    """Issue 17's reports (overview, channels, cohorts, the distributor list and its cursor,
    the applications queue, the jobs' runs) in-process and over HTTP, on a tiny demo-sized and
    a tiny "large" shop: every call measured, no HTTP error, the ratios and the section."""
    out = tmp_path / "RESULTS.md"
    out.write_text("# Benchmark results\n")
    argv = [*SIZE, *REPORTS, "--quiet", "--only", "reports", "--out", str(out)]

    result = runner.run_all(runner.parser().parse_args(argv))["reports"]

    assert result["engine"]["kind"] == "falkordb-embedded"
    assert set(result["sizes"]) == {"demo", "large"}
    assert result["params"]["sizes"]["large"]["customers"] == 300
    for size in result["sizes"].values():
        assert size["loaded"]["customers"] > 0 and size["loaded"]["order_ids"] > 0
        assert set(size["in_process"]) == set(reports.IN_PROCESS)
        assert set(size["http"]) == set(reports.HTTP)
        for stats in size["in_process"].values():
            assert stats["n"] == 3 and 0 < stats["p50_ms"] <= stats["p95_ms"] <= stats["max_ms"]
            assert stats["statements"] and all(s["per_call"] >= 1 for s in stats["statements"])
        for name, stats in size["http"].items():
            assert stats["n"] == 3 and stats["errors"] == 0, (name, stats["first_error"])
        # the deep page is reached through the cursor, past half the distributors
        context = size["context"]
        assert 0 < context["deep_page_after"] <= context["distributors_total"]
        assert context["answers"]["overview"]["orders"] > 0
        assert context["answers"]["overview"]["funnel"]["visitors"] >= 0
    assert set(result["ratios"]["in_process"]) == set(reports.IN_PROCESS)
    assert result["ratios"]["customers"] == 1.5

    text = out.read_text()
    assert text.count("<!-- benchmark:reports -->") == 1
    assert "### Scaling: large / demo" in text and "`reports.cohorts`" in text
    assert "### The slowest" in text and len(result["notes"]) == 3
