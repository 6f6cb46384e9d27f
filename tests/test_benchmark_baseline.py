"""The relational baseline's rows (benchmarks/baseline.py) mean what teamgraph means.

The benchmark loads the synthetic shop into PostgreSQL as ``users(id, parent_id,
is_distributor)`` and ``orders(id, user_id)``, and checks its SQL answers against teamgraph's in
every run. ``make test`` installs no PostgreSQL, so these tests hold the parts that need none: the
COPY rows, and the walk of the parent column (done here in Python, as the recursive SQL does
it) against teamgraph's counters and bindings on a tiny shop, on both engines. Nothing is timed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks import baseline, runner
from teamgraph.etl import demo
from teamgraph.graph import Engine
from teamgraph.shop import Shop
from tests.conftest import new_shop_id

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
