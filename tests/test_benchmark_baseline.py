"""The relational baseline (benchmarks/baseline.py): its rows mean what teamgraph means, and it
measures teamgraph on each engine beside one PostgreSQL.

The benchmark loads the synthetic shop into PostgreSQL as ``users(id, parent_id,
is_distributor)`` and ``orders(id, user_id)``, and checks its SQL answers against teamgraph's on
each engine in every run. ``make test`` installs no PostgreSQL, so most tests here hold the parts
that need none: the COPY rows, the walk of the parent column (done here in Python, as the
recursive SQL does it) against teamgraph's counters and bindings, and teamgraph's side of the
measurement, on a tiny shop on both engines. The whole benchmark runs, on FalkorDB and on the
suite's Neo4j, where a PostgreSQL is installed (``make install-bench-system``); skipped
otherwise. No timing is asserted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks import baseline, common, runner, team_views
from teamgraph.etl import demo
from teamgraph.graph import Engine
from teamgraph.shop import Shop
from tests.conftest import new_shop_id, required_neo4j_env

DATA = demo.generate(customers=300, distributors=30, seed=7)


def test_one_parent_column_holds_the_inviters_and_the_bindings() -> None:
    """A distributor's parent is its inviter (R-2.2), a customer's the distributor it is bound
    to (R-1): CRMEB's single ``spread_uid``; roots have none."""
    uid = baseline.user_ids(DATA)
    rows = baseline.users_rows(DATA, uid)

    assert [r[0] for r in rows] == list(range(1, 301))
    by_id = {r[0]: r for r in rows}
    assert sum(1 for r in rows if r[2]) == 30
    inviter = {i["id"]: i["inviter_id"] for i in DATA.invitations}
    bound = {b["customer_id"]: b["distributor_id"] for b in DATA.bindings}
    for c in DATA.customers:
        _, parent, is_distributor = by_id[uid[c["id"]]]
        if is_distributor:
            assert parent == (uid[inviter[c["id"]]] if c["id"] in inviter else None)
        else:
            assert parent == uid[bound[c["id"]]]
        assert parent is None or by_id[parent][2], "every parent is a distributor"
    roots = [r for r in rows if r[1] is None]
    assert roots and all(r[2] for r in roots)


def test_orders_rows_are_random_customers_fixed_by_the_seed() -> None:
    uid = baseline.user_ids(DATA)
    rows = baseline.orders_rows(DATA, uid, 500, seed=7)

    assert rows == baseline.orders_rows(DATA, uid, 500, seed=7)
    assert rows != baseline.orders_rows(DATA, uid, 500, seed=8)
    assert [r[0] for r in rows] == list(range(1, 501))
    assert {r[1] for r in rows} <= set(uid.values())
    assert len({r[1] for r in rows}) > 100  # spread over the shop, not one buyer


def _walk(rows: list[tuple[int, int | None, bool]]) -> dict[int, dict[str, Any]]:
    """Each distributor's team view from the parent column, as the benchmark's recursive SQL
    computes it (R-2.3): team and members per depth below it, direct and indirect clients."""
    children: dict[int, list[int]] = defaultdict(list)
    distributor = {r[0]: r[2] for r in rows}
    for uid, parent, _ in rows:
        if parent is not None:
            children[parent].append(uid)
    views = {}
    for uid, _, is_distributor in rows:
        if not is_distributor:
            continue
        depths: Counter[int] = Counter()
        level, depth = [uid], 0
        while level:
            depth += 1
            level = [c for p in level for c in children[p] if distributor[c]]
            depths.update({depth: len(level)} if level else {})
        invitees = [c for c in children[uid] if distributor[c]]
        views[uid] = {
            "direct_clients": len(children[uid]),
            "indirect_clients": sum(len(children[i]) for i in invitees),
            "invitees": len(invitees),
            "team_size": sum(depths.values()),
            "by_depth": [{"depth": d, "distributors": n} for d, n in sorted(depths.items())],
        }
    return views


@pytest.fixture
def shop(engine: Engine) -> Iterator[Shop]:
    shop = Shop.create(engine, new_shop_id("pg"))
    demo.load(shop, DATA)
    yield shop
    shop.store.drop()


def test_the_parent_column_walked_gives_teamgraphs_team_views(shop: Shop) -> None:
    uid = baseline.user_ids(DATA)
    walked = _walk(baseline.users_rows(DATA, uid))

    for d in DATA.distributors:
        assert baseline.team_answer(shop.team(d["id"])) == walked[uid[d["id"]]], d["id"]
    assert max(v["team_size"] for v in walked.values()) > 10  # a real forest, not flat


def test_the_benchmarks_attribution_in_teamgraph_is_the_parent_chain(shop: Shop) -> None:
    """What the benchmark reads from teamgraph for every order (the buyer's distributor and
    the two inviters above it, R-3.7) is the chain of the parent column, buyer by buyer."""
    uid = baseline.user_ids(DATA)
    name_of = {v: k for k, v in uid.items()}
    parent = {r[0]: r[1] for r in baseline.users_rows(DATA, uid)}
    now = demo.START_MS + demo.DAY_MS * len(DATA.customers)

    chains = baseline.teamgraph_chains(shop, [c["id"] for c in DATA.customers], now)

    for c in DATA.customers:
        tiers: list[int | None] = [parent[uid[c["id"]]]]
        for _ in range(2):
            tiers.append(parent[tiers[-1]] if tiers[-1] is not None else None)
        expected = tuple(name_of[t] if t is not None else None for t in tiers)
        assert chains.get(c["id"], (None, None, None)) == expected, c["id"]


def test_without_postgresql_the_benchmark_says_why_it_skips(tmp_path: Path) -> None:
    args = runner.parser().parse_args(["--only", "baseline", "--pg-bin", str(tmp_path)])
    assert "PostgreSQL" in (baseline.skip(args) or "")
    for tool in ("initdb", "pg_ctl"):
        (tmp_path / tool).touch()
    assert baseline.skip(args) is None
    assert baseline.pg_bin(args) == tmp_path


# -- teamgraph's side, on each engine (no PostgreSQL) ---------------------------------------------
def _questions(shop: Shop, n: int = 6) -> baseline.Questions:
    """What the benchmark asks, from the tiny shop, as ``baseline.postgres_side`` sets it."""
    profiles = shop.store.read("distributor.profiles", ids=[d["id"] for d in DATA.distributors])
    ids, group_of = team_views.cycle_order(team_views.select(profiles, 7))
    largest = sorted(profiles, key=lambda x: (-(x["team_size"] or 0), x["id"]))[:10]
    uid = baseline.user_ids(DATA)
    name_of = {v: k for k, v in uid.items()}
    orders = [(oid, name_of[u]) for oid, u in baseline.orders_rows(DATA, uid, 200, seed=7)]
    return baseline.Questions(
        ids=ids,
        group_of=group_of,
        largest=[{"id": x["id"], "team_size": int(x["team_size"] or 0)} for x in largest],
        orders=orders,
        sample=orders[:n],
        now=demo.START_MS + demo.DAY_MS * len(DATA.customers),
        n=n,
        warmup=1,
        largest_runs=2,
        rank_runs=3,
    )


def _walked_answers(q: baseline.Questions) -> baseline.Answers:
    """PostgreSQL's answers, computed as its SQL does from the parent column (walked here)."""
    uid = baseline.user_ids(DATA)
    name_of = {v: k for k, v in uid.items()}
    rows = baseline.users_rows(DATA, uid)
    walked = _walk(rows)
    parent = {r[0]: r[1] for r in rows}

    def chain(buyer: str) -> tuple[str | None, ...]:
        tiers: list[int | None] = [parent[uid[buyer]]]
        for _ in range(2):
            tiers.append(parent[tiers[-1]] if tiers[-1] is not None else None)
        return tuple(name_of[t] if t is not None else None for t in tiers)

    teams = [(name_of[i], v["team_size"]) for i, v in walked.items() if v["team_size"]]
    return baseline.Answers(
        team_views={did: walked[uid[did]] for did in sorted(q.group_of)},
        ranking=sorted(teams, key=lambda t: (-t[1], t[0]))[:10],
        chains={oid: chain(buyer) for oid, buyer in q.orders},
    )


def test_teamgraphs_side_is_measured_and_agrees_with_the_parent_column(shop: Shop) -> None:
    """What the benchmark measures on each engine (``shop`` runs on FalkorDB and on Neo4j), on
    the tiny shop, and its agreement with PostgreSQL's answers, stood in for here by the
    parent column walked in Python."""
    q = _questions(shop)

    figures, chains = baseline.measure_teamgraph(shop, q, "test", common.Reporter(quiet=True))

    views = figures["team_views"]
    assert set(views) == set(team_views.CALLS)
    assert all(views[c]["n"] == q.n and views[c]["load"] >= 0 for c in views)
    assert set(views["team"]["by_group"]) <= set(team_views.GROUPS)
    assert set(figures["largest10"]) == {x["id"] for x in q.largest}
    assert all(st["n"] == q.largest_runs for st in figures["largest10"].values())
    assert figures["ranking"]["n"] == q.rank_runs
    assert figures["attribution_one"]["n"] == len(q.sample)
    assert figures["attribution_all"]["rows_per_s"] > 0
    assert len(chains) == len(q.orders)

    agreed = baseline.agreement(shop, q, _walked_answers(q), chains)

    assert agreed == {
        "team_views": len(q.group_of),
        "team_views_differ": [],
        "ranking_same": True,
        "ranking_sizes_same": True,
        "orders": len(q.orders),
        "orders_attributed": sum(1 for c in chains if c[0]),
        "orders_differ": 0,
    }
    assert agreed["orders_attributed"] > len(q.orders) / 2


def test_a_wrong_answer_is_reported_not_hidden(shop: Shop) -> None:
    q = _questions(shop)
    _, chains = baseline.measure_teamgraph(shop, q, "test", common.Reporter(quiet=True))
    pg = _walked_answers(q)
    some = q.ids[0]
    pg.team_views[some] = pg.team_views[some] | {"team_size": 10_000}
    pg.ranking = pg.ranking[::-1]
    first = q.orders[0][0]
    pg.chains[first] = ("nobody", None, None)

    agreed = baseline.agreement(shop, q, pg, chains)

    assert agreed["team_views_differ"] == [some]
    assert not agreed["ranking_same"]
    assert agreed["orders_differ"] == 1


# -- the whole benchmark (needs PostgreSQL) -------------------------------------------------------
SIZE = ["--customers", "300", "--distributors", "30", "--requests", "20", "--warmup", "2"]
SIZE += ["--rank-runs", "3", "--quiet", "--only", "baseline"]


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the run starts a PostgreSQL and measures it; skips without PostgreSQL."""
    if baseline.pg_bin(runner.parser().parse_args([])) is None:
        pytest.skip("no PostgreSQL (initdb, pg_ctl): `make install-bench-system` installs it")
    calls = {"postgres_server": 0, "measure_postgres": 0}
    for name in calls:
        real = getattr(baseline, name)

        def counting(*a: Any, real: Any = real, name: str = name, **kw: Any) -> Any:
            calls[name] += 1
            return real(*a, **kw)

        monkeypatch.setattr(baseline, name, counting)
    return calls


def _check_run(result: dict[str, Any], kinds: list[str], text: str) -> None:
    """What every run of the benchmark gives, whatever the engines."""
    assert list(result["teamgraph"]) == kinds
    pg = result["postgres_side"]
    assert set(pg["team_views"]) == set(baseline.TEAM_QUERIES)
    assert all(st["n"] == 20 for st in pg["team_views"].values())
    assert set(pg["largest10"]) == {x["id"] for x in result["largest10"]}
    for kind in kinds:
        tg = result["teamgraph"][kind]
        assert tg["loaded"]["customers"] == 300 and tg["loaded"]["distributors"] == 30
        assert tg["team_views"]["team"]["n"] == 20
        assert set(tg["largest10"]) == set(pg["largest10"])
        agreed = tg["agreement"]
        assert agreed["team_views_differ"] == [] and agreed["ranking_sizes_same"], agreed
        assert agreed["orders"] == 300 and agreed["orders_differ"] == 0, agreed
        assert tg["ratios"]["team_view_largest_p50"] is not None
        assert baseline.ENGINE_NAMES[kind] in baseline.verdict(result, kind)
    assert text.count("<!-- benchmark:baseline -->") == 1
    header = text[text.index("| SQL ") :].splitlines()[0]
    columns = [c.strip() for c in header.strip("|").split("|")]
    engines = [f"teamgraph on {baseline.ENGINE_NAMES[k]}" for k in kinds]
    ratios = [c for e in engines for c in (e, "ratio p50", "ratio p99")]
    assert columns == ["SQL", "group", "PostgreSQL", *ratios, "load"]
    assert "### Do the answers agree?" in text and "differ" not in text.split("agree?")[1]


def test_the_benchmark_measures_falkordb_beside_postgresql(
    tmp_path: Path, counted: dict[str, int]
) -> None:
    """Without ``--neo4j`` (``make bench-quick``): FalkorDB alone beside PostgreSQL."""
    out = tmp_path / "RESULTS.md"
    args = runner.parser().parse_args([*SIZE, "--out", str(out)])
    args.neo4j = None  # whatever the environment says

    result = runner.run_all(args)["baseline"]

    _check_run(result, ["falkordb"], out.read_text())
    assert result["params"]["neo4j"] is None
    assert counted == {"postgres_server": 1, "measure_postgres": 1}
    assert "Neo4j" not in out.read_text()


@pytest.mark.neo4j
def test_the_benchmark_measures_both_engines_beside_one_postgresql(
    tmp_path: Path, counted: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``--neo4j`` (``make bench``): the shop built on FalkorDB and on the suite's Neo4j,
    each measured and checked beside the same PostgreSQL, started and measured once."""
    env = required_neo4j_env(monkeypatch)
    out = tmp_path / "RESULTS.md"
    args = runner.parser().parse_args([*SIZE, "--out", str(out), "--neo4j", env["NEO4J_URI"]])

    result = runner.run_all(args)["baseline"]

    text = out.read_text()
    _check_run(result, ["falkordb", "neo4j"], text)
    assert counted == {"postgres_server": 1, "measure_postgres": 1}
    assert result["teamgraph"]["neo4j"]["engine"]["kind"] == "neo4j"
    assert result["params"]["neo4j"] == env["NEO4J_URI"]
    assert f"--neo4j {env['NEO4J_URI']}" in text
    assert "- teamgraph on Neo4j: Neo4j " in text
    largest = text[text.index("| distributor ") :].splitlines()[0]
    assert "teamgraph on FalkorDB | ratio p50 | teamgraph on Neo4j | ratio p50" in largest
