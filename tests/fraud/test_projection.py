"""The scan's projection as the graph gives it (``GraphSource``, F-7), read column-wise
(``store.read_columns``) and the shared values one kind at a time since issue 13: on both
engines it equals the same statements read as rows of dicts, the form the scan read before; its
shared signal values equal the shop's signals counted in Python (R-6.1, F-8), which is what the
single statement before counted; and the detector's faster steps (attribution cycles pruned to
strongly connected components, rows as dicts) answer what they answered before."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import networkx as nx
import pandas as pd
import pytest

from teamgraph.etl import generator
from teamgraph.fraud.detect import ById, _records, binding_cycles
from teamgraph.fraud.projection import SIGNAL_LABELS, Neighbourhood
from teamgraph.graph import Engine, GraphStore
from teamgraph.shop import Shop
from teamgraph.shop.projection import GraphSource
from tests.conftest import new_shop_id
from tests.fraud.conftest import load_generated

MAX_SHARED = 50
SHARED = ["kind", "value", "customer_id", "first_seen", "k"]
DISTRIBUTORS = [
    "id",
    "level",
    "status",
    "became_at",
    "perf_received_fen",
    "perf_transaction_fen",
    "perf_paid_orders",
    "perf_completed_orders",
    "direct_clients",
    "invitees",
]
LINKS = ["customer_id", "distributor_id", "since", "ended_at"]
PARTS = {
    "customers": ["id", "name", "joined_at", "is_distributor", "level"],
    "bindings": LINKS,
    "invitations": ["id", "inviter_id", "at"],
    "orders": ["id", "customer_id", "paid_at", "paid_fen", "refunded_fen", "settle_at",
               "attributed_to"],
    "rewards": ["order_id", "distributor_id", "amount", "status", "tier"],
    "refunds": ["order_id", "at", "amount_fen"],
}  # fmt: skip


@pytest.fixture(scope="module")
def generated(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """1,500 customers, 150 distributors, 800 orders, 8 planted rings."""
    shop, _ = load_generated(
        engine,
        new_shop_id("proj"),
        tmp_path_factory.mktemp("projection"),
        customers=1500,
        distributors=150,
        orders=800,
        seed=5,
        rings=8,
    )
    yield shop
    shop.store.drop()


def rows_frame(store: GraphStore, name: str, columns: list[str], **params: Any) -> pd.DataFrame:
    """The projection's frame as the scan built it before issue 13: rows of dicts."""
    return pd.DataFrame(store.read(name, **params), columns=columns)


def ordered(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in one order (the engine promises none), the frame's types untouched."""
    keys = list(frame.columns)
    order = frame.astype(str).sort_values(keys).index
    return frame.loc[order].reset_index(drop=True)


def test_f7_the_whole_shop_pass_read_as_columns_equals_the_rows(generated: Shop) -> None:
    store, source = generated.store, GraphSource(generated.store)
    shared = pd.DataFrame(
        [
            {"kind": kind, **row}
            for kind in SIGNAL_LABELS.values()
            for row in store.read(f"risk.shared_{kind}", max_shared=MAX_SHARED)
        ],
        columns=SHARED,
    )
    new = source.shared_signals(MAX_SHARED)
    assert len(new) > 0
    pd.testing.assert_frame_equal(ordered(new), ordered(shared))
    distributors = source.distributors()
    assert len(distributors) == 150
    pd.testing.assert_frame_equal(
        ordered(distributors), ordered(rows_frame(store, "risk.distributors", DISTRIBUTORS))
    )
    pd.testing.assert_frame_equal(
        ordered(source.distributor_bindings()),
        ordered(rows_frame(store, "risk.distributor_bindings", LINKS)),
    )


def test_r6_1_the_shared_values_are_the_shops_signals_counted(generated: Shop) -> None:
    """Every value 2..max_shared customers use, each of its customers with the first time
    seen, and nothing else: the engine's aggregation against a count in Python."""
    customers = generator.generate(1500, 150, 800, 5, 8, generator.END_MS).tables["customers"]
    ids = customers.column("id").to_pylist()
    rows = generated.store.read("etl.signals_get", ids=ids)
    every = pd.DataFrame(
        {
            "kind": [SIGNAL_LABELS[r["labels"][0]] for r in rows],
            "value": [r["value"] for r in rows],
            "customer_id": [r["customer_id"] for r in rows],
            "first_seen": [r["first_seen"] for r in rows],
        }
    )
    k = every.groupby(["kind", "value"])["customer_id"].transform("nunique")
    want = every[(k >= 2) & (k <= MAX_SHARED)].assign(k=k)
    got = GraphSource(generated.store).shared_signals(MAX_SHARED)
    key = ["kind", "value", "customer_id"]
    assert not got.duplicated(key).any()
    got_set = set(got[[*key, "first_seen", "k"]].itertuples(index=False, name=None))
    want_set = set(want[[*key, "first_seen", "k"]].itertuples(index=False, name=None))
    assert got_set == want_set and len(got_set) > 0


def test_f7_the_neighbourhood_read_as_columns_equals_the_rows(generated: Shop) -> None:
    """In batches smaller than the ids, so the columns of several batches are joined."""
    store = generated.store
    shared = GraphSource(store).shared_signals(MAX_SHARED)
    ids = sorted(set(shared["customer_id"]))[:60]
    ids += [r["id"] for r in store.read("risk.distributors")][:20]
    ids.append("no-such-customer")
    hood = GraphSource(store, batch=7).neighbourhood(ids)
    for part, columns in PARTS.items():
        rows: list[dict[str, Any]] = []
        for start in range(0, len(ids), 7):
            rows.extend(store.read(f"risk.members_{part}", ids=ids[start : start + 7]))
        before = pd.DataFrame(rows, columns=columns)
        assert len(before) > 0, part
        pd.testing.assert_frame_equal(ordered(getattr(hood, part)), ordered(before))
    empty = GraphSource(store).neighbourhood(["no-such-customer"])
    for part in PARTS:
        pd.testing.assert_frame_equal(getattr(empty, part), getattr(Neighbourhood(), part))


# -- the detector's steps, against what they did before --------------------------------------------
def every_cycle(bindings: pd.DataFrame) -> list[list[str]]:
    """Every simple cycle of two or more (networkx's unbounded search), each rotated to start
    at its smallest id."""
    g = nx.DiGraph()
    g.add_edges_from(zip(bindings["customer_id"], bindings["distributor_id"], strict=True))
    out = []
    for cycle in nx.simple_cycles(g):
        if len(cycle) >= 2:
            i = cycle.index(min(cycle))
            out.append(cycle[i:] + cycle[:i])
    return sorted(out)


@pytest.mark.parametrize("seed", range(6))
def test_r6_3_attribution_cycles_of_any_length_are_all_found(seed: int) -> None:
    """Open bindings are one per customer, so each strongly connected component is one cycle:
    the components give every cycle, a 7- or 12-long one as well as a pair (issue 18: a search
    bounded at 6 missed a cycle of 7)."""
    rnd = random.Random(seed)
    nodes = [f"d{i:03d}" for i in range(200)]
    target = {n: rnd.choice(nodes) for n in nodes if rnd.random() < 0.6}
    free = [n for n in nodes if n not in target]
    for size in (2, 7, 12):  # planted cycles among customers with no binding yet
        members = free[:size]
        free = free[size:]
        target.update(zip(members, members[1:] + members[:1], strict=True))
    bindings = pd.DataFrame(sorted(target.items()), columns=["customer_id", "distributor_id"])
    found = binding_cycles(bindings)
    assert found == every_cycle(bindings)
    assert {7, 12} <= {len(c) for c in found}
    assert all(len(c) <= 6 for c in binding_cycles(bindings, 6))


def test_rows_as_dicts_are_what_pandas_made_before() -> None:
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "a", None],
            "level": [1, None, 3, 4],
            "became_at": [10, 20, 30, 2**40],
            "flag": [True, False, True, False],
            "status": ["active", None, "frozen", "active"],
            "none": [None, None, None, None],
        }
    )
    before = frame.astype(object).where(frame.notna(), None).to_dict("records")
    assert _records(frame) == before
    assert [list(map(type, r.values())) for r in _records(frame)] == [
        list(map(type, r.values())) for r in before
    ]
    rows = ById(frame)
    assert "a" in rows and "c" not in rows and rows.get("c") is None
    assert rows.get("a") == before[2]  # the last row of a repeated id, as a dict keyed by id
    assert rows.get("b") == before[1]
    assert "x" not in ById(frame.iloc[:0])
